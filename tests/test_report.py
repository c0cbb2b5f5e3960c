"""Tests of conformance.report: one self-contained, escaped HTML page with the right content, its
JUnit XML twin, the seed documents and errata views, stale declarations, timing, and page weight.

(The page driven in a real browser: tests/test_report_browser.py.)"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

import pytest

from conformance.report import main, render_html, seed_titles, write_junit
from conformance.report.model import TIME_FLOOR_S, build, decode, pretty, secs
from conformance.results import ERRATA_GROUP, STATUSES, ResultWriter, read_results
from tests.synthetic_results import errata_records, write_set
from tests.synthetic_results import write as write_synthetic

HOSTILE = "<script>alert(1)</script>"
IMG = '<img src=x onerror="document.title=\'pwned\'">'
HEADER = {"versions": {"python": "3.11.2", "numpy": "2.4.6", "torch": "2.13.0", "jax": "0.10.2",
                       "hypothesis": "6.170.15"},
          "hypothesis_seed": 1234, "profile": "ci", "device": "cpu", "impl_module": "impl"}
NO_SEEDS: dict = {}  # seed_map for tests that must not depend on ../shared/seeds


def rec(op="add", status="pass", check="forward", oracle="torch", group="pointwise", **kw):
    r = {"op": op, "group": group, "check": check, "oracle": oracle, "dtype": "float32",
         "status": status, "examples": 7, "detail": {}, "seeds": ["001"]}
    r.update(kw)
    return r


def write(path, records, header=HEADER, complete=True):
    w = ResultWriter(path, header).__enter__()
    for r in records:
        w.write(r)
    if complete:
        w.__exit__(None, None, None)
    else:
        w._fh.close()  # killed: no footer
    return path


def render(tmp_path, paths, **kw) -> str:
    out = tmp_path / "out" / "index.html"
    kw.setdefault("seed_map", NO_SEEDS)
    render_html([str(p) for p in paths], str(out), **kw)
    return out.read_text(encoding="utf-8")


def page_data(page: str) -> tuple[dict, list[dict]]:
    """The embedded report-data JSON of a page, and its records decoded."""
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    data = json.loads(m.group(1))
    return data, decode(data)


def all_statuses(device="cpu"):
    return [rec(op=f"op_{s}", status=s, device=device,
                reason=f"reason for {s}" if s != "pass" else None,
                repro=f"repro_{s}()" if s in ("fail", "stale", "error") else None,
                detail={"what": "result", "problem": "values differ", "expected": [1.0, 2.0],
                        "actual": [1.0, 3.0], "inputs": {"x": [[1, 2]]}, "max_abs_diff": 1.0}
                if s == "fail" else {})
            for s in STATUSES]


def test_every_status_renders_with_its_class(tmp_path):
    page = render(tmp_path, [write(tmp_path / "r.jsonl", all_statuses())])
    for s in STATUSES:
        assert re.search(rf'<td class="c s-{s}[ "]', page), s        # matrix cell
        assert f'class="sw s-{s}"' in page, s                        # legend swatch
    assert "Complete run" in page and "INCOMPLETE" not in page
    for version in ("3.11.2", "2.4.6", "2.13.0", "0.10.2", "6.170.15", "1234", "impl"):
        assert version in page
    # failures section: fail, stale, error each once, a summary line each; the body is in the data
    assert page.count('<details class="failure"') == 3
    assert re.search(r'<details class="failure" id="f-0" data-r="\d+" data-a="#op-1"', page)
    data, recs = page_data(page)
    (fail,) = [r for r in recs if r["status"] == "fail"]
    assert fail["repro"] == "repro_fail()" and fail["actual"] == "[1.0, 3.0]" and fail["expected"] == "[1.0, 2.0]"
    assert fail["inputs"] == {"inputs": "x: [[1, 2]]"} and fail["reason"] == "reason for fail"
    assert set(fail["other"]) == {"what", "problem", "max_abs_diff"}
    # every matrix cell has its records in the data, addressed by row and column
    assert len(data["cells"]) == len(STATUSES) and data["cols"] == [["forward", "cpu", "torch"]]
    assert [data["str"][r[1]] for r in data["rows"]] == [f"op_{s}" for s in STATUSES]


def test_self_contained(tmp_path):
    page = render(tmp_path, [write(tmp_path / "r.jsonl", all_statuses())])
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=', page)
    assert "http://" not in page and "https://" not in page
    assert page.count("<script") == 3  # the seed map, the report data and our inline script


def test_hostile_strings_are_escaped(tmp_path):
    records = [rec(op=HOSTILE, group=HOSTILE, check=HOSTILE, oracle=HOSTILE, dtype=HOSTILE,
                   status=s, reason=HOSTILE + IMG, repro=HOSTILE, seeds=[HOSTILE],
                   detail={"error": HOSTILE, "expected": HOSTILE, HOSTILE: IMG, "inputs": {HOSTILE: 1}})
               for s in ("fail", "divergence", "gap", "skip", "error", "stale")]
    records.append(rec(op=HOSTILE, group=ERRATA_GROUP, check="erratum", status="fail", seeds=[HOSTILE],
                       detail={"seed_claim": HOSTILE, "torch_actual": IMG, "library_actual": HOSTILE,
                               "facts": [{"side": "torch", "what": HOSTILE, "holds": False, "shown": IMG}]}))
    header = {**HEADER, "impl_module": HOSTILE, "profile": IMG, "argv": [HOSTILE], HOSTILE: HOSTILE}
    p = write(tmp_path / "r.jsonl", records, header=header, complete=False)
    prev = write(tmp_path / "prev.jsonl", [rec(op=HOSTILE, group=HOSTILE, check=HOSTILE, oracle=HOSTILE)])
    page = render(tmp_path, [p], previous=str(prev),
                  seed_map={HOSTILE: {"title": IMG, "file": HOSTILE}})
    assert HOSTILE not in page and IMG not in page
    assert "<img" not in page  # the payload only ever appears as escaped text
    assert htmllib.escape(HOSTILE) in page or "&lt;script&gt;" in page
    assert page.count("<script") == 3 and page.count("</script>") == 3
    assert "INCOMPLETE RUN" in page
    junit = (tmp_path / "out" / "junit.xml").read_text(encoding="utf-8")
    assert HOSTILE not in junit and ET.fromstring(junit.encode()) is not None


def test_truncated_run_renders_incomplete(tmp_path):
    p = write(tmp_path / "r.jsonl", [rec(), rec(op="sub", status="fail")], complete=False)
    with open(p, "ab") as fh:
        fh.write(b'{"kind": "result", "op": "mu')  # killed mid-line
    rs = read_results(p)
    assert len(rs) == 2 and rs.runs[0].truncated
    page = render(tmp_path, [p])
    assert "INCOMPLETE RUN" in page and "last line truncated" in page


def test_merge_cpu_cuda_columns_and_counts(tmp_path):
    cpu = write(tmp_path / "cpu.jsonl", all_statuses("cpu"))
    cuda = write(tmp_path / "cuda.jsonl", all_statuses("cuda") + [rec(oracle="jax", device="cuda", status="fail")],
                 header={**HEADER, "device": "cuda"})
    page = render(tmp_path, [cpu, cuda])
    assert 'title="forward vs torch on cpu"' in page and 'title="forward vs torch on cuda"' in page
    assert 'title="forward vs jax on cuda"' in page and 'title="forward vs jax on cpu"' not in page
    ctx = build(read_results([cpu, cuda]))
    assert [(s["device"], s["oracle"]) for s in ctx["columns"][0]["subs"]] == [
        ("cpu", "torch"), ("cuda", "torch"), ("cuda", "jax")]
    assert ctx["counts"]["fail"] == 3 and ctx["counts"]["pass"] == 2 and ctx["total"] == 15
    assert ctx["rate"] == f"{100 * 4 / 13:.1f}%"  # (2 pass + 2 divergence) / (15 - 2 skip)
    # chips in the summary show the same numbers
    for s in STATUSES:
        assert re.search(rf'data-only="{s}"[^>]*><b>{ctx["counts"][s]}</b>', page), s
    # per-group row: 8 records in one group
    assert ctx["matrix"][0]["counts"]["fail"] == 3 and len(ctx["failures"]) == 7
    assert "device</dt><dd>cpu / cuda" in page


def test_previous_lists_newly_failing_and_passing(tmp_path):
    old = write(tmp_path / "old.jsonl", [rec(op="a", status="fail"), rec(op="b"), rec(op="c", status="gap")])
    new = write(tmp_path / "new.jsonl", [rec(op="a"), rec(op="b", status="error"), rec(op="c", status="stale")])
    ctx = build(read_results(new), read_results(old))
    assert [c["op"] for c in ctx["changes"]["newly_failing"]] == ["b", "c"]
    assert [c["op"] for c in ctx["changes"]["newly_passing"]] == ["a"]
    page = render(tmp_path, [new], previous=str(old))
    assert "Newly failing (2)" in page and "Newly passing (1)" in page


def test_timing_per_op_and_against_the_previous_run(tmp_path):
    def run(name, times):
        return write(tmp_path / name, [rec(op=op, check=c, duration_s=t) for op, c, t in times])
    old = run("old.jsonl", [("a", "forward", 1.0), ("a", "grad", 1.0), ("b", "forward", 1.0),
                            ("c", "forward", 0.01), ("d", "forward", 1.0), ("e", "forward", 1.0)])
    new = run("new.jsonl", [("a", "forward", 1.5), ("a", "grad", 1.5),   # +50 %: slower
                            ("b", "forward", 0.5),                        # -50 %: faster
                            ("c", "forward", 0.03),                       # +200 %, but under the floor
                            ("d", "forward", 1.2),                        # +20 %: within noise
                            ("e", "forward", 1.0), ("e", "grad", 9.0)])   # grad is new: not compared
    assert 0.03 < TIME_FLOOR_S
    ctx = build(read_results(new), read_results(old))
    ch = ctx["changes"]
    assert [(r["op"], r["old"], r["new"], r["change"]) for r in ch["slower"]] == [("a", "2.00", "3.00", "+50%")]
    assert [(r["op"], r["change"]) for r in ch["faster"]] == [("b", "-50%")]
    rows = {r["op"]: r for g in ctx["matrix"] for r in g["rows"]}
    assert rows["a"]["time"] == "3.00" and rows["e"]["time"] == "10.0" and rows["a"]["time_title"] == "cpu: 3.00 s"
    assert [s["op"] for s in ctx["slowest"]][:2] == ["e", "a"]
    page = render(tmp_path, [new], previous=str(old))
    assert "Slower by more than 25% (1)" in page and "Faster by more than 25% (1)" in page
    assert re.search(r'<th class="opcol" title="a">a</th><td class="t" title="cpu: 3.00 s">3.00</td>', page)
    _, recs = page_data(page)
    assert sorted(r["duration"] for r in recs) == [0.03, 0.5, 1.0, 1.2, 1.5, 1.5, 9.0]


def test_secs():
    assert [secs(x) for x in (0.0042, 0.0999, 1.234, 9.999, 12.34, 99.96, 123.4)] == [
        "0.004", "0.10", "1.23", "10.0", "12.3", "100", "123"]


def test_declarations_fold_and_mark_stale(tmp_path):
    reason = "int division promotes differently"
    p = write(tmp_path / "r.jsonl", [
        rec(op="div", oracle="jax", status="divergence", reason=reason),
        rec(op="div", oracle="jax", status="divergence", reason=reason, dtype="int64"),
        rec(op="div", oracle="jax", status="stale", reason=f"declared divergence no longer reproduces: {reason}",
            check="grad"),
        rec(op="svd", status="gap", reason="svd not implemented", check="grad"),
        rec(op="mm", status="stale", reason="declared gap now passes; remove it from specs/gaps.toml: no out="),
        rec(op="exp", status="skip", reason="integer input")])
    ctx = build(read_results(p))
    (div,) = ctx["divergences"]
    assert div["reason"] == reason and div["state"] == "partly stale" and div["n_stale"] == 1
    assert div["checks"] == ["forward", "grad"] and div["dtypes"] == ["float32", "int64"]
    assert div["stale_where"] == ["grad / jax / float32 / cpu"] and div["st"] == "divergence stale"
    stale_gap, gap = ctx["gaps"]                     # stale declarations first
    assert (stale_gap["op"], stale_gap["state"], stale_gap["reason"]) == ("mm", "stale", "no out=")
    assert (gap["op"], gap["state"]) == ("svd", "active")
    assert ctx["stale_declarations"] == 2
    assert ctx["skips"] == [{"reason": "integer input", "count": 1, "ops": ["exp"]}]
    page = render(tmp_path, [p])
    assert page.count('<tr class="stale"') == 2
    assert "PARTLY STALE: no longer happens for grad / jax / float32 / cpu" in page
    assert "STALE: no longer happens (forward / torch / float32 / cpu). Remove this declaration." in page
    assert '2 stale declarations</a>' in page and '<span class="stalecount">1 stale</span>' in page


def test_seed_documents_view(tmp_path):
    p = write(tmp_path / "r.jsonl", [
        rec(op="add", seeds=["001", "004"]), rec(op="add", check="grad", status="fail", seeds=["001", "004"]),
        rec(op="sin", seeds=["004"]), rec(op="view", group="views", seeds=["000", "001"]),
        rec(op="cat", group="joining", status="divergence", oracle="jax", seeds=["002"], reason="r")]
        + list(errata_records("cpu")))
    seed_map = {"000": {"title": "Notes zero", "file": "000_a.txt"}, "004": {"title": "Sine notes", "file": "004_b.txt"},
                "003": {"title": "Dtype sizes", "file": "003_c.txt"}}
    ctx = build(read_results(p), seed_map=seed_map)
    docs = {d["id"]: d for d in ctx["seed_docs"]}
    assert list(docs) == ["000", "001", "002", "003", "004"]  # from the records and from the seed files
    d4 = docs["004"]
    assert d4["title"] == "Sine notes" and d4["file"] == "004_b.txt"
    assert [(o["op"], o["status"]) for o in d4["ops"]] == [("add", "fail"), ("sin", "pass")]
    assert d4["rate"] == f"{100 * 2 / 3:.1f}%" and d4["n_bad_ops"] == 1 and d4["n_good_ops"] == 1
    assert [e["id"] for e in d4["errata"]] == ["004-grad-accumulation"] and d4["errata_ok"] == 1
    assert docs["001"]["title"] == "" and [o["op"] for o in docs["001"]["ops"]] == ["add", "view"]
    assert [e["status"] for e in docs["001"]["errata"]] == ["fail", "skip"]
    assert docs["003"]["ops"] == [] and docs["002"]["ops"][0]["status"] == "divergence"
    page = render(tmp_path, [p], seed_map=seed_map)
    assert '<article class="seeddoc" id="seed-004" data-seed="004">' in page
    assert '<a class="opchip s-fail" href="#op-0"' in page and "Sine notes" in page
    assert '<tr class="oprow" id="op-0" data-op="add" data-group="pointwise" data-seeds="001 004"' in page
    m = re.search(r'<script type="application/json" id="seed-map">(.*?)</script>', page, re.S)
    assert json.loads(m.group(1)) == seed_map  # the machine-readable id -> title map
    assert '<option value="004">seed 004 · Sine notes</option>' in page
    # without seed files the ids stand alone
    bare = render(tmp_path, [p], seed_map={})
    assert "Seed notes not found next to the repository" in bare and '<span class="sid">004</span> (untitled)' in bare


def test_seed_titles_come_from_the_first_line_only(tmp_path):
    d = tmp_path / "seeds"
    d.mkdir()
    (d / "000_abc.txt").write_text("\n\n  Pytorch学习笔记——tensor   操作\nsecret body text\n", encoding="utf-8")
    (d / "001_def.txt").write_text("x" * 300 + "\nmore", encoding="utf-8")
    (d / "notes.md").write_text("not a seed", encoding="utf-8")
    titles = seed_titles(d)
    assert titles == {"000": {"title": "Pytorch学习笔记——tensor 操作", "file": "000_abc.txt"},
                      "001": {"title": "x" * 99 + "…", "file": "001_def.txt"}}
    assert seed_titles(tmp_path / "nowhere") == {}
    p = write(tmp_path / "r.jsonl", [rec(seeds=["000"])])
    page = render(tmp_path, [p], seed_map=titles)
    assert "Pytorch学习笔记——tensor 操作" in page and "secret body text" not in page


def test_errata_section(tmp_path):
    p = write(tmp_path / "r.jsonl", [rec()] + list(errata_records("cpu")))
    ctx = build(read_results(p))
    assert [g["name"] for g in ctx["matrix"]] == ["pointwise"]  # errata are not matrix rows ...
    assert ctx["data"]["cols"] == [["forward", "cpu", "torch"]]  # ... nor a column
    ids = [e["id"] for e in ctx["errata"]]
    assert ids == ["004-grad-accumulation", "000-non_zero", "001-longspace", "001-Tensor-1-uninitialised"]
    e = ctx["errata"][0]
    assert e["claim"].startswith("x.grad = [1.6830, 1.8186]") and "1.0806" in e["torch"] and e["status"] == "pass"
    assert [f["holds"] for f in ctx["errata"][3]["facts"]] == [None, True]
    assert ctx["errata_counts"]["pass"] == 2 and ctx["errata_counts"]["fail"] == 1
    (f,) = ctx["failures"]                                   # the failing erratum is a failure ...
    assert f["op"] == "001-longspace" and f["anchor"] == "#erratum-001-longspace"  # ... linked to its card
    page = render(tmp_path, [p])
    assert '<article class="erratum st-fail" id="erratum-001-longspace"' in page
    assert '<li class="fact undecided"><span class="side">torch</span>' in page
    assert '<a href="#errata">seed errata</a>' in page and '<option value="errata">errata</option>' in page


def test_real_errata_records_render(tmp_path):
    """conformance/errata.py's own records (torch as the library: fast, and every erratum holds)."""
    errata = pytest.importorskip("conformance.errata")
    import torch
    recs = [errata.check(eid, torch, "torch") for eid in ["004-printed-z", "000-add-output-keyword"]]
    p = write(tmp_path / "r.jsonl", recs)
    page = render(tmp_path, [p])
    assert 'id="erratum-004-printed-z"' in page and "tensor([ 0.8415, -0.7568])" in page
    assert "torch.add(x, y, output=z) raises TypeError" in page


