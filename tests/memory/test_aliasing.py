"""Views and memory (issue 6): the stateful aliasing machine and the directed memory checks of
conformance/memory_machine.py, run against the library under test (CONFORMANCE_IMPL, default impl).

Budget: the ``ci`` profile by default (CONFORMANCE_PROFILE=dev|thorough for more examples and longer
sequences).  A divergence fails the test with the shortest step sequence as a runnable repro.  Known
library divergences are declared in memory_machine.GAPS / MACHINE_AVOID: their checks are
``xfail(strict=True)`` here, so a fix shows up as XPASS (a failure) until the declaration is removed.
"""
from __future__ import annotations

import json
import os
import re

import pytest
import torch

from conformance import memory_machine as mm
from tests.helpers import LIB_NAME, lib

PROFILE = os.environ.get("CONFORMANCE_PROFILE", "ci")
SEED = int(os.environ.get("CONFORMANCE_SEED", "0"))


def _id(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.=+-]+", "_", text).strip("_")


# ------------------------------------------------------------------------------------- the machine

@pytest.mark.parametrize("mode", mm.MODES)
def test_stateful_aliasing(mode):
    """Random sequences of views, in-place writes through any view, copies, NumPy bridging and out=:
    after every step every live tensor's values, layout, _version, identity and storage sharing equal
    torch's, and failing steps fail alike and change nothing."""
    o = mm.run_machine(lib, mode, PROFILE, seed=SEED)
    assert o.crash is None, f"harness crashed:\n{o.crash}"
    if o.failure is not None:
        pytest.fail(str(o.failure), pytrace=False)
    assert o.examples > 0


def test_declared_machine_features_have_strict_pins():
    """Every feature the machine avoids for a library is pinned by a directed check declared as a gap
    for that library, so the avoidance cannot outlive the bug (the pin turns XPASS/stale)."""
    for impl, features in mm.MACHINE_AVOID.items():
        for feature in features:
            assert feature in mm.FEATURE_PINS, feature
            pin = mm.FEATURE_PINS[feature]
            assert pin in mm.DIRECTED_BY_KEY, pin
            assert mm.gap_reason(impl, *pin), (impl, feature, pin)


# ------------------------------------------------------------------------------------- directed checks

def _directed_params():
    for d in mm.DIRECTED:
        gap = mm.gap_reason(LIB_NAME, d.op, d.check)
        marks = [pytest.mark.xfail(strict=True, reason=f"declared gap: {gap}")] if gap else []
        yield pytest.param(d, id=_id(f"{d.op}-{d.check}"), marks=marks)


@pytest.mark.parametrize("d", list(_directed_params()))
def test_directed(d):
    o = mm.run_directed(d, lib, PROFILE, seed=SEED)
    assert o.crash is None, f"harness crashed:\n{o.crash}"
    if o.failure is not None:
        f = o.failure
        pytest.fail(f"{f.message}\n\nrepro:\n{mm.case_repro(f.case, LIB_NAME, d.op, d.check, f.message)}",
                    pytrace=False)


def _dtype_params():
    for name in mm.CATALOG_NP_DTYPES + mm.REJECTED_NP_DTYPES:
        yield pytest.param(name, id=name)
    for name in mm.EXTENDED_NP_DTYPES:
        yield pytest.param(name, id=name, marks=pytest.mark.xfail(
            strict=LIB_NAME in mm.OUT_OF_SCOPE_STRICT, reason=mm._OUT_OF_SCOPE_DTYPE.format(name)))


@pytest.mark.parametrize("np_dtype", list(_dtype_params()))
def test_from_numpy_dtype(np_dtype):
    """from_numpy keeps every NumPy dtype torch accepts and shares memory; the rest raise TypeError."""
    try:
        mm.compare_case(mm.from_numpy_dtype_case(np_dtype), lib)
    except mm.DirectedMismatch as e:
        pytest.fail(f"{e.message}\n\nrepro:\n{mm.case_repro(e.case, LIB_NAME, 'from_numpy', np_dtype, e.message)}",
                    pytrace=False)


# ------------------------------------------------------------------------------------- the checks check what they claim

