"""Mutation testing of the suite itself: would each check notice a library that gets the op wrong?

For every catalog op, :func:`mutants_for` builds wrong versions of torch (torch is right by definition, so
anything the engine then reports comes from the mutation): the result's values off, a float32 result
widened to float64, a view returned as a copy, the gradient scaled by 1.5, ``out=`` ignored, an error
raised with the wrong exception class.  :func:`run` points the engine at each mutant at the chosen profile
and runs the one check that should catch it; a mutant the check passes **survives**, a hole in the suite.

A mutant is a module like the planted ones in the tests: torch's namespace with one function replaced
or, for a method, operator or property, tensors built as a subclass that overrides it (torch keeps the
subclass through every op).  `python -m conformance mutate` runs it and prints the score.
"""
from __future__ import annotations

import contextlib
import io
import sys
import time
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .catalog import Catalog, OpSpec
from .checks import REGISTRY
from .runners.base import call_path_parts


@dataclass(frozen=True)
class Mutation:
    name: str
    check: str                               # the check that must kill it
    what: str                                # one line for the report
    applies: Callable[[OpSpec], bool]
    dtype_ok: Callable[[str | None], bool]   # which of the check's dtype buckets to run it on
    wrap: Callable[[Callable], Callable]     # the op's callable -> its mutant
    on: str = "op"                           # "inplace": mutate the op's in-place twin (Tensor.exp_)


# How many times a mutant actually changed something (a result, a gradient, an exception) during one
# record: a mutant that never did was not exercised by the drawn inputs (or cannot change this op: the
# gradient of sign() is 0 either way), so its passing is no hole in the suite.
CHANGES = [0]


def _changed(really: bool = True) -> None:
    if really:
        CHANGES[0] += 1


