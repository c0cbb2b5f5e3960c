"""The HTML report, driven in a real headless Chromium.

Renders a synthetic report (tests/synthetic_results.py) and drives Debian's chromium over the
DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON messages on fds 3/4, NUL-separated),
so nothing beyond the standard library and the browser is needed: no Selenium, no chromedriver, no
browser download.  Clicks and typing are real input events (``Input.dispatchMouseEvent``,
``Input.insertText``) at the element's on-screen position, so a covered or zero-sized element fails.

Checked: the page opens without console errors or uncaught exceptions; search, the group select,
the status checkboxes and the "problems only" button change which rows are visible; clicking a
matrix cell opens its detail panel (with the failing record's reproducer); Escape closes it; the
seed, errata and declaration sections are there; and a 1366x768 screenshot is taken.

Skips (with the reason) when no chromium is installed; ``scripts/ci-browser.sh`` installs it.

    python -m tests.test_report_browser measure [--ops 500] [--out DIR]

prints the page weight and load timings of a big synthetic report and writes screenshots.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome")) if p), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars"]


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page, driven over the DevTools protocol on a pipe."""

    def __init__(self, width: int = 1366, height: int = 768, timeout: float = 60.0) -> None:
        if CHROMIUM is None:
            raise BrowserError("no chromium")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="report-browser-")
        to_r, to_w = os.pipe()      # we write commands; chromium reads them on its fd 3
        from_r, from_w = os.pipe()  # chromium writes replies and events on its fd 4
        # bash moves the two pipe ends onto fds 3 and 4 before exec'ing chromium (dash cannot
        # redirect from fds above 9).
        self.proc = subprocess.Popen(
            [shutil.which("bash") or "/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_r} 4>&{from_w}', CHROMIUM, *FLAGS,
             f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(to_r, from_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        os.close(to_r)
        os.close(from_w)
        self._w, self._r = to_w, from_r
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        try:
            page = next(t for t in self.send("Target.getTargets", browser=True)["targetInfos"]
                        if t["type"] == "page")
            self.session = self.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True},
                                     browser=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.send(f"{domain}.enable")
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        except Exception:
            self.close()
            raise

    # ---- protocol
    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            if select.select([self._r], [], [], left)[0]:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    err = self.proc.stderr.read().decode(errors="replace")[-2000:] if self.proc.poll() is not None else ""
                    raise BrowserError("chromium closed the DevTools pipe" + (f":\n{err}" if err else ""))
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False,
             timeout: float | None = None) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if self.session and not browser:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def pump(self, seconds: float) -> None:
        """Collect events for a while (console messages arrive asynchronously)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.events.append(self._message(deadline))
            except TimeoutError:
                return

    def wait_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            e = self._message(deadline)
            if e.get("method") == method:
                return e
            self.events.append(e)

    def wait_any(self, methods: tuple[str, ...], timeout: float | None = None) -> dict[str, Any]:
        for i, e in enumerate(self.events):
            if e.get("method") in methods:
                return self.events.pop(i)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            e = self._message(deadline)
            if e.get("method") in methods:
                return e
            self.events.append(e)

    def trace(self, action) -> dict[str, float]:
        """Run ``action()`` under a DevTools trace; the renderer main thread's CPU milliseconds per
        kind of work (parse, style, layout, paint...), which unlike wall time do not depend much on
        what else the machine is running."""
        self.send("Tracing.start", {"categories": "devtools.timeline", "transferMode": "ReportEvents"})
        t0 = time.monotonic()
        action()
        wall = time.monotonic() - t0
        self.send("Tracing.end")
        events: list[dict[str, Any]] = []
        while True:
            e = self.wait_any(("Tracing.dataCollected", "Tracing.tracingComplete"))
            if e["method"] == "Tracing.tracingComplete":
                break
            events.extend(e["params"]["value"])
        kinds = {"ParseHTML": "parse", "UpdateLayoutTree": "style", "Layout": "layout", "EvaluateScript": "script",
                 "FunctionCall": "script", "PrePaint": "prepaint", "Paint": "paint", "Layerize": "paint"}
        out = {k: 0.0 for k in dict.fromkeys(kinds.values())}
        for e in events:
            if e.get("ph") == "X" and e.get("name") in kinds:
                out[kinds[e["name"]]] += e.get("tdur", e.get("dur", 0)) / 1000
        out["total_cpu_ms"] = sum(out.values())
        out["wall_ms"] = wall * 1000
        return out

    # ---- page helpers
    def goto(self, url: str) -> float:
        """Navigate and wait for the load event; returns the wall seconds it took."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        t0 = time.monotonic()
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")
        return time.monotonic() - t0

    def js(self, expression: str) -> Any:
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise BrowserError(f"JS exception: {d.get('exception', {}).get('description') or d.get('text')}")
        return r["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            v = self.js(expression)
            if v:
                return v
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for: {expression}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the first element matching ``selector``."""
        box = self.js(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return null; e.scrollIntoView({{block: "center", inline: "center"}});
            const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2, r.width, r.height]; }})()""")
        if not box:
            raise BrowserError(f"no element {selector!r}")
        x, y, w, h = box
        if w <= 0 or h <= 0:
            raise BrowserError(f"{selector!r} is not visible ({w}x{h})")
        hit = self.js(f"""(() => {{ const e = document.querySelector({json.dumps(selector)}),
            h = document.elementFromPoint({x}, {y}); return !!h && (h === e || e.contains(h)); }})()""")
        if not hit:
            raise BrowserError(f"{selector!r} is covered by another element at its centre")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def type(self, selector: str, text: str) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def key(self, key: str, code: str | None = None, keycode: int = 0) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code or key,
                                                 "windowsVirtualKeyCode": keycode})

    def screenshot(self, path: str | os.PathLike, full_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        Path(path).write_bytes(base64.b64decode(self.send("Page.captureScreenshot", params)["data"]))

    def problems(self) -> list[str]:
        """Console errors/warnings, uncaught exceptions and browser log errors seen so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("uncaught: " + str(d.get("exception", {}).get("description") or d.get("text")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                out.append(f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description")))
                                                             for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                entry = p["entry"]
                out.append(f"log {entry['level']}: {entry.get('text')} ({entry.get('url', '')})")
        return out

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    self.send("Browser.close", browser=True, timeout=5)
                except Exception:  # noqa: BLE001 - closing anyway
                    pass
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for fd in (self._w, self._r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            if self.proc.stderr:
                self.proc.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ================================================================================ the tests

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install "
                                                          "chromium, or bash scripts/ci-browser.sh)")

HOSTILE_OP = '<img src=x onerror="document.title=\'pwned\'">'


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A synthetic cpu + cuda report with a previous run, errata, every status, and one hostile op."""
    from conformance.report import render_html
    from conformance.results import ResultWriter
    from tests.synthetic_results import header, write_set

    out = tmp_path_factory.mktemp("browser-report")
    runs, prev = write_set(out)  # the synthetic catalog: 68 ops in 6 groups
    hostile = out / "hostile.jsonl"
    with ResultWriter(hostile, header("cpu")) as w:
        w.write({"op": HOSTILE_OP, "group": "pointwise", "check": "forward", "oracle": "torch", "dtype": "float32",
                 "status": "fail", "reason": HOSTILE_OP, "repro": HOSTILE_OP, "examples": 3, "seeds": ["001"],
                 "detail": {"expected": HOSTILE_OP, "actual": [1.0], HOSTILE_OP: HOSTILE_OP}, "duration_s": 0.01})
    render_html(runs + [hostile], out / "index.html", previous=str(prev),
                seed_map={"001": {"title": "Notes <b>001</b>", "file": "001_x.txt"}})
    return out / "index.html"


@pytest.fixture(scope="module")
def browser():
    b = Browser(1366, 768)
    yield b
    b.close()


@pytest.fixture
def page(browser, report):
    """The report freshly loaded (filters reset), with the console log cleared."""
    browser.goto("about:blank")
    browser.events.clear()
    browser.goto(report.as_uri())
    browser.wait_for("document.querySelector('#shown').textContent.includes('ops shown')")
    return browser


def visible_ops(b: Browser) -> list[str]:
    return b.js("""[...document.querySelectorAll('table.matrix tr.oprow')]
                   .filter(tr => tr.offsetParent !== null).map(tr => tr.dataset.op)""")


def row_data(b: Browser, op: str, key: str) -> str:
    return b.js(f"""[...document.querySelectorAll('table.matrix tr.oprow')]
                    .find(tr => tr.dataset.op === {json.dumps(op)}).dataset.{key}""")


def test_opens_without_console_errors(page):
    page.pump(0.3)
    assert page.problems() == []
    assert page.js("performance.getEntriesByName('report-ready').length") == 1  # the script ran to the end
    assert page.js("document.title") == "PyTorch conformance report"
    n = len(visible_ops(page))
    assert n == 69 and page.js("document.querySelector('#shown').textContent") == f"{n} / {n} ops shown"
    # every section is there
    for sec in ("summary", "changes", "timing-changes", "matrix", "failures", "seeds", "errata", "divergences",
                "gaps", "skips", "runs"):
        assert page.js(f"!!document.getElementById('{sec}')"), sec


def test_search_changes_the_visible_rows(page):
    page.click("#search")
    page.type("#search", "sum")
    page.wait_for("document.querySelector('#shown').textContent.startsWith('2 /')")
    assert visible_ops(page) == ["sum", "cumsum"]
    # failures and declarations follow the search
    shown_failures = page.js("""[...document.querySelectorAll('details.failure')].filter(d => !d.hidden)
                                .map(d => d.dataset.op)""")
    assert shown_failures and set(shown_failures) <= {"sum", "cumsum"}
    page.click("#reset")
    assert len(visible_ops(page)) == 69


def test_group_and_seed_selects(page):
    page.js("const g = document.querySelector('#group'); g.value = 'linalg'; g.dispatchEvent(new Event('change'))")
    ops = visible_ops(page)
    assert len(ops) == 13 and all(row_data(page, op, "group") == "linalg" for op in ops)
    page.click("#reset")
    page.js("const s = document.querySelector('#seed'); s.value = '003'; s.dispatchEvent(new Event('change'))")
    ops = visible_ops(page)
    groups = set(page.js("""[...document.querySelectorAll('table.matrix tr.oprow')].filter(tr => !tr.hidden)
                            .map(tr => tr.dataset.group)"""))
    assert ops and groups <= {"creation", "reduction"}  # seed 003 documents creation and reductions
    # the seed document's own button does the same
    page.click("#reset")
    page.click("[data-seed-filter='003']")
    assert visible_ops(page) == ops


def test_status_filters(page):
    total = len(visible_ops(page))
    page.click("#problems")
    bad = visible_ops(page)
    assert 0 < len(bad) <= total
    for op in bad:
        st = row_data(page, op, "st")
        assert {"fail", "stale", "error"} & set(st.split()), (op, st)
    assert page.js("document.querySelector('table.matrix').classList.contains('hide-pass')")
    # a status chip in the summary shows only that status
    page.click("[data-only='divergence']")
    div = visible_ops(page)
    assert div and len(div) < total
    assert all("divergence" in row_data(page, op, "st").split() for op in div)
    # unticking a checkbox (a real click on it) narrows the rows too
    page.click("#reset")
    page.click(".statusfilter input[value='divergence']")
    page.click(".statusfilter input[value='pass']")
    assert len(visible_ops(page)) <= total
    assert page.js("document.querySelector('table.matrix').classList.contains('hide-divergence')")


def test_clicking_a_cell_opens_its_details(page):
    assert page.js("document.getElementById('panel').hidden")
    page.click("table.matrix td.c.s-fail")
    page.wait_for("!document.getElementById('panel').hidden")
    text = page.js("document.getElementById('panel-body').innerText")
    op = page.js("document.querySelector('td.c.sel').parentNode.dataset.op")
    assert op in text.lower() and "REPRO" in text.upper() and "EXPECTED" in text.upper()
    assert "values differ" in text
    assert page.js("!!document.querySelector('#panel-body button.copy')")
    page.key("Escape", "Escape", 27)
    page.wait_for("document.getElementById('panel').hidden")
    # hovering a cell gives it a tooltip built from the data
    page.click("table.matrix td.c.s-gap")
    assert "gap" in page.js("document.querySelector('td.c.sel').title")


def test_keyboard_moves_between_cells(page):
    page.js("document.querySelector('table.matrix td.c:not(.none)').focus()")
    first = page.js("document.activeElement.cellIndex")
    page.key("ArrowRight", "ArrowRight", 39)
    assert page.js("document.activeElement.cellIndex") == first + 1
    page.key("ArrowDown", "ArrowDown", 40)
    assert page.js("document.activeElement.parentNode.id") == "op-1"
    page.key("Enter", "Enter", 13)
    page.wait_for("!document.getElementById('panel').hidden")


def test_a_failure_entry_builds_its_body_when_opened(page):
    page.js("document.getElementById('failures').scrollIntoView()")
    page.click("details.failure summary")
    # the toggle event (which builds the body) fires asynchronously after the click
    page.wait_for("document.querySelector('details.failure .fbody').textContent.includes('show in matrix')")
    assert page.js("document.querySelector('details.failure').open")
    body = page.js("document.querySelector('details.failure .fbody').textContent")
    assert "repro" in body.lower() and "values differ" in body


def test_errata_and_stale_declarations_are_shown(page):
    assert page.js("document.querySelectorAll('article.erratum').length") == 4
    assert page.js("document.querySelector('#erratum-001-longspace .badge').textContent") == "fail"
    assert page.js("document.querySelectorAll('table.decl tr.stale').length") > 0
    # textContent: the section is not rendered until scrolled to (content-visibility), innerText is empty
    assert "STALE" in page.js("document.querySelector('table.decl tr.stale').textContent")


def test_hostile_strings_stay_text(page):
    page.js("const s = document.querySelector('#search'); s.value = 'onerror'; s.dispatchEvent(new Event('input'))")
    page.wait_for("document.querySelector('#shown').textContent.startsWith('1 /')")
    page.click("table.matrix tr.oprow:not([hidden]) td.c.s-fail")
    page.wait_for("!document.getElementById('panel').hidden")
    assert HOSTILE_OP in page.js("document.getElementById('panel-body').textContent")
    page.pump(0.2)
    assert page.js("document.title") == "PyTorch conformance report"
    assert page.js("document.querySelectorAll('img, b.injected').length") == 0
    assert page.js("document.querySelector('#seed-001 h3').textContent").endswith("Notes <b>001</b>")
    assert page.problems() == []


def test_laptop_screen_layout(page, tmp_path):
    """At 1366x768 the filter bar is one line and does not cover the matrix's header."""
    assert page.js("document.getElementById('controls').offsetHeight") < 50
    page.click("[data-group-link='pointwise']")
    page.pump(0.2)
    covered = page.js("""(() => { const th = document.querySelector('table.matrix th.check');
        const r = th.getBoundingClientRect(); const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return e === th || th.contains(e) ? null : (e && e.outerHTML.slice(0, 80)); })()""")
    assert covered is None
    shot = tmp_path / "report-1366x768.png"
    page.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    if os.environ.get("REPORT_SCREENSHOTS"):  # keep it for a person to look at
        shutil.copy(shot, Path(os.environ["REPORT_SCREENSHOTS"]) / shot.name)


# ================================================================================ measuring

def measure(n_ops: int = 500, out: Path | None = None, reps: int = 3) -> dict[str, Any]:
    """Page weight and load cost of a big synthetic report (cpu + cuda + previous run)."""
    import gzip
    import statistics

    from conformance.report import render_html
    from tests.synthetic_results import write_set

    out = Path(out or tempfile.mkdtemp(prefix="report-measure-"))
    runs, prev = write_set(out, n_ops=n_ops)
    t0 = time.perf_counter()
    rs = render_html(runs, out / "index.html", previous=str(prev))
    render_s = time.perf_counter() - t0
    html = (out / "index.html").read_bytes()
    result: dict[str, Any] = {"ops": n_ops, "records": len(rs), "render_s": round(render_s, 2),
                              "html_bytes": len(html), "html_gzip_bytes": len(gzip.compress(html)),
                              "junit_bytes": (out / "junit.xml").stat().st_size}
    loads, traces, clicks = [], [], []
    with Browser(1366, 768) as b:
        for _ in range(reps):
            b.goto("about:blank")
            traces.append(b.trace(lambda: b.goto((out / "index.html").as_uri())))
            loads.append(b.js("""(() => { const n = performance.getEntriesByType('navigation')[0];
                                  return [n.domContentLoadedEventEnd, performance.getEntriesByName('report-ready')[0].startTime]; })()"""))
            clicks.append(b.trace(lambda: b.js("document.getElementById('problems').click(); document.body.offsetHeight")))
        assert b.problems() == [], b.problems()
        b.screenshot(out / "top-1366x768.png")
        b.click("[data-group-link='pointwise']")
        b.screenshot(out / "matrix-1366x768.png")
        b.click("table.matrix tr.oprow:not([hidden]) td.c.s-fail")
        b.screenshot(out / "panel-1366x768.png")
    med = lambda xs: round(statistics.median(xs))  # noqa: E731
    result.update({
        "dom_content_loaded_ms": med([x[0] for x in loads]), "script_ready_ms": med([x[1] for x in loads]),
        "load_main_thread_cpu_ms": {k: med([t[k] for t in traces]) for k in traces[0]},
        "problems_only_click_cpu_ms": med([c["total_cpu_ms"] for c in clicks]),
        "problems_only_click_wall_ms": med([c["wall_ms"] for c in clicks]),
        "screenshots": str(out), "load_average": os.getloadavg()[0],
    })
    return result


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="measure the report at scale in headless chromium")
    ap.add_argument("cmd", choices=["measure"])
    ap.add_argument("--ops", type=int, default=500)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    print(json.dumps(measure(a.ops, a.out, a.reps), indent=1))
