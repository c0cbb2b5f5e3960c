"""Every declared error case is real: on some draw of it, torch raises.

The errors check discards draws torch accepts, so a case torch never rejects (a wrong guess about
torch, or a strategy that cannot produce the bad input) would pass silently and fill the report's
errors column with nothing.  Here each case alone, in one of its dtype buckets, must make torch
raise within a few dozen draws (most do on the first one).  A case whose draws torch rejects only
for another reason (an inf norm of an empty tensor...) still passes here: the search stops at the
first raise and does not check why.
"""
from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from conformance import catalog, engine, profiles, strategies
from conformance.checks import REGISTRY
from conformance.checks.errors import _attempt, _modes

CAT = catalog.load()
CASES = [(op.name, i) for op in CAT.ops.values() for i in range(len(op.errors))]


class _Raised(Exception):
    """torch raised on this draw: the case is real (stops the search, nothing to shrink)."""


@pytest.fixture(scope="module")
def env() -> engine.Env:
    return engine.Env(CAT, "torch", profiles.get("ci"))


@pytest.mark.parametrize("op_name,index", CASES, ids=[f"{o}-{i}" for o, i in CASES])
def test_torch_raises_on_the_case(op_name: str, index: int, env: engine.Env) -> None:
    op = CAT.ops[op_name]
    case, mode = op.errors[index], _modes(op, "torch")[index]
    buckets = [d for d in (op.dtypes or (None,)) if mode.buckets is None or d in mode.buckets]
    assert buckets, f"{op_name}: error case {case} applies to none of the op's dtypes {op.dtypes}"
    dtype = "float32" if "float32" in buckets else buckets[0]
    if case.how == "overflow":
        _check_overflow_draws(op, dtype, mode, env)
        return
    ctx = engine.Ctx(op, dtype, "errors", "torch", env.torch, env.torch, None, env.profile, "torch")
    seen: list[str] = []

    @settings(max_examples=60, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategies.example(op, dtype, env.profile, mode))
    def search(ex: strategies.Example) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = _attempt(ctx, ctx.torch, ex)["outcome"]
        if outcome.raised:
            raise _Raised()
        seen.append(repr({k: v for k, v in ex.values.items()})[:200])

    with pytest.raises(_Raised):
        search()
    assert REGISTRY["errors"].applies(op)


def _check_overflow_draws(op, dtype: str, mode, env: engine.Env) -> None:
    """An overflow case need not make torch raise (whether torch refuses a number past the dtype's
    range depends on the op and the size: a wrapped scalar operand never is refused, and the errors
    check then holds the library to torch's result); its draws must lie outside the dtype, in every
    bucket it runs in."""
    import math

    import numpy as np

    from conformance import dtypes as cdt

    for bucket in [d for d in op.dtypes if mode.buckets is None or d in mode.buckets]:
        npd = cdt.to_numpy(bucket)

        @settings(max_examples=20, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategies.example(op, bucket, env.profile, mode))
        def search(ex: strategies.Example) -> None:
            v = ex.values[mode.invalid]
            assert isinstance(v, (int, float)) and not isinstance(v, bool), v
            if cdt.is_float(bucket):
                assert not math.isfinite(v) or abs(v) > float(np.finfo(npd).max), (bucket, v)
            else:
                info = np.iinfo(npd)
                assert not math.isfinite(v) or v > int(info.max) or v < int(info.min), (bucket, v)

        search()
