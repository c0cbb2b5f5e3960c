"""`python -m conformance run|report|list`: the command line.  Subcommand dispatch lives here only;
`report` calls into conformance.report.

`run` hands ops to worker processes (conformance/workers.py) and writes every record to results.jsonl
as it arrives, so nothing that ran is lost: an op that crashes, hangs or exhausts memory becomes an
error record ("crashed: ...", "timed out: ...", "out of memory: ...") and the run goes on; Ctrl-C or
SIGTERM stops cleanly (footer marked incomplete, partial report rendered, exit 130 / 143); after a
kill -9 the file still reads back and `report` renders it marked incomplete.  The seed is printed,
stored in the header and shown in the report; `--seed N` reruns it; `--shard i/n` splits the ops."""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

BAD = ("fail", "stale", "error")


# Suites beyond the per-op catalog: fn(impl, profile_name, seed, device, writer), writing each record
# with writer.write(rec).  They run in a worker like an op (conformance/workers.py: a crash, a hang or
# memory exhaustion becomes an error record), after the catalog's ops are handed out; in shard 1 only.
def _memory_suite(impl: str, profile: str, seed: int, device: str, w: Any) -> list:
    from .memory_machine import run_memory_checks

    return run_memory_checks(impl, profile, w, seed=seed, device=device)


def _autograd_suite(impl: str, profile: str, seed: int, device: str, w: Any) -> list:
    from .autograd_scenarios import run_autograd_checks

    return run_autograd_checks(impl, profile, w, seed=seed, device=device)


def _errata_suite(impl: str, profile: str, seed: int, device: str, w: Any) -> list:  # noqa: ARG001
    from .errata import run_errata

    return run_errata(impl, w, device)


# `--ops memory,errata` selects suites by name; no --ops runs all of them.
SUITES = {"memory": _memory_suite, "autograd": _autograd_suite, "errata": _errata_suite}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the catalog against a library; write results.jsonl and index.html")
    r.add_argument("--ops", default="", help="comma-separated op names or groups (default: all)")
    r.add_argument("--checks", default="", help="comma-separated checks (default: all that apply)")
    r.add_argument("--profile", default="ci", choices=["ci", "dev", "thorough"])
    r.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    r.add_argument("--impl", default="impl", help="importable torch-like module under test (default: impl)")
    r.add_argument("--out", default="reports/latest", help="output directory (default: reports/latest)")
    r.add_argument("--seed", type=int, default=None, help="base seed (ci default 0; dev/thorough: random)")
    r.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4),
                   help="worker processes (0: run in this process, no crash isolation; for a debugger)")
    r.add_argument("--shard", default=None, metavar="I/N",
                   help="run only shard I of N (every N-th op, deterministic); merge the shards' results "
                        "with `python -m conformance report A B --out DIR`")
    r.add_argument("--example-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="one example running longer is interrupted, or its worker killed, and recorded as "
                        "'timed out' (default 60)")
    r.add_argument("--memory-limit", type=float, default=None, metavar="GIB",
                   help="address space a worker may add beyond its start-up footprint (RLIMIT_AS); a runaway "
                        "allocation is recorded as 'out of memory' (default 8 on cpu, none on cuda; 0: none)")
    r.add_argument("--specs", default=None, help="specs directory (default: the repository's specs/)")
    r.add_argument("--no-html", action="store_true", help="skip rendering index.html")
    r.add_argument("-q", "--quiet", action="store_true", help="only the summary")
    rep = sub.add_parser("report", help="render results files to HTML", add_help=False)
    rep.add_argument("rest", nargs=argparse.REMAINDER)
    mu = sub.add_parser("mutate", help="mutation-test the suite: run each check on wrong versions of torch "
                                       "and count the mutants it misses (conformance/mutants.py)")
    mu.add_argument("--ops", default="", help="comma-separated op names or groups (default: all)")
    mu.add_argument("--mutations", default="", help="comma-separated mutation names (default: all)")
    mu.add_argument("--profile", default="ci", choices=["ci", "dev", "thorough"])
    mu.add_argument("--out", default="reports/mutation", help="directory for mutation.jsonl")
    be = sub.add_parser("bench", help="run the speed benchmarks (pytest-benchmark); print the ratio table and "
                                      "write bench.html (table and chart) next to the report")
    be.add_argument("--out", default="reports/latest", help="directory for bench.json and bench.html")
    be.add_argument("-k", dest="select", default="", help="pytest -k expression: some workloads (e.g. tiny)")
    be.add_argument("--before", default=None, help="an earlier bench.json: its ratios become extra columns")
    lst = sub.add_parser("list", help="list ops and the (check, oracle) pairs that apply")
    lst.add_argument("--ops", default="")
    lst.add_argument("--specs", default=None)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["report"]:
        from .report import main as report_main
        return int(report_main(argv[1:]) or 0)
    args = _parser().parse_args(argv)
    if args.cmd == "run" and args.device == "cuda":
        why = _no_gpu()  # before importing the suite: a Python without the stack must skip, not crash
        if why:
            print(f"skipped: no GPU ({why})")
            return 0
    from .catalog import SpecError
    try:
        if args.cmd == "mutate":
            return _mutate(args)
        if args.cmd == "bench":
            return _bench(args)
        return _list(args) if args.cmd == "list" else run(args, argv)
    except SpecError as e:
        print(f"spec error: {e}", file=sys.stderr)
        return 2


