"""Drawing 1e7 numbers: impl (torch's exact CPU streams, on NumPy) vs torch vs NumPy's own generator.

    .venv/bin/python -m pytest benchmarks/test_bench_random.py --benchmark-only

NumPy's rows use `default_rng()` (PCG64, ziggurat normals): the cost of a generator that makes no
promise to match torch.  No timing is asserted; the values are only checked to have the right shape.
"""
import numpy as np
import pytest
import torch

import impl

N = 10_000_000


def _np_rand(rng):
    return rng.random(N, dtype=np.float32)


def _np_randn(rng):
    return rng.standard_normal(N, dtype=np.float32)


CASES = {
    ("rand", "impl"): lambda: impl.rand(N),
    ("rand", "torch"): lambda: torch.rand(N),
    ("rand", "numpy"): lambda rng=np.random.default_rng(0): _np_rand(rng),
    ("randn", "impl"): lambda: impl.randn(N),
    ("randn", "torch"): lambda: torch.randn(N),
    ("randn", "numpy"): lambda rng=np.random.default_rng(0): _np_randn(rng),
    ("randn_float64", "impl"): lambda: impl.randn(N, dtype=impl.float64),
    ("randn_float64", "torch"): lambda: torch.randn(N, dtype=torch.float64),
    ("randn_float64", "numpy"): lambda rng=np.random.default_rng(0): rng.standard_normal(N),
}


@pytest.mark.parametrize("op,lib", sorted(CASES), ids=lambda v: v)
def test_draw_1e7(benchmark, op, lib):
    benchmark.group = f"{op} 1e7"
    impl.manual_seed(0)
    torch.manual_seed(0)
    rounds = 2 if op == "randn_float64" else 3
    out = benchmark.pedantic(CASES[(op, lib)], rounds=rounds, iterations=1, warmup_rounds=0)
    assert tuple(out.shape) == (N,)
