"""Render conformance results as one self-contained HTML file, plus its JUnit XML twin.

``render_html(paths, out_html, previous=None)`` reads results files (see :mod:`conformance.results`),
merges them and writes a single page with inline CSS and vanilla JS: no network, no CDN, so the
file can be attached to a CI run and opened anywhere.  jinja2 autoescaping is always on: op names,
reasons, error messages and repro snippets come from libraries under test and may contain markup.
Next to the page it writes ``junit.xml`` (:func:`write_junit`; one testcase per record) unless
``junit=False``.

Seed titles come from the seed notes' first lines when they are next to the repository
(:mod:`conformance.report.seeds`); the page embeds that id -> title map as JSON (``#seed-map``).

``main(argv)`` implements ``python -m conformance report RESULTS... --out DIR [--previous FILE]``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Iterable, Sequence

import jinja2
from markupsafe import Markup

from ..results import RunSet, read_results
from . import model
from .junit import write_junit
from .seeds import seed_titles

_HERE = Path(__file__).parent

__all__ = ["render_html", "render_runset", "write_junit", "seed_titles", "main"]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,  # unconditionally: the template is .j2, select_autoescape would miss it
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Compact JSON for the embedded cell data (tojson still escapes < > & ' for <script>).
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}
    return env


def render_runset(rs: RunSet, previous: RunSet | None = None, title: str | None = None,
                  seed_map: dict[str, dict[str, str]] | None = None) -> str:
    """The report for an already-read RunSet, as an HTML string.  ``seed_map``: seed id ->
    {"title", "file"}; by default read from the seed notes next to the repository, if there."""
    ctx = model.build(rs, previous, title, seed_titles() if seed_map is None else seed_map)
    # Our own static assets, read from files next to the template (trusted, so Markup).
    ctx["css"] = Markup((_HERE / "static" / "report.css").read_text(encoding="utf-8"))
    ctx["js"] = Markup((_HERE / "static" / "report.js").read_text(encoding="utf-8"))
    return _environment().get_template("report.html.j2").render(**ctx)


def render_html(results_paths: str | os.PathLike | Iterable[str | os.PathLike], out_html: str | os.PathLike,
                previous: str | os.PathLike | None = None, title: str | None = None, *,
                junit: bool = True, seed_map: dict[str, dict[str, str]] | None = None) -> RunSet:
    """Read ``results_paths`` (files or directories of ``*.jsonl``), write one HTML file to ``out_html``
    and, with ``junit=True`` (the default), ``junit.xml`` next to it.  Returns the RunSet read.

    ``previous``: a results file (or directory) of an earlier run; the report then lists cells
    that are newly failing / newly passing and ops that got slower / faster.
    """
    rs = read_results(results_paths)
    prev = read_results(previous) if previous else None
    _write(render_runset(rs, prev, title, seed_map), out_html)
    if junit:
        write_junit(rs, Path(out_html).with_name("junit.xml"))
    return rs


def _write(html: str, out_html: str | os.PathLike) -> None:
    out = Path(out_html)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)  # atomic: a browser reloading the page never sees half a file


def main(argv: Sequence[str] | None = None) -> int:
    """``report`` subcommand: ``RESULTS... --out DIR [--previous FILE]`` -> ``DIR/index.html``."""
    p = argparse.ArgumentParser(prog="python -m conformance report",
                                description="Render results.jsonl files into one HTML report.")
    p.add_argument("results", nargs="+", help="results files (.jsonl) or directories holding them")
    p.add_argument("--out", default="reports", help="output directory (default: reports)")
    p.add_argument("--previous", help="results of an earlier run, to list newly failing/passing cells")
    p.add_argument("--title", help="page title")
    p.add_argument("--no-junit", action="store_true", help="do not write junit.xml next to index.html")
    args = p.parse_args(argv)
    missing = [r for r in args.results if not Path(r).exists()]
    if missing:
        p.error("no such results file: " + ", ".join(missing))
    out = Path(args.out) / "index.html"
    rs = read_results(args.results)
    _write(render_runset(rs, read_results(args.previous) if args.previous else None, args.title), out)
    if not args.no_junit:
        write_junit(rs, out.with_name("junit.xml"))
    c = rs.counts()
    print(f"{out}: {len(rs)} records from {len(rs.runs)} run(s); "
          + ", ".join(f"{s} {c[s]}" for s in c if c[s])
          + ("" if rs.complete else "  [INCOMPLETE RUN]")
          + ("" if args.no_junit else f"\n{out.with_name('junit.xml')}: JUnit XML, one testcase per record"))
    return 0

