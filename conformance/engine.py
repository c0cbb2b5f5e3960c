"""The generic driver: for one op x check x oracle x dtype, search with Hypothesis and emit one record.

Status logic (one place):
  failure found  -> "gap" if specs/gaps.toml declares it for this impl, else "fail"
  no failure     -> "pass"; but a declared gap/divergence must still reproduce: we search again with
                    a larger budget and report "gap"/"divergence" (with the shrunk example) or "stale".
  harness crash  -> "error"; not applicable -> "skip" with a reason.

Before the search, each record runs its typical example (see _typical): one non-degenerate input
drawn in strategies.Mode.typical.  A failure or hang there is the record's result, as if the search had
found it; the record's "typical" field says whether one was built (and why not).
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import signal
import threading
import time
import traceback
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
from hypothesis import given
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky, Unsatisfiable

from . import dtypes, layouts, profiles, repro, strategies
from .catalog import TENSOR_KINDS, Catalog, OpSpec
from .checks import REGISTRY, Check, Ctx, Diverged, Mismatch
from .checks.base import diff_inputs
from .runners import JaxRunner, ReadError, TorchLikeRunner
from .runners.jaxrunner import use_device as use_jax_device
from .strategies import Example, NdArray, TensorArg


@dataclass
class Env:
    """Everything a run shares: catalog, runners, profile, device, seed."""
    catalog: Catalog
    impl_name: str
    profile: profiles.Profile
    device: str = "cpu"
    seed: int = 0
    impl: TorchLikeRunner = field(init=False, repr=False)
    torch: TorchLikeRunner = field(init=False)
    _jax: JaxRunner | None = field(default=None, init=False)

    impl_module: Any = None  # a module object instead of importing impl_name (tests plant bugs this way)

    def __post_init__(self) -> None:
        import torch

        module = self.impl_module or importlib.import_module(self.impl_name)
        self.impl = TorchLikeRunner(module, "impl", self.device)
        self.torch = TorchLikeRunner(torch, "torch", self.device)
        use_jax_device(self.device)

    @property
    def jax(self) -> JaxRunner:
        if self._jax is None:
            self._jax = JaxRunner()
        return self._jax


def cases(op: OpSpec, device: str = "cpu") -> Iterator[tuple[Check, str]]:
    """The (check, oracle) pairs that apply to `op` on `device`, in report order."""
    for check in REGISTRY.values():
        if check.applies(op) and (check.devices is None or device in check.devices):
            for oracle in check.oracles:
                yield check, oracle


@dataclass
class _Search:
    examples: int = 0
    last: Example | None = None
    failure: Mismatch | None = None
    diverged: tuple[Example, Diverged] | None = None
    unsatisfiable: str | None = None
    crash: str | None = None
    not_run: str | None = None  # typical search: why the drawn example was not run (degenerate)


def _record_seed(env: Env, op: str, check: str, oracle: str, dtype: str | None) -> int:
    return zlib.crc32(f"{op}|{check}|{oracle}|{dtype}|{env.seed}".encode())


class _TimedOut(BaseException):
    """Raised by SIGALRM; a BaseException so Hypothesis does not treat it as a failure to shrink."""


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):  # noqa: ARG001
        raise _TimedOut()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _search(env: Env, ctx: Ctx, check: Check, strategy: st.SearchStrategy, max_examples: int,
            record_seed: int, raise_on_divergence: bool,
            precheck: Callable[[Example], str | None] | None = None) -> _Search:
    s = _Search()

    def body(ex: Example) -> None:
        if precheck is not None:
            why = precheck(ex)
            if why is not None:
                s.not_run = why
                return
        s.examples += 1
        s.last = ex
        try:
            verdict = check.run(ctx, ex)
        except ReadError as e:
            if e.runner != "impl":
                raise
            raise Mismatch(f"reading the library's result failed: {e}", {"error": repr(e.exc)}) from e
        if isinstance(verdict, Diverged):
            if s.diverged is None:
                s.diverged = (ex, verdict)
            if raise_on_divergence:
                raise Mismatch("torch and JAX disagree", verdict.detail, undeclared_divergence=True)

    test = hyp_seed(record_seed)(profiles.hypothesis_settings(env.profile, max_examples)(given(strategy)(body)))
    try:
        with warnings.catch_warnings(), _time_limit(env.profile.record_timeout_s):
            warnings.simplefilter("ignore")  # edge inputs make torch/NumPy warn; the comparison is what counts
            test()
    except _TimedOut:
        s.crash = (f"timed out after {env.profile.record_timeout_s}s ({s.examples} examples): "
                   "the library hung or is very slow on the last example")
    except Mismatch as m:
        s.failure = m
    except Unsatisfiable as e:
        s.unsatisfiable = str(e)
    except Flaky as e:  # the library (or the harness) is not deterministic on one input
        inner = [x for x in getattr(e, "exceptions", ()) if isinstance(x, Mismatch)]
        if inner:
            s.failure = Mismatch("flaky: " + inner[0].message, inner[0].detail)
        else:
            s.crash = "".join(traceback.format_exception(e))[-4000:]
    except Exception as e:  # noqa: BLE001 - a bug in the harness: report it as "error"
        s.crash = "".join(traceback.format_exception(e))[-4000:]
    return s


def describe(ex: Example) -> dict[str, Any]:
    """A JSON-safe summary of an example for the report (repro holds the exact values)."""
    out: dict[str, Any] = {}

    def tensor(v: TensorArg) -> dict[str, Any]:
        return {"shape": list(v.shape), "dtype": v.dtype, "layout": v.layout.name,
                "values": repr(v.array.tolist())[:300]}

    for name, v in ex.values.items():
        if isinstance(v, TensorArg):
            out[name] = tensor(v)
        elif isinstance(v, list) and v and all(isinstance(x, TensorArg) for x in v):
            out[name] = [tensor(x) for x in v]
        elif isinstance(v, NdArray):
            out[name] = {"ndarray_shape": list(v.array.shape), "dtype": v.array.dtype.name}
        else:
            out[name] = repro.py_src(v)
    if ex.splat:
        out["_splat"] = {k: v for k, v in ex.splat.items() if v}
    if ex.extra:
        out["_extra"] = dict(ex.extra)
    return out


def modes_for(op: OpSpec, check: Check, oracle: str, dtype: str | None) -> list[strategies.Mode]:
    """The check's draw modes that apply to this dtype bucket (an error case may name its buckets)."""
    return [m for m in check.modes(op, oracle) if m.buckets is None or dtype in m.buckets]


