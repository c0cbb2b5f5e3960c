"""Checks of random ops (spec field `random`): never exact values against torch, but

  range         every value lies in the support (uniform: [low, high]; randint: integers in [low, high);
                randperm: a permutation of 0..n-1; normal: finite), on the drawn examples
  determinism   manual_seed(s) twice gives bit-identical results; without reseeding the stream advances
  distribution  a large sample (SAMPLE_N values) passes one-sample Kolmogorov-Smirnov and moment tests
                against the theoretical distribution, each at a fixed false-alarm rate (ALPHA)
  stream        (opt-in, spec `stream = true`) after manual_seed(s), bit-identical to torch

The first three run on the library alone (oracle "self").  torch runs the same example as a control:
where torch itself fails (a degenerate draw, say a float16 range too narrow for the test), the example
is rejected, so a failure means the library misbehaves where torch does not.  Plain NumPy, no SciPy.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from .. import dtypes as dt
from .. import layouts, repro
from ..catalog import OpSpec
from ..runners.torchlike import TorchLikeRunner
from ..strategies import OMIT, Example, TensorArg
from .base import Check, Ctx, Mismatch, same_exceptions
from .compare import mismatch

SAMPLE_N = 4096
ALPHA = 1e-6          # false-alarm rate of each statistical test on a correct library
_Z = 5.33             # two-sided normal quantile for ALPHA / 10 (moment tests)


# ------------------------------------------------------------------------------------- statistics

def ks_critical(n: int, alpha: float = ALPHA) -> float:
    """Critical value of the one-sample KS statistic D_n (asymptotic Kolmogorov tail
    2 exp(-2 x^2), with Stephens' small-sample correction)."""
    x = math.sqrt(-0.5 * math.log(alpha / 2))
    return x / (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n))


def ks_statistic(sample: np.ndarray, cdf) -> float:
    x = np.sort(sample.astype(np.float64))
    n = x.size
    f = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(0, n) / n)))


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))


def _z_quantile(p_two_sided: float) -> float:
    """z with P(|Z| > z) = p (bisection on erfc)."""
    lo, hi = 0.0, 40.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if math.erfc(mid / math.sqrt(2)) > p_two_sided:
            lo = mid
        else:
            hi = mid
    return hi


def _moment_failures(x: np.ndarray, mean: float, var: float, mu4: float) -> list[str]:
    """z-tests of the sample mean and the sample variance against the theoretical moments."""
    n = x.size
    out = []
    zm = (x.mean() - mean) / math.sqrt(var / n) if var > 0 else 0.0
    if abs(zm) > _Z:
        out.append(f"sample mean {x.mean():.6g} vs {mean:.6g} (z = {zm:.1f})")
    se_var = math.sqrt(max(mu4 - var ** 2, 1e-300) / n)
    zv = (x.var() - var) / se_var if var > 0 else 0.0
    if abs(zv) > _Z:
        out.append(f"sample variance {x.var():.6g} vs {var:.6g} (z = {zv:.1f})")
    return out


