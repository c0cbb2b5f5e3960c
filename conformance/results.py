"""Streaming results: one JSON object per line, written as the run goes, read back tolerantly.

File layout (``results.jsonl``)::

    {"kind": "run", "format": 1, ...header}          first line: run metadata
    {"kind": "result", "op": ..., "status": ...}     one line per op x check x oracle (x dtype)
    {"kind": "end", "complete": true, ...}           footer; missing => the run was killed

Why JSON lines: an interrupted run (kill, OOM, Ctrl-C) still leaves every finished record on
disk and a reader that drops a torn last line; shards, xdist workers and cpu/cuda runs are
separate files that :func:`merge` combines later.  Only ``json`` is used to read: no pickle/eval.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Union

FORMAT_VERSION = 1

#: Every status a result record may carry, in display order.
STATUSES = ("pass", "fail", "stale", "error", "gap", "divergence", "skip")
#: Statuses that make a run red: the library is wrong, a declaration went stale, or the harness broke.
BAD = frozenset({"fail", "stale", "error"})
#: Statuses that count as conforming in the pass rate (a declared torch/JAX divergence is expected).
GOOD = frozenset({"pass", "divergence"})
#: Which status a cell shows when its records (dtypes, duplicates) disagree: the most severe one.
SEVERITY = {"error": 6, "fail": 5, "stale": 4, "gap": 3, "divergence": 2, "pass": 1, "skip": 0}
#: Canonical column order for checks; unknown checks follow in order of first appearance.
CHECK_ORDER = ("forward", "dtype", "shape", "view", "inplace", "out", "grad",
               "accumulation", "retain_graph", "errors", "cross_device")

#: The group of the seed-errata records (conformance/errata.py): shown in their own report section.
ERRATA_GROUP = "errata"

PathLike = Union[str, "os.PathLike[str]"]


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def jsonsafe(obj: Any) -> Any:
    """Convert ``obj`` to plain JSON types: NumPy scalars/arrays via ``tolist``, non-finite floats
    to the strings ``"nan"``/``"inf"``/``"-inf"`` (strict JSON has no NaN), anything else to repr."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {str(k): jsonsafe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonsafe(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return [jsonsafe(v) for v in sorted(obj, key=repr)]
    if hasattr(obj, "tolist"):  # numpy arrays and scalars, without importing numpy
        try:
            return jsonsafe(obj.tolist())
        except Exception:  # pragma: no cover - exotic array types
            pass
    return repr(obj)