def test_junit_xml(tmp_path):
    p = write(tmp_path / "r.jsonl", all_statuses() + [rec(op="ctl", status="fail", reason="bad \x00\x1b byte",
                                                          detail={"expected": "\x07"}, duration_s=0.25)]
              + list(errata_records("cpu")), complete=False)
    render(tmp_path, [p])
    root = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    cases = root.findall(".//testcase")
    # one testcase per record, plus one saying the run is incomplete
    assert len(cases) == len(STATUSES) + 1 + 4 + 1
    assert root.get("tests") == str(len(cases))
    by = {(c.get("classname"), c.get("name")): c for c in cases}
    fail = by[("conformance.cpu.pointwise.op_fail", "forward[torch,float32]")]
    (f,) = fail
    assert f.tag == "failure" and f.get("type") == "fail" and f.get("message") == "reason for fail"
    assert "repro:\nrepro_fail()" in f.text and "actual:\n[1.0, 3.0]" in f.text
    stale = by[("conformance.cpu.pointwise.op_stale", "forward[torch,float32]")][0]
    assert stale.tag == "failure" and stale.get("type") == "stale gap"
    assert by[("conformance.cpu.pointwise.op_error", "forward[torch,float32]")][0].tag == "error"
    for s in ("skip", "gap", "divergence"):
        (sk,) = by[(f"conformance.cpu.pointwise.op_{s}", "forward[torch,float32]")]
        assert sk.tag == "skipped" and sk.get("type") == s and "reason for " + s in sk.get("message")
    assert len(by[("conformance.cpu.pointwise.op_pass", "forward[torch,float32]")]) == 0
    ctl = by[("conformance.cpu.pointwise.ctl", "forward[torch,float32]")]
    assert ctl.get("time") == "0.2500" and ctl[0].get("message") == "bad \ufffd\ufffd byte"
    assert by[("conformance.cpu.errata.001-longspace", "erratum[torch]")][0].tag == "failure"
    inc = by[("conformance.run", "complete[r.jsonl]")][0]
    assert inc.tag == "error" and inc.get("message").startswith("INCOMPLETE RUN")
    assert root.get("failures") == "4" and root.get("errors") == "2"
    props = {p.get("name"): p.get("value") for p in root.find("testsuite/properties")}
    assert props["torch"] == "2.13.0" and props["count.fail"] == "3" and props["impl_module"] == "impl"


