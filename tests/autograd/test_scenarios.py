"""Autograd scenarios (conformance/autograd_scenarios.py), each a Hypothesis property at the ci
profile, against torch and against JAX where JAX has an equivalent.  The same records are what
``run_autograd_checks`` writes for ``conformance run``; a failure message carries the shrunk case and
a runnable repro."""
from __future__ import annotations

import pytest
import torch

from conformance import autograd_scenarios as A
from conformance import profiles
from tests.autograd.known import KNOWN_IMPL, avoid_known
from tests.helpers import LIB_NAME, lib

CI = profiles.get("ci")
CASES = [(s.name, o) for s in A.SCENARIOS.values() for o in s.oracles]


def explain(rec: dict) -> str:
    d = {k: v for k, v in rec["detail"].items() if k not in ("about", "traceback")}
    return (f"{rec['op']}/{rec['check']} vs {rec['oracle']}: {rec['status']}: {rec['reason']}\n"
            f"detail: {d}\n{rec.get('detail', {}).get('traceback', '')}\nrepro:\n{rec['repro']}")


@pytest.mark.parametrize("name,oracle", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_scenario(name, oracle):
    scn = A.SCENARIOS[name]
    avoid = avoid_known(name) if LIB_NAME == "impl" else None
    rec = A.run_scenario(scn, oracle, lib, LIB_NAME, CI, case_filter=avoid)
    assert rec["status"] == "pass", explain(rec)
    assert rec["examples"] >= 1


def _known_params():
    """Strict xfail for impl: an XPASS means impl was fixed; remove the entry from known.py."""
    return [pytest.param(k, id=k.id, marks=[pytest.mark.xfail(strict=True, reason=k.reason)]
                         if LIB_NAME == "impl" else [])
            for k in KNOWN_IMPL]


# Defined only while impl has declared divergences (none today): an empty parameter set would show
# up as a confusing skip.
if KNOWN_IMPL:
    @pytest.mark.parametrize("k", _known_params())
    def test_known_impl_divergence(k):
        """The shrunk case of each divergence found in impl, compared with torch."""
        scn = A.SCENARIOS[k.scenario]
        ref, got = A.run_body(scn, torch, k.case), A.run_body(scn, lib, k.case)
        d = A.diff(ref, got, "torch", tol=scn.tol)
        assert d is None, f"{k.reason}\n{d[0]}"

    def test_known_entries_still_reproduce_the_reason_case_in_torch():
        """Each known case runs cleanly in torch (it is a valid case of its scenario)."""
        for k in KNOWN_IMPL:
            ref = A.run_body(A.SCENARIOS[k.scenario], torch, k.case)
            assert "__raised__" not in ref, (k.scenario, ref)
            assert not k.avoid(k.case), f"{k.scenario}: the filter must exclude the known case"


def test_every_scenario_documents_itself():
    for s in A.SCENARIOS.values():
        assert s.doc and s.check in ("grad", "accumulation", "retain_graph", "errors", "graph"), s.name