def strategy_for(env: Env, op: OpSpec, check: Check, oracle: str, dtype: str | None) -> st.SearchStrategy:
    parts = [strategies.example(op, dtype, env.profile, mode, check.extra(op))
             for mode in modes_for(op, check, oracle, dtype)]
    return parts[0] if len(parts) == 1 else st.one_of(parts)


def typical_strategy(env: Env, op: OpSpec, check: Check, oracle: str, dtype: str | None,
                     salt: int) -> st.SearchStrategy:
    """The record's strategy in typical mode (strategies.Mode.typical): its simplest draw, which
    Hypothesis tries first, is the record's typical example; a failure on it shrinks within the mode."""
    parts = [strategies.example(op, dtype, env.profile, dataclasses.replace(mode, typical=salt), check.extra(op))
             for mode in modes_for(op, check, oracle, dtype)]
    return parts[0] if len(parts) == 1 else st.one_of(parts)


def degenerate(ex: Example) -> str | None:
    """Why `ex` is no typical example (None: it is one): an input tensor that is empty, has fewer than
    2 elements, or (non-bool) all-equal values; the argument drawn invalid for the errors check aside."""
    invalid = ex.extra.get("invalid")
    for name, t in ex.tensor_args().items():
        if invalid is not None and name.split("[")[0] == invalid:
            continue
        if t.array.size < 2:
            return f"{name} has shape {tuple(t.shape)}"
        flat = t.array.reshape(-1)
        if t.dtype != "bool" and np.all((flat == flat[0]) | (np.isnan(flat) & np.isnan(flat[0]))):
            return f"{name} is constant ({flat[0]!r})"
    return None


def _size(ex: Example) -> int:
    """Elements in an example's tensors: which of two failing examples is the smaller repro."""
    return sum(t.array.size for t in ex.tensor_args().values())


def _typical(env: Env, ctx: Ctx, op: OpSpec, check: Check, oracle: str, dtype: str | None, rseed: int,
             raise_on_divergence: bool) -> tuple[_Search | None, dict[str, Any]]:
    """Run the record's typical example.  A failure on it (shrunk by Hypothesis) or a hang is the
    record's result (the search is then not run); when no typical example can be built (degenerate,
    unsatisfiable) or the harness crashes on it, the note says why and the search goes on alone."""
    try:
        strategy = typical_strategy(env, op, check, oracle, dtype, rseed)
    except Exception as e:  # noqa: BLE001
        return None, {"built": False, "reason": f"no typical strategy: {type(e).__name__}: {e}"}
    t = _search(env, ctx, check, strategy, 1, rseed, raise_on_divergence, precheck=degenerate)
    if t.failure:
        return t, {"built": True, "failed": True}
    if t.crash and t.crash.startswith("timed out"):  # the library hung on it: an error like any other
        return t, {"built": True, "timed_out": True}
    if t.examples and not (t.crash or t.unsatisfiable):
        ex = t.last
        return t, {"built": True, "example": {k: list(v.shape) for k, v in ex.tensor_args().items()}}
    why = (t.not_run and f"degenerate: {t.not_run}") or (t.unsatisfiable and "unsatisfiable") or (
        t.crash and "could not run: " + t.crash.strip().splitlines()[-1][:300]) or "not drawn"
    return None, {"built": False, "reason": why}