def test_junit_for_no_runs(tmp_path):
    from conformance.results import RunSet
    out = write_junit(RunSet(), tmp_path / "j.xml")
    root = ET.parse(out).getroot()
    assert root.get("errors") == "1" and root.find(".//error").get("message") == "no runs found in the results files"


def test_pretty_printing():
    assert pretty({"x": [[1.0, 2.5], [3.0, "nan"]], "dim": 1}) == "x: [[1.0, 2.5],\n    [3.0, nan]]\ndim: 1"
    assert pretty("raw <text>") == "raw <text>"
    assert pretty(list(range(5000))).endswith("more characters)")


def test_main_writes_index_and_junit(tmp_path, capsys):
    cpu = write_synthetic(tmp_path / "cpu.jsonl", "cpu", n_ops=12)
    cuda = write_synthetic(tmp_path / "cuda.jsonl", "cuda", n_ops=12, kill=True)
    assert main([str(cpu), str(cuda), "--out", str(tmp_path / "rep"), "--previous", str(cpu)]) == 0
    page = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert "INCOMPLETE RUN" in page and "Since the previous run" in page
    assert "[INCOMPLETE RUN]" in capsys.readouterr().out
    assert ET.parse(tmp_path / "rep" / "junit.xml").getroot().get("errors") != "0"
    assert main([str(cpu), "--out", str(tmp_path / "nojunit"), "--no-junit"]) == 0
    assert not (tmp_path / "nojunit" / "junit.xml").exists()
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing.jsonl"), "--out", str(tmp_path)])


