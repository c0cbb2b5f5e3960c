"""GPU benchmarks: impl on CuPy vs torch CUDA vs CuPy itself (the floor impl builds on), measured in one run.

    GPU_PYTHON -m pytest benchmarks/test_bench_gpu.py --benchmark-only --benchmark-json=reports/bench_gpu.json
    python benchmarks/ratios.py reports/bench_gpu.json --floor cupy

Skipped, with the reason, where torch sees no CUDA device or CuPy is missing. Every timed call ends with a
device synchronisation, so a time is the op's and not its asynchronous launch. No timing is asserted.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no GPU: torch.cuda.is_available() is False", allow_module_level=True)
cupy = pytest.importorskip("cupy", reason="no CuPy: impl's CUDA backend needs it")

import impl  # noqa: E402

FRAMEWORKS = ("impl", "torch", "cupy")
pytestmark = pytest.mark.gpu

LARGE = {
    "add 1e7": ((10_000_000,), lambda a, b: a + b),
    "mul 1e7": ((10_000_000,), lambda a, b: a * b),
    "exp 1e7": ((10_000_000,), lambda a, b: cupy.exp(a) if isinstance(a, cupy.ndarray) else a.exp()),
    "sum 1e7": ((10_000_000,), lambda a, b: a.sum()),
    "matmul 1024": ((1024, 1024), lambda a, b: a @ b),
    "tiny add 2x3": ((2, 3), lambda a, b: a + b),
}


def _convert(fw: str, arrays: list) -> list:
    if fw == "impl":
        return [impl.tensor(a, device="cuda") for a in arrays]
    if fw == "torch":
        return [torch.tensor(a, device="cuda") for a in arrays]
    return [cupy.asarray(a) for a in arrays]


def _sync() -> None:
    # impl, torch and CuPy share the device's default stream; one synchronisation waits for all of them
    torch.cuda.synchronize()
    cupy.cuda.Device().synchronize()


@pytest.mark.parametrize("fw", FRAMEWORKS)
@pytest.mark.parametrize("name", sorted(LARGE))
def test_gpu(benchmark, name, fw):
    shape, fn = LARGE[name]
    benchmark.group = f"cuda {name}"
    rng = np.random.default_rng(0)
    a, b = _convert(fw, [rng.standard_normal(shape).astype(np.float32) for _ in range(2)])

    def run():
        out = fn(a, b)
        _sync()
        return out

    out = benchmark.pedantic(run, rounds=30, iterations=1, warmup_rounds=3)
    assert tuple(out.shape) == tuple(fn(*_convert("cupy", [np.ones(shape, np.float32)] * 2)).shape)
