"""The mutation-testing page: ``mutation.jsonl`` (written by ``python -m conformance mutate``) as one
self-contained HTML file, styled like the conformance report."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import _HERE, _environment, _write

STATUSES = ("killed", "survived", "unexercised", "error", "n/a")


def read_outcomes(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Every verdict in the file; a torn last line (an interrupted run) is skipped."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def render_mutation(outcomes: list[dict[str, Any]], out_html: str | os.PathLike, *, profile: str = "ci",
                    planned: int | None = None, title: str = "Mutation testing of the conformance suite") -> None:
    from .. import mutants

    rows = []
    for m in mutants.MUTATIONS:
        counts = {s: sum(o["status"] == s for o in outcomes if o["mutation"] == m.name) for s in STATUSES}
        if any(counts.values()):
            rows.append({"name": m.name, "what": m.what, "check": m.check, "counts": counts})
    counts = {s: sum(o["status"] == s for o in outcomes) for s in STATUSES}
    judged = counts["killed"] + counts["survived"]
    order = {"survived": 0, "error": 1, "unexercised": 2, "n/a": 3}
    ctx = {
        "title": title, "generated": time.strftime("%Y-%m-%d %H:%M:%S"), "profile": profile,
        "total": len(outcomes), "planned": planned if planned is not None else len(outcomes),
        "complete": planned is None or len(outcomes) >= planned,
        "n_ops": len({o["op"] for o in outcomes}), "seconds": f"{sum(o['seconds'] for o in outcomes):.0f}",
        "score": f"{counts['killed'] / judged:.1%}" if judged else "n/a", "counts": counts,
        "statuses": STATUSES, "rows": rows,
        "not_killed": sorted((o for o in outcomes if o["status"] != "killed"),
                             key=lambda o: (order.get(o["status"], 9), o["op"], o["mutation"])),
        "css": Markup((_HERE / "static" / "report.css").read_text(encoding="utf-8")),
    }
    _write(_environment().get_template("mutation.html.j2").render(**ctx), out_html)