def test_big_run_stays_light(tmp_path):
    """Page weight per record is bounded: nothing per cell beyond one short <td> and its data.
    (500 ops x cpu + cuda: about 3.4 MB / 18k records; measure with
    `python -m tests.test_report_browser measure`.)"""
    runs, prev = write_set(tmp_path, n_ops=150)
    t0 = time.perf_counter()
    rs = render_html(runs, tmp_path / "index.html", previous=str(prev), seed_map=NO_SEEDS)
    took = time.perf_counter() - t0
    size = (tmp_path / "index.html").stat().st_size
    assert len(rs) > 5000
    assert size / len(rs) < 260, f"{size / len(rs):.0f} bytes per record"
    assert took < 30
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert page.count(' title="') < len(rs) / 4  # no tooltip per cell (the script makes them on hover)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium to run the page's JS")
def test_page_script_runs_and_payload_stays_inert(tmp_path):
    p = write(tmp_path / "r.jsonl", all_statuses() + [rec(op=IMG, status="fail", reason=IMG, repro=IMG)])
    out = tmp_path / "index.html"
    render_html([str(p)], str(out), previous=str(p))
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tempfile.mkdtemp()}", "--virtual-time-budget=2000", "--dump-dom",
         out.as_uri() + "#f-0"],
        capture_output=True, text=True, timeout=60).stdout
    assert "8 / 8 ops shown" in dom          # the inline script ran to the end
    title = re.search(r"<title>(.*?)</title>", dom).group(1)
    assert title == "PyTorch conformance report"  # the payload (sets the title) never ran
    assert "<img" not in dom                       # nor became an element
    # #f-0 in the URL opened that failure and built its body from the data
    assert re.search(r'<details class="failure" id="f-0"[^>]* open="">', dom)
    assert "show in matrix" in dom and "repro_fail()" in dom


