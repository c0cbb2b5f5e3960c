"""Turn a :class:`~conformance.results.RunSet` into the plain data the HTML template shows.

All decisions about *what* to show live here (and are unit-testable without HTML); the template
only lays it out.  Strings stay raw here: escaping is the template's job (jinja2 autoescape) and,
for the embedded JSON, ``tojson`` plus the page script's ``textContent``.

Big runs: the per-record details (expected/actual, inputs, repro...) are not rendered as HTML but
sent once, as compact JSON with every string interned (:class:`Data`); the page script builds a
record's view when a cell or a failure is opened.  The HTML carries the matrix (one short ``<td>``
per cell) and one summary line per failure, so a 500-op run stays a few MB and opens in about a
second.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any

from ..results import (BAD, ERRATA_GROUP, GOOD, SEVERITY, STATUSES, Cell, CellKey, RunSet, declared_kind,
                       declared_reason, duration, pass_rate, record_key, Run)

#: Legend text, one line per status, in display order.
LEGEND = {
    "pass": "library agrees with the oracle on every example",
    "fail": "library disagrees with the oracle",
    "stale": "a declared gap or divergence no longer happens: remove the declaration",
    "error": "the harness itself crashed on this check",
    "gap": "declared, known library gap (expected failure)",
    "divergence": "torch and JAX differ for a reason declared in the spec (expected)",
    "skip": "not applicable (reason in the details)",
}
ORACLE_ABBR = {"torch": "T", "jax": "J", "self": "S", "impl-cpu": "C"}
# Detail keys that get a dedicated place in a record's view; the rest go to a key/value list.
INPUT_KEYS = ("inputs", "args", "kwargs", "example", "shrunk")
MESSAGE_KEYS = ("message", "error", "exception", "traceback")
CLIP = 6000  # characters per shown value: a 10^6-element "expected" must not make a 100 MB page
#: Timing changes against the previous run: reported when an op is this much slower/faster ...
TIME_CHANGE = 0.25
#: ... and at least this slow in one of the two runs (below it, timer noise dominates).
TIME_FLOOR_S = 0.05
SLOWEST = 12
CHANGES_MAX = 200  # rows per list in "Since the previous run"
CELL_W, CHAR_W, TIME_W = 38, 8, 46   # matrix geometry, px


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


def secs(s: float | None) -> str:
    """Compact seconds for tables: 0.004 -> '0.004', 1.234 -> '1.23', 123.4 -> '123'."""
    if s is None:
        return "–"
    if round(s, 3) < 0.01:
        return f"{s:.3f}"
    if round(s, 2) < 10:
        return f"{s:.2f}"
    if round(s, 1) < 100:
        return f"{s:.1f}"
    return f"{s:.0f}"


def _share(part: float, total: float) -> str:
    if not total:
        return "–"
    p = 100 * part / total
    return f"{p:.1f}%" if p < 10 else f"{p:.0f}%"


def _header_view(run) -> dict[str, Any]:
    """Pick known header fields under the names the engine may use; keep the rest as extras."""
    h = run.header
    versions = dict(h.get("versions") or {})
    for name in ("python", "numpy", "torch", "jax", "jaxlib", "hypothesis"):
        if name in h and not isinstance(h[name], dict):
            versions.setdefault(name, h[name])
    known = {"versions", "python", "numpy", "torch", "jax", "jaxlib", "hypothesis", "seed",
             "hypothesis_seed", "profile", "device", "impl", "impl_module", "argv", "started",
             "format", "pid", "ops"}
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
        "time": secs(sum(duration(r) for r in run.records)),
        "extra": {k: pretty(v, 300) for k, v in h.items() if k not in known},
        "typical": _typical_view(run.records),
    }


def _typical_view(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """How many records ran a typical example (engine._typical) and which ops could not build one, or
    None for runs made before records carried the field."""
    seen = [r for r in records if isinstance(r.get("typical"), dict)]
    if not seen:
        return None
    missed = [r for r in seen if not r["typical"].get("built")]
    return {"built": len(seen) - len(missed), "records": len(seen),
            "missed_ops": sorted({str(r.get("op")) for r in missed})}


def _joined(values) -> str:
    vals = [str(v) for v in dict.fromkeys(values) if v not in (None, "")]
    return " / ".join(vals) if vals else "–"


def _summary(r: dict[str, Any]) -> str:
    """One line for a collapsed failure entry: the reason, else what the check found."""
    d = r.get("detail") or {}
    if r.get("reason"):
        return str(r["reason"])
    for k in MESSAGE_KEYS:
        if k in d:
            return pretty(d[k], 300).strip().splitlines()[0] if pretty(d[k], 300).strip() else ""
    return " ".join(str(d[k]) for k in ("what", "problem") if isinstance(d.get(k), str))


class Data:
    """The page's embedded JSON: records in compact arrays, every string interned once.

    ``str``: the string table; every string field below is an index into it (-1 = none).
    ``cols``: ``[check, device, oracle]`` per matrix column.  ``rows``: ``[group, op, seeds]`` per op
    row (its ``id="op-N"``).  ``cells``: ``[row, col, [record, ...]]``.  ``recs``: per record
    ``[status, dtype, examples, seeds, duration, reason, body]`` (body: index into ``bodies`` or -1).
    ``bodies``: ``[expected, actual, message, [[key, value]...] inputs, [[key, value]...] other,
    repro, spec, messages]`` (messages: the errors check's message tally, see :meth:`Data._messages`, or -1).
    """

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._index: dict[str, int] = {}
        self.recs: list[list[Any]] = []
        self.bodies: list[list[Any]] = []
        self.rec_of: dict[int, int] = {}  # id(record dict) -> index in recs

    def s(self, value: Any) -> int:
        if value is None or value == "":
            return -1
        value = str(value)
        i = self._index.get(value)
        if i is None:
            i = self._index[value] = len(self.strings)
            self.strings.append(value)
        return i

    def record(self, r: dict[str, Any]) -> int:
        """Index of ``r`` in ``recs`` (added on first use)."""
        key = id(r)
        if key in self.rec_of:
            return self.rec_of[key]
        d = r.get("detail") or {}
        used = {"expected", "actual", *INPUT_KEYS, *MESSAGE_KEYS, "messages"}
        message = "\n".join(pretty(d[k]) for k in MESSAGE_KEYS if k in d)
        body = [self.s(pretty(d["expected"])) if "expected" in d else -1,
                self.s(pretty(d["actual"])) if "actual" in d else -1,
                self.s(message),
                [[self.s(k), self.s(pretty(d[k]))] for k in INPUT_KEYS if k in d],
                [[self.s(k), self.s(pretty(v, 1500))] for k, v in d.items() if k not in used],
                self.s(r.get("repro")),
                self.s(r.get("spec") if r.get("spec") not in (None, r["op"]) else None),
                self._messages(d.get("messages"))]
        has_body = any(x != -1 and x != [] for x in body)
        seeds = ", ".join(map(str, r.get("seeds") or []))
        dur = r.get("duration_s")
        self.recs.append([self.s(r["status"]), self.s(r.get("dtype")),
                          r.get("examples") if isinstance(r.get("examples"), int) else None,
                          self.s(seeds), round(dur, 4) if isinstance(dur, (int, float)) else None,
                          self.s(r.get("reason")), len(self.bodies) if has_body else -1])
        if has_body:
            self.bodies.append(body)
        self.rec_of[key] = len(self.recs) - 1
        return self.rec_of[key]


    def _messages(self, m: Any) -> Any:
        """The errors check's message tally: ``[compared, exact, normalised, different, mean similarity,
        [[match, similarity, invalid arg, torch's message, the library's message, times seen]...]]``,
        or -1 (older records, other checks)."""
        tally = message_tally(m)
        if tally is None:
            return -1
        return [tally["compared"], tally["exact"], tally["normalised"], tally["different"],
                tally["mean_similarity"],
                [[self.s(p["match"]), p["similarity"], self.s(p["invalid"]), self.s(pretty(p["torch"], 1500)),
                  self.s(pretty(p["impl"], 1500)), p["count"]] for p in tally["samples"]]]


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else 0


def message_tally(m: Any) -> dict[str, Any] | None:
    """A record's ``detail["messages"]`` (conformance/checks/errors.py) read defensively: counts as
    non-negative ints, samples as dicts of strings; None when absent or empty."""
    if not isinstance(m, dict) or not _int(m.get("compared")):
        return None
    sim = m.get("mean_similarity")
    samples = []
    for p in m.get("samples") or []:
        if not isinstance(p, dict):
            continue
        ps = p.get("similarity")
        samples.append({"match": str(p.get("match") or "different"), "invalid": str(p.get("invalid") or ""),
                        "similarity": ps if isinstance(ps, (int, float)) and not isinstance(ps, bool) else None,
                        "torch": str(p.get("torch") or ""), "impl": str(p.get("impl") or ""),
                        "count": _int(p.get("count")) or 1})
    return {"compared": _int(m["compared"]), "exact": _int(m.get("exact")), "normalised": _int(m.get("normalised")),
            "different": _int(m.get("different")),
            "mean_similarity": sim if isinstance(sim, (int, float)) and not isinstance(sim, bool) else None,
            "samples": samples}


def _worse(p: dict[str, Any]) -> tuple[int, float]:
    """Sort key of a message pair: a different text before a normalised-equal one, then less similar."""
    return (p["match"] == "different", -(p["similarity"] if p["similarity"] is not None else 1.0))


def _messages(records, anchor_of) -> list[dict[str, Any]]:
    """Per op: how many of its error cases (every errors record: dtypes, devices) had torch's message
    exactly, the same after normalising numbers/whitespace/brackets, or a different one, and the most
    different pair seen.  The message text never decides a status; this only shows it."""
    by_op: dict[tuple[str, str], dict[str, Any]] = {}
    for r in records:
        if r["check"] != "errors":
            continue
        t = message_tally((r.get("detail") or {}).get("messages"))
        if t is None:
            continue
        row = by_op.setdefault((r["group"], r["op"]), {
            "op": r["op"], "group": r["group"], "anchor": anchor_of(r)[0], "rank": anchor_of(r)[1],
            "compared": 0, "exact": 0, "normalised": 0, "different": 0, "sim_sum": 0.0, "sim_n": 0,
            "statuses": set(), "worst": None})
        for k in ("compared", "exact", "normalised", "different"):
            row[k] += t[k]
        if t["mean_similarity"] is not None:
            row["sim_sum"] += t["mean_similarity"] * t["compared"]
            row["sim_n"] += t["compared"]
        row["statuses"].add(r["status"])
        for p in t["samples"]:
            if p["match"] != "exact" and (row["worst"] is None or _worse(p) > _worse(row["worst"])):
                row["worst"] = p
    out = []
    for row in sorted(by_op.values(), key=lambda r: r["rank"]):
        n = row["compared"]
        out.append({**{k: row[k] for k in ("op", "group", "anchor", "compared", "exact", "normalised", "different", "worst")},
                    "same": row["exact"] + row["normalised"],
                    "same_share": _share(row["exact"], n),
                    "similarity": f"{row['sim_sum'] / row['sim_n']:.2f}" if row["sim_n"] else "–",
                    "status": max(row["statuses"], key=SEVERITY.__getitem__)})
    return out


def decode(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of an embedded ``data`` block as dicts again (the inverse of :class:`Data`, for
    tests and tools reading a rendered page)."""
    S = data["str"]

    def s(i: int) -> str | None:
        return None if i is None or i < 0 else S[i]
    out = []
    for r in data["recs"]:
        rec: dict[str, Any] = {"status": s(r[0]), "dtype": s(r[1]), "examples": r[2], "seeds": s(r[3]),
                               "duration": r[4], "reason": s(r[5])}
        if r[6] >= 0:
            b = data["bodies"][r[6]]
            rec.update(expected=s(b[0]), actual=s(b[1]), message=s(b[2]),
                       inputs={s(k): s(v) for k, v in b[3]}, other={s(k): s(v) for k, v in b[4]},
                       repro=s(b[5]), spec=s(b[6]))
            m = b[7] if len(b) > 7 else -1
            if m != -1:
                rec["messages"] = {"compared": m[0], "exact": m[1], "normalised": m[2], "different": m[3],
                                   "mean_similarity": m[4],
                                   "samples": [{"match": s(p[0]), "similarity": p[1], "invalid": s(p[2]),
                                                "torch": s(p[3]), "impl": s(p[4]), "count": p[5]} for p in m[5]]}
        out.append(rec)
    return out


