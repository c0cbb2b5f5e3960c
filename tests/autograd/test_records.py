"""run_autograd_checks: the records it writes (for `conformance run` and the report)."""
from __future__ import annotations

import dataclasses

import pytest

import torch

from conformance import autograd_scenarios as A
from conformance import profiles
from conformance.results import ResultWriter, read_results

TINY = dataclasses.replace(profiles.get("ci"), max_examples=2, jax_examples=1)
FIELDS = {"op", "group", "check", "oracle", "dtype", "device", "status", "reason", "examples", "detail",
          "repro", "seeds", "spec", "duration_s"}


def test_torch_against_itself_writes_one_passing_record_per_case(tmp_path):
    path = tmp_path / "results.jsonl"
    with ResultWriter(path, {"impl": "torch", "profile": "tiny"}) as w:
        recs = A.run_autograd_checks("torch", TINY, w)
    assert [(r["op"], r["check"], r["oracle"]) for r in recs] == A.all_cases()
    bad = [(r["op"], r["check"], r["oracle"], r["status"], r["reason"]) for r in recs if r["status"] != "pass"]
    assert not bad, bad
    for r in recs:
        assert FIELDS <= set(r), set(FIELDS) - set(r)
        assert r["group"] == "autograd" and r["check"] in ("grad", "accumulation", "retain_graph", "errors", "graph")
        assert r["oracle"] in ("torch", "jax") and r["examples"] >= 1
    back = read_results(path)
    assert back.complete and len(back) == len(recs)
    assert back.groups["autograd"] == list(dict.fromkeys(r["op"] for r in recs))
    assert {c for c in back.checks} >= {"grad", "accumulation", "retain_graph", "errors", "graph"}


def test_report_renders_autograd_records(tmp_path):
    from conformance.report import render_html

    path = tmp_path / "results.jsonl"
    rec = A.run_scenario(A.SCENARIOS["seed004_sin_chain"], "torch", torch, "torch", TINY)
    with ResultWriter(path, {"impl": "torch"}) as w:
        w.write(rec)
    out = tmp_path / "index.html"
    render_html([str(path)], str(out))
    assert "seed004_sin_chain" in out.read_text(encoding="utf-8")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: the scenario runs there")
def test_cuda_device_without_a_gpu_is_skipped_with_a_reason():
    rec = A.run_scenario(A.SCENARIOS["seed004_sin_chain"], "torch", torch, "torch", TINY, device="cuda")
    assert rec["status"] == "skip" and "no GPU" in rec["reason"]
    rec = A.run_programs("grad", "torch", torch, "torch", TINY, device="cuda")
    assert rec["status"] == "skip" and "no GPU" in rec["reason"]
