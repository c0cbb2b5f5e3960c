"""The seed errata listed in CATALOG.md ("Seed errata"), each checked live.

The checks live in conformance/errata.py (one function per erratum; `conformance run` writes their
records into the report's errata section).  Here each erratum gives two tests:

  test_claim[id]  every torch-side fact holds: real torch contradicts the seed's claim;
  test_lib[id]    every library-side fact holds: the library under test matches torch on the
                  corrected behaviour.

and the machinery itself is tested: records, a planted wrong library, and that CATALOG.md's list
is covered.
"""
from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
import torch

from conformance import errata
from conformance.results import ERRATA_GROUP, ResultWriter, read_results
from tests.helpers import LIB_NAME, lib

IDS = list(errata.ERRATA)
CATALOG = Path(__file__).resolve().parents[3] / "shared" / "CATALOG.md"

_cache: dict[str, errata.Outcome] = {}


def outcome(eid: str) -> errata.Outcome:
    if eid not in _cache:
        _cache[eid] = errata.evaluate(eid, lib, LIB_NAME)
    return _cache[eid]


def _explain(facts) -> str:
    return "\n".join(f"- {x.what}: {'holds' if x.holds else 'DOES NOT HOLD' if x.holds is False else 'undecided'}"
                     + (f"\n    {x.shown}" if x.shown else "") for x in facts)


@pytest.mark.parametrize("eid", IDS)
def test_claim(eid):
    out = outcome(eid)
    assert out.crash is None, out.crash
    facts = out.side("torch")
    assert facts, f"{eid} checks nothing in torch"
    assert all(x.holds is not False for x in facts), f"{eid}: {out.erratum.claim}\n" + _explain(facts)
    undecided = [x.what for x in facts if x.holds is None]
    if undecided:
        pytest.skip("could not be decided this run: " + "; ".join(undecided))


@pytest.mark.parametrize("eid", IDS)
def test_lib(eid):
    out = outcome(eid)
    assert out.crash is None, out.crash
    facts = out.side("library")
    assert facts, f"{eid} checks nothing in the library"
    if any(x.holds is False for x in facts):
        missing = [op for op in out.erratum.ops if not errata._dotted(lib, op)]
        if missing:
            pytest.xfail(f"{LIB_NAME} lacks: {', '.join(missing)}")
    assert all(x.holds for x in facts), f"{eid}: {out.erratum.truth}\n" + _explain(facts)


def test_records_round_trip_through_results(tmp_path):
    with ResultWriter(tmp_path / "r.jsonl", {"device": "cpu"}) as w:
        recs = errata.run_errata(LIB_NAME, w)
    assert [r["op"] for r in recs] == IDS
    back = read_results(tmp_path / "r.jsonl").records
    assert len(back) == len(IDS)
    for r in back:
        assert r["group"] == ERRATA_GROUP and r["check"] == "erratum" and r["oracle"] == "torch"
        assert r["status"] in ("pass", "skip"), (r["op"], r["reason"])
        assert r["seeds"] == [r["op"][:3]]
        d = r["detail"]
        assert d["seed_claim"] and d["torch_actual"] and d["facts"]
        assert r["repro"].startswith("import")
    # the 004 record shows what torch printed, from this run
    (g,) = [r for r in back if r["op"] == "004-grad-accumulation"]
    assert "1.0806" in g["detail"]["torch_actual"] and "1.6830" in g["detail"]["seed_claim"]


def _fake_lib(**overrides):
    """torch, with some names replaced: a stand-in library under test."""
    fake = types.ModuleType("fakelib")
    fake.__dict__.update({k: getattr(torch, k) for k in dir(torch) if not k.startswith("__")})
    fake.__dict__.update(overrides)
    return fake


def test_torch_as_the_library_passes_every_erratum():
    for eid in IDS:
        rec = errata.check(eid, _fake_lib(), "torch")
        assert rec["status"] in ("pass", "skip"), (eid, rec["reason"])


def test_a_wrong_library_fails_with_the_fact_named():
    wrong = _fake_lib(nonzero=lambda x: torch.nonzero(x) + 1, longspace=torch.logspace,
                      logspace=lambda *a, **k: torch.logspace(*a, **k).to(torch.float64))
    rec = errata.check("000-non_zero", wrong, "fakelib")
    assert rec["status"] == "fail"
    assert rec["reason"].startswith("the library does not match torch: the library's nonzero matches torch")
    rec = errata.check("001-longspace", wrong, "fakelib")
    assert rec["status"] == "fail" and "does not invent longspace" in rec["reason"]
    failing = [x["what"] for x in rec["detail"]["facts"] if x["holds"] is False]
    assert any("logspace(0, 2, 3)" in w for w in failing)  # float64 != torch's float32
    # a library raising where torch computes fails; it is not a harness error
    broken = _fake_lib(sin=lambda x: (_ for _ in ()).throw(ValueError("no sin")))
    rec = errata.check("004-printed-z", broken, "fakelib")
    assert rec["status"] == "fail" and "ValueError: no sin" in str(rec["detail"]["facts"])


def test_an_unimportable_library_is_one_error_record():
    (rec,) = errata.run_errata("no_such_module_for_errata")
    assert rec["status"] == "error" and rec["group"] == ERRATA_GROUP


@pytest.mark.skipif(not CATALOG.exists(), reason=f"no {CATALOG} next to the repository")
def test_every_catalog_erratum_is_checked():
    """Each item of CATALOG.md's "Seed errata" section names something an erratum here checks."""
    text = CATALOG.read_text(encoding="utf-8")
    section = text[text.index("## Seed errata"):]
    # the names and numbers the section mentions -> the erratum that covers each
    covers = {"1.6830": "004-grad-accumulation", "torch.uniform()": "000-uniform", "non_zero": "000-non_zero",
              "output=z": "000-add-output-keyword", "badbmm": "000-badbmm", "longspace": "001-longspace",
              "addcdiv(t, 0.1, t1, t2)": "001-addcdiv-positional-value", "gather formula": "001-gather-dim0-formula",
              "from_numpy": "001-from-numpy-int64", "Tensor(1)": "001-Tensor-1-uninitialised"}
    for needle, eid in covers.items():
        assert needle in section, f"CATALOG's errata no longer mention {needle!r}: update {__file__}"
        assert eid in errata.ERRATA
    # every bullet's seed id has errata
    for seed in re.findall(r"^- (\d{3}):", section, flags=re.M):
        assert any(e.seed == seed for e in errata.ERRATA.values()), seed
