"""Error check: on the spec's declared bad inputs, raise what torch raises and leave inputs unchanged."""
from __future__ import annotations

import difflib
import re
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


# ------------------------------------------------------------------------------ message text
# The exception class is the contract; the message text is not (torch's wording changes between
# releases, and a library may explain better).  It is measured, never failed on: each errors
# record carries a tally of how close the library's messages came to torch's (detail "messages"),
# which the report shows per op and, in a record's view, side by side.

MESSAGE_MATCHES = ("exact", "normalised", "different")   # from best to worst
_MSG_CLIP = 1500      # characters of a message kept (and compared)
_MSG_SAMPLES = 6      # distinct message pairs a record keeps to show
_MSG_DISTINCT = 64    # distinct pairs remembered while counting (bounded memory on a long search)
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_SPACE = re.compile(r"\s+")


def normalise_message(msg: str) -> str:
    """A message with the parts that legitimately wobble folded: runs of whitespace to one space,
    every number to ``#`` (sizes, dims, ranges: ``[-2, 1]`` and ``[-3, 2]`` read the same), brackets
    of any kind to ``[]`` (``(2, 3)`` vs ``[2, 3]``), and a trailing full stop dropped."""
    m = _NUMBER.sub("#", msg)
    m = m.translate(str.maketrans("()", "[]"))
    return _SPACE.sub(" ", m).strip().rstrip(".").strip()


def compare_messages(torch_msg: str, impl_msg: str) -> dict[str, Any]:
    """How close the library's message is to torch's: ``match`` is "exact", "normalised" (equal after
    :func:`normalise_message`) or "different"; ``similarity`` is difflib's ratio of the two texts
    (1.0 when equal, 0.0 when nothing in common)."""
    t, i = torch_msg[:_MSG_CLIP], impl_msg[:_MSG_CLIP]
    if t == i:
        return {"match": "exact", "similarity": 1.0}
    match = "normalised" if normalise_message(t) == normalise_message(i) else "different"
    return {"match": match, "similarity": round(difflib.SequenceMatcher(None, t, i).ratio(), 3)}


class MessageTally:
    """The message comparisons of one record (ctx.notes["messages"]); the engine stores
    :meth:`summary` in the record's detail whatever the record's status."""

    def __init__(self) -> None:
        self.counts = {k: 0 for k in MESSAGE_MATCHES}
        self.similarity_sum = 0.0
        self.pairs: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(self, invalid: str, torch_class: str | None, torch_msg: str, impl_class: str | None,
            impl_msg: str) -> dict[str, Any]:
        c = compare_messages(torch_msg, impl_msg)
        self.counts[c["match"]] += 1
        self.similarity_sum += c["similarity"]
        key = (invalid, torch_msg[:_MSG_CLIP], impl_msg[:_MSG_CLIP])
        if key in self.pairs:
            self.pairs[key]["count"] += 1
        elif len(self.pairs) < _MSG_DISTINCT:
            self.pairs[key] = {**c, "invalid": invalid, "count": 1,
                               "torch": f"{torch_class}: {key[1]}", "impl": f"{impl_class}: {key[2]}"}
        return c

    @property
    def compared(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> dict[str, Any] | None:
        if not self.compared:
            return None
        rank = {k: i for i, k in enumerate(MESSAGE_MATCHES)}
        # the pairs worth reading first: the most different ones
        shown = sorted(self.pairs.values(), key=lambda p: (-rank[p["match"]], p["similarity"], -p["count"]))
        return {"compared": self.compared, **self.counts,
                "mean_similarity": round(self.similarity_sum / self.compared, 3),
                "samples": shown[:_MSG_SAMPLES]}


def _note_messages(ctx: Ctx, ex: Example, ti: Any, tt: Any) -> None:
    """Measure (never judge) the library's message against torch's, when both raised."""
    if not (ti.raised and tt.raised):
        return
    tally = ctx.notes.setdefault("messages", MessageTally())
    tally.add(str(ex.extra.get("invalid")), tt.exc_name, _message(tt), ti.exc_name, _message(ti))


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
    _note_messages(ctx, ex, ti, tt)
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
