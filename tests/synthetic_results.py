"""Realistic synthetic results files, for report tests and for eyeballing the HTML.

    python tests/synthetic_results.py OUT_DIR [--ops N] [--kill]

writes OUT_DIR/cpu.jsonl and OUT_DIR/cuda.jsonl (the cuda one cut mid-line with --kill),
OUT_DIR/previous/cpu.jsonl (an earlier run, for the comparison), OUT_DIR/index.html and
OUT_DIR/junit.xml.  ``--ops N`` past the catalog's 68 ops adds numbered copies (``add_2``...) to
make big runs.  Deterministic (fixed random seeds); nothing here is committed output.
"""

from __future__ import annotations

import random
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance.results import ERRATA_GROUP, ResultWriter  # noqa: E402

GROUPS = {
    "creation": ["tensor", "zeros", "ones", "full", "eye", "arange", "linspace", "logspace", "zeros_like"],
    "views": ["view", "reshape", "flatten", "squeeze", "unsqueeze", "t", "transpose", "permute", "expand", "narrow"],
    "indexing": ["index_select", "masked_select", "nonzero", "gather", "scatter_"],
    "pointwise": ["abs", "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "sin", "cos",
                  "tanh", "sigmoid", "softmax", "sign", "ceil", "floor", "clamp", "addcdiv", "addcmul"],
    "reduction": ["sum", "mean", "prod", "cumsum", "cumprod", "std", "var", "median", "norm", "dist"],
    "linalg": ["dot", "mm", "bmm", "mv", "matmul", "trace", "diag", "triu", "tril", "addmm", "cross", "inverse", "svd"],
}
#: Seed notes per group, as in CATALOG.md's section headings.
GROUP_SEEDS = {"creation": ["000", "001", "002", "003", "004"], "views": ["000", "001", "002"],
               "indexing": ["000", "001"], "pointwise": ["001", "004"], "reduction": ["001", "003"],
               "linalg": ["000", "001", "002"]}
CHECKS = ["forward", "dtype", "shape", "view", "inplace", "out", "grad", "accumulation", "retain_graph", "errors"]
DTYPES = ["float32", "float64", "int64"]


def header(device: str) -> dict:
    return {"versions": {"python": "3.11.2", "numpy": "2.4.6", "torch": "2.13.0", "jax": "0.10.2",
                         "hypothesis": "6.170.15"},
            "hypothesis_seed": 1234, "profile": "ci", "device": device, "impl_module": "impl",
            "argv": ["python", "-m", "conformance", "run", "--device", device]}


def _ops(n_ops: int | None) -> list[tuple[str, str]]:
    """The catalog's ops; past its end, numbered copies (``add_2``…) to make big runs."""
    base = [(g, op) for g, names in GROUPS.items() for op in names]
    if n_ops is None or n_ops <= len(base):
        return base[:n_ops]
    return base + [(g, f"{op}_{k // len(base) + 1}") for k, (g, op) in
                   ((k, base[k % len(base)]) for k in range(len(base), n_ops))]


def _crc(*parts: str) -> int:
    return zlib.crc32("/".join(parts).encode())


def _duration(rnd: random.Random, seed: int, op: str, check: str, dtype: str) -> float:
    """Each check has a stable cost (from its name) with ±10 % noise per run; in the seed-7 run a few
    ops are much slower or faster than in other runs, so the timing comparison has something to say."""
    base = 0.002 + (_crc(op, check, dtype) % 1000) / 2500  # 0.002 .. 0.4 s
    factor = 1 + rnd.uniform(-0.1, 0.1)
    if seed == 7 and _crc(op) % 17 == 0:
        factor *= 1.8
    elif seed == 7 and _crc(op) % 17 == 1:
        factor *= 0.5
    return round(base * factor, 4)


def records(device: str, n_ops: int | None = None, seed: int = 7):
    """Yield result records: mostly pass, with every other status sprinkled in."""
    rnd = random.Random(seed)
    ops = _ops(n_ops)
    for group, op in ops:
        for check in CHECKS:
            if check in ("grad", "accumulation", "retain_graph") and group in ("creation", "indexing"):
                continue
            for oracle in ("torch", "jax"):
                if oracle == "jax" and check in ("view", "inplace", "out", "accumulation", "retain_graph"):
                    continue  # JAX has no views or in-place: not a column for these checks
                for dtype in (DTYPES if check == "forward" else ["float32"]):
                    x = rnd.random()
                    rec = {"op": op, "group": group, "check": check, "oracle": oracle, "dtype": dtype,
                           "device": device, "examples": rnd.choice([25, 50, 100]), "spec": op,
                           "seeds": GROUP_SEEDS[group],
                           "duration_s": _duration(rnd, seed, op, check, dtype), "detail": {}}
                    if dtype == "int64" and op in ("sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid"):
                        rec.update(status="skip", reason="integer input: torch promotes, not compared", examples=0)
                    elif x < 0.80:
                        rec["status"] = "pass"
                    elif x < 0.86:
                        rec.update(status="fail", reason="values differ", detail={
                            "message": "values differ", "expected": [[1.0, 2.5], [3.0, float("nan")]],
                            "actual": [[1.0, 2.5], [3.0, 0.0]],
                            "max_abs_diff": "nan", "inputs": {"x": [[1.0, 2.5], [3.0, -1.0]], "dim": 1},
                            "strides": {"expected": [2, 1], "actual": [1, 2]}},
                            repro=f"import torch, impl\nx = [[1.0, 2.5], [3.0, -1.0]]\n"
                                  f"print(torch.{op}(torch.tensor(x)))\nprint(impl.{op}(impl.tensor(x)))")
                    elif x < 0.90 and oracle == "jax":
                        reason = f"jax.{op} promotes int64 to float32 by default (x64 disabled)"
                        if _crc(op, check) % 5 == 0:  # this declaration no longer happens
                            rec.update(status="stale", reason=f"declared divergence no longer reproduces: {reason}",
                                       repro=f"jax.numpy.{op}(jax.numpy.ones(3, dtype='int64'))")
                        else:
                            rec.update(status="divergence", reason=reason,
                                       detail={"torch": "float32", "jax": "int32"})
                    elif x < 0.93:
                        rec.update(status="gap", reason=f"impl.{op} does not support {check} yet (tracked)")
                    elif x < 0.95:
                        rec.update(status="stale",
                                   reason=f"declared gap now passes; remove it from specs/gaps.toml: "
                                          f"impl.{op} does not support {check} yet (tracked)",
                                   repro=f"impl.{op}(impl.ones(3), out=impl.empty(3))")
                    elif x < 0.965:
                        rec.update(status="error", reason="harness crashed: TypeError: unsupported operand type(s)",
                                   detail={"error": "TypeError: unsupported operand type(s)",
                                           "traceback": "Traceback (most recent call last):\n  ..."},
                                   repro=f"impl.{op}(impl.ones(2, 2))")
                    else:
                        rec.update(status="skip", reason=f"{check} not applicable to {op}", examples=0)
                    yield rec