def _map_first(r: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn`` applied to the result, or to the first tensor of a tuple result (values, indices)."""
    import torch

    if isinstance(r, torch.Tensor):
        return fn(r)
    if isinstance(r, tuple) and r and isinstance(r[0], torch.Tensor):
        items = [fn(r[0]), *r[1:]]
        return type(r)(items) if type(r) is not tuple else tuple(items)
    return r


def _off(t: Any) -> Any:
    import torch

    _changed(t.numel() > 0)
    if t.dtype == torch.bool:
        return ~t
    if t.is_floating_point():
        return t + (t.detach().abs() * 0.01 + 0.01).to(t.dtype)
    return t + 1


def _values_off(f: Callable) -> Callable:
    return lambda *a, **k: _map_first(f(*a, **k), _off)


def _widened(f: Callable) -> Callable:
    import torch

    def widen(t: Any) -> Any:
        _changed(t.dtype == torch.float32)
        return t.to(torch.float64) if t.dtype == torch.float32 else t

    return lambda *a, **k: _map_first(f(*a, **k), widen)


def _copies(f: Callable) -> Callable:
    def copy(t: Any) -> Any:
        _changed()
        return t.clone()

    return lambda *a, **k: _map_first(f(*a, **k), copy)


def _grad_scaled(f: Callable) -> Callable:
    """Scales the gradient each differentiable input receives (after the op's own backward: the mutant
    of sign(), whose gradient is 0, changes nothing and is reported unexercised, not missed)."""
    import torch

    class Scaled(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, t: Any) -> Any:
            return t.view_as(t)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            _changed(bool((g != 0).any()))
            return g * 1.5

    def scale(v: Any) -> Any:
        if isinstance(v, torch.Tensor) and v.requires_grad and v.is_floating_point():
            return Scaled.apply(v)
        if isinstance(v, (list, tuple)) and any(isinstance(x, torch.Tensor) for x in v):
            return type(v)(scale(x) for x in v)
        return v

    return lambda *a, **k: f(*[scale(x) for x in a], **{n: scale(v) for n, v in k.items()})


def _no_promotion(f: Callable) -> Callable:
    """The result cast to the first tensor argument's dtype, as if the op skipped type promotion."""
    import torch

    def first_dtype(a: tuple, k: dict) -> Any:
        for v in (*a, *k.values()):
            if isinstance(v, torch.Tensor):
                return v.dtype
            if isinstance(v, (list, tuple)) and v and isinstance(v[0], torch.Tensor):
                return v[0].dtype
        return None

    def g(*a: Any, **k: Any) -> Any:
        d = first_dtype(a, k)

        def cast(t: Any) -> Any:
            _changed(d is not None and t.dtype != d)
            return t if d is None else t.to(d)

        return _map_first(f(*a, **k), cast)

    return g


def _stride_off(f: Callable) -> Callable:
    """A view whose size-1 dim has its stride off by one: same values, same storage, wrong stride()."""
    def bump(t: Any) -> Any:
        ones = [i for i, n in enumerate(t.shape) if n == 1]
        _changed(bool(ones) and t.numel() > 0)
        if not ones or t.numel() == 0:
            return t
        stride = list(t.stride())
        stride[ones[0]] += 1
        return t.as_strided(t.shape, stride, t.storage_offset())

    return lambda *a, **k: _map_first(f(*a, **k), bump)


def _out_ignored(f: Callable) -> Callable:
    def g(*a: Any, **k: Any) -> Any:
        out = k.pop("out", None)
        r = f(*a, **k)
        if out is None:
            return r
        _changed(r.numel() > 0 if hasattr(r, "numel") else True)
        return out  # returns out as torch does, but never wrote the result into it

    return g


def _wrong_error_class(f: Callable) -> Callable:
    def g(*a: Any, **k: Any) -> Any:
        try:
            return f(*a, **k)
        except Exception as e:  # noqa: BLE001
            _changed()
            cls = ValueError if not isinstance(e, ValueError) else TypeError
            raise cls(str(e) or "error") from None

    return g


def _python_off(v: Any) -> Any:
    if isinstance(v, bool):
        return not v
    if isinstance(v, (int, float)):
        return v + 1
    if isinstance(v, tuple) and v and all(isinstance(x, int) for x in v):
        return type(v)(x + 1 for x in v) if type(v) is not tuple else tuple(x + 1 for x in v)
    return v


def _python_value_off(f: Callable) -> Callable:
    def g(*a: Any, **k: Any) -> Any:
        v = f(*a, **k)
        w = _python_off(v)
        _changed(w is not v)
        return w

    return g


def _not_in_place(f: Callable) -> Callable:
    def g(self: Any, *a: Any, **k: Any) -> Any:
        import torch

        c = self.clone()
        f(c, *a, **k)  # works on a copy: self is returned as torch does, but never written
        _changed(not torch.equal(c, self))
        return self

    return g


def _is_float32(d: str | None) -> bool:
    return d == "float32"


def _returns_tensor(op: OpSpec) -> bool:
    return op.returns in ("new", "view", "view_or_copy") and op.random is None


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("values_off", "forward", "every result value moved by 1% + 0.01 (ints +1, bools negated)",
             _returns_tensor, lambda d: True, _values_off),
    Mutation("float32_widened", "dtype", "a float32 result returned as float64",
             lambda op: op.returns in ("new", "view_or_copy") and "float32" in op.dtypes, _is_float32, _widened),
    Mutation("no_promotion", "dtype", "the result cast to the first tensor argument's dtype (no type promotion)",
             # ops whose spec draws operands of mixed dtypes (matmul-like ops refuse them: nothing to mutate)
             lambda op: op.returns in ("new", "view_or_copy") and op.random is None
             and any(a.get("dtype") == "promote" or a.kind == "tensors" for a in op.all_args),
             lambda d: True, _no_promotion),
    Mutation("stride_off", "view", "a view's size-1 dim with its stride off by one (values unchanged)",
             lambda op: op.returns == "view", lambda d: True, _stride_off),
    Mutation("view_copies", "view", "a view returned as a copy (same values, own memory)",
             lambda op: op.returns == "view", lambda d: True, _copies),
    Mutation("grad_scaled", "grad", "the gradient each input receives scaled by 1.5",
             lambda op: op.differentiable and op.returns in ("new", "view", "view_or_copy"),
             lambda d: d in ("float64", "float32"), _grad_scaled),
    Mutation("out_ignored", "out", "out= returned as torch does but never written",
             lambda op: op.out, lambda d: True, _out_ignored),
    Mutation("python_value_off", "forward", "a returned Python value off by one (bools negated)",
             lambda op: op.returns == "value" and op.random is None, lambda d: True, _python_value_off),
    Mutation("inplace_copies", "inplace", "the in-place op writes a copy; self is returned, unchanged",
             lambda op: op.returns == "inplace" and op.random is None, lambda d: True, _not_in_place),
    Mutation("inplace_twin_copies", "inplace", "the op's in-place twin (exp_) leaves self unchanged",
             lambda op: op.inplace is not None and op.random is None, lambda d: True, _not_in_place,
             on="inplace"),
    Mutation("error_class", "errors", "every error raised as another exception class",
             lambda op: bool(op.errors), lambda d: True, _wrong_error_class),
)
BY_NAME = {m.name: m for m in MUTATIONS}

_DUNDER = {"getitem": "__getitem__", "setitem": "__setitem__"}


def _target(op: OpSpec, on: str = "op") -> tuple[str, str] | None:
    """(kind, name) of what a mutant replaces; None where a mutant cannot reach the op (a nested module)."""
    kind, name = call_path_parts(op.inplace if on == "inplace" else op.impl)
    if kind == "module":  # not the Tensor class itself (the legacy constructor): runners test isinstance with it
        return None if "." in name or name == "Tensor" else ("module", name)
    if kind in ("method", "attr"):
        return kind, name
    if kind == "operator":
        return "method", _DUNDER.get(name, f"__{name.rstrip('_')}__")
    return None


