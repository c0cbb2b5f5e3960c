"""Tests of conformance.report: one self-contained, escaped HTML page with the right content."""

from __future__ import annotations

import html as htmllib
import re
import shutil
import subprocess
import tempfile

import pytest

from conformance.report import main, render_html
from conformance.report.model import build, pretty
from conformance.results import STATUSES, ResultWriter, read_results
from tests.synthetic_results import write as write_synthetic

HOSTILE = "<script>alert(1)</script>"
IMG = '<img src=x onerror="document.title=\'pwned\'">'
HEADER = {"versions": {"python": "3.11.2", "numpy": "2.4.6", "torch": "2.13.0", "jax": "0.10.2",
                       "hypothesis": "6.170.15"},
          "hypothesis_seed": 1234, "profile": "ci", "device": "cpu", "impl_module": "impl"}


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
    render_html([str(p) for p in paths], str(out), **kw)
    return out.read_text(encoding="utf-8")


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
    # failures section: fail, stale, error each once, with repro in a <pre> and a copy button
    assert page.count('<details class="failure"') == 3
    assert '<pre class="repro">repro_fail()</pre>' in page and 'class="copy"' in page
    assert "[1.0, 3.0]" in page  # actual value shown
    assert "<h4>inputs (shrunk)</h4><pre>x: [[1, 2]]</pre>" in page
    assert "<th>max_abs_diff</th>" in page and "<th>problem</th>" in page


def test_self_contained(tmp_path):
    page = render(tmp_path, [write(tmp_path / "r.jsonl", all_statuses())])
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=', page)
    assert "http://" not in page and "https://" not in page
    assert page.count("<script") == 2  # the JSON data block and our inline script


def test_hostile_strings_are_escaped(tmp_path):
    records = [rec(op=HOSTILE, group=HOSTILE, check=HOSTILE, oracle=HOSTILE, dtype=HOSTILE,
                   status=s, reason=HOSTILE + IMG, repro=HOSTILE, seeds=[HOSTILE],
                   detail={"error": HOSTILE, "expected": HOSTILE, HOSTILE: IMG, "inputs": {HOSTILE: 1}})
               for s in ("fail", "divergence", "gap", "skip", "error")]
    header = {**HEADER, "impl_module": HOSTILE, "profile": IMG, "argv": [HOSTILE], HOSTILE: HOSTILE}
    p = write(tmp_path / "r.jsonl", records, header=header, complete=False)
    prev = write(tmp_path / "prev.jsonl", [rec(op=HOSTILE, group=HOSTILE, check=HOSTILE, oracle=HOSTILE)])
    page = render(tmp_path, [p], previous=str(prev))
    assert HOSTILE not in page and IMG not in page
    assert "<img" not in page  # the payload only ever appears as escaped text
    assert htmllib.escape(HOSTILE) in page or "&lt;script&gt;" in page
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "INCOMPLETE RUN" in page


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


def test_declared_sections_and_skips(tmp_path):
    p = write(tmp_path / "r.jsonl", [
        rec(op="div", oracle="jax", status="divergence", reason="int division promotes differently"),
        rec(op="div", oracle="jax", status="divergence", reason="int division promotes differently", dtype="int64"),
        rec(op="svd", status="gap", reason="svd not implemented", check="grad"),
        rec(op="exp", status="skip", reason="integer input")])
    ctx = build(read_results(p))
    assert ctx["divergences"] == [{"group": "pointwise", "op": "div", "reason": "int division promotes differently",
                                   "row": 0, "checks": ["forward"], "dtypes": ["float32", "int64"],
                                   "devices": ["cpu"], "oracles": ["jax"]}]
    assert ctx["gaps"][0]["reason"] == "svd not implemented"
    assert ctx["skips"] == [{"reason": "integer input", "count": 1, "ops": ["exp"]}]


def test_pretty_printing():
    assert pretty({"x": [[1.0, 2.5], [3.0, "nan"]], "dim": 1}) == "x: [[1.0, 2.5],\n    [3.0, nan]]\ndim: 1"
    assert pretty("raw <text>") == "raw <text>"
    assert pretty(list(range(5000))).endswith("more characters)")


def test_main_writes_index(tmp_path, capsys):
    cpu = write_synthetic(tmp_path / "cpu.jsonl", "cpu", n_ops=12)
    cuda = write_synthetic(tmp_path / "cuda.jsonl", "cuda", n_ops=12, kill=True)
    assert main([str(cpu), str(cuda), "--out", str(tmp_path / "rep"), "--previous", str(cpu)]) == 0
    page = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert "INCOMPLETE RUN" in page and "Since the previous run" in page
    assert "[INCOMPLETE RUN]" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing.jsonl"), "--out", str(tmp_path)])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium to run the page's JS")
def test_page_script_runs_and_payload_stays_inert(tmp_path):
    p = write(tmp_path / "r.jsonl", all_statuses() + [rec(op=IMG, status="fail", reason=IMG, repro=IMG)])
    out = tmp_path / "index.html"
    render_html([str(p)], str(out))
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tempfile.mkdtemp()}", "--virtual-time-budget=2000", "--dump-dom", out.as_uri()],
        capture_output=True, text=True, timeout=60).stdout
    assert "8 / 8 ops shown" in dom          # the inline script ran to the end
    title = re.search(r"<title>(.*?)</title>", dom).group(1)
    assert title == "PyTorch conformance report"  # the payload (sets the title) never ran
    assert "<img" not in dom                       # nor became an element
