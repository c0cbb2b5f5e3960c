"""Op benchmarks: impl vs torch eager vs NumPy vs JAX eager, measured in one run.

    .venv/bin/python -m pytest benchmarks/test_bench_ops.py --benchmark-only --benchmark-json=reports/bench.json
    .venv/bin/python benchmarks/ratios.py reports/bench.json        # the ratio table (and a chart)

Each benchmark group is one workload; its rows are the frameworks. No timing is asserted anywhere:
results are read as ratios against torch and NumPy (benchmarks/ratios.py). Every workload checks
that the frameworks agree on the result's shape, so a benchmark never times a broken op.
"""
from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import impl  # noqa: E402

jax.config.update("jax_enable_x64", True)
FRAMEWORKS = ("impl", "torch", "numpy", "jax")


def _arrays(shape, n=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(n)]


def _convert(fw, arrays):
    if fw == "impl":
        return [impl.tensor(a) for a in arrays]
    if fw == "torch":
        return [torch.tensor(a) for a in arrays]
    if fw == "jax":
        return [jnp.asarray(a) for a in arrays]
    return [a.copy() for a in arrays]


def _block(x):
    # JAX dispatches asynchronously: wait for the value so the time is the op's, not the dispatch's
    return x.block_until_ready() if hasattr(x, "block_until_ready") else x


# ---- tiny tensors: per-op overhead -------------------------------------------------------------------

TINY = {
    "add": lambda fw, a, b: a + b,
    "mul": lambda fw, a, b: a * b,
    "sum": lambda fw, a, b: a.sum(),
    "view": lambda fw, a, b: a.reshape(3, 2) if fw in ("numpy", "jax") else a.view(3, 2),
    "index": lambda fw, a, b: a[0, 1:],
    "matmul": lambda fw, a, b: a @ b.T if fw in ("numpy", "jax") else a @ b.t(),
}


@pytest.mark.parametrize("fw", FRAMEWORKS)
@pytest.mark.parametrize("op", sorted(TINY))
def test_tiny_overhead(benchmark, op, fw):
    benchmark.group = f"tiny 2x3 {op}"
    a, b = _convert(fw, _arrays((2, 3)))
    fn = TINY[op]
    out = benchmark(lambda: _block(fn(fw, a, b)))
    assert tuple(out.shape) == tuple(TINY[op]("numpy", *_arrays((2, 3))).shape)


# ---- large arrays: how close impl stays to the NumPy floor it builds on ----------------------------------

LARGE = {
    "add 1e7": ((10_000_000,), lambda a, b: a + b),
    "mul 1e7": ((10_000_000,), lambda a, b: a * b),
    "exp 1e7": ((10_000_000,), lambda a, b: _exp(a)),
    "matmul 1024": ((1024, 1024), lambda a, b: a @ b),
}


def _exp(a):
    if isinstance(a, np.ndarray):
        return np.exp(a)
    if isinstance(a, jax.Array):
        return jnp.exp(a)
    return a.exp()


@pytest.mark.parametrize("fw", FRAMEWORKS)
@pytest.mark.parametrize("name", sorted(LARGE))
def test_large(benchmark, name, fw):
    shape, fn = LARGE[name]
    benchmark.group = f"large {name}"
    a, b = _convert(fw, _arrays(shape))
    # 15 rounds: a 1e7 op's time swings with page faults and the machine's load; 5 medians were too noisy to
    # tell 1.0x from 1.3x against NumPy
    out = benchmark.pedantic(lambda: _block(fn(a, b)), rounds=15, iterations=1, warmup_rounds=2)
    assert tuple(out.shape) == (shape if len(shape) == 1 else (shape[0], shape[1]))


# ---- autograd ------------------------------------------------------------------------------------

def _small_graph(m):
    x = m.ones(8, 8, requires_grad=True)
    w = m.ones(8, 8, requires_grad=True)
    y = ((x @ w).tanh() * x).sum()
    y.backward()
    return x.grad


def _chain(m, n=1000):
    x = m.ones(4, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    y.sum().backward()
    return x.grad


def _training_loop(m, steps=800):
    # seed 001's loop: y = w * x^2 + b, update under no_grad, grad.zero_()
    m.manual_seed(100)
    x = m.unsqueeze(m.linspace(-1, 1, 100), dim=1)
    y = 3 * x.pow(2) + 2 + 0.2 * m.rand(x.size())
    w = m.rand(1, 1, requires_grad=True)
    b = m.zeros(1, 1, requires_grad=True)
    for _ in range(steps):
        loss = 0.5 * (w * x.pow(2) + b - y).pow(2).sum()
        loss.backward()
        with m.no_grad():
            w -= 0.001 * w.grad
            b -= 0.001 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    return w


def _jax_small_graph():
    x = jnp.ones((8, 8))
    w = jnp.ones((8, 8))
    return _block(jax.grad(lambda x, w: (jnp.tanh(x @ w) * x).sum())(x, w))


AUTOGRAD = {
    "small graph fwd+bwd": {"impl": lambda: _small_graph(impl), "torch": lambda: _small_graph(torch),
                            "jax": _jax_small_graph},
    "1000-node chain": {"impl": lambda: _chain(impl), "torch": lambda: _chain(torch)},
    "training loop 800 steps": {"impl": lambda: _training_loop(impl), "torch": lambda: _training_loop(torch)},
}


@pytest.mark.parametrize("fw,name", [(fw, n) for n, fws in AUTOGRAD.items() for fw in fws])
def test_autograd(benchmark, name, fw):
    benchmark.group = f"autograd {name}"
    # rounds by cost: the small graph's ~0.1 ms median needs many rounds to be stable; the loop takes ~0.1 s
    rounds = {"small graph fwd+bwd": 200, "1000-node chain": 10}.get(name, 3)
    out = benchmark.pedantic(AUTOGRAD[name][fw], rounds=rounds, iterations=1, warmup_rounds=1)
    assert out is not None