def errata_records(device: str):
    """Records shaped like conformance/errata.py's (facts invented here, not from torch)."""
    items = [
        ("004-grad-accumulation", "004", "pass", "x.grad = [1.6830, 1.8186] \"because of accumulation\"",
         "x.grad = tensor([ 1.0806, -2.6146])", "x.grad = tensor([ 1.0806, -2.6146])"),
        ("000-non_zero", "000", "pass", "torch.non_zero(x) gives the non-zero indices",
         "torch.non_zero: AttributeError; torch.nonzero: exists", "impl.non_zero: missing; impl.nonzero: exists"),
        ("001-longspace", "001", "fail", "longspace(start, end, steps)",
         "torch.longspace: AttributeError; torch.logspace: exists", "impl.longspace: exists"),
        ("001-Tensor-1-uninitialised", "001", "skip", "torch.Tensor(1) prints tensor([0.])",
         "shape [1] float32 (uninitialised memory not witnessed this run)", "shape (1,), impl.float32"),
    ]
    for eid, seed, status, claim, torch_actual, lib_actual in items:
        facts = [{"side": "torch", "what": "the seed's claim does not hold in torch",
                  "holds": None if status == "skip" else True, "shown": torch_actual},
                 {"side": "library", "what": "the library matches torch", "holds": status != "fail",
                  "shown": lib_actual}]
        reason = {"pass": "torch contradicts the seed", "fail": "the library does not match torch: "
                  "the library does not invent longspace either", "skip": "could not be decided this run"}[status]
        yield {"op": eid, "group": ERRATA_GROUP, "check": "erratum", "oracle": "torch", "dtype": None,
               "device": device, "status": status, "reason": reason, "examples": len(facts),
               "detail": {"seed_claim": claim, "torch_actual": torch_actual, "library_actual": lib_actual,
                          "correction": "what torch does instead", "facts": facts},
               "repro": f"import torch\n# {eid}\n", "seeds": [seed], "spec": "conformance/errata.py",
               "duration_s": 0.002}


def write(path: Path, device: str, n_ops: int | None = None, kill: bool = False, seed: int = 7,
          errata: bool = True) -> Path:
    """Write one run; ``kill=True`` simulates SIGKILL: no footer and a half-written last line."""
    def all_records():
        yield from records(device, n_ops, seed)
        if errata:
            yield from errata_records(device)
    if not kill:
        with ResultWriter(path, header(device)) as w:
            for rec in all_records():
                w.write(rec)
        return path
    w = ResultWriter(path, header(device)).__enter__()
    for rec in all_records():
        w.write(rec)
    w._fh.write('{"kind": "result", "op": "matm')  # torn line, then the process "dies"
    w._fh.close()
    return path


def write_set(out: Path, n_ops: int | None = None, kill: bool = False) -> tuple[list[Path], Path]:
    """cpu + cuda runs and a previous cpu run under ``out``: ``([cpu, cuda], previous)``."""
    out.mkdir(parents=True, exist_ok=True)
    cpu = write(out / "cpu.jsonl", "cpu", n_ops)
    cuda = write(out / "cuda.jsonl", "cuda", n_ops, kill=kill, seed=8, errata=False)
    (out / "previous").mkdir(exist_ok=True)
    prev = write(out / "previous" / "cpu.jsonl", "cpu", n_ops, seed=9)
    return [cpu, cuda], prev


if __name__ == "__main__":
    import argparse

    from conformance.report import render_html

    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--ops", type=int, default=None)
    ap.add_argument("--kill", action="store_true", help="leave the cuda run torn (incomplete)")
    a = ap.parse_args()
    runs, prev = write_set(Path(a.out), a.ops, a.kill)
    render_html(runs, Path(a.out) / "index.html", previous=str(prev))
    print(Path(a.out) / "index.html")