def _op_times(records) -> dict[tuple[str, str], dict[str, float]]:
    """(group, op) -> {device: summed duration_s}."""
    out: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in records:
        out[(r["group"], r["op"])][r["device"]] += duration(r)
    return out


def _changes(current: RunSet, cells: dict[CellKey, Cell], previous: RunSet) -> dict[str, Any]:
    """Cells that became bad (fail/stale/error) or good (pass/divergence) since ``previous``, and ops
    that got slower / faster by more than TIME_CHANGE (compared over the records both runs have)."""
    before = {k: c.status for k, c in previous.cells().items()}
    newly_failing, newly_passing = [], []
    for key, cell in cells.items():
        old, new = before.get(key), cell.status
        row = {"op": key.op, "group": key.group, "check": key.check, "oracle": key.oracle,
               "device": key.device, "old": old or "absent", "new": new}
        if new in BAD and old not in BAD:
            newly_failing.append(row)
        elif new in GOOD and old in BAD:
            newly_passing.append(row)

    prev_time: dict[tuple, float] = defaultdict(float)
    for r in previous.records:
        prev_time[record_key(r)] += duration(r)
    now: dict[tuple[str, str, str], float] = defaultdict(float)
    then: dict[tuple[str, str, str], float] = defaultdict(float)
    n: Counter = Counter()
    for r in current.records:
        k = record_key(r)
        if k in prev_time:
            op = (r["group"], r["op"], r["device"])
            now[op] += duration(r)
            n[op] += 1
    seen: set[tuple] = set()
    for r in current.records:  # the previous side over the same record keys, each once
        k = record_key(r)
        if k in prev_time and k not in seen:
            seen.add(k)
            then[(r["group"], r["op"], r["device"])] += prev_time[k]
    slower, faster = [], []
    for op, t_new in now.items():
        t_old = then[op]
        if max(t_new, t_old) < TIME_FLOOR_S or t_old <= 0:
            continue
        change = (t_new - t_old) / t_old
        row = {"group": op[0], "op": op[1], "device": op[2], "old": secs(t_old), "new": secs(t_new),
               "change": f"{100 * change:+.0f}%", "value": change, "records": n[op]}
        if change > TIME_CHANGE:
            slower.append(row)
        elif change < -TIME_CHANGE:
            faster.append(row)
    slower.sort(key=lambda r: -r["value"])
    faster.sort(key=lambda r: r["value"])
    lists = {"newly_failing": newly_failing, "newly_passing": newly_passing, "slower": slower, "faster": faster}
    # Long lists are cut (a run against a very different previous one can change thousands of
    # cells); the counts stay exact and the cut is said.
    out: dict[str, Any] = {k: v[:CHANGES_MAX] for k, v in lists.items()}
    out.update({f"n_{k}": len(v) for k, v in lists.items()})
    return out