def run_record(env: Env, op: OpSpec, check: Check, oracle: str, dtype: str | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    rec: dict[str, Any] = {
        "op": op.name, "group": op.group, "check": check.name, "oracle": oracle, "dtype": dtype,
        "device": env.device, "status": "pass", "reason": None, "examples": 0, "detail": {},
        "repro": None, "seeds": list(op.seeds), "spec": op.name,
    }

    ctx: Ctx | None = None

    def done(**kw: Any) -> dict[str, Any]:
        rec.update(kw)
        if ctx is not None and ctx.notes:  # measurements, whatever the verdict (never the verdict)
            notes = {k: v.summary() if hasattr(v, "summary") else v for k, v in ctx.notes.items()}
            rec["detail"] = {**{k: v for k, v in notes.items() if v is not None}, **(rec["detail"] or {})}
        rec["duration_s"] = round(time.perf_counter() - t0, 4)
        return rec

    if check.name in op.skip:
        return done(status="skip", reason=op.skip[check.name])
    if env.device == "cuda" and check.name in op.cuda_skip:
        return done(status="skip", reason="on CUDA: " + op.cuda_skip[check.name])
    if oracle == "jax" and not op.jax:
        return done(status="skip", reason=f"no JAX oracle: {op.jax_reason}")
    if not modes_for(op, check, oracle, dtype):
        return done(status="skip", reason=f"no declared {check.name} case applies to dtype {dtype}")
    jd = env.profile.jax_dtypes
    if oracle == "jax" and jd and dtype is not None and dtype not in jd:
        return done(status="skip", reason=f"profile {env.profile.name!r} runs the JAX oracle on {', '.join(jd)} "
                                          "only (JAX compiles per shape and dtype); torch covers this dtype")
    budget = env.profile.jax_examples if oracle == "jax" else env.profile.max_examples
    if check.budget is not None:
        budget = check.budget(env.profile)

    gap = env.catalog.gap_for(op.name, check.name, oracle, dtype, env.impl_name)
    div = op.divergence_for(check.name, oracle, dtype)
    try:
        ctx = Ctx(op, dtype, check.name, oracle, env.impl, env.torch, env.jax if oracle == "jax" else None,
                  env.profile, env.impl_name)
        strategy = strategy_for(env, op, check, oracle, dtype)
    except Exception as e:  # noqa: BLE001
        return done(status="error", reason=f"harness could not set up the check: {type(e).__name__}: {e}",
                    detail={"traceback": traceback.format_exc()[-4000:]})
    rseed = _record_seed(env, op.name, check.name, oracle, dtype)

    def snippet(ex: Example) -> str:
        try:
            names = frozenset(diff_inputs(ex)) if check.grad_inputs else frozenset()
            return repro.snippet(ex, check.name, oracle, env.impl_name, check.repro(ctx, ex), names,
                                 with_jax=oracle == "jax", device=env.device)
        except Exception as e:  # noqa: BLE001 - a repro must never hide the result
            return f"# could not build a repro: {type(e).__name__}: {e}\n"

    # The typical example first (a non-degenerate input Hypothesis' few draws may miss), then the search.
    t, rec["typical"] = _typical(env, ctx, op, check, oracle, dtype, rseed, raise_on_divergence=div is None)
    found_by = None
    if t is not None and (t.failure or t.crash):
        s, found_by = t, "typical example"
        rec["examples"] = t.examples
        if t.failure:  # the search may reach a smaller failing example now that it has a bigger budget
            s3 = _search(env, ctx, check, strategy, env.profile.stale_examples, rseed, raise_on_divergence=div is None)
            rec["examples"] += s3.examples
            if (s3.failure and s3.failure.message == t.failure.message and s3.last is not None
                    and _size(s3.last) < _size(t.last)):
                s, found_by = s3, "typical example; the search then reached a smaller one"
    else:
        s = _search(env, ctx, check, strategy, budget, rseed, raise_on_divergence=div is None)
        rec["examples"] = s.examples + (t.examples if t is not None else 0)
        if t is not None and s.diverged is None:
            s.diverged = t.diverged
    if s.crash:
        reason = s.crash if s.crash.startswith("timed out") else (
            "harness crashed: " + s.crash.strip().splitlines()[-1][:300])
        return done(status="error", reason=reason,
                    detail={"traceback": s.crash}, repro=snippet(s.last) if s.last else None)
    if s.unsatisfiable:
        return done(status="error", reason="no valid example could be drawn (spec too narrow?): " + s.unsatisfiable[:300])
    if s.failure:
        f, ex = s.failure, s.last
        detail = {"message": f.message, **f.detail, "example": describe(ex)}
        if found_by:
            detail["found_by"] = found_by
        if f.undeclared_divergence:
            detail["hint"] = "torch and JAX disagree here; declare a divergence in the spec if this is expected"
        if gap:
            return done(status="gap", reason=gap.reason, detail=detail, repro=snippet(ex))
        reason = f.message if not f.undeclared_divergence else "torch and JAX disagree (undeclared divergence)"
        return done(status="fail", reason=reason, detail=detail, repro=snippet(ex))

    if div is not None:
        # Search again raising on divergence: Hypothesis then shrinks it to a minimal example (and a
        # larger budget makes sure a declared divergence that never shows is reported stale).
        budget2 = budget if s.diverged else env.profile.stale_examples
        s2 = _search(env, ctx, check, strategy, budget2, rseed, raise_on_divergence=True)
        rec["examples"] += s2.examples
        found = s.diverged
        if s2.failure and s2.failure.undeclared_divergence:
            found = (s2.last, Diverged(s2.failure.detail))
        if found is None and div.witness is not None:
            wex = None
            try:
                wex = witness_example(op, dtype, div.witness)
                verdict = check.run(ctx, wex)
                found = (wex, verdict) if isinstance(verdict, Diverged) else None
            except Mismatch as m:  # the library is wrong on the witness: a failure like any other
                return done(status="fail", reason=m.message, repro=snippet(wex),
                            detail={"message": m.message, **m.detail, "example": describe(wex)})
            except Exception as e:  # noqa: BLE001
                return done(status="error", reason=f"the divergence's witness could not run: {type(e).__name__}: {e}",
                            detail={"traceback": traceback.format_exc()[-4000:]})
        if found is None:
            return done(status="stale", reason=f"declared divergence no longer reproduces: {div.reason}",
                        repro=snippet(s.last) if s.last else None)
        ex, d = found
        return done(status="divergence", reason=div.reason, detail={**d.detail, "example": describe(ex)},
                    repro=snippet(ex))
    if gap is not None:
        s2 = _search(env, ctx, check, strategy, env.profile.stale_examples, rseed + 1, raise_on_divergence=True)
        rec["examples"] += s2.examples
        if s2.failure:
            return done(status="gap", reason=gap.reason,
                        detail={"message": s2.failure.message, **s2.failure.detail, "example": describe(s2.last)},
                        repro=snippet(s2.last))
        return done(status="stale", reason=f"declared gap now passes; remove it from specs/gaps.toml: {gap.reason}",
                    repro=snippet(s.last) if s.last else None)
    return done(status="pass")


def witness_example(op: OpSpec, dtype: str | None, witness: dict[str, Any]) -> Example:
    """The Example a divergence's ``witness`` spells out: tensors from nested lists, contiguous, in the
    record's dtype (index tensors int64, masks bool; ``{values = ..., dtype = ...}`` picks another)."""
    values: dict[str, Any] = {}
    for spec in list(op.args) + list(op.kwargs):
        if spec.name not in witness:
            if not spec.optional and spec in op.args:
                raise ValueError(f"the witness gives no value for the required argument {spec.name!r}")
            values[spec.name] = strategies.OMIT
            continue
        v = witness[spec.name]
        if spec.kind in TENSOR_KINDS or spec.kind in ("index_tensor", "mask"):
            tdt = {"index_tensor": "int64", "mask": "bool"}.get(spec.kind, dtype)
            if isinstance(v, dict):
                v, tdt = v["values"], v.get("dtype", tdt)
            arr = np.array(v, dtype=dtypes.to_numpy(tdt))
            v = TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, tdt)
        values[spec.name] = v
    return Example(op, dtype, values)


def run_op(env: Env, op: OpSpec, only: Callable[[Check, str], bool] | None = None) -> Iterator[dict[str, Any]]:
    """All records of one op, in check order."""
    for check, oracle in cases(op, env.device):
        if only and not only(check, oracle):
            continue
        for dtype in check.buckets(op):
            yield run_record(env, op, check, oracle, dtype)
