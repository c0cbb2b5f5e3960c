"""The value comparison every check stands on: torch.testing.assert_close's rules, in both orientations."""
from __future__ import annotations

import numpy as np
import pytest

from conformance.checks.compare import mismatch

INF = float("inf")


@pytest.mark.parametrize("expected, actual", [
    ([INF], [3.0e38]),     # exp of a large int: torch overflows float32, JAX's float64 does not
    ([3.0e38], [INF]),
    ([INF], [-INF]),
    ([-INF], [np.nan]),
    ([1.0], [np.nan]),
    ([np.nan], [1.0]),
    ([1.0, INF], [1.0, 1.0e300]),
])
def test_non_finite_values_match_only_exactly(expected, actual) -> None:
    for e, a in ((expected, actual), (actual, expected)):  # the verdict must not depend on who is the oracle
        m = mismatch(np.array(e, np.float64), np.array(a, np.float64))
        assert m is not None and m["problem"] == "values differ", (e, a)


def test_equal_non_finite_and_close_values_match() -> None:
    e = np.array([INF, -INF, np.nan, 1.0, 0.0], np.float32)
    a = np.array([INF, -INF, np.nan, 1.0 + 1e-7, 1e-9], np.float32)
    assert mismatch(e, a) is None and mismatch(a, e) is None
    assert mismatch(e, a + np.float32([0, 0, 0, 1e-3, 0])) is not None  # beyond float32's rtol 1.3e-6


# ---- vs JAX: torch and the library are held to JAX the same way ----------------------------------
# rtol scales with the *expected* value, so mismatch(a, b) and mismatch(b, a) can disagree.  Both
# _vs_jax functions compare torch against JAX and then the library against JAX; they must put JAX
# on the same side both times, or a library returning torch's exact values could "differ from JAX"
# while "torch agrees with JAX" (or the reverse).  JAX is the expected value in both.

from types import SimpleNamespace  # noqa: E402

from conformance.checks import autograd, forward  # noqa: E402
from conformance.checks.base import Diverged, Mismatch  # noqa: E402
from conformance.runners.base import Outcome  # noqa: E402

LOOSE = {"float64": (0.5, 0.0)}  # rtol 0.5: |1.8 - 1.0| is within 0.5 * 1.8 but not within 0.5 * 1.0


class _Fixed:
    """A runner whose op returns a fixed array (forward) or fixed gradients (autograd)."""

    def __init__(self, value: np.ndarray) -> None:
        self.value = value

    def build(self, ex, grad=frozenset()):
        return SimpleNamespace(tensors={}, ndarrays={})

    def call(self, path, b=None):
        return Outcome(self.value)

    def read(self, v, what=None):
        return v

    def outputs(self, op, v):
        return v

    def vjp(self, ex, names, cotangent_for):
        return Outcome([self.value])


def _ctx(torch_v: float, jax_v: float, impl_v: float):
    op = SimpleNamespace(tolerance=LOOSE, grad_tolerance={}, post=None, outputs=(), ties=False,
                         torch="torch.f", impl="lib.f")
    arr = lambda v: np.array([v], np.float64)  # noqa: E731
    ctx = SimpleNamespace(op=op, torch=_Fixed(arr(torch_v)), impl=_Fixed(arr(impl_v)), jax=_Fixed(arr(jax_v)),
                          oracle="jax", dtype="float64")
    return ctx, SimpleNamespace(extra={"ct_seed": 0}, op=op)


def _vs_jax(kind: str, ctx, ex, monkeypatch):
    if kind == "forward":
        return forward._vs_jax(ctx, ex)
    monkeypatch.setattr(autograd, "_grads", lambda c, runner, e, names: (Outcome(None), [runner.value]))
    return autograd._vs_jax(ctx, ex, ["x"])


@pytest.mark.parametrize("kind", ["forward", "autograd"])
@pytest.mark.parametrize("torch_v, jax_v", [(1.8, 1.0), (1.0, 1.8), (1.0, 1.0), (1.0, 3.0)])
def test_vs_jax_holds_torch_and_the_library_to_jax_the_same_way(kind, torch_v, jax_v, monkeypatch) -> None:
    ctx, ex = _ctx(torch_v, jax_v, impl_v=torch_v)  # the library returns exactly what torch returns
    try:
        verdict = _vs_jax(kind, ctx, ex, monkeypatch)
    except Mismatch as m:  # the library was judged differently from torch on the same values
        pytest.fail(f"library equal to torch failed where torch passed: {m.message}")
    # and the torch-vs-JAX verdict is JAX-as-expected's: within rtol * |jax|
    torch_agrees = abs(torch_v - jax_v) <= LOOSE["float64"][0] * abs(jax_v)
    assert isinstance(verdict, Diverged) == (not torch_agrees), (torch_v, jax_v, verdict)
    if isinstance(verdict, Diverged):
        d = verdict.detail["torch_vs_jax"]
        assert (d["expected_at"], d["actual_at"]) == (jax_v, torch_v)  # expected = JAX, actual = torch


@pytest.mark.parametrize("kind", ["forward", "autograd"])
def test_vs_jax_library_off_by_more_than_jax_rtol_fails(kind, monkeypatch) -> None:
    ctx, ex = _ctx(1.0, 1.0, impl_v=1.8)  # torch agrees with JAX exactly; the library is 80% off
    with pytest.raises(Mismatch):
        _vs_jax(kind, ctx, ex, monkeypatch)