def _declarations(records, kind: str, anchor_of) -> list[dict[str, Any]]:
    """One entry per declared (group, op, reason) of ``kind`` ('gap' or 'divergence'), folding
    checks/dtypes/devices/oracles; stale records of the same declaration are counted in and listed,
    so a reader sees which declarations to remove. Stale entries first, then catalog order."""
    out: dict[tuple, dict[str, Any]] = {}
    for r in records:
        if declared_kind(r) != kind:
            continue
        reason = declared_reason(r)
        key = (r["group"], r["op"], reason)
        e = out.setdefault(key, {"group": r["group"], "op": r["op"], "reason": reason, "anchor": anchor_of(r),
                                 "checks": [], "dtypes": [], "devices": [], "oracles": [],
                                 "n_active": 0, "n_stale": 0, "stale_where": []})
        for f, val in (("checks", r["check"]), ("dtypes", r.get("dtype")),
                       ("devices", r["device"]), ("oracles", r["oracle"])):
            if val is not None and val not in e[f]:
                e[f].append(val)
        if r["status"] == "stale":
            e["n_stale"] += 1
            where = " / ".join(str(x) for x in (r["check"], r["oracle"], r.get("dtype"), r["device"]) if x)
            if where not in e["stale_where"]:
                e["stale_where"].append(where)
        else:
            e["n_active"] += 1
    for e in out.values():
        e["state"] = "stale" if not e["n_active"] else ("partly stale" if e["n_stale"] else "active")
        e["st"] = kind + (" stale" if e["n_stale"] else "")
    return sorted(out.values(), key=lambda e: (e["state"] == "active", e["anchor"][1]))


