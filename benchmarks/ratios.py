"""Turn a pytest-benchmark JSON file into the ratio table: each framework's median time over torch's and
NumPy's, per workload. Prints Markdown (for the README) and, with --html, writes a self-contained page
with a bar chart of the impl/torch ratios (inline SVG, no network).

    .venv/bin/python benchmarks/ratios.py reports/bench.json [--html reports/bench.html] [--before OLD.json]

--before adds the impl/torch and impl/NumPy ratios of an earlier run (another checkout of impl, measured
the same way) as columns, so a change is judged by ratios taken under the same conditions.
"""
from __future__ import annotations

import argparse
import html
import json
import math
from collections import defaultdict


def load(path: str) -> dict:
    """{group: {framework: median seconds}} from pytest-benchmark's JSON."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    out: dict = defaultdict(dict)
    for b in data["benchmarks"]:
        fw = b["params"].get("fw") or b["params"].get("lib")
        out[b["group"]][fw] = b["stats"]["median"]
    return dict(out)


def _fmt_time(s: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e3), ("us", 1e6)):
        if s * scale >= 1:
            return f"{s * scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def _ratio(t: dict, over: str) -> str:
    return f"{t['impl'] / t[over]:.2f}x" if "impl" in t and over in t else "–"


def table(groups: dict, before: dict | None = None, floor: str = "numpy") -> str:
    """`floor`: the array library impl runs on (numpy; cupy for the GPU benchmarks)."""
    fl = {"numpy": "NumPy", "cupy": "CuPy"}.get(floor, floor)
    head = f"| workload | impl | torch | {fl} | JAX | impl / torch | impl / {fl} |"
    rule = "|---|---|---|---|---|---|---|"
    if before is not None:
        head += f" impl / torch before | impl / {fl} before |"
        rule += "---|---|"
    rows = [head, rule]
    for g in sorted(groups):
        t = groups[g]
        cell = lambda fw: _fmt_time(t[fw]) if fw in t else "–"  # noqa: E731
        row = f"| {g} | {cell('impl')} | {cell('torch')} | {cell(floor)} | {cell('jax')} | {_ratio(t, 'torch')} | " \
              f"{_ratio(t, floor)} |"
        if before is not None:
            b = before.get(g, {})
            row += f" {_ratio(b, 'torch')} | {_ratio(b, floor)} |"
        rows.append(row)
    return "\n".join(rows)


def chart(groups: dict) -> str:
    """Horizontal bars of log2(impl / torch): left of the axis impl is faster, right it is slower."""
    items = [(g, t["impl"] / t["torch"]) for g, t in sorted(groups.items()) if "impl" in t and "torch" in t]
    width, bar_h, left = 760, 22, 230
    height = bar_h * len(items) + 40
    scale = (width - left - 60) / max(1.0, max(abs(math.log2(r)) for _, r in items) * 2) if items else 1
    axis = left + (width - left - 60) / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="12">',
             f'<line x1="{axis}" y1="10" x2="{axis}" y2="{height - 20}" stroke="#333"/>']
    for i, (g, r) in enumerate(items):
        y = 14 + i * bar_h
        w = math.log2(r) * scale
        x = axis if w >= 0 else axis + w
        colour = "#c0392b" if r > 1.1 else "#27ae60"
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{html.escape(g)}</text>')
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{abs(w):.1f}" height="{bar_h - 6}" fill="{colour}"/>')
        parts.append(f'<text x="{axis + w + (4 if w >= 0 else -4):.1f}" y="{y + 13}" '
                     f'text-anchor="{"start" if w >= 0 else "end"}">{r:.2f}x</text>')
    parts.append(f'<text x="{axis}" y="{height - 4}" text-anchor="middle">impl / torch (log scale; right = slower)</text>')
    parts.append("</svg>")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("json")
    p.add_argument("--html", help="also write a page with the table and the chart")
    p.add_argument("--before", help="an earlier run's JSON: its ratios become extra columns")
    p.add_argument("--floor", default="numpy", help="the array library impl runs on: numpy, or cupy (GPU runs)")
    args = p.parse_args(argv)
    groups = load(args.json)
    md = table(groups, load(args.before) if args.before else None, args.floor)
    print(md)
    if args.html:
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in line.strip("|").split("|")) + "</tr>"
            for line in md.splitlines()[2:])
        head = "".join(f"<th>{html.escape(c.strip())}</th>" for c in md.splitlines()[0].strip("|").split("|"))
        page = (f"<!doctype html><meta charset=utf-8><title>impl benchmarks</title>"
                f"<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 8px;text-align:right}}"
                f"td:first-child,th:first-child{{text-align:left}}</style><h1>impl vs torch, NumPy, JAX</h1>"
                f"<table><tr>{head}</tr>{rows}</table><h2>impl / torch</h2>{chart(groups)}")
        with open(args.html, "w", encoding="utf-8") as f:
            f.write(page)
        print(f"\nwrote {args.html}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