def collect_versions() -> dict[str, str | None]:
    """Installed versions of the stack, read from package metadata (imports nothing heavy)."""
    from importlib import metadata

    out: dict[str, str | None] = {"python": sys.version.split()[0]}
    for name in ("numpy", "torch", "jax", "jaxlib", "hypothesis", "cupy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            # (CuPy's wheels are named per CUDA version: cupy-cuda12x, cupy-cuda13x)
            out[name] = next((d.version for d in metadata.distributions()
                              if (d.metadata["Name"] or "").lower().startswith(name + "-")), None)
    if out.get("cupy") is None:
        del out["cupy"]  # (optional: only GPU machines have it)
    out["suite commit"] = _git_commit()
    return out


def _git_commit() -> str | None:
    """The checkout's commit ("+dirty" with uncommitted changes): which code a run's results belong to."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (head + ("+dirty" if dirty else "")) if head else None


class ResultWriter:
    """Context manager that streams result records to ``path``.

    Each :meth:`write` is one ``write`` + ``flush`` so a killed process loses at most the line it
    was writing; ``os.fsync`` runs at most every ``fsync_every`` seconds and at close (fsync per
    record would dominate a fast run).  The footer records whether the run finished cleanly.
    """

    def __init__(self, path: PathLike, header: dict[str, Any], *, fsync_every: float = 2.0) -> None:
        self.path = Path(path)
        self.header = dict(header)
        self.count = 0
        self._fsync_every = fsync_every
        self._last_sync = 0.0
        self._lock = threading.Lock()
        self._fh = None

    def __enter__(self) -> "ResultWriter":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "w", encoding="utf-8")
        head = {"kind": "run", "format": FORMAT_VERSION, "started": _now(), "pid": os.getpid()}
        head.update({k: v for k, v in self.header.items() if k != "kind"})
        self._line(head)
        self._sync(force=True)
        return self

    def write(self, record: dict[str, Any]) -> None:
        """Append one result record (``kind`` defaults to ``"result"``)."""
        rec = {"kind": "result", **record}
        if rec["kind"] == "result" and rec.get("status") not in SEVERITY:
            # An unknown status is an engine bug: fail loudly rather than render it as something else.
            raise ValueError(f"unknown result status {rec.get('status')!r}; expected one of {STATUSES}")
        with self._lock:
            self._line(rec)
            self.count += 1
            self._sync()

    def __exit__(self, exc_type, exc, tb) -> bool:
        footer: dict[str, Any] = {"kind": "end", "complete": exc_type is None,
                                  "finished": _now(), "records": self.count}
        if exc_type is not None:
            footer["reason"] = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        try:  # best effort: the disk may be full or the interpreter shutting down
            with self._lock:
                self._line(footer)
                self._sync(force=True)
        except Exception:
            pass
        finally:
            self._fh.close()
        return False  # never swallow the exception

    def _line(self, obj: dict[str, Any]) -> None:
        # One write call per line; ensure_ascii=False keeps CJK text from the seeds readable.
        self._fh.write(json.dumps(jsonsafe(obj), ensure_ascii=False, allow_nan=False) + "\n")
        self._fh.flush()

    def _sync(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_sync >= self._fsync_every:
            os.fsync(self._fh.fileno())
            self._last_sync = now


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class Run:
    """One results file (or one run inside a file): header, records, footer and what went wrong."""

    path: str
    header: dict[str, Any] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    footer: dict[str, Any] | None = None
    truncated: bool = False  # the last line was cut mid-write (process killed)
    bad_lines: int = 0       # unparseable lines elsewhere (corruption); skipped

    @property
    def complete(self) -> bool:
        return bool(self.footer and self.footer.get("complete") is True)

    @property
    def incomplete_reason(self) -> str | None:
        if self.complete:
            return None
        if self.footer is None:
            return "no end marker: the run was killed or is still running" + (
                " (last line truncated)" if self.truncated else "")
        return str(self.footer.get("reason") or "run ended without completing")

    @property
    def device(self) -> str:
        return str(self.header.get("device") or "cpu")


@dataclass(frozen=True)
class CellKey:
    group: str
    op: str
    check: str
    device: str
    oracle: str


@dataclass
class Cell:
    """All records of one op x check x device x oracle (usually one per dtype)."""

    key: CellKey
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return max((r["status"] for r in self.records), key=SEVERITY.__getitem__, default="skip")

    @property
    def examples(self) -> int:
        return sum(int(r.get("examples") or 0) for r in self.records)

    @property
    def counts(self) -> Counter:
        return Counter(r["status"] for r in self.records)


def _normalise(rec: dict[str, Any], run: Run) -> dict[str, Any]:
    """Fill defaults so downstream code never sees a missing key (older or partial records)."""
    r = dict(rec)
    r.setdefault("group", "ungrouped")
    r.setdefault("op", r.get("spec") or "?")
    r.setdefault("check", "?")
    r.setdefault("oracle", "?")
    r.setdefault("dtype", None)
    if not r.get("device"):
        r["device"] = run.device
    if r.get("status") not in SEVERITY:
        r["reason"] = f"unknown status {r.get('status')!r} in results file"
        r["status"] = "error"
    for key in ("group", "op", "check", "oracle", "device"):
        r[key] = str(r[key])
    r.setdefault("reason", None)
    r.setdefault("detail", {})
    if not isinstance(r["detail"], dict):
        r["detail"] = {"value": r["detail"]}
    r.setdefault("repro", None)
    r.setdefault("seeds", [])
    return r


def _expand(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[Path] = []
    for p in map(Path, paths):
        # A directory means "every results file in it" (xdist workers, shards).
        out.extend(sorted(p.glob("*.jsonl")) if p.is_dir() else [p])
    return out


def read_file(path: PathLike) -> list[Run]:
    """Parse one JSON-lines file into runs; a ``kind: run`` line starts a new run."""
    raw = Path(path).read_bytes()
    lines = raw.split(b"\n")
    ends_clean = raw.endswith(b"\n") or not raw
    runs: list[Run] = []
    cur: Run | None = None
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        last = i == len(lines) - 1 and not ends_clean
        try:
            obj = json.loads(line.decode("utf-8", errors="replace"))
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except ValueError:
            if cur is None:
                cur = Run(str(path))
                runs.append(cur)
            if last:
                cur.truncated = True
            else:
                cur.bad_lines += 1
            continue
        kind = obj.get("kind", "result")
        if kind == "run" or cur is None:
            cur = Run(str(path))
            runs.append(cur)
            if kind == "run":
                cur.header = {k: v for k, v in obj.items() if k != "kind"}
                continue
        if kind == "end":
            cur.footer = obj
        elif kind == "result":
            cur.records.append(_normalise(obj, cur))
        # other kinds are ignored: forward compatibility
    return runs


class RunSet:
    """Several runs merged: cpu + cuda, xdist workers, shards. Columns are device x oracle."""

    def __init__(self, runs: Iterable[Run] = ()) -> None:
        self.runs: list[Run] = list(runs)

    # ---- whole-set facts
    @property
    def complete(self) -> bool:
        return bool(self.runs) and all(r.complete for r in self.runs)

    @property
    def records(self) -> list[dict[str, Any]]:
        return [rec for run in self.runs for rec in run.records]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __len__(self) -> int:
        return sum(len(r.records) for r in self.runs)

    @property
    def devices(self) -> list[str]:
        return _ordered(r["device"] for r in self.records)

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(device, oracle) pairs present, devices in first-seen order, oracles torch, jax, self, …"""
        rank = {"torch": 0, "jax": 1, "self": 2}
        pairs = _ordered((r["device"], r["oracle"]) for r in self.records)
        dev = {d: i for i, d in enumerate(self.devices)}
        return sorted(pairs, key=lambda p: (dev[p[0]], rank.get(p[1], 9), p[1]))

    @property
    def checks(self) -> list[str]:
        seen = _ordered(r["check"] for r in self.records)
        known = [c for c in CHECK_ORDER if c in seen]
        return known + [c for c in seen if c not in CHECK_ORDER]

    @property
    def groups(self) -> dict[str, list[str]]:
        """group -> ops, both in first-seen order (the engine walks the catalog in order)."""
        out: dict[str, list[str]] = {}
        for r in self.records:
            ops = out.setdefault(r["group"], [])
            if r["op"] not in ops:
                ops.append(r["op"])
        return out

    def cells(self) -> dict[CellKey, Cell]:
        out: dict[CellKey, Cell] = {}
        for r in self.records:
            key = CellKey(r["group"], r["op"], r["check"], r["device"], r["oracle"])
            out.setdefault(key, Cell(key)).records.append(r)
        return out

    # ---- summaries
    def counts(self, group: str | None = None) -> Counter:
        """Record counts per status (optionally within one group); every status is present."""
        c = Counter({s: 0 for s in STATUSES})
        c.update(r["status"] for r in self.records if group is None or r["group"] == group)
        return c

    def pass_rate(self, group: str | None = None) -> float | None:
        """(pass + divergence) / (all - skip); ``None`` when nothing applicable ran."""
        return pass_rate(self.counts(group))


def pass_rate(counts: Counter | dict[str, int]) -> float | None:
    applicable = sum(n for s, n in counts.items() if s != "skip")
    if not applicable:
        return None
    return sum(counts.get(s, 0) for s in GOOD) / applicable


def record_key(r: dict[str, Any]) -> tuple[str, str, str, str, str, str]:
    """What identifies a record across runs: group, op, check, oracle, device, dtype."""
    return (r["group"], r["op"], r["check"], r["oracle"], r["device"], str(r.get("dtype")))


def duration(r: dict[str, Any]) -> float:
    """A record's ``duration_s`` as a float (0.0 when absent or not a number)."""
    d = r.get("duration_s")
    return float(d) if isinstance(d, (int, float)) and not isinstance(d, bool) and math.isfinite(d) else 0.0


_DECLARED_PREFIX = re.compile(r"^declared (gap|divergence)\b[^:]*:\s*", re.I)


def declared_kind(r: dict[str, Any]) -> str | None:
    """For gap / divergence / stale records: which kind of declaration they concern.

    ``stale`` means a declared gap or divergence no longer happens; the engine says which in the
    reason ("declared divergence no longer reproduces: ...", "declared gap now passes; ...") and may
    say it in a ``declared`` field.  None for other statuses."""
    status = r.get("status")
    if status in ("gap", "divergence"):
        return status
    if status != "stale":
        return None
    if r.get("declared") in ("gap", "divergence"):
        return r["declared"]
    m = _DECLARED_PREFIX.match(str(r.get("reason") or ""))
    if m:
        return m.group(1).lower()
    return "divergence" if "divergence" in str(r.get("reason") or "").lower() else "gap"


def declared_reason(r: dict[str, Any]) -> str:
    """The declaration's own reason: a stale record's reason without the engine's prefix (so a stale
    record and the still-happening records of the same declaration group together)."""
    reason = str(r.get("reason") or "(no reason given)")
    if r.get("status") == "stale":
        reason = _DECLARED_PREFIX.sub("", reason, count=1) or reason
    return reason


def _ordered(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def read_results(paths: PathLike | Iterable[PathLike]) -> RunSet:
    """Read result files (or directories of ``*.jsonl``) into one :class:`RunSet`."""
    return RunSet(run for p in _expand(paths) for run in read_file(p))


def merge(*sources: RunSet | Run | PathLike | Iterable[RunSet | Run | PathLike]) -> RunSet:
    """Merge runs from RunSets, Runs, paths or lists of them into one RunSet.

    Records are kept as they are; where two runs report the same op x check x device x oracle x
    dtype (a re-run, overlapping shards) the cell shows the most severe status, so flakiness is
    never hidden.
    """
    runs: list[Run] = []
    for src in sources:
        if isinstance(src, RunSet):
            runs.extend(src.runs)
        elif isinstance(src, Run):
            runs.append(src)
        elif isinstance(src, (str, os.PathLike)):
            runs.extend(read_results(src).runs)
        else:
            runs.extend(merge(*src).runs)
    return RunSet(runs)
