"""The speed page and `python -m conformance bench`: the ratio table is computed from the medians in the
JSON, names are escaped, the chart marks slower workloads red, and a failed benchmark run writes nothing."""
from __future__ import annotations

import json

import pytest

from conformance import cli
from conformance.report import bench


def _json(tmp_path, medians: dict) -> str:
    """A pytest-benchmark JSON file with these {group: {framework: median}}."""
    rows = [{"group": g, "params": {"fw": fw}, "stats": {"median": m}}
            for g, fws in medians.items() for fw, m in fws.items()]
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"benchmarks": rows}), encoding="utf-8")
    return str(path)


MEDIANS = {"tiny <b>add</b>": {"impl": 3e-6, "torch": 1.5e-6, "numpy": 6e-7},
           "large mul": {"impl": 1.0e-2, "torch": 1.25e-2, "numpy": 1.0e-2, "jax": 1.1e-2}}


def test_table_ratios_come_from_the_medians(tmp_path):
    groups = bench.load(_json(tmp_path, MEDIANS))
    head, body = bench.rows(groups)
    by_name = {r[0]: dict(zip(head, r)) for r in body}
    for g, t in MEDIANS.items():
        assert by_name[g]["impl / torch"] == f"{t['impl'] / t['torch']:.2f}x"
        assert by_name[g]["impl / NumPy"] == f"{t['impl'] / t['numpy']:.2f}x"
    assert by_name["tiny <b>add</b>"]["JAX"] == "–"  # a framework not measured is a dash, not an error
    md = bench.markdown(groups).splitlines()
    assert len(md) == 2 + len(MEDIANS) and all(line.count("|") == len(head) + 1 for line in md)


def test_page_escapes_names_and_colours_slower_bars(tmp_path):
    groups = bench.load(_json(tmp_path, MEDIANS))
    out = tmp_path / "bench.html"
    bench.render_bench(groups, out, source="bench.json")
    page = out.read_text(encoding="utf-8")
    assert "<b>add</b>" not in page and "&lt;b&gt;add&lt;/b&gt;" in page
    assert page.count("<rect") == len(MEDIANS)
    assert 'fill="#c0392b"' in page  # 2.00x slower: red
    assert 'fill="#27ae60"' in page  # 0.80x: green
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # self-contained


def test_before_columns(tmp_path):
    groups = bench.load(_json(tmp_path, MEDIANS))
    before = {"large mul": {"impl": 2.5e-2, "torch": 1.25e-2, "numpy": 1e-2}}
    head, body = bench.rows(groups, before)
    row = dict(zip(head, next(r for r in body if r[0] == "large mul")))
    assert row["impl / torch before"] == "2.00x"
    assert dict(zip(head, next(r for r in body if r[0] != "large mul")))["impl / torch before"] == "–"


def test_failed_benchmark_run_writes_no_table(tmp_path, monkeypatch, capsys):
    import subprocess

    monkeypatch.setattr(subprocess, "call", lambda cmd: 3)
    assert cli.main(["bench", "--out", str(tmp_path)]) == 3
    assert not (tmp_path / "bench.html").exists()
    assert "benchmarks failed" in capsys.readouterr().err


def test_bench_command_renders_what_pytest_benchmark_wrote(tmp_path, monkeypatch, capsys):
    import subprocess

    def fake_pytest(cmd):
        js = next(a.split("=", 1)[1] for a in cmd if a.startswith("--benchmark-json="))
        assert "--benchmark-only" in cmd
        _json(tmp_path, MEDIANS)  # (written where the command asked)
        (tmp_path / "bench.json").replace(js)
        return 0

    out = tmp_path / "out"
    monkeypatch.setattr(subprocess, "call", fake_pytest)
    assert cli.main(["bench", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| large mul |" in printed and (out / "bench.html").exists()


@pytest.mark.parametrize("t,expected", [(2.5e-6, "2.5 us"), (3e-10, "0.3 ns"), (1.5, "1.5 s")])
def test_time_format(t, expected):
    assert bench.fmt_time(t) == expected