def _errata(records, seed_map: dict[str, dict[str, str]], data: Data) -> list[dict[str, Any]]:
    by_id: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_id.setdefault(r["op"], []).append(r)
    out = []
    for eid, recs in by_id.items():
        worst = max(recs, key=lambda r: SEVERITY[r["status"]])
        d = worst.get("detail") or {}
        seeds = [str(s) for s in worst.get("seeds") or []]
        facts = [f for f in d.get("facts") or [] if isinstance(f, dict)]
        out.append({
            "id": eid, "status": worst["status"], "reason": worst.get("reason") or "",
            "seeds": seeds, "seed_titles": [seed_map.get(s, {}).get("title", "") for s in seeds],
            "claim": pretty(d.get("seed_claim", "–"), 1500), "torch": pretty(d.get("torch_actual", "–"), 1500),
            "library": pretty(d.get("library_actual", "–"), 1500),
            "correction": pretty(d.get("correction", ""), 1500),
            "facts": [{"side": str(f.get("side", "")), "what": str(f.get("what", "")),
                       "holds": f.get("holds"), "shown": pretty(f.get("shown", ""), 1500)} for f in facts],
            "repro": worst.get("repro"), "devices": _joined(r["device"] for r in recs),
            "ops": ", ".join(map(str, worst.get("ops") or [])),
            "duration": secs(sum(duration(r) for r in recs)),
            "rec": data.record(worst),
        })
    return out


