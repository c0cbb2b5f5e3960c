"""Divergences of impl found by the autograd scenarios and random programs (impl only; the lead fixes
impl).  Each entry: the scenario, a case filter that steps around it (so the rest of the scenario
keeps being checked), a minimal case, and the reason.  tests/autograd/test_scenarios.py runs the
minimal case as xfail(strict=True): once impl is fixed the XPASS fails, and the entry must go."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Known:
    id: str
    scenario: str
    reason: str
    avoid: Callable[[dict], bool]      # True for cases that do not hit the divergence
    case: dict[str, Any]               # the shrunk case that shows it


def _whole_index(case: dict) -> bool:
    """The index selects the whole base (every part ':' or '0:size')."""
    parts = [p.strip() for p in case["idx"].split(",")]
    shape = case["x"].shape
    return all(p == ":" or p == f"0:{s}" for p, s in zip(parts, shape))


Z3 = np.zeros(3)

KNOWN_IMPL: list[Known] = [
    Known("whole_index_setitem", "copyslices_view_of_nonleaf",
          "base[:] = v (an index selecting the whole tensor) records CopySlices in impl; torch writes into "
          "the base itself (no view): CopyBackwards for a tensor, FillBackward for a scalar",
          lambda c: not _whole_index(c),
          {"dtype": "float32", "x": Z3, "w": Z3, "base": "mul2", "idx": ":", "write": "set_fx", "c": 0.5}),
    Known("zero_cuts_history", "inplace_saved_tensor",
          "zero_() on a non-leaf records FillBackward0 cut from the history in impl (the earlier leaves get no "
          "gradient, .grad None); torch records ZeroBackward0 linked to the previous grad_fn (zero gradients)",
          lambda c: c["write"] != "zero_",
          {"dtype": "float32", "a": Z3, "op": "sin", "target": "c", "write": "zero_"}),
]


def avoid_known(scenario: str) -> Callable[[dict], bool] | None:
    """A case filter skipping every known divergence of `scenario` (None when it has none)."""
    ks = [k for k in KNOWN_IMPL if k.scenario == scenario]
    if not ks:
        return None
    return lambda c: all(k.avoid(c) for k in ks)


# ---- random programs: divergences found by conformance/programs.py (dev-sized searches, 2000+ programs),
# each tied to the step tag (programs.TAGS) that produces it, with the smallest program that shows it.

def _graph(node, depth=10):
    if node is None:
        return None
    if depth == 0:
        return "..."
    return (type(node).__name__, [_graph(n, depth - 1) for n, _ in node.next_functions])


def _setitem_broadcast(M):
    x = M.tensor([[0.5]], requires_grad=True)
    y = M.zeros(2, 3, 1)
    y[:, 1::2, ::2] = x
    return {"graph": _graph(y.grad_fn)}


def _reshape_of_view(M):
    a = M.tensor([0.25, 0.5], requires_grad=True)
    return {"grad_fn": [type(a.expand(3, -1).reshape(3, -1).grad_fn).__name__,
                        type(a.expand(3, -1).reshape(3, 2, 1).grad_fn).__name__]}


def _matmul_batched_view(M):
    a = M.tensor([[1.0], [2.0]], requires_grad=True)
    return {"graph": _graph((a.expand(3, -1, -1) @ M.tensor([[3.0]])).grad_fn)}


def _whole_setitem(M):
    a = M.tensor([0.25, 0.5], requires_grad=True)
    y, z = M.zeros(2, 2), M.zeros(2)
    y[:] = a
    z[...] = a[0] * 1.0
    return {"grad_fn": [type(y.grad_fn).__name__, type(z.grad_fn).__name__]}


@dataclass(frozen=True)
class KnownProgram:
    id: str
    tag: str                      # programs.TAGS key: programs with it are skipped in impl's program records
    reason: str
    run: Callable[[Any], dict]    # the smallest program that shows it, as a function of the module


KNOWN_PROGRAMS: list[KnownProgram] = [
    KnownProgram("program_whole_index_setitem", "setitem_whole",
                 "t[:] = v / t[...] = v writes into t itself in torch (CopyBackwards, or FillBackward3 for a "
                 "0-d value); impl records CopySlices (same as whole_index_setitem)", _whole_setitem),
    KnownProgram("setitem_broadcast_source", "setitem_broadcast",
                 "t[idx] = u with u of another shape: torch's graph views/expands u first "
                 "(CopySlices -> ExpandBackward0 -> ViewBackward0 -> u); impl links u directly", _setitem_broadcast),
    KnownProgram("reshape_alias", "reshape_of_view",
                 "reshape of a non-contiguous but viewable tensor (e.g. an expand) is ReshapeAliasBackward0 in "
                 "torch (_reshape_alias); impl records ViewBackward0", _reshape_of_view),
    KnownProgram("matmul_batched_reshape_alias", "matmul_batched_view",
                 "batched matmul of an expanded operand: torch's decomposition reshapes it with _reshape_alias "
                 "(ReshapeAliasBackward0); impl records ViewBackward0", _matmul_batched_view),
]


def avoid_known_programs(program) -> bool:
    """Program filter for impl's records: skip programs using a feature with a known divergence."""
    return not (program.tags & {k.tag for k in KNOWN_PROGRAMS})
