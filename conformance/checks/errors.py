"""Error check: on the spec's declared bad inputs, raise what torch raises and leave inputs unchanged."""
from __future__ import annotations

from typing import Any

from hypothesis import reject

from .. import repro
from ..catalog import OpSpec
from ..runners import ReadError
from ..runners.torchlike import TorchLikeRunner
from ..strategies import Example, Mode
from .base import Check, Ctx, Mismatch, same_exceptions
from .compare import mismatch


def _attempt(ctx: Ctx, runner: TorchLikeRunner, ex: Example) -> dict[str, Any]:
    b = runner.build(ex)
    before = {n: runner.read(t, f"input {n}") for n, t in b.tensors.items()}
    versions = {n: runner.version(t, n) for n, t in b.tensors.items()}
    r = runner.call(ctx.op.impl if runner is ctx.impl else ctx.op.torch, b)
    after = {}
    for n, t in b.tensors.items():
        try:
            after[n] = runner.read(t, f"input {n} after the error")
        except ReadError as e:  # torch's resize_ with a negative size leaves a negative shape behind
            after[n] = _Unreadable(str(e))
    return {"outcome": r, "before": before, "after": after, "versions": versions,
            "versions_after": {n: runner.version(t, n) for n, t in b.tensors.items()}}


class _Unreadable:
    def __init__(self, message: str) -> None:
        self.message = message


def run_errors(ctx: Ctx, ex: Example) -> None:
    ft = _attempt(ctx, ctx.torch, ex)
    if not ft["outcome"].raised:
        reject()  # this draw of the bad argument happens to be valid for torch
    fi = _attempt(ctx, ctx.impl, ex)
    same_exceptions(fi["outcome"], ft["outcome"], f"bad {ex.extra.get('invalid')!r}")
    for n, before in fi["before"].items():
        if isinstance(ft["after"][n], _Unreadable):
            continue  # torch itself leaves this input broken: nothing to hold the library to
        if isinstance(fi["after"][n], _Unreadable):
            raise Mismatch(f"the failed call left input {n!r} unreadable (torch leaves it intact)",
                           {"impl": fi["after"][n].message})
        m = mismatch(before, fi["after"][n], path=f"input {n}")
        if m or fi["versions"][n] != fi["versions_after"][n]:
            raise Mismatch(f"the failed call modified input {n!r}",
                           {**(m or {}), "version_before": fi["versions"][n], "version_after": fi["versions_after"][n]})


def _repro(ctx: Ctx, ex: Example) -> list[str]:
    return [f"# the invalid argument: {ex.extra.get('invalid')}"] + repro.op_call_lines(ctx.op, ex) + [
        "print(m.__name__, 'no error:', r)"]


def _modes(op: OpSpec, oracle: str) -> list[Mode]:
    return [Mode(invalid=e.arg) for e in op.errors]


ERRORS = Check("errors", ("torch",), run_errors, _repro, applies=lambda op: bool(op.errors), modes=_modes)
