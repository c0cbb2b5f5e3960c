"""Realistic synthetic results files, for report tests and for eyeballing the HTML.

    python tests/synthetic_results.py OUT_DIR [--ops N] [--kill]

writes OUT_DIR/cpu.jsonl and OUT_DIR/cuda.jsonl (the cuda one cut mid-line with --kill) and
OUT_DIR/index.html.  Deterministic (fixed random seed); nothing here is committed output.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance.results import ResultWriter  # noqa: E402

GROUPS = {
    "creation": ["tensor", "zeros", "ones", "full", "eye", "arange", "linspace", "logspace", "zeros_like"],
    "views": ["view", "reshape", "flatten", "squeeze", "unsqueeze", "t", "transpose", "permute", "expand", "narrow"],
    "indexing": ["index_select", "masked_select", "nonzero", "gather", "scatter_"],
    "pointwise": ["abs", "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "sin", "cos",
                  "tanh", "sigmoid", "softmax", "sign", "ceil", "floor", "clamp", "addcdiv", "addcmul"],
    "reduction": ["sum", "mean", "prod", "cumsum", "cumprod", "std", "var", "median", "norm", "dist"],
    "linalg": ["dot", "mm", "bmm", "mv", "matmul", "trace", "diag", "triu", "tril", "addmm", "cross", "inverse", "svd"],
}
CHECKS = ["forward", "dtype", "shape", "view", "inplace", "out", "grad", "accumulation", "retain_graph", "errors"]
DTYPES = ["float32", "float64", "int64"]


def header(device: str) -> dict:
    return {"versions": {"python": "3.11.2", "numpy": "2.4.6", "torch": "2.13.0", "jax": "0.10.2",
                         "hypothesis": "6.170.15"},
            "hypothesis_seed": 1234, "profile": "ci", "device": device, "impl_module": "impl",
            "argv": ["python", "-m", "conformance", "run", "--device", device]}


def records(device: str, n_ops: int | None = None, seed: int = 7):
    """Yield result records: mostly pass, with every other status sprinkled in."""
    rnd = random.Random(seed)
    ops = [(g, op) for g, names in GROUPS.items() for op in names][:n_ops]
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
                           "seeds": rnd.sample(["000", "001", "002", "003", "004"], 2),
                           "duration_s": round(rnd.uniform(0.001, 0.4), 4), "detail": {}}
                    if dtype == "int64" and op in ("sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid"):
                        rec.update(status="skip", reason="integer input: torch promotes, not compared", examples=0)
                    elif x < 0.80:
                        rec["status"] = "pass"
                    elif x < 0.86:
                        rec.update(status="fail", detail={
                            "expected": [[1.0, 2.5], [3.0, float("nan")]], "actual": [[1.0, 2.5], [3.0, 0.0]],
                            "max_abs_diff": "nan", "inputs": {"x": [[1.0, 2.5], [3.0, -1.0]], "dim": 1},
                            "strides": {"expected": [2, 1], "actual": [1, 2]}},
                            repro=f"import torch, impl\nx = [[1.0, 2.5], [3.0, -1.0]]\n"
                                  f"print(torch.{op}(torch.tensor(x)))\nprint(impl.{op}(impl.tensor(x)))")
                    elif x < 0.90 and oracle == "jax":
                        rec.update(status="divergence",
                                   reason=f"jax.{op} promotes int64 to float32 by default (x64 disabled)")
                    elif x < 0.93:
                        rec.update(status="gap", reason=f"impl.{op} does not support {check} yet (tracked)")
                    elif x < 0.95:
                        rec.update(status="stale", reason="declared gap: out= unsupported — but it passed",
                                   repro=f"impl.{op}(impl.ones(3), out=impl.empty(3))")
                    elif x < 0.965:
                        rec.update(status="error", detail={"error": "TypeError: unsupported operand type(s)",
                                                           "traceback": "Traceback (most recent call last):\n  ..."},
                                   repro=f"impl.{op}(impl.ones(2, 2))")
                    else:
                        rec.update(status="skip", reason=f"{check} not applicable to {op}", examples=0)
                    yield rec


def write(path: Path, device: str, n_ops: int | None = None, kill: bool = False, seed: int = 7) -> Path:
    """Write one run; ``kill=True`` simulates SIGKILL: no footer and a half-written last line."""
    if not kill:
        with ResultWriter(path, header(device)) as w:
            for rec in records(device, n_ops, seed):
                w.write(rec)
        return path
    w = ResultWriter(path, header(device)).__enter__()
    for rec in records(device, n_ops, seed):
        w.write(rec)
    w._fh.write('{"kind": "result", "op": "matm')  # torn line, then the process "dies"
    w._fh.close()
    return path


if __name__ == "__main__":
    import argparse

    from conformance.report import render_html

    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--ops", type=int, default=None)
    ap.add_argument("--kill", action="store_true", help="leave the cuda run torn (incomplete)")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cpu = write(out / "cpu.jsonl", "cpu", a.ops)
    cuda = write(out / "cuda.jsonl", "cuda", a.ops, kill=a.kill, seed=8)
    prev = write(out / "previous" / "cpu.jsonl", "cpu", a.ops, seed=9)
    render_html([cpu, cuda], out / "index.html", previous=str(prev))
    print(out / "index.html")
