"""JUnit XML twin of the report, for CI dashboards (GitLab, Jenkins, GitHub test reporters).

One ``<testsuite>`` per device x group, one ``<testcase>`` per record (op x check x oracle x dtype):

- ``classname`` = ``conformance.<device>.<group>.<op>``, ``name`` = ``<check>[<oracle>,<dtype>]``,
  ``time`` = the record's ``duration_s``;
- fail and stale -> ``<failure type="fail|stale" message="reason">`` (text: details and repro);
- error -> ``<error>``;
- skip -> ``<skipped type="skip">``; declared gap / divergence -> ``<skipped type="gap|divergence">``
  (expected failures: JUnit has no xfail; this is what pytest writes for xfail too);
- an interrupted run adds one ``conformance.run`` testcase with an ``<error>`` saying so, so a
  truncated results file never reads as green.

Text is escaped by ElementTree; characters XML 1.0 forbids (control characters from a library's
messages) are replaced first, so the file always parses.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..results import STATUSES, RunSet, declared_kind, duration
from .model import pretty

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MESSAGE_MAX = 1000
TEXT_MAX = 20000


def _clean(text: Any, limit: int = TEXT_MAX) -> str:
    t = _ILLEGAL.sub("\ufffd", "" if text is None else str(text))
    return t if len(t) <= limit else t[:limit] + f"… ({len(t) - limit} more characters)"


def _body(r: dict[str, Any]) -> str:
    parts = []
    d = r.get("detail") or {}
    for k, v in d.items():
        parts.append(f"{k}:\n{pretty(v, 3000)}")
    if r.get("repro"):
        parts.append("repro:\n" + str(r["repro"]))
    return "\n\n".join(parts)


def junit_tree(rs: RunSet) -> ET.ElementTree:
    root = ET.Element("testsuites", name="conformance")
    suites: dict[tuple[str, str], ET.Element] = {}
    stats: dict[int, dict[str, Any]] = {}  # id(suite element) -> its counters
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}

    def suite(device: str, group: str) -> ET.Element:
        key = (device, group)
        if key not in suites:
            suites[key] = ET.SubElement(root, "testsuite", name=f"conformance.{device}.{group}")
            stats[id(suites[key])] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
        return suites[key]

    def add(s: ET.Element, classname: str, name: str, secs: float, status: str, message: str, text: str,
            kind: str | None = None) -> None:
        tc = ET.SubElement(s, "testcase", classname=_clean(classname, 500), name=_clean(name, 500),
                           time=f"{secs:.4f}")
        st = stats[id(s)]
        st["tests"] += 1
        st["time"] += secs
        if status in ("fail", "stale"):
            el, counter = "failure", "failures"
        elif status == "error":
            el, counter = "error", "errors"
        elif status in ("skip", "gap", "divergence"):
            el, counter = "skipped", "skipped"
        else:
            return
        st[counter] += 1
        child = ET.SubElement(tc, el, type=kind or status, message=_clean(message, MESSAGE_MAX))
        if text and el != "skipped":
            child.text = _clean(text)

    for r in rs.records:
        s = suite(r["device"], r["group"])
        name = f"{r['check']}[{r['oracle']}" + (f",{r['dtype']}" if r.get("dtype") else "") + "]"
        status = r["status"]
        message = str(r.get("reason") or "")
        kind = None
        if status == "stale":
            kind = f"stale {declared_kind(r)}"
            message = message or "a declared gap or divergence no longer happens"
        elif status in ("gap", "divergence"):
            message = f"declared {status}: {message}"
        elif status == "fail" and not message:
            message = "the library disagrees with the oracle"
        add(s, f"conformance.{r['device']}.{r['group']}.{r['op']}", name, duration(r), status, message,
            _body(r) if status in ("fail", "stale", "error") else "", kind)

    for run in rs.runs:
        if not run.complete:
            s = suite(run.device, "run")
            add(s, "conformance.run", f"complete[{Path(run.path).name}]", 0.0, "error",
                f"INCOMPLETE RUN: {run.incomplete_reason}",
                f"{run.path}: {len(run.records)} records read; the results are partial.")
    if not rs.runs:
        add(suite("-", "run"), "conformance.run", "results", 0.0, "error", "no runs found in the results files", "")

    for s in suites.values():
        st = stats[id(s)]
        for k in ("tests", "failures", "errors", "skipped"):
            s.set(k, str(st[k]))
            totals[k] += st[k]
        s.set("time", f"{st['time']:.3f}")
        totals["time"] += st["time"]
    for k in ("tests", "failures", "errors", "skipped"):
        root.set(k, str(totals[k]))
    root.set("time", f"{totals['time']:.3f}")
    # run metadata, for the reader of the XML
    if rs.runs:
        first = ET.Element("properties")
        h = rs.runs[0].header
        for k, v in sorted((h.get("versions") or {}).items()):
            ET.SubElement(first, "property", name=_clean(k, 100), value=_clean(v, 200))
        for k in ("seed", "hypothesis_seed", "profile", "device", "impl", "impl_module"):
            if h.get(k) is not None:
                ET.SubElement(first, "property", name=k, value=_clean(h[k], 200))
        counts = rs.counts()
        for st_ in STATUSES:
            ET.SubElement(first, "property", name=f"count.{st_}", value=str(counts[st_]))
        for s in suites.values():
            s.insert(0, _copy(first))
    return ET.ElementTree(root)


def _copy(el: ET.Element) -> ET.Element:
    new = ET.Element(el.tag, el.attrib)
    for c in el:
        new.append(_copy(c))
    return new


def write_junit(runset: RunSet, path: str | os.PathLike) -> Path:
    """Write the JUnit XML for ``runset`` to ``path`` (atomically); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tree = junit_tree(runset)
    ET.indent(tree, space=" ")
    tmp = out.with_name(out.name + ".tmp")
    tree.write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, out)
    return out