def build(op: OpSpec, mutation: Mutation | None, name: str) -> types.ModuleType:
    """A torch-like module named ``name`` whose ``op`` is mutated (None: torch unchanged, through the
    same machinery: the baseline a kill is measured against)."""
    import torch

    target = _target(op, mutation.on if mutation else "op")
    assert target is not None, op.name
    kind, attr = target
    mod = types.ModuleType(name)
    mod.__getattr__ = lambda a: getattr(torch, a)  # PEP 562: everything else is torch
    if kind == "module":
        if mutation is not None:
            setattr(mod, attr, mutation.wrap(getattr(torch, attr)))
    else:
        ns: dict[str, Any] = {}
        if mutation is not None:
            original = getattr(torch.Tensor, attr)
            get = (lambda self: original.__get__(self)) if kind == "attr" else original

            def plain(*a: Any, **k: Any) -> Any:
                # torch would route a subclass's call through __torch_function__ back into the override
                # (mutating twice: a negated bool negated back); the original runs as on a plain tensor
                with torch._C.DisableTorchFunctionSubclass():
                    return get(*a, **k)

            ns[attr] = property(mutation.wrap(plain)) if kind == "attr" else mutation.wrap(plain)
        sub = type(f"Mutant_{op.name}", (torch.Tensor,), ns)
        mod.tensor = lambda *a, **k: torch.tensor(*a, **k).as_subclass(sub)
        mod.from_numpy = lambda *a, **k: torch.from_numpy(*a, **k).as_subclass(sub)
    sys.modules[name] = mod  # a record's repro says `import <name> as lib`
    return mod


@dataclass
class Outcome:
    op: str
    mutation: str
    check: str
    dtype: str | None
    status: str          # killed | survived | error | n/a
    reason: str = ""
    seconds: float = 0.0
    repro: str | None = field(default=None, repr=False)


def _buckets(op: OpSpec, m: Mutation) -> list[str | None]:
    return [d for d in REGISTRY[m.check].buckets(op) if m.dtype_ok(d)]


def mutants_for(op: OpSpec) -> Iterator[Mutation]:
    for m in MUTATIONS:
        check = REGISTRY[m.check]
        if m.applies(op) and _target(op, m.on) is not None and check.applies(op) and "torch" in check.oracles and m.check not in op.skip \
                and _buckets(op, m):
            yield m


def run_one(cat: Catalog, op: OpSpec, m: Mutation, profile: Any) -> Outcome:
    """The mutant's verdict over the check's dtype buckets, as the suite runs them: killed by the first
    bucket whose record fails; survived if it changed results but no record failed; unexercised if it
    never changed anything.  Each bucket's unmutated baseline must pass (else that bucket has no say)."""
    from . import engine

    check = REGISTRY[m.check]
    t0 = time.perf_counter()

    def record(mutation: Mutation | None, dtype: str | None) -> dict:
        mod = build(op, mutation, f"mutant_{op.name}_{mutation.name if mutation else 'baseline'}")
        env = engine.Env(cat, mod.__name__, profile, impl_module=mod)
        with contextlib.redirect_stdout(io.StringIO()):
            return engine.run_record(env, op, check, "torch", dtype)

    changed, ran, notes = 0, [], []
    for dtype in _buckets(op, m):
        base = record(None, dtype)
        if base["status"] != "pass":  # the check does not run or fails on torch itself: no verdict here
            notes.append(f"{dtype}: baseline {base['status']}")
            continue
        CHANGES[0] = 0
        rec = record(m, dtype)
        changed += CHANGES[0]
        ran.append(dtype)
        if rec["status"] == "fail":
            return Outcome(op.name, m.name, m.check, dtype, "killed", rec.get("reason") or "",
                           time.perf_counter() - t0, rec.get("repro"))
        if rec["status"] != "pass":
            return Outcome(op.name, m.name, m.check, dtype, "error", rec.get("reason") or "",
                           time.perf_counter() - t0, rec.get("repro"))
    took = time.perf_counter() - t0
    where = ",".join(map(str, ran))
    if not ran:
        return Outcome(op.name, m.name, m.check, None, "n/a", "; ".join(notes), took)
    if not changed:
        return Outcome(op.name, m.name, m.check, where, "unexercised",
                       "the mutation changed nothing on the inputs drawn", took)
    return Outcome(op.name, m.name, m.check, where, "survived", f"{changed} changed results went unnoticed", took)


def run(cat: Catalog, ops: list[OpSpec], profile: Any, mutations: list[str] | None = None,
        progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    out = []
    for op in ops:
        for m in mutants_for(op):
            if mutations and m.name not in mutations:
                continue
            o = run_one(cat, op, m, profile)
            out.append(o)
            if progress:
                progress(o)
    return out


def summary(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for o in outcomes:
        row = table.setdefault(o.mutation, {"killed": 0, "survived": 0, "unexercised": 0, "error": 0, "n/a": 0})
        row[o.status] += 1
    return table


def score(outcomes: list[Outcome]) -> float:
    """Killed / (killed + survived): the share of applicable mutants the suite catches."""
    k = sum(o.status == "killed" for o in outcomes)
    s = sum(o.status == "survived" for o in outcomes)
    return k / (k + s) if k + s else 1.0
