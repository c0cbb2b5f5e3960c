"""The errors check measures how close the library's message text is to torch's, and never fails on it.

The exception class is the contract; the text is shown: per op in the report's "Error messages"
section and, in a record's view, torch's message next to the library's.
"""
from __future__ import annotations

import dataclasses
import re
import subprocess
import tempfile

import pytest
import torch

from conformance import catalog, engine, profiles
from conformance.checks import REGISTRY
from conformance.checks.errors import MessageTally, compare_messages, normalise_message
from conformance.report import render_html
from conformance.report.model import build
from tests.test_engine_catches_bugs import planted
from tests.test_report import CHROMIUM, HOSTILE, NO_SEEDS, page_data, rec, render, write

FAST = dataclasses.replace(profiles.get("ci"), max_examples=12)


# ---------------------------------------------------------------------------------- the measure

def test_compare_messages_grades_exact_normalised_and_different() -> None:
    same = "Dimension out of range (expected to be in range of [-2, 1], but got 5)"
    assert compare_messages(same, same) == {"match": "exact", "similarity": 1.0}
    # numbers, whitespace, bracket kind and a final full stop are folded
    c = compare_messages(same, "Dimension out  of range (expected to be in range of (-3, 2), but got 7).")
    assert c["match"] == "normalised" and 0.8 < c["similarity"] < 1.0
    c = compare_messages("index_select(): argument 'dim' (position 2) must be int, not float",
                         "dim must be an int, got float")
    assert c["match"] == "different" and c["similarity"] < 0.8
    assert compare_messages("abc", "xyz") == {"match": "different", "similarity": 0.0}
    assert normalise_message(" a\n  b [1, -2.5e3] ") == normalise_message("a b (3, 4).")


def test_tally_counts_and_shows_the_most_different_pairs_first() -> None:
    t = MessageTally()
    assert t.summary() is None  # nothing compared: nothing stored
    for _ in range(3):
        t.add("dim", "IndexError", "out of range", "IndexError", "out of range")
    t.add("dim", "TypeError", "must be int, not float", "TypeError", "bad dim")
    t.add("index", "TypeError", "must be Tensor, not str", "TypeError", "must be Tensor, not str ")
    s = t.summary()
    assert (s["compared"], s["exact"], s["normalised"], s["different"]) == (5, 3, 1, 1)
    assert [p["match"] for p in s["samples"]] == ["different", "normalised", "exact"]
    assert s["samples"][0]["torch"] == "TypeError: must be int, not float"
    assert s["samples"][0]["impl"] == "TypeError: bad dim"
    assert s["samples"][2]["count"] == 3


# ---------------------------------------------------------------------------------- the engine

def _reworded_index_select(x, dim, index, **kw):
    try:
        return torch.index_select(x, dim, index, **kw)
    except Exception as e:  # noqa: BLE001 - same class, other words
        raise type(e)("planted: a message in other words") from None


@pytest.fixture(scope="module")
def cat() -> catalog.Catalog:
    return catalog.load()


def test_a_reworded_message_passes_but_is_counted_different(cat: catalog.Catalog) -> None:
    mod = planted("planted_reworded_errors", index_select=_reworded_index_select)
    env = engine.Env(cat, mod.__name__, FAST, impl_module=mod)
    r = engine.run_record(env, cat.ops["index_select"], REGISTRY["errors"], "torch", "float32")
    assert r["status"] == "pass", r  # the class is the contract, the text is not
    m = r["detail"]["messages"]
    assert m["compared"] > 0 and m["different"] == m["compared"] and m["exact"] == 0
    p = m["samples"][0]
    assert p["match"] == "different" and p["impl"].endswith("planted: a message in other words")
    assert not p["torch"].endswith("planted: a message in other words")


def test_torch_against_itself_has_every_message_the_same(cat: catalog.Catalog) -> None:
    env = engine.Env(cat, "torch", FAST)
    r = engine.run_record(env, cat.ops["index_select"], REGISTRY["errors"], "torch", "float32")
    assert r["status"] == "pass", r
    m = r["detail"]["messages"]
    assert m["compared"] > 0 and m["exact"] == m["compared"] and m["mean_similarity"] == 1.0
    assert all(p["torch"] == p["impl"] for p in m["samples"])


# ---------------------------------------------------------------------------------- the report

def _tally(torch_msg: str, impl_msg: str, n: int = 4) -> dict:
    t = MessageTally()
    for _ in range(n):
        t.add("dim", "IndexError", torch_msg, "IndexError", impl_msg)
    return t.summary()