def _seed_docs(records, seed_map: dict[str, dict[str, str]], anchor_of,
               errata: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per seed document: its ops (from the records' ``seeds``, i.e. the specs) with their worst
    status, the pass rate over their records, and its errata."""
    ids = set(seed_map)
    per: dict[str, dict[tuple[str, str], Counter]] = defaultdict(dict)
    for r in records:
        if r["group"] == ERRATA_GROUP:
            continue
        for s in r.get("seeds") or []:
            s = str(s)
            ids.add(s)
            per[s].setdefault((r["group"], r["op"]), Counter())[r["status"]] += 1
    out = []
    for sid in sorted(ids):
        ops = []
        counts = Counter({s: 0 for s in STATUSES})
        for (group, op), c in per.get(sid, {}).items():
            counts.update(c)
            status = max(c, key=SEVERITY.__getitem__)
            ops.append({"op": op, "group": group, "status": status, "anchor": anchor_of({"group": group, "op": op}),
                        "title": f"{group} · {op}: " + ", ".join(f"{c[s]} {s}" for s in STATUSES if c[s])})
        ops.sort(key=lambda o: o["anchor"][1])
        errs = [e for e in errata if sid in e["seeds"]]
        info = seed_map.get(sid, {})
        bad = sum(1 for o in ops if o["status"] in BAD)
        out.append({"id": sid, "title": info.get("title") or "", "file": info.get("file") or "",
                    "ops": ops, "counts": counts, "rate": _rate(pass_rate(counts)),
                    "rate_value": pass_rate(counts), "n_bad_ops": bad,
                    "n_good_ops": sum(1 for o in ops if o["status"] in GOOD),
                    "errata": [{"id": e["id"], "status": e["status"], "claim": e["claim"]} for e in errs],
                    "errata_ok": sum(1 for e in errs if e["status"] == "pass")})
    return out


def build(rs: RunSet, previous: RunSet | None = None, title: str | None = None,
          seed_map: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """Everything the template needs, as plain dicts/lists/strings (``data`` is the embedded JSON)."""
    seed_map = seed_map or {}
    records = rs.records
    matrix_records = [r for r in records if r["group"] != ERRATA_GROUP]
    errata_records = [r for r in records if r["group"] == ERRATA_GROUP]
    cells = rs.cells()
    runs = [_header_view(r) for r in rs.runs]
    versions = {name: _joined(r["versions"].get(name) for r in runs)
                for name in ("python", "numpy", "torch", "jax", "hypothesis")}
    data = Data()

    # Columns: per check, the device x oracle pairs that actually occur for it (no empty columns).
    matrix_rs = RunSet([Run("(matrix)", records=matrix_records)])
    present = {(k.check, k.device, k.oracle) for k in cells if k.group != ERRATA_GROUP}
    multi_device = len(rs.devices) > 1
    columns, col_index = [], {}
    for check in matrix_rs.checks:
        subs = [(d, o) for d, o in matrix_rs.columns if (check, d, o) in present]
        for d, o in subs:
            col_index[(check, d, o)] = len(col_index)
        columns.append({"check": check, "subs": [
            {"device": d, "oracle": o,
             "device_label": d if multi_device else "", "label": ORACLE_ABBR.get(o, o[:1].upper()),
             "title": f"{check} vs {o} on {d}"} for d, o in subs]})

    # Fixed table layout (a big matrix lays out in a fraction of the time): widths decided here.
    for c in columns:
        w = max(CELL_W, -(-(len(c["check"]) * CHAR_W + 12) // max(1, len(c["subs"]))))
        for sub in c["subs"]:
            sub["width"] = w
    groups = matrix_rs.groups
    longest = max([len(op) for ops in groups.values() for op in ops] + [len(g) + 7 for g in groups], default=4)
    op_width = int(min(230, max(110, longest * 7.4 + 30)))
    op_index = {key: i for i, key in enumerate((g, op) for g, ops in groups.items() for op in ops)}
    errata_ids = list(dict.fromkeys(r["op"] for r in errata_records))

    def anchor_of(r: dict[str, Any]) -> tuple[str, int]:
        """(href, sort rank) of a record's row: a matrix row or an erratum."""
        if r["group"] == ERRATA_GROUP:
            return f"#erratum-{r['op']}", len(op_index) + errata_ids.index(r["op"])
        i = op_index.get((r["group"], r["op"]), len(op_index))
        return f"#op-{i}", i

    times = _op_times(records)
    op_seeds: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in matrix_records:
        lst = op_seeds[(r["group"], r["op"])]
        for s in r.get("seeds") or []:
            if str(s) not in lst:
                lst.append(str(s))

    # Failures: one summary line each in the HTML; the body is built from the data on opening.
    failures = []
    check_rank = {c: i for i, c in enumerate(rs.checks)}
    for r in sorted((r for r in records if r["status"] in BAD),
                    key=lambda r: (anchor_of(r)[1], check_rank[r["check"]], r["device"], r["oracle"],
                                   str(r.get("dtype")))):
        failures.append({"idx": len(failures), "rec": data.record(r), "op": r["op"], "group": r["group"],
                         "check": r["check"], "oracle": r["oracle"], "device": r["device"],
                         "dtype": r.get("dtype"), "status": r["status"], "summary": _summary(r),
                         "anchor": anchor_of(r)[0],
                         "where": "errata" if r["group"] == ERRATA_GROUP else "matrix"})

    data_cells: list[list[Any]] = []
    data_rows: list[list[Any]] = []
    matrix = []
    for group, ops in groups.items():
        rows = []
        for op in ops:
            row_i = op_index[(group, op)]
            seeds = op_seeds.get((group, op), [])
            data_rows.append([data.s(group), data.s(op), data.s(" ".join(seeds))])
            row_cells, statuses = [], set()
            for col in columns:
                for sub in col["subs"]:
                    cell = cells.get(CellKey(group, op, col["check"], sub["device"], sub["oracle"]))
                    if cell is None:
                        row_cells.append(None)
                        continue
                    statuses.update(cell.counts)
                    row_cells.append({"status": cell.status, "examples": cell.examples,
                                      "mixed": len(cell.counts) > 1})
                    data_cells.append([row_i, col_index[(col["check"], sub["device"], sub["oracle"])],
                                       [data.record(r) for r in cell.records]])
            t = times.get((group, op), {})
            rows.append({"op": op, "idx": row_i, "cells": row_cells, "seeds": " ".join(seeds),
                         "statuses": " ".join(s for s in STATUSES if s in statuses),
                         "time": secs(sum(t.values())) if t else "–",
                         "time_title": "; ".join(f"{d}: {secs(v)} s" for d, v in t.items())})
        counts = rs.counts(group)
        matrix.append({"name": group, "rows": rows, "counts": counts, "rate": _rate(pass_rate(counts)),
                       "rate_value": pass_rate(counts),
                       "time": secs(sum(sum(times[(group, op)].values()) for op in ops))})

    errata = _errata(errata_records, seed_map, data)
    errata_counts = rs.counts(ERRATA_GROUP)

    skips = Counter(str(r.get("reason") or "(no reason given)") for r in records if r["status"] == "skip")
    skip_ops: dict[str, list[str]] = {}
    for r in records:
        if r["status"] == "skip":
            ops_ = skip_ops.setdefault(str(r.get("reason") or "(no reason given)"), [])
            if r["op"] not in ops_:
                ops_.append(r["op"])

    slowest = sorted(((sum(t.values()), g, op) for (g, op), t in times.items() if g != ERRATA_GROUP),
                     reverse=True)[:SLOWEST]
    total_time = sum(duration(r) for r in records)
    divergences = _declarations(records, "divergence", anchor_of)
    messages = _messages(matrix_records, anchor_of)
    gaps = _declarations(records, "gap", anchor_of)
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
        "op_width": op_width, "time_width": TIME_W,
        "matrix_width": op_width + TIME_W + sum(sub["width"] for c in columns for sub in c["subs"]),
        "matrix": matrix,
        "failures": failures,
        "divergences": divergences,
        "gaps": gaps,
        "messages": messages,
        "messages_total": {k: sum(m[k] for m in messages) for k in ("compared", "exact", "normalised", "different")},
        "stale_declarations": sum(1 for e in divergences + gaps if e["n_stale"]),
        "skips": [{"reason": k, "count": n, "ops": skip_ops[k]} for k, n in skips.most_common()],
        "changes": _changes(rs, cells, previous) if previous is not None else None,
        "time_change": f"{100 * TIME_CHANGE:.0f}%", "time_floor": secs(TIME_FLOOR_S),
        "severity": SEVERITY,
        "errata": errata,
        "errata_counts": errata_counts,
        "errata_rate": _rate(pass_rate(errata_counts)),
        "seed_docs": _seed_docs(records, seed_map, anchor_of, errata),
        "seed_map": {k: dict(v) for k, v in sorted(seed_map.items())},
        "all_seeds": sorted({s for v in op_seeds.values() for s in v} | set(seed_map)),
        "total_time": secs(total_time),
        "slowest": [{"op": op, "group": g, "time": secs(t), "anchor": anchor_of({"group": g, "op": op})[0],
                     "share": _share(t, total_time)} for t, g, op in slowest],
        "data": {"str": data.strings, "cols": [[c["check"], s["device"], s["oracle"]] for c in columns for s in c["subs"]],
                 "rows": data_rows, "cells": data_cells, "recs": data.recs, "bodies": data.bodies},
    }
