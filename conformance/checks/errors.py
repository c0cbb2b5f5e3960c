"""Error check: on the spec's declared bad inputs, raise what torch raises and leave inputs unchanged."""
from __future__ import annotations

from typing import Any

from hypothesis import reject

from .. import dtypes as dt
from .. import repro
from ..catalog import OpSpec
from ..runners import ReadError
from ..runners.torchlike import TorchLikeRunner
from ..strategies import OVERFLOW_DTYPES, Example, Mode, uncastable_dtypes
from .base import Check, Ctx, Mismatch, same_exceptions
from .compare import mismatch


def _attempt(ctx: Ctx, runner: TorchLikeRunner, ex: Example) -> dict[str, Any]:
    b = runner.build(ex)
    before = {n: runner.read(t, f"input {n}") for n, t in b.tensors.items()}
    versions = {n: runner.version(t, n) for n, t in b.tensors.items()}
    r = runner.call(_path(ctx, runner, ex), b)
    after = {}
    for n, t in b.tensors.items():
        try:
            after[n] = runner.read(t, f"input {n} after the error")
        except ReadError as e:  # torch's resize_ with a negative size leaves a negative shape behind
            after[n] = _Unreadable(str(e))
    return {"outcome": r, "before": before, "after": after, "versions": versions,
            "versions_after": {n: runner.version(t, n) for n, t in b.tensors.items()}}


def _path(ctx: Ctx, runner: TorchLikeRunner, ex: Example) -> str:
    """The call the error case makes: the op, or its in-place twin (call = "inplace", how = "uncastable")."""
    if ex.extra.get("invalid_call") == "inplace":
        return ctx.op.inplace
    return ctx.op.impl if runner is ctx.impl else ctx.op.torch


def _message(o: Any) -> str:
    return str(o.exc).strip() if o.exc is not None else ""


def _said(o: Any) -> str:
    """What a library answered, as the report's expected/actual panes show it side by side."""
    if not o.raised:
        return "returned normally (no error)"
    return f"{o.exc_name}: {_message(o)[:1500] or '(no message)'}"


class _Unreadable:
    def __init__(self, message: str) -> None:
        self.message = message


def run_errors(ctx: Ctx, ex: Example) -> None:
    ft = _attempt(ctx, ctx.torch, ex)
    if not ft["outcome"].raised:
        if ex.extra.get("invalid_how") == "overflow":
            _same_as_torch(ctx, ex, ft)
            return
        reject()  # this draw of the bad argument happens to be valid for torch
    fi = _attempt(ctx, ctx.impl, ex)
    ti, tt = fi["outcome"], ft["outcome"]
    said = {"expected": _said(tt), "actual": _said(ti)}   # torch's and the library's messages
    same_exceptions(ti, tt, f"bad {ex.extra.get('invalid')!r}", said)
    if not _message(ti) or _message(ti) in ("None", "''", '""'):
        # the class matches but the user is told nothing: naming the problem is part of the contract
        # (the text itself is free: only an empty message, or a bare exception class, is a mismatch)
        raise Mismatch(f"bad {ex.extra.get('invalid')!r}: the library raised {ti.exc_name} with no message",
                       {**said, "torch_class": tt.exc_name, "impl_class": ti.exc_name})
    for n, before in fi["before"].items():
        if isinstance(ft["after"][n], _Unreadable):
            continue  # torch itself leaves this input broken: nothing to hold the library to
        if mismatch(ft["before"][n], ft["after"][n], path=f"input {n}") or ft["versions"][n] != ft["versions_after"][n]:
            continue  # torch itself writes into it before raising (addbmm_ resizes an empty input first)
        if isinstance(fi["after"][n], _Unreadable):
            raise Mismatch(f"the failed call left input {n!r} unreadable (torch leaves it intact)",
                           {"impl": fi["after"][n].message})
        m = mismatch(before, fi["after"][n], path=f"input {n}")
        if m or fi["versions"][n] != fi["versions_after"][n]:
            raise Mismatch(f"the failed call modified input {n!r}",
                           {**(m or {}), "version_before": fi["versions"][n], "version_after": fi["versions_after"][n]})


def _same_as_torch(ctx: Ctx, ex: Example, ft: dict[str, Any]) -> None:
    """A number past the dtype's range that torch accepts here (a one-element float16 fill is inf, a
    wrapped scalar operand is not checked, uint8 takes -255): the library must accept it too, silently,
    with torch's result and torch's writes into the inputs."""
    fi = _attempt(ctx, ctx.impl, ex)
    ti, tt = fi["outcome"], ft["outcome"]
    what = f"{ex.extra.get('invalid')!r} past the dtype's range"
    said = {"expected": _said(tt), "actual": _said(ti)}
    same_exceptions(ti, tt, what, said)
    if ti.fp_warnings:
        raise Mismatch(f"{what}: the library emitted NumPy floating-point warnings (torch is silent)",
                       {"warnings": list(ti.fp_warnings)})
    m = mismatch(ctx.torch.read(tt.value), ctx.impl.read(ti.value))
    for n in ft["after"]:
        m = m or mismatch(ft["after"][n], fi["after"][n], path=f"input {n} after the call")
    if m:
        raise Mismatch(f"{what}: the library's result differs from torch's", {**m, **said})


def _repro(ctx: Ctx, ex: Example) -> list[str]:
    path = ctx.op.inplace if ex.extra.get("invalid_call") == "inplace" else None
    return [f"# the invalid argument: {ex.extra.get('invalid')} ({ex.extra.get('invalid_how', 'value')})"] + \
        repro.op_call_lines(ctx.op, ex, path=path) + ["print(m.__name__, 'no error:', r)"]


def _modes(op: OpSpec, oracle: str) -> list[Mode]:
    out = []
    for e in op.errors:
        buckets = e.dtypes
        if e.how == "uncastable":  # only where a dtype category above the bucket's exists
            buckets = tuple(d for d in (buckets if buckets is not None else op.dtypes) if uncastable_dtypes(d))
        if e.how == "overflow":  # only where a Python number can fall outside the dtype
            buckets = tuple(d for d in (buckets if buckets is not None else op.dtypes) if d in OVERFLOW_DTYPES)
        if e.how == "requires_grad":  # only floating-point tensors can require grad
            buckets = tuple(d for d in (buckets if buckets is not None else op.dtypes) if dt.is_float(d))
        out.append(Mode(invalid=e.arg, invalid_how=e.how, invalid_dtypes=e.dtype, buckets=buckets,
                        invalid_call=e.call))
    return out


ERRORS = Check("errors", ("torch",), run_errors, _repro, modes=_modes,
               applies=lambda op: bool(op.errors) or "errors" in op.skip)  # a skip shows its reason
