"""`python -m conformance run|report|list`: the command line.  Subcommand dispatch lives here only;
`report` calls into conformance.report."""
from __future__ import annotations

import argparse
import importlib
import multiprocessing as mp
import os
import secrets
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Sequence

BAD = ("fail", "stale", "error")


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
    r.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4), help="worker processes")
    r.add_argument("--specs", default=None, help="specs directory (default: the repository's specs/)")
    r.add_argument("--no-html", action="store_true", help="skip rendering index.html")
    r.add_argument("-q", "--quiet", action="store_true", help="only the summary")
    rep = sub.add_parser("report", help="render results files to HTML", add_help=False)
    rep.add_argument("rest", nargs=argparse.REMAINDER)
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
    from .catalog import SpecError
    try:
        return _list(args) if args.cmd == "list" else run(args, argv)
    except SpecError as e:
        print(f"spec error: {e}", file=sys.stderr)
        return 2


def _list(args: argparse.Namespace) -> int:
    from . import catalog, engine
    cat = catalog.load(args.specs) if args.specs else catalog.load()
    for op in cat.select(_csv(args.ops)):
        pairs = ", ".join(f"{c.name}/{o}" for c, o in engine.cases(op))
        print(f"{op.group:12} {op.name:14} {op.torch:24} {pairs}")
    return 0


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


# ------------------------------------------------------------------------------------- workers

_ENV: Any = None


def _init_worker(impl: str, profile: str, device: str, seed: int, specs: str | None, checks: list[str]) -> None:
    import warnings

    warnings.simplefilter("ignore")  # torch/NumPy warnings on edge inputs are expected noise here
    from . import catalog, engine, profiles

    global _ENV
    cat = catalog.load(specs) if specs else catalog.load()
    _ENV = (engine.Env(cat, impl, profiles.get(profile), device, seed), checks)


def _run_op(name: str) -> tuple[str, list[dict[str, Any]], float]:
    from . import engine

    env, checks = _ENV
    op = env.catalog.ops[name]
    t0 = time.perf_counter()
    only = (lambda c, o: c.name in checks) if checks else None
    try:
        recs = list(engine.run_op(env, op, only))
    except Exception:  # noqa: BLE001 - an engine bug must not lose the other ops
        recs = [{"op": op.name, "group": op.group, "check": "engine", "oracle": "torch", "dtype": None,
                 "device": env.device, "status": "error", "reason": "engine crashed on this op",
                 "examples": 0, "detail": {"traceback": traceback.format_exc()[-4000:]}, "repro": None,
                 "seeds": list(op.seeds), "spec": op.name, "duration_s": 0.0}]
    return name, recs, time.perf_counter() - t0


def _results(names: list[str], init_args: tuple, jobs: int) -> Iterator[tuple[str, list[dict[str, Any]], float]]:
    if jobs <= 1 or len(names) <= 1:
        _init_worker(*init_args)
        for n in names:
            yield _run_op(n)
        return
    # spawn: JAX is multithreaded and must not be forked; each worker builds its own runners
    ctx = mp.get_context("spawn")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=init_args) as pool:
        yield from pool.imap(_run_op, names, chunksize=1)


# ------------------------------------------------------------------------------------- run

def run(args: argparse.Namespace, argv: list[str]) -> int:
    from . import catalog, profiles
    from .results import ResultWriter, collect_versions

    if args.device == "cuda":
        import torch
        if not torch.cuda.is_available():
            print("skipped: no GPU (torch.cuda.is_available() is False)")
            return 0
    prof = profiles.get(args.profile)
    seed = args.seed if args.seed is not None else (0 if prof.derandomize else secrets.randbelow(2**31))
    cat = catalog.load(args.specs) if args.specs else catalog.load()
    ops = cat.select(_csv(args.ops))
    checks = _csv(args.checks)
    unknown = [c for c in checks if c not in catalog.CHECKS]
    if unknown:
        print(f"unknown check(s) {unknown}; known: {list(catalog.CHECKS)}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.jsonl"
    header = {"versions": collect_versions(), "seed": seed, "profile": prof.name, "device": args.device,
              "impl": args.impl, "argv": ["python", "-m", "conformance"] + argv, "jobs": args.jobs,
              "ops": [o.name for o in ops]}
    print(f"conformance: {len(ops)} ops, impl={args.impl}, profile={prof.name}, device={args.device}, "
          f"seed={seed}, jobs={args.jobs} -> {results_path}", flush=True)
    t0 = time.perf_counter()
    totals: Counter = Counter()
    bad: list[dict[str, Any]] = []
    with ResultWriter(results_path, header) as w:
        try:
            importlib.import_module(args.impl)
        except Exception as e:  # noqa: BLE001
            w.write({"op": "(import)", "group": "harness", "check": "import", "oracle": "self", "dtype": None,
                     "device": args.device, "status": "error", "reason": f"cannot import {args.impl!r}: {e!r}",
                     "examples": 0, "detail": {"traceback": traceback.format_exc()[-4000:]}, "repro": None,
                     "seeds": [], "spec": None, "duration_s": 0.0})
            print(f"error: cannot import the library under test {args.impl!r}: {e!r}", file=sys.stderr)
            totals["error"] += 1
            ops = []
        init = (args.impl, prof.name, args.device, seed, args.specs, checks)
        for i, (name, recs, secs) in enumerate(_results([o.name for o in ops], init, args.jobs), 1):
            c = Counter(r["status"] for r in recs)
            totals.update(c)
            for r in recs:
                w.write(r)
                if r["status"] in BAD:
                    bad.append(r)
            if not args.quiet:
                flag = "  <-- " + ", ".join(f"{c[s]} {s}" for s in BAD if c[s]) if any(c[s] for s in BAD) else ""
                counts = ", ".join(f"{n} {s}" for s, n in sorted(c.items()))
                print(f"[{i:3}/{len(ops)}] {name:16} {secs:6.1f}s  {counts}{flag}", flush=True)
    elapsed = time.perf_counter() - t0
    if not args.no_html:
        try:
            from .report import render_html
            render_html([str(results_path)], str(out / "index.html"))
        except Exception as e:  # noqa: BLE001 - the results file is the source of truth; say and go on
            print(f"warning: could not render HTML: {type(e).__name__}: {e}", file=sys.stderr)
    _summary(totals, bad, elapsed, results_path, None if args.no_html else out / "index.html")
    return 1 if any(totals[s] for s in BAD) else 0


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
