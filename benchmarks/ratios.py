"""Turn a pytest-benchmark JSON file into the ratio table: each framework's median time over torch's and
NumPy's, per workload. Prints Markdown (for the README) and, with --html, writes the speed page (the table
and a bar chart of the impl/torch ratios, self-contained) that `python -m conformance bench` writes too.

    .venv/bin/python benchmarks/ratios.py reports/bench.json [--html reports/bench.html] [--before OLD.json]

--before adds the impl/torch and impl/NumPy ratios of an earlier run (another checkout of impl, measured
the same way) as columns, so a change is judged by ratios taken under the same conditions.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # (run as a script from anywhere)

from conformance.report import bench  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("json")
    p.add_argument("--html", help="also write the speed page with the table and the chart")
    p.add_argument("--before", help="an earlier run's JSON: its ratios become extra columns")
    p.add_argument("--floor", default="numpy", help="the array library impl runs on: numpy, or cupy (GPU runs)")
    args = p.parse_args(argv)
    groups = bench.load(args.json)
    before = bench.load(args.before) if args.before else None
    print(bench.markdown(groups, before, args.floor))
    if args.html:
        bench.render_bench(groups, args.html, before=before, floor=args.floor, source=args.json)
        print(f"\nwrote {args.html}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