TORCH_MSG = "Dimension out of range (expected to be in range of [-1, 0], but got 3)"


def _section(page: str) -> str:
    i = page.index('<section id="messages">')
    return page[i:page.index("</section>", i)]


def test_report_shows_same_and_different_messages_per_op(tmp_path) -> None:
    records = [
        rec(op="index_select", group="indexing", check="errors", detail={"messages": _tally(TORCH_MSG, TORCH_MSG)}),
        rec(op="gather", group="indexing", check="errors",
            detail={"messages": _tally(TORCH_MSG, f"bad dim {HOSTILE}")}),
        rec(op="add", check="forward"),   # no errors check: not in the section
    ]
    page = render(tmp_path, [write(tmp_path / "r.jsonl", records)])
    sec = _section(page)
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr class="msg\w+" data-op="(\w+)".*?</tr>', sec, re.S)}
    assert set(rows) == {"index_select", "gather"}
    cells = {op: re.findall(r"<td class=\"num\">(\d+)", row)[:4] for op, row in rows.items()}
    # cases, same as torch, same after normalising, different
    assert cells["index_select"] == ["4", "4", "0", "0"]
    assert cells["gather"] == ["4", "0", "0", "4"]
    assert 'class="msgsame"' in rows["index_select"] and "every message matched" in rows["index_select"]
    assert 'class="msgdiff"' in rows["gather"]
    assert TORCH_MSG in rows["gather"] and "bad dim &lt;script&gt;" in rows["gather"]  # side by side, escaped
    assert HOSTILE not in page
    assert "4 of 8 error cases had torch's message exactly" in sec
    # the status stays pass: a different text never fails a record
    assert 's-pass' in rows["gather"] and 'class="badge s-fail"' not in sec
    _, recs = page_data(page)
    errs = [r for r in recs if r.get("messages")]
    assert len(errs) == 2 and all(r["status"] == "pass" for r in errs)
    by_match = {r["messages"]["samples"][0]["match"]: r["messages"] for r in errs}
    assert by_match["exact"]["exact"] == 4
    diff = by_match["different"]["samples"][0]
    assert diff["torch"] == f"IndexError: {TORCH_MSG}" and diff["impl"] == f"IndexError: bad dim {HOSTILE}"
    assert all("messages" not in r.get("other", {}) for r in errs)  # a view of its own, not a raw dump


def test_normalised_match_is_reported_as_its_own_column(tmp_path) -> None:
    other_numbers = TORCH_MSG.replace("3)", "7)")
    data = build(_runset(tmp_path, [rec(op="gather", check="errors", detail={"messages": _tally(TORCH_MSG, other_numbers)})]),
                 seed_map=NO_SEEDS)
    (row,) = data["messages"]
    assert (row["compared"], row["exact"], row["normalised"], row["different"]) == (4, 0, 4, 0)
    assert row["worst"]["match"] == "normalised" and row["status"] == "pass"


def test_malformed_or_missing_tallies_are_ignored(tmp_path) -> None:
    data = build(_runset(tmp_path, [rec(check="errors", detail={"messages": "oops"}),
                                    rec(op="sub", check="errors", detail={"messages": {"compared": -1}}),
                                    rec(op="mul", check="errors")]), seed_map=NO_SEEDS)
    assert data["messages"] == []


def _runset(tmp_path, records):
    from conformance.results import read_results
    return read_results(write(tmp_path / "r.jsonl", records))


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium to run the page's JS")
def test_record_view_puts_torchs_message_next_to_the_librarys(tmp_path) -> None:
    """The page script builds the record's message table (opened here as failure #f-0)."""
    r = rec(op="gather", group="indexing", check="errors", status="fail", reason="the failed call modified input 'x'",
            detail={"messages": _tally(TORCH_MSG, "dim is off " + HOSTILE)})
    out = tmp_path / "index.html"
    render_html([str(write(tmp_path / "r.jsonl", [r]))], str(out), seed_map=NO_SEEDS)
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tempfile.mkdtemp()}", "--virtual-time-budget=2000", "--dump-dom",
         out.as_uri() + "#f-0"],
        capture_output=True, text=True, timeout=60).stdout
    table = re.search(r'<table class="msgcmp">.*?</table>', dom, re.S)
    assert table, dom[-2000:]
    row = re.search(r'<tr class="msgdiff">(.*?)</tr>', table.group(0), re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[0].startswith("dim") and cells[1].startswith("different")
    assert TORCH_MSG in cells[2] and "dim is off &lt;script&gt;" in cells[3]
    assert "0 of 4 error cases had torch's message exactly" in dom