def distribution_failures(dist: str, values: np.ndarray, p: dict[str, Any]) -> list[str]:
    """Why `values` is unlikely to come from the distribution (empty list: consistent with it)."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if x.size == 0:
        return []
    if not np.all(np.isfinite(x)):
        return [f"{int((~np.isfinite(x)).sum())} non-finite values"]
    crit = ks_critical(x.size)
    if dist == "uniform":
        a, b = float(p["low"]), float(p["high"])
        d = ks_statistic(x, lambda v: np.clip((v - a) / (b - a), 0, 1))
        out = [f"KS statistic {d:.4f} > {crit:.4f} against U[{a:g}, {b:g})"] if d > crit else []
        w = b - a
        return out + _moment_failures(x, (a + b) / 2, w * w / 12, w ** 4 / 80)
    if dist == "normal":
        mean = np.broadcast_to(np.asarray(p["mean"], dtype=np.float64), x.shape)
        std = np.broadcast_to(np.asarray(p["std"], dtype=np.float64), x.shape)
        z = (x - mean) / std
        d = ks_statistic(z, _normal_cdf)
        out = [f"KS statistic {d:.4f} > {crit:.4f} against N(mean, std) (standardized)"] if d > crit else []
        return out + _moment_failures(z, 0.0, 1.0, 3.0)
    if dist == "randint":
        lo, hi = int(p["low"]), int(p["high"])
        k = hi - lo
        counts = np.bincount((x - lo).astype(np.int64), minlength=k)[:k]
        n = x.size
        q = 1.0 / k
        zc = _z_quantile(ALPHA / k)
        z = (counts - n * q) / math.sqrt(n * q * (1 - q)) if k > 1 else np.zeros(1)
        out = [f"value {lo + int(np.argmax(np.abs(z)))} drawn {int(counts[np.argmax(np.abs(z))])} times of {n} "
               f"(expected {n * q:.1f}, |z| = {float(np.max(np.abs(z))):.1f} > {zc:.1f})"] if np.max(np.abs(z)) > zc else []
        vals = np.arange(lo, hi, dtype=np.float64)
        mu = vals.mean()
        return out + _moment_failures(x, mu, float(((vals - mu) ** 2).mean()), float(((vals - mu) ** 4).mean()))
    if dist == "permutation":
        n = x.size
        if n < 64:
            return []
        first = (x[: n // 2] + 0.5) / n  # where the first half of the positions point: uniform on [0, 1)
        d = ks_statistic(first, lambda v: np.clip(v, 0, 1))
        return [f"KS statistic {d:.4f} > {ks_critical(first.size):.4f}: the first half of the permutation "
                "is not spread uniformly over 0..n-1"] if d > ks_critical(first.size) else []
    raise AssertionError(dist)


def _dtype_bounds(a: float, b: float, dtype: np.dtype) -> tuple[float, float]:
    """[a, b] widened to the nearest values of `dtype` outside it: a float16 sample of U[1e-45, 1)
    may hold 0.0, the float16 nearest to 1e-45."""
    if np.dtype(dtype).kind != "f":
        return a, b
    t = np.dtype(dtype).type
    lo, hi = t(a), t(b)
    if float(lo) > a:
        lo = np.nextafter(lo, t(-np.inf))
    if float(hi) < b:
        hi = np.nextafter(hi, t(np.inf))
    return float(lo), float(hi)


def support_failures(dist: str, values: np.ndarray, p: dict[str, Any], integral_dtype: bool) -> list[str]:
    x = np.asarray(values)
    if x.size == 0:
        return []
    xf = x.astype(np.float64)
    if dist == "permutation":
        if not np.array_equal(np.sort(xf.reshape(-1)), np.arange(x.size, dtype=np.float64)):
            return [f"not a permutation of 0..{x.size - 1}: {np.sort(xf.reshape(-1))[:20].tolist()}"]
        return []
    if not np.all(np.isfinite(xf)):
        return ["non-finite values"]
    if dist == "uniform":
        a, b = _dtype_bounds(float(p["low"]), float(p["high"]), x.dtype)
        bad = (xf < a) | (xf > b)
        return [f"{int(bad.sum())} values outside [{a:g}, {b:g}], e.g. {xf[bad].reshape(-1)[0]!r}"] if bad.any() else []
    if dist == "randint":
        lo, hi = int(p["low"]), int(p["high"])
        bad = (xf < lo) | (xf >= hi) | (xf != np.floor(xf))
        return [f"{int(bad.sum())} values not integers in [{lo}, {hi}), e.g. {xf[bad].reshape(-1)[0]!r}"] if bad.any() else []
    return []


# ------------------------------------------------------------------------------------- examples

def _param(ex: Example, ref: Any, default: Any) -> Any:
    if isinstance(ref, str):
        v = ex.values.get(ref, OMIT)
        if v is OMIT or v is None:
            return default
        return v.array if isinstance(v, TensorArg) else v
    return default if ref is None else ref


_DEFAULTS = {"uniform": {"low": 0.0, "high": 1.0}, "normal": {"mean": 0.0, "std": 1.0},
             "randint": {"low": 0}, "permutation": {}}


def params(op: OpSpec, ex: Example) -> dict[str, Any]:
    spec = op.random
    out = dict(_DEFAULTS[spec.dist])
    for k, ref in spec.params.items():
        out[k] = _param(ex, ref, out.get(k))
    return out


def enlarged(ex: Example, n: int = SAMPLE_N) -> Example:
    """The example with its `sample` argument grown to n values (size -> (n,), randperm's n -> n,
    a tensor -> n elements repeating its values)."""
    name = ex.op.random.sample
    v = ex.values[name]
    new = dict(ex.values)
    splat = dict(ex.splat)
    if isinstance(v, TensorArg):
        arr = np.resize(v.array.reshape(-1), n) if v.array.size else np.zeros(n, dtype=v.array.dtype)
        new[name] = TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, v.dtype)
    elif isinstance(v, tuple):
        new[name] = (n,)
        splat[name] = False
    else:
        new[name] = n
    return dataclasses.replace(ex, values=new, splat=splat, jax_values={})


def _sample(runner: TorchLikeRunner, ctx: Ctx, ex: Example, seed: int | None, calls: int = 1) -> list[Any]:
    """Build, seed (when given), call `calls` times; the outcomes."""
    b = runner.build(ex)
    path = ctx.op.impl if runner is ctx.impl else ctx.op.torch
    if seed is not None:
        s = runner.attempt(runner.module.manual_seed, seed)
        if s.raised:
            raise Mismatch(f"{runner.name}: manual_seed({seed}) raised", {"error": s.describe()})
    out = []
    for _ in range(calls):
        r = runner.call(path, b)
        out.append((r, None if r.raised else runner.read(r.value)))
    return out


def _bitwise_equal(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _integral(ex: Example, v: np.ndarray) -> bool:
    return np.asarray(v).dtype.kind in "iub"


# ------------------------------------------------------------------------------------- checks

def run_range(ctx: Ctx, ex: Example) -> None:
    (ri, vi), = _sample(ctx.impl, ctx, ex, ex.extra["rng_seed"])
    (rt, _), = _sample(ctx.torch, ctx, ex, ex.extra["rng_seed"])
    same_exceptions(ri, rt)
    if rt.raised:
        return
    p = params(ctx.op, ex)
    bad = support_failures(ctx.op.random.dist, vi, p, _integral(ex, vi))
    if bad:
        raise Mismatch("random values outside the support: " + bad[0], {"params": repr(p)})


def _determinism_facts(runner: TorchLikeRunner, ctx: Ctx, ex: Example, seed: int) -> dict[str, Any]:
    (r1, a), = _sample(runner, ctx, ex, seed)
    (r2, b), = _sample(runner, ctx, ex, seed)
    if r1.raised or r2.raised:
        return {"outcome": r1 if r1.raised else r2}
    (_, c), (_, d) = _sample(runner, ctx, ex, seed, calls=2)
    return {"outcome": r1, "same_after_manual_seed": _bitwise_equal(a, b),
            "stream_advances": not _bitwise_equal(c, d)}


def run_determinism(ctx: Ctx, ex: Example) -> None:
    big = enlarged(ex)
    seed = ex.extra["rng_seed"]
    ft = _determinism_facts(ctx.torch, ctx, big, seed)
    if ft["outcome"].raised:
        reject()
    if not (ft["same_after_manual_seed"] and ft["stream_advances"]):
        reject()  # a degenerate draw (a single possible value): nothing to observe
    fi = _determinism_facts(ctx.impl, ctx, big, seed)
    same_exceptions(fi["outcome"], ft["outcome"])
    if not fi["same_after_manual_seed"]:
        raise Mismatch(f"manual_seed({seed}) then the op, twice: the two results differ "
                       "(the op ignores manual_seed)", {"seed": seed})
    if not fi["stream_advances"]:
        raise Mismatch("two calls after one manual_seed gave identical results (the stream does not advance)",
                       {"seed": seed})


def run_distribution(ctx: Ctx, ex: Example) -> None:
    big = enlarged(ex)
    seed = ex.extra["rng_seed"]
    p = params(ctx.op, big)
    dist = ctx.op.random.dist
    (rt, vt), = _sample(ctx.torch, ctx, big, seed)
    if rt.raised:
        reject()
    if _too_coarse(dist, p, vt):
        reject()
    if distribution_failures(dist, vt, p):
        reject()  # torch itself fails here: a degenerate draw (or torch's false alarm), not evidence
    (ri, vi), = _sample(ctx.impl, ctx, big, seed)
    same_exceptions(ri, rt)
    bad = support_failures(dist, vi, p, True) + distribution_failures(dist, vi, p)
    if bad:
        raise Mismatch(f"{SAMPLE_N} values are not {_dist_text(dist, p)}: " + "; ".join(bad),
                       {"params": repr(p), "seed": seed, "sample_head": np.asarray(vi).reshape(-1)[:12].tolist()})


def _too_coarse(dist: str, p: dict[str, Any], like: np.ndarray) -> bool:
    """Float rounding too coarse for a continuous test (float16 with a narrow range)."""
    a = np.asarray(like)
    if a.dtype.kind != "f" or dist not in ("uniform", "normal"):
        return False
    if dist == "uniform":
        scale, top = float(p["high"]) - float(p["low"]), max(abs(float(p["low"])), abs(float(p["high"])))
    else:
        std = np.asarray(p["std"], dtype=np.float64)
        scale = float(np.min(std)) if std.size else 1.0
        top = float(np.max(np.abs(np.asarray(p["mean"], dtype=np.float64)))) + 6 * float(np.max(std))
    return scale <= 0 or float(np.spacing(a.dtype.type(top))) * 128 > scale


def _dist_text(dist: str, p: dict[str, Any]) -> str:
    if dist == "uniform":
        return f"uniform on [{p['low']}, {p['high']})"
    if dist == "randint":
        return f"uniform integers in [{p['low']}, {p['high']})"
    if dist == "normal":
        return "normal(mean, std)"
    return "a uniformly random permutation"


def run_stream(ctx: Ctx, ex: Example) -> None:
    seed = ex.extra["rng_seed"]
    (ri, vi), = _sample(ctx.impl, ctx, ex, seed)
    (rt, vt), = _sample(ctx.torch, ctx, ex, seed)
    same_exceptions(ri, rt)
    if rt.raised:
        return
    if not _bitwise_equal(vt, vi):
        m = mismatch(vt, vi) or {"problem": "same values, different bits (e.g. -0.0 or dtype)"}
        raise Mismatch(f"after manual_seed({seed}) the values are not torch's, bit for bit", m)


# ------------------------------------------------------------------------------------- repro, registry

def _extra(op: OpSpec) -> dict[str, st.SearchStrategy]:
    return {"rng_seed": st.integers(0, 2**31 - 1)}


def _big_lines(ex: Example) -> list[str]:
    name = ex.op.random.sample
    v = ex.values[name]
    if isinstance(v, TensorArg):
        return [f"{name} = m.tensor(np.resize({name}.detach().reshape(-1).cpu().numpy(), {SAMPLE_N})"
                f" if {name}.numel() else np.zeros({SAMPLE_N}, dtype=np.{v.array.dtype.name}), device={name}.device)"]
    return [f"{name} = {(SAMPLE_N,) if isinstance(v, tuple) else SAMPLE_N}"]


def _seeded_call(ctx: Ctx, ex: Example, target: str = "r") -> list[str]:
    return [f"m.manual_seed({ex.extra.get('rng_seed', 0)})"] + repro.op_call_lines(ctx.op, _unsplat(ex), target=target)


def _unsplat(ex: Example) -> Example:
    name = ex.op.random.sample
    return dataclasses.replace(ex, splat={k: v for k, v in ex.splat.items() if k != name})


def _range_repro(ctx: Ctx, ex: Example) -> list[str]:
    return _seeded_call(ctx, ex) + [f"print(m.__name__, 'params', {params(ctx.op, ex)!r})",
                                    "print(m.__name__, r.min().item() if r.numel() else None, "
                                    "r.max().item() if r.numel() else None)", "print(r)"]


def _determinism_repro(ctx: Ctx, ex: Example) -> list[str]:
    return _big_lines(ex) + _seeded_call(ctx, ex, "a") + _seeded_call(ctx, ex, "b") + [
        "c = " + repro.op_call_lines(ctx.op, _unsplat(ex))[0].split(" = ", 1)[1],
        "print(m.__name__, 'same after manual_seed:', bool((a == b).all()), 'stream advances:', not bool((b == c).all()))"]


def _params_src(op: OpSpec, ex: Example) -> str:
    items = []
    for k, default in {**_DEFAULTS[op.random.dist], **op.random.params}.items():
        v = ex.values.get(default, OMIT) if isinstance(default, str) else OMIT
        if isinstance(default, str) and v is not OMIT:
            src = f"{default}.detach().cpu().numpy()" if isinstance(v, TensorArg) else default
        else:
            src = repr(_DEFAULTS[op.random.dist].get(k) if isinstance(default, str) else default)
        items.append(f"{k!r}: {src}")
    return "{" + ", ".join(items) + "}"


def _distribution_repro(ctx: Ctx, ex: Example) -> list[str]:
    return _big_lines(ex) + _seeded_call(ctx, ex) + [
        "import conformance.checks.random as cr  # run from the repository root",
        f"print(m.__name__, cr.distribution_failures({ctx.op.random.dist!r}, r.detach().cpu().numpy(), "
        f"{_params_src(ctx.op, ex)}) or 'consistent with the distribution')"]


def _stream_repro(ctx: Ctx, ex: Example) -> list[str]:
    return _seeded_call(ctx, ex) + ["print(m.__name__, r)"]


def _budget(fraction: int):
    return lambda prof: max(3, prof.max_examples // fraction)


_applies = lambda op: op.random is not None  # noqa: E731

RANGE = Check("range", ("self",), run_range, _range_repro, applies=_applies, extra=_extra)
DETERMINISM = Check("determinism", ("self",), run_determinism, _determinism_repro, applies=_applies,
                    extra=_extra, budget=_budget(3))
DISTRIBUTION = Check("distribution", ("self",), run_distribution, _distribution_repro, applies=_applies,
                     extra=_extra, budget=_budget(3))
STREAM = Check("stream", ("torch",), run_stream, _stream_repro, applies=lambda op: op.stream, extra=_extra)