def _bench(args: argparse.Namespace) -> int:
    """pytest-benchmark over benchmarks/test_bench_ops.py in a child process (its own progress on the
    terminal), then the ratio table printed and the speed page written. Timings belong in pytest-benchmark,
    never in assertions: this only runs and renders them."""
    import subprocess

    from .report import bench

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    js = out / "bench.json"
    suite = Path(__file__).resolve().parents[1] / "benchmarks" / "test_bench_ops.py"
    cmd = [sys.executable, "-m", "pytest", str(suite), "--benchmark-only", f"--benchmark-json={js}",
           "-p", "no:cacheprovider", "-q"] + (["-k", args.select] if args.select else [])
    rc = subprocess.call(cmd)
    if rc != 0 or not js.exists():
        print(f"benchmarks failed (pytest exit {rc}); no table written", file=sys.stderr)
        return rc or 1
    groups = bench.load(js)
    before = bench.load(args.before) if args.before else None
    print(bench.markdown(groups, before))
    bench.render_bench(groups, out / "bench.html", before=before, source=str(js))
    print(f"\nwrote {out / 'bench.html'}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from . import catalog, engine
    cat = catalog.load(args.specs) if args.specs else catalog.load()
    for op in cat.select(_csv(args.ops)):
        pairs = ", ".join(f"{c.name}/{o}" for c, o in engine.cases(op))
        print(f"{op.group:12} {op.name:14} {op.torch:24} {pairs}")
    return 0


def _mutate(args: argparse.Namespace) -> int:
    """Exit 0 when every applicable mutant is killed, 1 when any survives (or errs)."""
    import dataclasses
    import warnings

    from . import catalog, mutants, profiles
    cat = catalog.load()
    ops = cat.select(_csv(args.ops))
    wanted = _csv(args.mutations)
    unknown = sorted(set(wanted) - set(mutants.BY_NAME))
    if unknown:
        print(f"unknown mutation(s) {unknown}; known: {list(mutants.BY_NAME)}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "mutation.jsonl"
    total = sum(1 for op in ops for m in mutants.mutants_for(op) if not wanted or m.name in wanted)
    print(f"mutate: {total} mutants of {len(ops)} ops, profile={args.profile} -> {path}", flush=True)
    done = 0
    with open(path, "w") as f, warnings.catch_warnings():
        warnings.simplefilter("ignore")

        def progress(o: mutants.Outcome) -> None:
            nonlocal done
            done += 1
            f.write(json.dumps(dataclasses.asdict(o)) + "\n")
            f.flush()  # an interrupted run keeps every verdict so far
            mark = "" if o.status in ("killed", "n/a", "unexercised") else f"  <-- {o.status.upper()}"
            print(f"[{done:4}/{total}] {o.op:16} {o.mutation:20} {o.check:8} {o.status:8} {o.seconds:5.1f}s{mark}",
                  flush=True)

        outcomes = mutants.run(cat, ops, profiles.get(args.profile), wanted or None, progress)
    print(f"\n{'mutation':22} {'check':8} killed survived unexercised error  n/a")
    for name, row in mutants.summary(outcomes).items():
        m = mutants.BY_NAME[name]
        print(f"{name:22} {m.check:8} {row['killed']:6} {row['survived']:8} {row['unexercised']:11} "
              f"{row['error']:5} {row['n/a']:4}")
    for o in outcomes:
        if o.status in ("survived", "error", "unexercised"):
            print(f"  {o.status.upper():8} {o.op}/{o.mutation} ({o.check}, {o.dtype}): "
                  f"{mutants.BY_NAME[o.mutation].what}{': ' + o.reason if o.reason else ''}")
    from .report.mutation import read_outcomes, render_mutation
    render_mutation(read_outcomes(path), out / "mutation.html", profile=args.profile, planned=total)
    print(f"mutation score: {mutants.score(outcomes):.1%} of applicable mutants killed; results: {path}")
    print(f"report:  {out / 'mutation.html'}")
    return 0 if all(o.status in ("killed", "n/a", "unexercised") for o in outcomes) else 1


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


# ------------------------------------------------------------------------------------- run


class RunInterrupted(Exception):
    """Raised inside the results writer on Ctrl-C / SIGTERM so the footer says why the run stopped."""


_STOP_SIGNALS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


class _Stop:
    """First SIGINT/SIGTERM/SIGHUP: finish cleanly at the next tick (no torn line in results.jsonl).
    A second one: stop right now (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> "_Stop":
        if threading.current_thread() is threading.main_thread():
            for s in _STOP_SIGNALS:
                if signal.getsignal(s) is not signal.SIG_IGN:  # nohup: SIGHUP stays ignored
                    self._old[s] = signal.signal(s, self._handler)
        return self

    def _handler(self, signum: int, frame: Any) -> None:  # noqa: ARG002
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum
        try:  # os.write: print() is not safe inside a signal handler
            os.write(2, f"\n{signal.Signals(signum).name}: stopping; writing what has run so far "
                        "(once more to stop right away)\n".encode())
        except OSError:
            pass

    def __exit__(self, *exc: Any) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)

    def __call__(self) -> bool:
        return self.signum is not None


def _shard(spec: str | None, ops: list) -> tuple[list, str | None]:
    """``--shard i/n``: every n-th op of the selection (catalog order), starting at the i-th (1-based).
    Deterministic, so n machines with the same catalog split it without overlap or gaps."""
    if not spec:
        return ops, None
    try:
        i, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise SystemExit(f"--shard wants i/n (like 2/4), got {spec!r}") from None
    if not 1 <= i <= n:
        raise SystemExit(f"--shard {spec}: need 1 <= i <= n")
    return ops[i - 1::n], f"{i}/{n}"


def _no_gpu() -> str | None:
    """Why a cuda run cannot happen here (None: it can): no torch in this Python, or no CUDA device."""
    try:
        import torch
    except ImportError as e:
        return (f"torch is not importable in {sys.executable} ({e}); run the Python that holds the CUDA builds "
                "of torch, JAX and CuPy (tox: GPU_PYTHON=...)")
    if not torch.cuda.is_available():
        return f"torch.cuda.is_available() is False (torch {torch.__version__})"
    return None


def run(args: argparse.Namespace, argv: list[str]) -> int:
    from . import catalog, profiles, workers
    from .results import ResultWriter, collect_versions

    prof = profiles.get(args.profile)
    seed = args.seed if args.seed is not None else (0 if prof.derandomize else secrets.randbelow(2**31))
    cat = catalog.load(args.specs) if args.specs else catalog.load()
    wanted = _csv(args.ops)
    suites = [s for s in SUITES if not wanted or s in wanted] if not args.shard or args.shard.startswith("1/") else []
    op_names = [o for o in wanted if o not in SUITES]
    ops, shard = _shard(args.shard, cat.select(op_names) if op_names or not wanted else [])
    checks = _csv(args.checks)
    unknown = [c for c in checks if c not in catalog.CHECKS]
    if unknown:
        print(f"unknown check(s) {unknown}; known: {list(catalog.CHECKS)}", file=sys.stderr)
        return 2
    # CUDA reserves huge virtual address ranges, which RLIMIT_AS counts: no limit there unless asked.
    mem = args.memory_limit if args.memory_limit is not None else (
        0.0 if args.device == "cuda" else workers.DEFAULT_MEMORY_LIMIT_GIB)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.jsonl"
    html = None if args.no_html else out / "index.html"
    rerun = ["python", "-m", "conformance"] + _with_seed(argv, seed)
    header = {"versions": collect_versions(), "seed": seed, "profile": prof.name,
              "derandomized": prof.derandomize, "device": args.device, "impl": args.impl,
              "argv": ["python", "-m", "conformance"] + argv, "rerun": " ".join(rerun), "jobs": args.jobs,
              "shard": shard, "example_timeout_s": args.example_timeout, "memory_limit_gib": mem or None,
              "record_timeout_s": prof.record_timeout_s, "ops": [o.name for o in ops], "suites": suites}
    also = f" + suites {','.join(suites)}" if suites else ""
    print(f"conformance: {len(ops)} ops{f' (shard {shard})' if shard else ''}{also}, impl={args.impl}, "
          f"profile={prof.name}, device={args.device}, seed={seed}, jobs={args.jobs} -> {results_path}", flush=True)
    cfg = workers.Config(impl=args.impl, profile=prof.name, device=args.device, seed=seed, specs=args.specs,
                         checks=checks, ops=[o.name for o in ops], example_timeout=args.example_timeout,
                         memory_limit_gib=mem, record_timeout=float(prof.record_timeout_s), suites=suites)
    t0 = time.perf_counter()
    totals: Counter = Counter()
    bad: list[dict[str, Any]] = []
    finished: list[str] = []
    in_flight: list[str] = []
    stopped: int | None = None
    pool = None
    try:
        with _Stop() as stop, ResultWriter(results_path, header) as w:
            if args.jobs <= 0:
                events = workers.run_in_process(cfg, cfg.ops, suites)
            else:
                pool = workers.WorkerPool(cfg, args.jobs, should_stop=stop, logdir=out / "worker-logs")
                events = pool.events(cfg.ops, suites)
            try:
                for ev in events:
                    if ev.kind == "record":
                        r = ev.record
                        w.write(r)
                        totals[r["status"]] += 1
                        if r["status"] in BAD:
                            bad.append(r)
                    elif ev.kind == "op" and ev.op in suites:
                        finished.append(ev.op)
                        if not args.quiet:
                            print(f"[suite] {ev.op:<15} {ev.secs:6.1f}s  {_counts_text(ev.counts)}", flush=True)
                    elif ev.kind == "op":
                        finished.append(ev.op)
                        if not args.quiet:
                            _progress(len(finished), len(ops) + len(suites), ev.op, ev.secs, ev.counts)
                    elif ev.kind == "note":
                        if not args.quiet:
                            print(f"  ! {ev.text}", flush=True)
                    elif ev.kind == "fatal":
                        r = {"op": "(import)", "group": "harness", "check": "import", "oracle": "self",
                             "dtype": None, "device": args.device, "status": "error",
                             "reason": f"the workers cannot start: {ev.text}", "examples": 0,
                             "detail": dict(ev.record or {}), "repro": None, "seeds": [], "spec": None,
                             "duration_s": 0.0}
                        w.write(r)
                        totals["error"] += 1
                        bad.append(r)
                        print(f"error: {r['reason']}", file=sys.stderr)
                        break
                    if stop():
                        break
                if stop():
                    stopped = stop.signum
                    in_flight = pool.busy() if pool else []
                    raise RunInterrupted(f"interrupted by {signal.Signals(stopped).name} after "
                                         f"{len(finished)} of {len(ops) + len(suites)} ops and suites")
            except KeyboardInterrupt:
                stopped = stop.signum or signal.SIGINT
                in_flight = pool.busy() if pool else []
                raise RunInterrupted(f"interrupted by {signal.Signals(stopped).name} after "
                                     f"{len(finished)} of {len(ops) + len(suites)} ops and suites") from None
            finally:
                if pool is not None:
                    pool.close()
    except (RunInterrupted, KeyboardInterrupt):
        stopped = stopped or signal.SIGINT
    elapsed = time.perf_counter() - t0
    if stopped is None and args.jobs > 1:
        _catalog_order(results_path, [o.name for o in ops])
    if html is not None:
        try:
            from .report import render_html
            render_html([str(results_path)], str(html))
        except Exception as e:  # noqa: BLE001 - the results file is the source of truth; say and go on
            print(f"warning: could not render HTML: {type(e).__name__}: {e}", file=sys.stderr)
            html = None
    _summary(totals, bad, elapsed, results_path, html)
    print(f"seed:    {seed} (rerun: {' '.join(rerun)})")
    if pool is not None and (pool.crashes or pool.timeouts or pool.recycled):
        print(f"workers: {pool.crashes} crashed, {pool.timeouts} timed out (recorded as errors), "
              f"{pool.recycled} replaced after growing past their memory budget")
    if stopped is not None:
        left = [n for n in [o.name for o in ops] + suites if n not in set(finished)]
        print(f"\nINTERRUPTED ({signal.Signals(stopped).name}) after {len(finished)} of {len(ops) + len(suites)} "
              "ops and suites; "
              f"the results and the report above are partial (marked incomplete).")
        for b in in_flight:
            print(f"  was running: {b}")
        if left:
            print(f"  not finished ({len(left)}): {', '.join(left[:30])}{' ...' if len(left) > 30 else ''}")
        return _STOP_SIGNALS.get(stopped, 130)
    return 1 if any(totals[s] for s in BAD) else 0


def _with_seed(argv: list[str], seed: int) -> list[str]:
    """The run's command line with ``--seed`` set to the seed actually used."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--seed":
            skip = True
            continue
        if a.startswith("--seed="):
            continue
        out.append(a)
    return out + ["--seed", str(seed)]


def _counts_text(c: Counter) -> str:
    flag = "  <-- " + ", ".join(f"{c[s]} {s}" for s in BAD if c[s]) if any(c[s] for s in BAD) else ""
    return ", ".join(f"{k} {s}" for s, k in sorted(c.items())) + flag


def _progress(i: int, n: int, name: str, secs: float, c: Counter) -> None:
    print(f"[{i:3}/{n}] {name:16} {secs:6.1f}s  {_counts_text(c)}", flush=True)


def _catalog_order(path: Path, order: list[str]) -> None:
    """Workers finish ops out of order; once a run is complete, put its records back in catalog order
    (stable, header first, footer last) so the report lists ops as the catalog does.  The file is
    replaced atomically; lines are only parsed as JSON to find the op, never changed."""
    try:
        lines = path.read_bytes().splitlines(keepends=True)
    except OSError:
        return
    if len(lines) < 3 or not lines[-1].endswith(b"\n"):
        return
    rank = {name: i for i, name in enumerate(order)}

    def key(item: tuple[int, bytes]) -> tuple[int, int]:
        i, line = item
        try:
            obj = json.loads(line)
        except ValueError:
            return (len(order), i)
        if not isinstance(obj, dict) or obj.get("kind", "result") != "result":
            return (-1, i) if i == 0 else (len(order) + 1, i)
        return (rank.get(obj.get("op"), len(order)), i)

    body = [line for _, line in sorted(enumerate(lines), key=key)]
    if body == lines:
        return
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.writelines(body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _summary(totals: Counter, bad: list[dict[str, Any]], elapsed: float, results: Path, html: Path | None) -> None:
    print()
    print("summary: " + ", ".join(f"{totals[s]} {s}" for s in
                                  ("pass", "fail", "stale", "error", "gap", "divergence", "skip")) +
          f"  ({sum(totals.values())} records, {elapsed:.1f}s)")
    for r in bad[:40]:
        print(f"  {r['status'].upper():6} {r['op']}/{r['check']}/{r['oracle']}/{r['dtype']}: {r['reason']}")
    if len(bad) > 40:
        print(f"  ... and {len(bad) - 40} more (see the report)")
    print(f"results: {results}" + (f"\nreport:  {html}" if html else ""))
