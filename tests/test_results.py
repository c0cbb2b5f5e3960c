"""Tests of conformance.results: streaming writer, tolerant reader, merge and counts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conformance.results import (STATUSES, ResultWriter, RunSet, merge, pass_rate, read_file,
                                 read_results)

HEADER = {"versions": {"python": "3.11", "torch": "2.13.0"}, "hypothesis_seed": 42,
          "profile": "ci", "device": "cpu", "impl_module": "impl", "argv": ["x"]}


def rec(op="add", check="forward", oracle="torch", status="pass", **kw):
    base = {"op": op, "group": "pointwise", "check": check, "oracle": oracle, "dtype": "float32",
            "status": status, "examples": 10, "detail": {}, "seeds": ["001"], "spec": op, "duration_s": 0.01}
    base.update(kw)
    return base


def write_run(path, records, header=HEADER):
    with ResultWriter(path, header) as w:
        for r in records:
            w.write(r)
    return path


def test_round_trip(tmp_path):
    p = write_run(tmp_path / "r.jsonl", [rec(), rec(status="fail", repro="x = 1"), rec(op="sub", status="skip", reason="n/a")])
    lines = [json.loads(l) for l in p.read_text().splitlines()]
    assert lines[0]["kind"] == "run" and lines[0]["profile"] == "ci" and "started" in lines[0]
    assert [l["kind"] for l in lines[1:]] == ["result"] * 3 + ["end"]
    assert lines[-1]["complete"] is True and lines[-1]["records"] == 3 and "finished" in lines[-1]

    rs = read_results(p)
    (run,) = rs.runs
    assert run.complete and rs.complete and run.incomplete_reason is None
    assert run.header["hypothesis_seed"] == 42 and run.header["versions"]["torch"] == "2.13.0"
    assert [r["status"] for r in rs.records] == ["pass", "fail", "skip"]
    assert rs.records[1]["repro"] == "x = 1"
    assert rs.records[0]["device"] == "cpu"  # filled from the header when the record lacks it


def test_records_are_flushed_as_written(tmp_path):
    p = tmp_path / "r.jsonl"
    with ResultWriter(p, HEADER) as w:
        w.write(rec())
        # Another reader (the process may be killed right now) already sees the record.
        rs = read_results(p)
        assert len(rs) == 1 and not rs.complete
    assert read_results(p).complete


def test_json_safety(tmp_path):
    p = write_run(tmp_path / "r.jsonl", [rec(status="fail", detail={
        "expected": np.array([1.0, np.nan, np.inf]), "actual": np.float32(2.5), "strides": (1, 2),
        "cls": ValueError, "s": {3, 1}})])
    text = p.read_text()
    assert "NaN" not in text and "Infinity" not in text  # strict JSON
    d = read_results(p).records[0]["detail"]
    assert d["expected"] == [1.0, "nan", "inf"] and d["actual"] == 2.5 and d["strides"] == [1, 2]
    assert "ValueError" in d["cls"] and d["s"] == [1, 3]


def test_unknown_status_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown result status"):
        with ResultWriter(tmp_path / "r.jsonl", HEADER) as w:
            w.write(rec(status="passed"))
    run = read_results(tmp_path / "r.jsonl").runs[0]
    assert not run.complete and "ValueError" in run.footer["reason"]


@pytest.mark.parametrize("exc, reason", [(RuntimeError("boom"), "RuntimeError: boom"),
                                         (KeyboardInterrupt(), "KeyboardInterrupt")])
def test_exception_writes_incomplete_footer(tmp_path, exc, reason):
    p = tmp_path / "r.jsonl"
    with pytest.raises(type(exc)):
        with ResultWriter(p, HEADER) as w:
            w.write(rec())
            raise exc
    rs = read_results(p)
    assert not rs.complete and rs.runs[0].footer["complete"] is False
    assert rs.runs[0].incomplete_reason == reason and len(rs) == 1


def test_killed_mid_line(tmp_path):
    p = write_run(tmp_path / "r.jsonl", [rec(), rec(op="sub")])
    lines = p.read_bytes().split(b"\n")
    # Drop the footer and cut the last record in half: what SIGKILL during a write leaves.
    p.write_bytes(b"\n".join(lines[:2]) + b"\n" + lines[2][:25])
    (run,) = read_file(p)
    assert run.truncated and not run.complete and run.footer is None and run.bad_lines == 0
    assert len(run.records) == 1 and "killed" in run.incomplete_reason


def test_killed_between_lines_and_corrupt_middle(tmp_path):
    p = write_run(tmp_path / "r.jsonl", [rec(), rec(op="sub"), rec(op="mul")])
    lines = p.read_text().splitlines()
    lines[2] = lines[2][:10]  # corrupt a middle record
    p.write_text("\n".join(lines[:-1]) + "\n")  # no footer, but ends on a newline
    (run,) = read_file(p)
    assert run.bad_lines == 1 and not run.truncated and not run.complete
    assert [r["op"] for r in run.records] == ["add", "mul"]


def test_headerless_file_and_unknown_status(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps(rec(status="weird")) + "\n" + json.dumps({"kind": "future-thing"}) + "\n")
    (run,) = read_file(p)
    assert run.header == {} and not run.complete
    assert run.records[0]["status"] == "error" and "weird" in run.records[0]["reason"]


def test_merge_cpu_and_cuda_gives_both_columns(tmp_path):
    cpu = write_run(tmp_path / "cpu.jsonl", [rec(), rec(oracle="jax"), rec(check="grad")])
    cuda = write_run(tmp_path / "cuda.jsonl", [rec(status="fail"), rec(oracle="jax", device="cuda")],
                     header={**HEADER, "device": "cuda"})
    for rs in (merge(cpu, cuda), merge([read_results(cpu), read_results(cuda)]),
               merge(read_results(cpu).runs[0], str(cuda)), read_results(tmp_path)):
        assert len(rs.runs) == 2 and rs.complete and len(rs) == 5
        assert rs.devices == ["cpu", "cuda"]
        assert rs.columns == [("cpu", "torch"), ("cpu", "jax"), ("cuda", "torch"), ("cuda", "jax")]
        assert rs.checks == ["forward", "grad"]
        assert rs.groups == {"pointwise": ["add"]}
    cells = rs.cells()
    assert {(k.device, k.oracle, k.check): c.status for k, c in cells.items()} == {
        ("cpu", "torch", "forward"): "pass", ("cpu", "jax", "forward"): "pass",
        ("cpu", "torch", "grad"): "pass", ("cuda", "torch", "forward"): "fail",
        ("cuda", "jax", "forward"): "pass"}


def test_cell_shows_worst_status_and_sums_examples(tmp_path):
    p = write_run(tmp_path / "r.jsonl", [rec(dtype="float32"), rec(dtype="float64", status="gap", reason="r"),
                                         rec(dtype="int64", status="skip", examples=0)])
    (cell,) = read_results(p).cells().values()
    assert cell.status == "gap" and cell.examples == 20 and cell.counts == {"pass": 1, "gap": 1, "skip": 1}


def test_counts_and_pass_rate(tmp_path):
    statuses = ["pass"] * 5 + ["divergence"] * 1 + ["fail", "stale", "error", "gap"] + ["skip"] * 3
    p = write_run(tmp_path / "r.jsonl", [rec(op=f"op{i}", status=s) for i, s in enumerate(statuses)])
    rs = read_results(p)
    c = rs.counts()
    assert list(c) == list(STATUSES) and sum(c.values()) == len(statuses)
    assert (c["pass"], c["divergence"], c["fail"], c["skip"]) == (5, 1, 1, 3)
    assert rs.pass_rate() == pytest.approx(6 / 10)
    assert rs.counts("nope")["pass"] == 0 and rs.pass_rate("nope") is None
    assert pass_rate({"skip": 4}) is None
    assert RunSet().complete is False and len(RunSet()) == 0


def test_record_helpers():
    from conformance.results import declared_kind, declared_reason, duration, record_key
    r = rec(duration_s=0.5)
    assert record_key({**r, "device": "cpu"}) == ("pointwise", "add", "forward", "torch", "cpu", "float32")
    assert duration(r) == 0.5 and duration(rec(duration_s=None)) == 0.0 and duration(rec(duration_s="nan")) == 0.0
    assert duration({"duration_s": True}) == 0.0
    stale_gap = rec(status="stale", reason="declared gap now passes; remove it from specs/gaps.toml: no out=")
    stale_div = rec(status="stale", reason="declared divergence no longer reproduces: jax promotes")
    assert (declared_kind(stale_gap), declared_reason(stale_gap)) == ("gap", "no out=")
    assert (declared_kind(stale_div), declared_reason(stale_div)) == ("divergence", "jax promotes")
    assert declared_kind(rec(status="stale", reason="x", declared="divergence")) == "divergence"
    assert declared_kind(rec(status="gap", reason="r")) == "gap" and declared_kind(rec()) is None
    assert declared_reason(rec(status="gap", reason="declared gap: kept as is")) == "declared gap: kept as is"
