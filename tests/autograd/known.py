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


Z3 = np.zeros(3)

KNOWN_IMPL: list[Known] = [
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


@dataclass(frozen=True)
class KnownProgram:
    id: str
    tag: str                      # programs.TAGS key: programs with it are skipped in impl's program records
    reason: str
    run: Callable[[Any], dict]    # the smallest program that shows it, as a function of the module


KNOWN_PROGRAMS: list[KnownProgram] = [
]


def avoid_known_programs(program) -> bool:
    """Program filter for impl's records: skip programs using a feature with a known divergence."""
    return not (program.tags & {k.tag for k in KNOWN_PROGRAMS})