def test_long_change_lists_are_cut_with_exact_counts(tmp_path, monkeypatch):
    from conformance.report import model
    monkeypatch.setattr(model, "CHANGES_MAX", 1)
    old = write(tmp_path / "old.jsonl", [rec(op=o) for o in "abc"])
    new = write(tmp_path / "new.jsonl", [rec(op=o, status="fail") for o in "abc"])
    ctx = build(read_results(new), read_results(old))
    assert len(ctx["changes"]["newly_failing"]) == 1 and ctx["changes"]["n_newly_failing"] == 3
    page = render(tmp_path, [new], previous=str(old))
    assert "Newly failing (3)" in page and "… and 2 more (the matrix and junit.xml have them all)" in page


def test_runs_table_counts_typical_examples(tmp_path):
    built = {"built": True, "shapes": [[2, 3]]}
    missed = {"built": False, "reason": "no typical strategy: only one element"}
    p = write(tmp_path / "r.jsonl", [rec(typical=built), rec(op="mul", typical=built),
                                     rec(op="item", typical=missed), rec(op="old")])
    page = render(tmp_path, [p])
    m = re.search(r'<div class="muted small typical">(.*?)</div>', page, re.S)
    assert m, "the runs table says how many records ran a typical example"
    assert "in 2 of 3 records" in m.group(1) and "none could be built for item" in m.group(1)
    old = write(tmp_path / "old.jsonl", [rec()])  # a run from before the field: no line, no error
    assert 'class="muted small typical"' not in render(tmp_path, [old])