SEED_CLAIMS = {  # directed op -> facts torch must show (the seeds' claims, CATALOG.md section 3)
    "y = x + y (new tensor)": {"same_object": False, "same_data_ptr": False, "old_y_version_bumped": False},
    "y[:] = y + x (same memory)": {"same_object": True, "same_data_ptr": True, "old_y_version_bumped": True},
    "torch.add(x, y, out=y) (same memory)": {"same_object": True, "same_data_ptr": True, "warnings": []},
    "y += x (same memory)": {"same_object": True, "same_data_ptr": True, "old_y_version_bumped": True},
    "y.add_(x) (same memory)": {"same_object": True, "same_data_ptr": True, "old_y_version_bumped": True},
    "t[:, 1] = 0 (in place)": {"same_object": True, "same_storage": True, "version_bumped": True},
    "indexing and views allocate nothing": {"shares_storage": True},
    "index_select allocates": {"shares_storage": False},
    "masked_select allocates": {"shares_storage": False},
    "gather allocates": {"shares_storage": False},
    "nonzero allocates": {"shares_storage": False},
    "clone allocates": {"shares_storage": False},
    "numpy() shares": {"shares": True},
    "tensor(ndarray) copies": {"shares": False},
}


@pytest.mark.parametrize("op", list(SEED_CLAIMS))
def test_seed_claims_hold_in_torch(op):
    """The directed checks test what the seeds claim: real torch shows the claimed memory facts on the
    cases they draw (else the comparison would be vacuous)."""
    from hypothesis import given, settings

    d = next(x for x in mm.DIRECTED if x.op == op)

    @settings(mm.machine_settings("ci"), max_examples=8)
    @given(d.strategy())
    def check(case):
        facts = mm.run_case(case, torch)
        for key, want in SEED_CLAIMS[op].items():
            assert facts[key] == want, (key, facts[key], case.body())

    check()


def test_claim_examples_match_the_seed_text():
    """000/001's exact example: y = x + y moves y; y[:] = y + x, add(out=y), y += x, y.add_(x) do not."""
    for M in (torch, lib):
        x, y = M.ones(2, 2), M.ones(2, 2)
        before = id(y), y.data_ptr()
        y = x + y
        assert (id(y), y.data_ptr()) != before, M.__name__
        for form in ("y[:] = y + x", "M.add(x, y, out=y)", "y += x", "y.add_(x)"):
            ident, ptr = id(y), y.data_ptr()
            ns = {"M": M, "x": x, "y": y}
            exec(form, ns)  # noqa: S102
            assert ns["y"] is y and y.data_ptr() == ptr and id(ns["y"]) == ident, (M.__name__, form)


# ------------------------------------------------------------------------------------- records and report

def test_run_memory_checks_records_feed_the_report(tmp_path):
    """run_memory_checks streams well-formed records (group 'memory') through a ResultWriter, and the
    HTML report renders them as their own group."""
    from conformance.report import render_html
    from conformance.results import ResultWriter, read_results
    from tests.memory import fakes

    mod = fakes.fake("planted_view_copies_records", fakes.ViewCopies)
    path = tmp_path / "results.jsonl"
    with ResultWriter(path, {"profile": "ci", "impl": mod.__name__}) as w:
        recs = mm.run_memory_checks(mod.__name__, "ci", w, impl_module=mod, modes=("view",), directed=False)
    assert [r["op"] for r in recs] == [mm.MACHINE_OP]
    rs = read_results(path)
    assert rs.complete and len(rs) == 1
    rec = rs.records[0]
    assert rec["group"] == "memory" and rec["check"] == "view" and rec["oracle"] == "torch"
    assert rec["status"] == "fail" and rec["repro"] and "import planted_view_copies_records as lib" in rec["repro"]
    assert rec["detail"]["example"], rec["detail"]
    json.dumps(rec)  # plain JSON
    html = tmp_path / "index.html"
    render_html([path], html, junit=False)
    text = html.read_text(encoding="utf-8")
    assert 'data-group="memory"' in text and mm.MACHINE_OP in text


def test_run_memory_checks_covers_every_check_kind():
    recs = mm.run_memory_checks("torch", "ci", None, modes=(), directed=False)
    assert recs == []
    kinds = {d.check for d in mm.DIRECTED} | set(mm.MODES)
    assert kinds == {"view", "inplace", "errors", "out"}


def test_cuda_device_is_skipped_with_a_reason():
    recs = mm.run_memory_checks("torch", "ci", None, device="cuda")
    assert recs and all(r["status"] == "skip" and r["reason"] for r in recs)
