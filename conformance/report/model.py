"""Turn a :class:`~conformance.results.RunSet` into the plain data the HTML template shows.

All decisions about *what* to show live here (and are unit-testable without HTML); the template
only lays it out.  Strings stay raw here: escaping is the template's job (jinja2 autoescape).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from ..results import BAD, GOOD, SEVERITY, STATUSES, Cell, CellKey, RunSet, pass_rate

#: Legend text, one line per status, in display order.
LEGEND = {
    "pass": "library agrees with the oracle on every example",
    "fail": "library disagrees with the oracle",
    "stale": "a declared gap or divergence now passes: remove the declaration",
    "error": "the harness itself crashed on this check",
    "gap": "declared, known library gap (expected failure)",
    "divergence": "torch and JAX differ for a reason declared in the spec (expected)",
    "skip": "not applicable (reason in the details)",
}
ORACLE_ABBR = {"torch": "T", "jax": "J", "self": "S"}
# Detail keys that get a dedicated place in a failure entry; the rest go to a key/value table.
INPUT_KEYS = ("inputs", "args", "kwargs", "example", "shrunk")
MESSAGE_KEYS = ("message", "error", "exception", "traceback")
CLIP = 6000  # characters per shown value: a 10^6-element "expected" must not make a 100 MB page


def _scalar(v: Any) -> str:
    # jsonsafe() stored non-finite floats as strings; show them as numbers again.
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return v
    return json.dumps(v, ensure_ascii=False)


def _text(value: Any, indent: int = 0) -> str:
    pad = " " * indent
    if isinstance(value, list):
        if value and all(isinstance(v, (list, dict)) for v in value):
            # one row per line, like NumPy prints a matrix
            return "[" + (",\n" + pad + " ").join(_text(v, indent + 1) for v in value) + "]"
        return "[" + ", ".join(_text(v, indent) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for k, v in value.items():
            if isinstance(v, dict) and v:  # nested mapping: on its own indented lines
                lines.append(f"{k}:\n{pad}  " + _text(v, indent + 2))
            else:
                lines.append(f"{k}: " + _text(v, indent + len(str(k)) + 2))
        return ("\n" + pad).join(lines)
    return _scalar(value)


def pretty(value: Any, clip: int = CLIP) -> str:
    """Readable text for a JSON value: strings as they are, nested lists one row per line,
    dicts as ``key: value`` lines; clipped to ``clip`` characters."""
    text = value if isinstance(value, str) else _text(value)
    return text if len(text) <= clip else text[:clip] + f"\n… ({len(text) - clip} more characters)"


def _rate(r: float | None) -> str:
    return "–" if r is None else f"{100 * r:.1f}%"


def _header_view(run) -> dict[str, Any]:
    """Pick known header fields under the names the engine may use; keep the rest as extras."""
    h = run.header
    versions = dict(h.get("versions") or {})
    for name in ("python", "numpy", "torch", "jax", "jaxlib", "hypothesis"):
        if name in h and not isinstance(h[name], dict):
            versions.setdefault(name, h[name])
    known = {"versions", "python", "numpy", "torch", "jax", "jaxlib", "hypothesis", "seed",
             "hypothesis_seed", "profile", "device", "impl", "impl_module", "argv", "started",
             "format", "pid"}
    argv = h.get("argv")
    return {
        "path": run.path,
        "versions": versions,
        "seed": h.get("hypothesis_seed", h.get("seed")),
        "profile": h.get("profile"),
        "device": run.device,
        "impl": h.get("impl_module", h.get("impl")),
        "argv": " ".join(map(str, argv)) if isinstance(argv, list) else argv,
        "started": h.get("started"),
        "finished": (run.footer or {}).get("finished"),
        "complete": run.complete,
        "reason": run.incomplete_reason,
        "records": len(run.records),
        "bad_lines": run.bad_lines,
        "extra": {k: pretty(v, 300) for k, v in h.items() if k not in known},
    }


def _joined(values) -> str:
    vals = [str(v) for v in dict.fromkeys(values) if v not in (None, "")]
    return " / ".join(vals) if vals else "–"


def _record_view(r: dict[str, Any]) -> dict[str, Any]:
    """A record for display: detail split into expected/actual, inputs, message and the rest."""
    d = r.get("detail") or {}
    used = {"expected", "actual", *INPUT_KEYS, *MESSAGE_KEYS}
    message = "\n".join(pretty(d[k]) for k in MESSAGE_KEYS if k in d) or None
    # One line for the collapsed failure entry: the declared reason, else what the check found.
    problem = " ".join(str(d[k]) for k in ("what", "problem") if isinstance(d.get(k), str))
    summary = r.get("reason") or (message.splitlines()[0] if message else problem)
    return {
        "op": r["op"], "group": r["group"], "check": r["check"], "oracle": r["oracle"],
        "device": r["device"], "dtype": r.get("dtype"), "status": r["status"],
        "reason": r.get("reason"), "examples": r.get("examples"),
        "seeds": ", ".join(map(str, r.get("seeds") or [])),
        "spec": r.get("spec"),
        "duration": r["duration_s"] if isinstance(r.get("duration_s"), (int, float)) else None,
        "repro": r.get("repro"),
        "expected": pretty(d["expected"]) if "expected" in d else None,
        "actual": pretty(d["actual"]) if "actual" in d else None,
        "inputs": [(k, pretty(d[k])) for k in INPUT_KEYS if k in d],
        "message": message, "summary": summary or "",
        "other": [(k, pretty(v, 1500)) for k, v in d.items() if k not in used],
    }


def _cell_title(cell: Cell) -> str:
    """Hover text: one line for the cell, then one per record when there are several (dtypes)."""
    k = cell.key
    head = f"{k.op} · {k.check} vs {k.oracle} · {k.device}: {cell.status}"
    if len(cell.records) == 1:
        r = cell.records[0]
        return head + (f" · {r['dtype']}" if r.get("dtype") else "") + (
            f"\n{str(r['reason'])[:100]}" if r.get("reason") else "")
    lines = [head]
    for r in cell.records[:8]:
        bit = f"  {r.get('dtype') or '—'}: {r['status']}"
        lines.append(bit + (f" · {str(r['reason'])[:60]}" if r.get("reason") else ""))
    if len(cell.records) > 8:
        lines.append(f"  … {len(cell.records) - 8} more")
    return "\n".join(lines)


def _cell_json(cell: Cell, failure_of: dict[int, int]) -> dict[str, Any]:
    """Detail-panel data for a cell. Failing records only carry the index of their entry in the
    failures section (the panel clones it); empty fields are dropped, to keep big pages small."""
    k = cell.key
    recs = []
    for r in cell.records:
        if id(r) in failure_of:
            recs.append({"dtype": r.get("dtype"), "status": r["status"], "f": failure_of[id(r)]})
            continue
        v = _record_view(r)
        full = {x: v[x] for x in ("dtype", "status", "reason", "examples", "seeds", "duration",
                                   "expected", "actual", "message", "repro", "inputs", "other")}
        recs.append({x: val for x, val in full.items() if val not in (None, "", [])})
    return {"op": k.op, "group": k.group, "check": k.check, "device": k.device,
            "oracle": k.oracle, "status": cell.status, "records": recs}


def _changes(current: dict[CellKey, Cell], previous: RunSet) -> dict[str, list[dict[str, str]]]:
    """Cells that became bad (fail/stale/error) or became good (pass/divergence) since ``previous``."""
    before = {k: c.status for k, c in previous.cells().items()}
    newly_failing, newly_passing = [], []
    for key, cell in current.items():
        old, new = before.get(key), cell.status
        row = {"op": key.op, "group": key.group, "check": key.check, "oracle": key.oracle,
               "device": key.device, "old": old or "absent", "new": new}
        if new in BAD and old not in BAD:
            newly_failing.append(row)
        elif new in GOOD and old in BAD:
            newly_passing.append(row)
    return {"newly_failing": newly_failing, "newly_passing": newly_passing}


def build(rs: RunSet, previous: RunSet | None = None, title: str | None = None) -> dict[str, Any]:
    """Everything the template needs, as plain dicts/lists/strings."""
    cells = rs.cells()
    runs = [_header_view(r) for r in rs.runs]
    versions = {name: _joined(r["versions"].get(name) for r in runs)
                for name in ("python", "numpy", "torch", "jax", "hypothesis")}

    # Columns: per check, the device x oracle pairs that actually occur for it (no empty columns).
    present = {(k.check, k.device, k.oracle) for k in cells}
    multi_device = len(rs.devices) > 1
    columns = []
    for check in rs.checks:
        subs = [(d, o) for d, o in rs.columns if (check, d, o) in present]
        columns.append({"check": check, "subs": [
            {"device": d, "oracle": o,
             "device_label": d if multi_device else "", "label": ORACLE_ABBR.get(o, o[:1].upper()),
             "title": f"{check} vs {o} on {d}"} for d, o in subs]})

    op_index = {key: i for i, key in enumerate((g, op) for g, ops in rs.groups.items() for op in ops)}

    # Failures first: the matrix's detail panel points at these entries instead of copying them.
    failures, failure_of = [], {}
    check_rank = {c: i for i, c in enumerate(rs.checks)}
    for r in sorted((r for r in rs.records if r["status"] in BAD),
                    key=lambda r: (op_index[(r["group"], r["op"])], check_rank[r["check"]],
                                   r["device"], r["oracle"], str(r.get("dtype")))):
        v = _record_view(r)
        v["idx"] = failure_of[id(r)] = len(failures)
        v["row"] = op_index[(r["group"], r["op"])]
        failures.append(v)

    cell_data: list[dict[str, Any]] = []
    matrix = []
    for group, ops in rs.groups.items():
        rows = []
        for op in ops:
            row_cells, statuses = [], set()
            for col in columns:
                for sub in col["subs"]:
                    cell = cells.get(CellKey(group, op, col["check"], sub["device"], sub["oracle"]))
                    if cell is None:
                        row_cells.append(None)
                        continue
                    statuses.update(cell.counts)
                    row_cells.append({"id": len(cell_data), "status": cell.status,
                                      "examples": cell.examples, "title": _cell_title(cell),
                                      "mixed": len(cell.counts) > 1})
                    cell_data.append(_cell_json(cell, failure_of))
            rows.append({"op": op, "idx": op_index[(group, op)], "cells": row_cells,
                         "statuses": " ".join(s for s in STATUSES if s in statuses)})
        counts = rs.counts(group)
        matrix.append({"name": group, "rows": rows, "counts": counts, "rate": _rate(pass_rate(counts)),
                       "rate_value": pass_rate(counts)})

    def declared(status: str, key_fields: tuple[str, ...]) -> list[dict[str, Any]]:
        # One line per (op, ..., reason); checks/dtypes/devices folded into lists.
        out: dict[tuple, dict[str, Any]] = {}
        for r in rs.records:
            if r["status"] != status:
                continue
            key = tuple(r[f] for f in key_fields) + (str(r.get("reason") or "(no reason given)"),)
            e = out.setdefault(key, {**{f: r[f] for f in key_fields}, "reason": key[-1],
                                     "row": op_index[(r["group"], r["op"])],
                                     "checks": [], "dtypes": [], "devices": [], "oracles": []})
            for f, val in (("checks", r["check"]), ("dtypes", r.get("dtype")),
                           ("devices", r["device"]), ("oracles", r["oracle"])):
                if val is not None and val not in e[f]:
                    e[f].append(val)
        return sorted(out.values(), key=lambda e: e["row"])  # catalog order

    skips = Counter(str(r.get("reason") or "(no reason given)") for r in rs.records if r["status"] == "skip")
    skip_ops: dict[str, list[str]] = {}
    for r in rs.records:
        if r["status"] == "skip":
            ops = skip_ops.setdefault(str(r.get("reason") or "(no reason given)"), [])
            if r["op"] not in ops:
                ops.append(r["op"])

    counts = rs.counts()
    return {
        "title": title or "PyTorch conformance report",
        "generated": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "complete": rs.complete,
        "incomplete": [r for r in runs if not r["complete"]],
        "corrupt": [r for r in runs if r["bad_lines"]],
        "runs": runs,
        "versions": versions,
        "seeds": _joined(r["seed"] for r in runs),
        "profiles": _joined(r["profile"] for r in runs),
        "devices": _joined(r["device"] for r in runs),
        "impls": _joined(r["impl"] for r in runs),
        "statuses": STATUSES,
        "legend": LEGEND,
        "counts": counts,
        "total": sum(counts.values()),
        "rate": _rate(pass_rate(counts)),
        "rate_value": pass_rate(counts),
        "bad_total": sum(counts[s] for s in BAD),
        "n_ops": len(op_index),
        "columns": columns,
        "n_cols": sum(len(c["subs"]) for c in columns),
        "matrix": matrix,
        "cell_data": cell_data,
        "failures": failures,
        "divergences": declared("divergence", ("group", "op")),
        "gaps": declared("gap", ("group", "op")),
        "skips": [{"reason": k, "count": n, "ops": skip_ops[k]} for k, n in skips.most_common()],
        "changes": _changes(cells, previous) if previous is not None else None,
        "severity": SEVERITY,
    }
