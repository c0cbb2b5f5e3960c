"""The speed page: a pytest-benchmark JSON file (benchmarks/test_bench_ops.py) as the ratio table and a
chart of impl / torch, styled like the conformance report and self-contained like it.

``python -m conformance bench`` runs the benchmarks and writes ``bench.html`` next to the report;
``benchmarks/ratios.py`` prints the same table (Markdown, for the README) from any JSON file.
"""
from __future__ import annotations

import json
import math
import os
import time
from collections import defaultdict
from typing import Any

from markupsafe import Markup, escape

from . import _HERE, _environment, _write

FLOORS = {"numpy": "NumPy", "cupy": "CuPy"}


def load(path: str | os.PathLike) -> dict[str, dict[str, float]]:
    """{group: {framework: median seconds}} from pytest-benchmark's JSON."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    out: dict = defaultdict(dict)
    for b in data["benchmarks"]:
        fw = b["params"].get("fw") or b["params"].get("lib")
        out[b["group"]][fw] = b["stats"]["median"]
    return dict(out)


def fmt_time(s: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e3), ("us", 1e6)):
        if s * scale >= 1:
            return f"{s * scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def ratio(t: dict, over: str) -> str:
    return f"{t['impl'] / t[over]:.2f}x" if "impl" in t and over in t else "–"


def rows(groups: dict, before: dict | None = None, floor: str = "numpy") -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the ratio table; `floor` is the array library impl runs on (numpy, or cupy)."""
    fl = FLOORS.get(floor, floor)
    head = ["workload", "impl", "torch", fl, "JAX", "impl / torch", f"impl / {fl}"]
    if before is not None:
        head += ["impl / torch before", f"impl / {fl} before"]
    body = []
    for g in sorted(groups):
        t = groups[g]
        row = [g] + [fmt_time(t[fw]) if fw in t else "–" for fw in ("impl", "torch", floor, "jax")]
        row += [ratio(t, "torch"), ratio(t, floor)]
        if before is not None:
            b = before.get(g, {})
            row += [ratio(b, "torch"), ratio(b, floor)]
        body.append(row)
    return head, body


def markdown(groups: dict, before: dict | None = None, floor: str = "numpy") -> str:
    head, body = rows(groups, before, floor)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def chart(groups: dict) -> Markup:
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
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(g)}</text>')
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{abs(w):.1f}" height="{bar_h - 6}" fill="{colour}"/>')
        parts.append(f'<text x="{axis + w + (4 if w >= 0 else -4):.1f}" y="{y + 13}" '
                     f'text-anchor="{"start" if w >= 0 else "end"}">{r:.2f}x</text>')
    parts.append(f'<text x="{axis}" y="{height - 4}" text-anchor="middle">impl / torch (log scale; right = slower)'
                 '</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # (group names escaped above; the rest is numbers)


def render_bench(groups: dict, out_html: str | os.PathLike, *, before: dict | None = None, floor: str = "numpy",
                 source: str = "", title: str = "impl speed against torch, NumPy and JAX") -> None:
    head, body = rows(groups, before, floor)
    ctx: dict[str, Any] = {
        "title": title, "generated": time.strftime("%Y-%m-%d %H:%M:%S"), "source": source,
        "head": head, "rows": body, "chart": chart(groups),
        "css": Markup((_HERE / "static" / "report.css").read_text(encoding="utf-8")),
    }
    _write(_environment().get_template("bench.html.j2").render(**ctx), out_html)
