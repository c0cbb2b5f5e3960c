"""Hypothesis strategies: one drawn Example per op call, built from the spec's argument kinds.

Arguments are drawn in spec order, so later kinds may depend on earlier ones (a dim `of` a tensor,
a length after a start).  Tensors are drawn as NumPy arrays plus a Layout; runners turn them into
framework tensors.  Each kind may also give a different value to JAX (e.g. expand's -1 resolved).
"""
from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np
from hypothesis import assume, strategies as st
from hypothesis.errors import InvalidArgument  # noqa: F401  (re-exported for callers)
from hypothesis.extra import numpy as hnp

from . import dtypes as dt
from . import layouts
from .catalog import ArgSpec, OpSpec
from .profiles import Profile


class _Omit:
    """An optional argument left out of the call."""
    def __repr__(self) -> str:
        return "OMIT"


OMIT = _Omit()


@dataclass(frozen=True)
class DType:
    """A dtype argument (e.g. dtype=float32); runners map the name to their own dtype object."""
    name: str


@dataclass(frozen=True)
class Device:
    """A device read back from a result (`x.device`), by its string form ('cpu', 'cuda:0')."""
    name: str


@dataclass
class TensorArg:
    array: np.ndarray          # logical values the op sees
    base: np.ndarray           # contiguous buffer the view is taken from
    layout: layouts.Layout
    dtype: str
    requires_grad: bool = False  # built as a leaf that requires grad (e.g. repr shows requires_grad=True)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape


@dataclass
class NdArray:
    """A raw NumPy array argument (from_numpy, tensor(ndarray)); each runner gets its own copy."""
    array: np.ndarray


@dataclass
class Example:
    op: OpSpec
    dtype: str | None
    values: dict[str, Any]                       # arg name -> TensorArg | NdArray | python value | OMIT
    jax_values: dict[str, Any] = field(default_factory=dict)  # overrides for the JAX call
    splat: dict[str, bool] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)       # check-specific draws (cotangent seed...)
    pins: dict[str, int] = field(default_factory=dict)        # a dim a tensor was drawn around (cat, cross)

    def jax_value(self, name: str) -> Any:
        return self.jax_values.get(name, self.values[name])

    def tensor_args(self) -> dict[str, TensorArg]:
        """Every tensor input by name; elements of a tensor list are named like ``tensors[1]``."""
        out: dict[str, TensorArg] = {}
        for name, v in self.values.items():
            if isinstance(v, TensorArg):
                out[name] = v
            elif isinstance(v, list) and v and all(isinstance(x, TensorArg) for x in v):
                out.update({f"{name}[{i}]": x for i, x in enumerate(v)})
        return out

    def tensor_arg(self, name: str) -> TensorArg:
        return self.tensor_args()[name]


@dataclass(frozen=True)
class Mode:
    """How a check wants inputs drawn."""
    no_subnormal: bool = False   # JAX flushes subnormals on CPU
    grad: bool = False           # finite, moderate values; float tensors may require grad
    invalid: str | None = None   # name of the argument to draw invalid (errors check)
    invalid_how: str = "value"   # how it is invalid (catalog.ErrorCase: value, dtype, type, uncastable, bucket)
    invalid_dtypes: tuple[str, ...] = ()  # how="dtype": the dtypes to draw it in
    buckets: tuple[str, ...] | None = None  # the dtype buckets this mode applies to (None: all)
    invalid_call: str = "op"     # "inplace": the errors check calls the op's in-place twin
    layouts: bool = True
    shape_pool: bool = False     # draw free shapes from the profile's pool (JAX compile cost)
    distinct: bool = False       # float tensors without repeated values (no ties for argmax-like ops)
    jax: bool = False            # drawn for the JAX oracle (see _tensor's dtype="promote")
    # The record's "typical example" (engine.typical_strategy): when set (to a salt derived from the
    # record's seed), shapes get every side >= 2 and two dims where the spec allows it, tensor values
    # come spread over the domain from a seeded generator (see typical_array), scalars are nonzero and
    # index tensors non-empty.  Hypothesis' simplest draw of such a strategy is the typical example.
    typical: int | None = None


FLOAT_BOUNDS = {"moderate": (-100.0, 100.0), "small": (-10.0, 10.0), "unit": (-1.0, 1.0),
                "positive": (0.0, None), "nonneg": (0.0, None), "small_nonneg": (0.0, 10.0)}
INT_BOUNDS = {"any": (None, None), "finite": (None, None), "moderate": (-100, 100), "small": (-10, 10),
              "unit": (-1, 1), "positive": (1, 100), "nonneg": (0, 100), "nonzero": (-100, 100),
              "small_nonneg": (0, 10)}


@lru_cache(maxsize=None)
def _array_shapes(min_dims: int, max_dims: int, min_side: int, max_side: int) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


@lru_cache(maxsize=4096)
def _arrays(dtype: str, shape: tuple[int, ...], domain: str, mode: "Mode") -> st.SearchStrategy:
    # cached: building and validating a fresh arrays() strategy per draw was a third of the run time
    if mode.typical is not None:  # a generator seed (simplest: 0) instead of element draws
        salt = mode.typical
        return st.integers(0, 2 ** 16).map(lambda k: typical_array(dtype, shape, domain, mode, salt + k))
    unique = mode.distinct and dt.is_float(dtype)
    return hnp.arrays(dt.to_numpy(dtype), shape, elements=elements(dtype, domain, mode), unique=unique)


@lru_cache(maxsize=None)
def elements(dtype: str, domain: str, mode: Mode) -> st.SearchStrategy:
    """Scalar element strategy for one dtype and domain (NaN/inf/-0.0 where the domain allows)."""
    npd = dt.to_numpy(dtype)
    if dtype == "bool":
        return st.booleans()
    if dt.is_float(dtype):
        if mode.grad and domain in ("any", "finite", "nonzero"):
            domain = "moderate" if domain != "nonzero" else domain
        sub = not mode.no_subnormal
        if domain == "any":
            return hnp.from_dtype(npd, allow_subnormal=sub)
        if domain in ("finite", "nonzero"):
            s = hnp.from_dtype(npd, allow_nan=False, allow_infinity=False, allow_subnormal=sub)
            if mode.grad:
                s = hnp.from_dtype(npd, min_value=-100, max_value=100, allow_subnormal=sub)
            return s.filter(lambda v: v != 0) if domain == "nonzero" else s
        lo, hi = FLOAT_BOUNDS[domain]
        if mode.grad and hi is None:
            hi = 100.0
        return hnp.from_dtype(npd, min_value=lo, max_value=hi, allow_nan=False, allow_infinity=hi is None,
                              allow_subnormal=sub, exclude_min=domain == "positive")
    info = np.iinfo(npd)
    lo, hi = INT_BOUNDS[domain]
    lo = info.min if lo is None else max(lo, info.min)
    hi = info.max if hi is None else min(hi, info.max)
    s = st.integers(lo, hi)
    return s.filter(lambda v: v != 0) if domain == "nonzero" else s


def _typical_bounds(dtype: str, domain: str, mode: Mode) -> tuple[float, float]:
    """The finite range a typical value is taken from: the domain's, else +-100 (clipped to the dtype)."""
    if dt.is_float(dtype):
        lo, hi = FLOAT_BOUNDS.get(domain, (-100.0, 100.0))
        lo, hi = (-100.0 if lo is None else lo), (100.0 if hi is None else hi)
    else:
        lo, hi = INT_BOUNDS.get(domain, (-100, 100))
        lo, hi = (-100 if lo is None else lo), (100 if hi is None else hi)
        info = np.iinfo(dt.to_numpy(dtype))
        lo, hi = max(lo, int(info.min)), min(hi, int(info.max))
    return lo, hi


def typical_array(dtype: str, shape: tuple[int, ...], domain: str, mode: Mode, seed: int) -> np.ndarray:
    """A deterministic, non-degenerate array of the domain: values spread over its finite range (+-100
    for unbounded domains), not all equal, with a zero and a negative value where the domain has them
    (bool: both values).  `mode.distinct`: float values well separated (no ties)."""
    npd = dt.to_numpy(dtype)
    n = math.prod(shape)
    rng = np.random.default_rng(seed & 0xFFFFFFFF)
    if n == 0:
        return np.zeros(shape, dtype=npd)
    if dtype == "bool":
        flat = rng.random(n) < 0.5
        if n >= 2:
            flat[0], flat[1] = True, False
        rng.shuffle(flat)
        return flat.reshape(shape)
    lo, hi = _typical_bounds(dtype, domain, mode)
    exclude_zero = domain in ("positive", "nonzero")
    if dt.is_float(dtype):
        if mode.distinct or n <= 3:
            flat = np.linspace(lo, hi, n + 2)[1:-1] if n >= 2 else np.array([(lo + hi) / 2 or hi / 2])
        else:
            flat = rng.uniform(lo, hi, n)
        flat = np.round(flat, 2 if hi - lo > 4 else 3)
        if n >= 3 and not mode.distinct:
            if lo <= 0 <= hi and not exclude_zero:
                flat[0] = 0.0
            if lo < 0:
                flat[1] = -abs(flat[1]) or lo / 2
        flat = np.where(flat == 0, hi / 3, flat) if exclude_zero else flat
        flat = np.clip(flat, lo if domain != "positive" else 1e-2, hi)
    else:
        flat = rng.integers(int(lo), int(hi) + 1, n, dtype=np.int64)
        if n >= 2:
            extras = [v for v in (0 if not exclude_zero else None, -1 if lo < 0 else None) if v is not None]
            for i, v in enumerate(extras[: n - 1]):
                flat[i] = v
            if np.all(flat == flat[0]):
                flat[-1] = hi if flat[0] != hi else lo
        if exclude_zero:
            flat = np.where(flat == 0, 1, flat)
    flat = rng.permutation(flat)
    return flat.astype(npd).reshape(shape)


def _typical_scalar(category: str, domain: str, lo: float | None, hi: float | None) -> Any:
    """A typical Python number: nonzero, inside the bounds (2.5 / 3 where they allow it)."""
    if category == "bool":
        return True
    dlo, dhi = _typical_bounds("float32" if category == "float" else "int64", domain, Mode())
    lo = dlo if lo is None else lo
    hi = dhi if hi is None else hi
    v = 2.5 if category == "float" else 3
    v = min(max(v, lo), hi)
    if v == 0 and domain not in ("positive", "nonzero"):
        v = hi if hi != 0 else lo
    return float(np.float32(v)) if category == "float" else int(v)


def python_scalar(draw: Callable, category: str, domain: str, mode: Mode,
                  lo: float | None = None, hi: float | None = None) -> Any:
    if mode.typical is not None:
        return _typical_scalar(category, domain, lo, hi)
    if category == "bool":
        return draw(st.booleans())
    if category == "int":
        dlo, dhi = INT_BOUNDS.get(domain, (-100, 100))
        lo = lo if lo is not None else (dlo if dlo is not None else -100)
        hi = hi if hi is not None else (dhi if dhi is not None else 100)
        return int(draw(st.integers(int(lo), int(hi))))
    if lo is not None or hi is not None:
        return draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=32))
    # Python floats as float32-representable values, so every framework sees the same number.
    return float(draw(elements("float32", domain, mode)))


# ----------------------------------------------------------------------------- shapes

def _typical_side(spec: ArgSpec | None, prof: Profile) -> int:
    """The smallest side of a typical shape: 2, unless the spec caps sides lower."""
    top = spec.get("max_side", prof.max_side) if spec is not None else prof.max_side
    lo = spec.get("min_side", 0) if spec is not None else 0
    return max(lo, min(2, top))


def _typical_shape(draw, lo: int, hi: int, spec: ArgSpec | None, prof: Profile) -> tuple[int, ...]:
    """Two dims (or the spec's bounds) of side >= 2, not all equal when the sides allow it: (2, 3)."""
    ndim = min(max(lo, 2), hi)
    side = _typical_side(spec, prof)
    top = max(spec.get("max_side", prof.max_side) if spec is not None else prof.max_side, side)
    shape = [side + draw(st.integers(0, top - side)) for _ in range(ndim)]
    if ndim >= 2 and len(set(shape)) == 1 and shape[-1] < top:
        shape[-1] += 1
    return tuple(shape)


def _shape_any(draw, spec: ArgSpec, prof: Profile, mode: "Mode") -> tuple[int, ...]:
    lo, hi = spec.get("min_dims", 0), max(spec.get("max_dims", prof.max_dims), spec.get("min_dims", 0))
    if mode.typical is not None:
        if mode.shape_pool and prof.shape_pool:  # JAX: a pooled shape (compiled once) when one fits
            side = _typical_side(spec, prof)
            pool = [s for s in prof.shape_pool if max(lo, min(2, hi)) <= len(s) <= hi and s and min(s) >= side
                    and max(s) <= spec.get("max_side", prof.max_side)]
            pool.sort(key=lambda s: -len(s) if len(s) <= 2 else len(s))
            if pool:
                return draw(st.sampled_from(pool))
        return _typical_shape(draw, lo, hi, spec, prof)
    if mode.shape_pool and prof.shape_pool:
        pool = [s for s in prof.shape_pool if lo <= len(s) <= hi and min(s, default=1) >= spec.get("min_side", 0)]
        if pool:
            return draw(st.sampled_from(pool))
    return _one_element(draw, draw(_array_shapes(lo, hi, spec.get("min_side", 0),
                                                 spec.get("max_side", prof.max_side))), mode)


def broadcast_partner(draw, shape: tuple[int, ...], prof: Profile) -> tuple[int, ...]:
    """A shape that broadcasts with `shape` (may have more or fewer dims, 1s either side)."""
    extra = draw(st.integers(0, 1 if len(shape) < prof.max_dims else 0))
    drop = draw(st.integers(0, len(shape)))
    out = [draw(st.integers(1, prof.max_side)) for _ in range(extra)]
    for s in shape[drop:]:
        out.append(draw(st.sampled_from([s, 1] if s != 1 else [1, draw(st.integers(0, prof.max_side))])))
    return tuple(out)


def _broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(a), reversed(b)))


def _shape(draw, spec: ArgSpec, ex: Example, prof: Profile, mode: "Mode") -> tuple[int, ...]:
    rule = spec.get("shape", "any")
    ref = spec.get("with") or spec.get("chain")
    if isinstance(ref, list):
        return _derived_shape(draw, rule, [_ref_shape(ex, r) for r in ref], spec, prof)
    ref_shape = _ref_shape(ex, ref) if ref else None
    side = spec.get("max_side", prof.max_side)
    lo_side = _typical_side(spec, prof) if mode.typical is not None else spec.get("min_side", 0)
    if rule == "any":
        return _shape_any(draw, spec, prof, mode)
    if rule in ("same", "broadcast") and ref_shape is None:
        ref_shape = _ref_shape(ex, _first_tensor_name(ex))
    if rule == "same":
        return ref_shape
    if rule == "broadcast":
        if mode.typical is not None:  # typical: the partner's own shape (no 0-d or size-1 sides)
            return ref_shape
        if mode.shape_pool and prof.shape_pool:
            return draw(st.sampled_from([s for s in prof.shape_pool if _broadcastable(s, ref_shape)]))
        return broadcast_partner(draw, ref_shape, prof)
    if rule == "matrix":
        rows = ref_shape[-1] if ref_shape is not None else draw(st.integers(lo_side, side))
        return (rows, draw(st.integers(lo_side, side)))
    if rule == "vector":
        return (ref_shape[-1],) if ref_shape is not None else (draw(st.integers(lo_side, side)),)
    if rule == "matmul":  # right operand of matmul given the left one
        k = ref_shape[-1]
        if mode.typical is None and (len(ref_shape) == 1 or draw(st.booleans())):
            if draw(st.booleans()):
                return (k,)
        batch = broadcast_partner(draw, ref_shape[:-2], prof) if len(ref_shape) > 2 else ()
        return tuple(batch[: max(0, prof.max_dims - 2)]) + (k, draw(st.integers(lo_side, max(lo_side, side))))
    if rule == "bmm":  # (b, m, p) given the left operand (b, n, m)
        return (ref_shape[0], ref_shape[2], draw(st.integers(lo_side, max(lo_side, side))))
    raise AssertionError(rule)


def _derived_shape(draw, rule: str, refs: list[tuple[int, ...]], spec: ArgSpec, prof: Profile) -> tuple[int, ...]:
    """The shape of a result computed from several operands; `broadcast` shrinks it to any shape that
    broadcasts to it (dropped leading dims, 1s), as addmm's `input` may be."""
    if rule == "mm_result":
        try:
            target = np.matmul(np.zeros(refs[0]), np.zeros(refs[1])).shape  # (zeros: empty memory can warn)
        except ValueError:  # an operand drawn invalid (errors check): any plausible shape
            target = refs[0][:-1] + refs[1][-1:] if len(refs[1]) > 1 else refs[0][:-1]
    elif rule == "outer_result":  # (an operand drawn with the wrong rank for the errors check: size 1)
        target = (refs[0][0] if refs[0] else 1, refs[1][0] if refs[1] else 1)
    elif rule == "bmm_sum_result":
        target = (refs[0][1] if len(refs[0]) > 1 else 1, refs[1][2] if len(refs[1]) > 2 else 1)
    elif rule == "same":
        target = refs[0]
    else:
        raise AssertionError(f"shape rule {rule!r} does not take several operands")
    target = tuple(int(t) for t in target)
    if not spec.get("broadcast"):
        return target
    drop = draw(st.integers(0, len(target)))
    return tuple(draw(st.sampled_from([t, 1])) for t in target[drop:])


def _first_tensor_name(ex: Example) -> str:
    """The first tensor drawn so far (or, when it was drawn as a non-tensor for the errors check,
    the first tensor argument: shapes that refer to it then see a 0-d stand-in)."""
    found = next((n for n, v in ex.values.items()
                  if isinstance(v, TensorArg) or (isinstance(v, list) and v and isinstance(v[0], TensorArg))), None)
    return found or next(a.name for a in ex.op.all_args if a.kind in ("tensor", "tensors"))


def _ref_shape(ex: Example, name: str) -> tuple[int, ...]:
    v = ex.values.get(name)
    if isinstance(v, TensorArg):
        return v.shape
    if isinstance(v, NdArray):
        return v.array.shape
    if isinstance(v, list) and v and isinstance(v[0], TensorArg):
        return v[0].shape  # a tensor list (cat/stack): its first tensor
    return ()  # a Python scalar stands in for a 0-d tensor


def _ref_tensor(ex: Example, spec: ArgSpec) -> str:
    return spec.get("of") or _first_tensor_name(ex)


def _norm_dim(d: int, n: int) -> int:
    return d + n if d < 0 else d


# ----------------------------------------------------------------------------- kinds

def _tensor(draw, spec, ex, prof, mode):
    bucket = ex.dtype
    rule = spec.get("dtype", "bucket")
    if rule == "bucket":
        dtype = bucket
    elif rule == "promote" and mode.jax:
        # JAX promotes by its dtype lattice only, torch treats a 0-d tensor like a scalar (the
        # dimensioned operand's dtype wins): mixed dtypes are compared with torch, not with JAX
        dtype = bucket
    elif rule == "promote":  # usually the bucket dtype (shrinks there), sometimes another one
        dtype = draw(st.sampled_from((bucket,) + tuple(d for d in ex.op.dtypes if d != bucket)))
    else:
        dtype = draw(st.sampled_from(dt.expand(rule)))
    if spec.get("scalar") and mode.typical is None and draw(st.integers(0, 3)) == 0:
        return python_scalar(draw, dt.category(dtype), spec.get("domain", "moderate"), mode), None
    shape = _shape(draw, spec, ex, prof, mode)
    structure = spec.get("structure")
    if structure == "invertible":
        shape = shape[:-1] + (shape[-2],)
    if spec.get("size3"):  # one dim of size 3 (cross), pinned for the `dim` argument drawn from it
        d = draw(st.integers(0, len(shape) - 1))
        shape = shape[:d] + (3,) + shape[d + 1:]
        ex.pins[spec.name] = d
    allowed = spec.get("layouts")
    if structure or (mode.distinct and dt.is_float(dtype)):
        # an expanded layout repeats values: it would break the structure / the distinct values
        allowed = [x for x in (allowed or layouts_for(mode)) if x != "expanded"]
    if structure:
        arr = _structured(draw, structure, dtype, shape, mode)
    elif spec.get("near"):
        arr = _near(draw, ex, spec.get("near"), dtype, shape, spec.get("domain", "any"), mode)
    else:
        arr = draw(_arrays(dtype, shape, spec.get("domain", "any"), mode))
        if mode.distinct and dt.is_float(dtype):
            assume(_well_separated(arr))
    t = _with_layout(draw, arr, dtype, allowed, mode)
    if spec.get("requires_grad") and dt.is_float(dtype):
        t.requires_grad = draw(st.booleans())
    return t, None


def _well_separated(arr: np.ndarray) -> bool:
    """Distinct values no closer than 1e-2 relative: unique floats may still be one ulp apart, where
    a near-tie (topk's order) or near-constant data (std's gradient (x - mean) / (n * std), whose sign
    then depends on the summation order) makes two correct libraries disagree."""
    v = np.sort(arr[np.isfinite(arr)].astype(np.float64), axis=None)
    if v.size < 2:
        return True
    return bool(np.min(np.diff(v)) >= 1e-2 * max(1.0, float(np.max(np.abs(v)))))


def _with_layout(draw, arr: np.ndarray, dtype: str, allowed: list[str] | None, mode: Mode) -> TensorArg:
    allowed = list(allowed) if allowed is not None else list(layouts_for(mode))
    lay = draw(st.sampled_from(["contiguous"] + [x for x in allowed if x != "contiguous"])) if mode.layouts else "contiguous"
    perm = None
    dims: tuple[int, ...] = ()
    if lay == "transposed" and arr.ndim >= 2:
        perm = tuple(draw(st.permutations(range(arr.ndim))))
        if perm == tuple(range(arr.ndim)):
            perm = tuple(reversed(perm))
    if lay == "expanded" and arr.ndim >= 1:
        dims = tuple(sorted(draw(st.sets(st.integers(0, arr.ndim - 1), min_size=1))))
    base, layout, logical = layouts.build(arr, lay, perm, dims)
    return TensorArg(logical, base, layout, dtype)


def _structured(draw, structure: str, dtype: str, shape: tuple[int, ...], mode: Mode) -> np.ndarray:
    """Matrices (batched) with a guaranteed well-conditioned structure, built in float64 and rounded
    once to `dtype`:  invertible: B + (n + 1) I with |B| <= 1 (strictly diagonally dominant);
    separated_sv: U diag(s) V^T with orthonormal U, V (QR of drawn values) and singular values
    spaced >= 0.5 apart in [1, ...] (gradients of the SVD need distinct singular values)."""
    npd = dt.to_numpy(dtype)
    if structure == "invertible":
        raw = draw(_arrays("float64", shape, "unit", Mode(typical=mode.typical)))
        n = shape[-1]
        return (raw + (n + 1) * np.eye(n)).astype(npd)
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    batch = shape[:-2]
    a = np.zeros(shape)
    if k == 0:
        return a.astype(npd)
    gaps = draw(_arrays("float64", batch + (k,), "unit", Mode(typical=mode.typical)))
    u0 = draw(_arrays("float64", batch + (m, k), "unit", Mode(typical=mode.typical)))
    v0 = draw(_arrays("float64", batch + (n, k), "unit", Mode(typical=mode.typical)))
    u, _ = np.linalg.qr(u0 + np.eye(m, k))  # Q of QR is orthonormal whatever the draw
    v, _ = np.linalg.qr(v0 + np.eye(n, k))
    s = 1.0 + np.cumsum(0.75 + 0.25 * gaps, axis=-1)[..., ::-1]
    return ((u * s[..., None, :]) @ np.swapaxes(v, -1, -2)).astype(npd)


def _near(draw, ex: Example, ref: str, dtype: str, shape: tuple[int, ...], domain: str, mode: Mode) -> np.ndarray:
    """For equal(): usually the reference's values (same shape), sometimes with one element changed,
    sometimes unrelated."""
    src = ex.values.get(ref)
    how = draw(st.sampled_from(["copy", "one_changed", "fresh"]))
    if not isinstance(src, TensorArg) or src.shape != shape or how == "fresh":
        return draw(_arrays(dtype, shape, domain, mode))
    arr = src.array.astype(dt.to_numpy(dtype)).copy()
    if how == "one_changed" and arr.size:
        i = draw(st.integers(0, arr.size - 1))
        flat = arr.reshape(-1)
        flat[i] = draw(elements(dtype, domain, mode))
        arr = flat.reshape(shape)
    return arr


def layouts_for(mode: Mode) -> tuple[str, ...]:
    return ("contiguous", "transposed", "strided", "offset", "expanded")


def _dim(draw, spec, ex, prof, mode, invalid):
    ref = _ref_tensor(ex, spec)
    shape = _ref_shape(ex, ref)
    n = max(len(shape) + spec.get("extra", 0), 1)  # torch treats a 0-d tensor's dim range as [-1, 0]
    if invalid:
        return draw(st.sampled_from([n, n + 1, -n - 1])), None
    if ref in ex.pins:  # the tensor was drawn around this dim (cat's dim, cross's size-3 dim)
        d = ex.pins[ref]
        d = d - n if draw(st.booleans()) else d
        return d, d
    d = draw(st.integers(-n, n - 1))
    return d, (None if len(shape) == 0 and spec.get("extra", 0) == 0 else d)


def _dims(draw, spec, ex, prof, mode, invalid):
    shape = _ref_shape(ex, _ref_tensor(ex, spec))
    n = max(len(shape), 1)
    if invalid:  # a repeated dim
        d = draw(st.integers(0, n - 1))
        return (d, d - n), None
    if draw(st.booleans()):
        d = draw(st.integers(-n, n - 1))
        return d, (None if len(shape) == 0 else d)
    picked = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    dims = tuple(p - n if draw(st.booleans()) else p for p in picked)
    return dims, (None if len(shape) == 0 else dims)


def _size(draw, spec, ex, prof, mode, invalid):
    if mode.typical is not None and not invalid:
        return _typical_shape(draw, spec.get("min_dims", 0), spec.get("max_dims", prof.max_dims), spec, prof), None
    shape = draw(_array_shapes(spec.get("min_dims", 0), spec.get("max_dims", prof.max_dims), 0, spec.get("max_side", prof.max_side)))
    shape = _one_element(draw, shape, mode)
    if invalid:
        shape = shape + (-draw(st.integers(1, 3)),)
    return tuple(shape), None


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _view_shape(draw, spec, ex, prof, mode, invalid):
    shape = _ref_shape(ex, _ref_tensor(ex, spec))
    numel = math.prod(shape)
    if invalid:
        return (numel + draw(st.integers(1, 3)),), None
    k = draw(st.integers(0 if numel == 1 else 1, prof.max_dims + 1))
    if numel == 0:
        out = [draw(st.integers(0, prof.max_side)) for _ in range(k)]
        out[draw(st.integers(0, k - 1))] = 0
        return tuple(out), None
    out, rem = [], numel
    for _ in range(max(k - 1, 0)):
        d = draw(st.sampled_from(_divisors(rem)))
        out.append(d)
        rem //= d
    if k:
        out.append(rem)
    out = draw(st.permutations(out)) if out else []
    if out and draw(st.booleans()):
        out[draw(st.integers(0, len(out) - 1))] = -1
    return tuple(out), None


def _expand_shape(draw, spec, ex, prof, mode, invalid):
    shape = _ref_shape(ex, _ref_tensor(ex, spec))
    lead = [draw(st.integers(0, prof.max_side)) for _ in range(draw(st.integers(0, 1)))]
    sizes, resolved = [], []
    for s in shape:
        new = draw(st.integers(0, prof.max_side)) if s == 1 else s
        keep = draw(st.integers(0, 3)) == 0  # -1 keeps the input's size
        sizes.append(-1 if keep else new)
        resolved.append(s if keep else new)
    if invalid:
        cand = [i for i, s in enumerate(shape) if s != 1]
        if not cand:
            return tuple(lead) + (-2,) + tuple(sizes), None  # negative size
        i = draw(st.sampled_from(cand))
        sizes[i] = shape[i] + 1
    return tuple(lead + sizes), tuple(lead + resolved)


def _permutation(draw, spec, ex, prof, mode, invalid):
    n = len(_ref_shape(ex, _ref_tensor(ex, spec)))
    perm = tuple(draw(st.permutations(range(n))))
    if invalid:
        return (perm + (0,)) if n <= 1 else (perm[0],) + perm[:-1], None
    return perm, None


def _dim_size(ex: Example, spec: ArgSpec) -> int:
    shape = _ref_shape(ex, _ref_tensor(ex, spec))
    d = ex.values[spec.get("for_dim")]
    if not shape or not isinstance(d, int) or not -len(shape) <= d < len(shape):
        return 1  # 0-d (torch treats it as size 1), or the dim itself was drawn invalid
    return shape[_norm_dim(d, len(shape))]


def _index(draw, spec, ex, prof, mode, invalid):
    size = _dim_size(ex, spec)
    if invalid:
        return draw(st.sampled_from([size, size + 2, -size - 1])), None
    if size == 0:
        from hypothesis import reject
        reject()
    i = draw(st.integers(-size, size - 1))
    return i, (i + size if i < 0 else i)


def _start(draw, spec, ex, prof, mode, invalid):
    size = _dim_size(ex, spec)
    if invalid:
        return draw(st.sampled_from([size + 1, -size - 1])), None
    s = draw(st.integers(-size, size))
    return s, (s + size if s < 0 else s)


def _length(draw, spec, ex, prof, mode, invalid):
    size = _dim_size(ex, spec)
    start = ex.jax_value(spec.get("start"))
    if not isinstance(start, int):  # the start was drawn invalid (errors check): any length will do
        start = 0
    if invalid:
        return size - start + draw(st.integers(1, 2)), None
    if mode.typical is not None:  # a non-empty slice: at least 2 long when it fits
        return min(size - start, 2) + draw(st.integers(0, max(size - start - 2, 0))), None
    return draw(st.integers(0, size - start)), None


def _basic_index(draw, spec, ex, prof, mode, invalid):
    shape = _ref_shape(ex, _ref_tensor(ex, spec))
    if invalid and shape:
        d = draw(st.integers(0, len(shape) - 1))
        return tuple([slice(None)] * d + [shape[d] + draw(st.integers(0, 2))]), None
    idx = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True).filter(
        lambda ix: all(not isinstance(i, slice) or i.step is None or i.step > 0
                       for i in (ix if isinstance(ix, tuple) else (ix,)))))
    return idx, None


def _ndarray(draw, spec, ex, prof, mode, invalid):
    dtype = spec.get("dtype", "bucket")
    dtype = ex.dtype if dtype == "bucket" else dtype
    if mode.typical is not None:
        shape = _typical_shape(draw, spec.get("min_dims", 0), spec.get("max_dims", prof.max_dims), None, prof)
    else:
        shape = draw(_array_shapes(spec.get("min_dims", 0), spec.get("max_dims", prof.max_dims), 0, prof.max_side))
    arr = draw(_arrays(dtype, shape, spec.get("domain", "any"), mode))
    return NdArray(arr), None


def _data(draw, spec, ex, prof, mode, invalid):
    cat = dt.category(ex.dtype)
    src = {"float": "float32", "int": "int64", "bool": "bool"}[cat]
    if mode.typical is not None:
        shape = _typical_shape(draw, spec.get("min_dims", 0), spec.get("max_dims", prof.max_dims), None, prof)
    else:
        shape = draw(hnp.array_shapes(min_dims=spec.get("min_dims", 0), max_dims=spec.get("max_dims", prof.max_dims),
                                      min_side=0 if spec.get("min_dims", 0) else 1, max_side=prof.max_side))
    dom = spec.get("domain", "finite" if cat == "float" else "moderate")
    arr = draw(_arrays(src, shape, dom, mode))
    if invalid:  # ragged nesting
        lst = arr.tolist()
        return ([lst, [lst]] if isinstance(lst, list) else [[lst], lst]), None
    return arr.tolist(), None


def _above(ex: Example, spec: ArgSpec) -> float | None:
    """`above = "low"`: the value of that argument (0 when it was left out), which this one must exceed."""
    ref = spec.get("above")
    if ref is None:
        return None
    v = ex.values.get(ref, OMIT)
    return 0 if v is OMIT else v


def _scalar(draw, spec, ex, prof, mode, invalid):
    cat = spec.get("category", "bucket")
    cat = dt.category(ex.dtype) if cat == "bucket" else cat
    base = _above(ex, spec)
    if base is not None:  # strictly above another argument by min..max (defaults 1..20)
        lo, hi = spec.get("min", 1), spec.get("max", 20)
        if invalid:
            return (base - draw(st.integers(1, 3)) if cat == "int" else
                    float(np.float32(base - draw(st.floats(0.5, 3, width=32))))), None
        if cat == "int":
            return int(base + draw(st.integers(int(lo), int(hi)))), None
        return float(np.float32(base + draw(st.floats(lo, hi, width=32)))), None
    if invalid and spec.get("min") is not None and spec.get("min") >= 0:  # below a non-negative minimum
        v = -draw(st.integers(1, 5))
        return (v if cat == "int" else float(v)), None
    return python_scalar(draw, cat, spec.get("domain", "moderate"), mode, spec.get("min"), spec.get("max")), None


def _int(draw, spec, ex, prof, mode, invalid):
    lo, hi = spec.get("min", 0), spec.get("max", 10)
    base = _above(ex, spec)
    if base is not None:
        if invalid:
            return int(base - draw(st.integers(0, 2))), None
        return int(base + draw(st.integers(max(lo, 1), max(hi, 1)))), None
    if invalid:
        return draw(st.integers(lo - 3, lo - 1)), None
    return draw(st.integers(lo, hi)), None


def _bool(draw, spec, ex, prof, mode, invalid):
    return draw(st.booleans()), None


def _dtype(draw, spec, ex, prof, mode, invalid):
    choices = spec.get("choices", "bucket")
    name = ex.dtype if choices == "bucket" else draw(st.sampled_from(dt.expand(choices)))
    return DType(name), None


def _arange_step(draw, spec, ex, prof, mode, invalid):
    start, end = ex.values[spec.get("start")], ex.values[spec.get("end")]
    span = end - start
    count = spec.get("max_count", 20)
    sign = 1 if span >= 0 else -1
    if invalid:
        return (0 if span == 0 else -sign * draw(st.integers(1, 3))), None
    if isinstance(start, int) and isinstance(end, int):
        lo = max(1, -(-abs(span) // count))
        return sign * draw(st.integers(lo, max(lo, abs(span) + 1))), None
    lo = max(abs(span) / count, 1e-3)
    step = float(np.float32(draw(st.floats(lo, max(lo * 4, abs(span) + 1), allow_nan=False))))
    return sign * step, None


def _mask(draw, spec, ex, prof, mode, invalid):
    """A bool tensor shaped like `of` (invalid: one side 2 or 3 larger, so it neither matches nor,
    unless that side was 1, broadcasts)."""
    shape = _ref_shape(ex, _ref_tensor(ex, spec))
    if invalid:
        i = draw(st.integers(0, max(len(shape) - 1, 0)))
        grown = shape[i] if shape else 0
        shape = shape[:i] + (grown + draw(st.integers(2, 3)),) + shape[i + 1:]
    arr = draw(_arrays("bool", shape, "any", mode))
    return TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, "bool"), None


def _k(draw, spec, ex, prof, mode, invalid):
    size = _dim_size(ex, spec) if spec.get("for_dim") else math.prod(_ref_shape(ex, _ref_tensor(ex, spec)))
    if invalid:
        return size + draw(st.integers(1, 2)), None
    if mode.typical is not None:
        return min(size, 2) + draw(st.integers(0, max(size - 2, 0))), None
    return draw(st.integers(0, size)), None


def _choice(draw, spec, ex, prof, mode, invalid):
    return draw(st.sampled_from(spec.get("values"))), None


def _factor_shape(draw, numel: int, k: int, prof: Profile) -> tuple[int, ...]:
    """k sides whose product is numel (any zeros when numel is 0)."""
    if k == 0:
        return ()
    if numel == 0:
        out = [draw(st.integers(0, prof.max_side)) for _ in range(k)]
        out[draw(st.integers(0, k - 1))] = 0
        return tuple(out)
    out, rem = [], numel
    for _ in range(k - 1):
        d = draw(st.sampled_from(_divisors(rem)))
        out.append(d)
        rem //= d
    out.append(rem)
    return tuple(draw(st.permutations(out)))


def _resize_shape(draw, spec, ex, prof, mode, invalid):
    """resize_ sizes with at most the tensor's element count, so no element is left uninitialised."""
    numel = math.prod(_ref_shape(ex, _ref_tensor(ex, spec)))
    n = numel - draw(st.integers(0, numel)) if mode.typical is not None else draw(st.integers(0, numel))
    k = draw(st.integers(0 if n == 1 else 1, prof.max_dims))
    shape = _factor_shape(draw, n, k, prof)
    if invalid:
        return shape + (-draw(st.integers(1, 3)),), None
    return shape, None


def _index_tensor(draw, spec, ex, prof, mode, invalid):
    """An integer index tensor valid for tensor `of` (and dim `for_dim`):
      select  1-d, values in [0, size(dim))                           (index_select)
      gather  same ndim as `of`, size <= of's on the other dims       (gather)
      scatter as gather, size(dim) <= of's too, values distinct along dim (scatter's writes are
              unordered in torch: duplicates would make the result undefined)
      take    any shape, values in [-size(0), size(0))                (x[idx], advanced indexing)
    Invalid: an out-of-range value, or a float index tensor."""
    of = _ref_tensor(ex, spec)
    shape = _ref_shape(ex, of)
    how = spec.get("mode", "select")
    dim = None
    if spec.get("for_dim"):
        d = ex.jax_value(spec.get("for_dim"))
        d = ex.values[spec.get("for_dim")] if d is None else d
        dim = _norm_dim(d, max(len(shape), 1)) if isinstance(d, int) else -1
        if not 0 <= dim < max(len(shape), 1):
            dim = None  # the dim itself was drawn invalid (errors check): any index will do
    if dim is None and how in ("gather", "scatter"):
        dim = 0
    size = (shape[dim] if shape and dim is not None and dim < len(shape) else 1) if how != "take" else shape[0]
    dtypes = spec.get("dtype", "int64")
    idt = draw(st.sampled_from(dt.expand(dtypes)))
    ish: tuple[int, ...]
    tmin = 2 if mode.typical is not None else 0  # typical: index tensors of 2+ elements where they fit
    if how == "select":
        ish = (draw(st.integers(tmin, prof.max_side)) if size else 0,)
    elif how == "take":
        ish = draw(_array_shapes(1 if tmin else 0, 2, tmin, prof.max_side))
    else:
        ish = tuple(draw(st.integers(min(tmin, s), s)) for s in shape)
        if how == "gather" and shape:
            ish = ish[:dim] + ((draw(st.integers(tmin, prof.max_side)) if size else 0),) + ish[dim + 1:]
    if invalid:
        ish = tuple(1 for _ in ish) if how != "take" else (1,)
        if how == "select":
            ish = (1,)
        if draw(st.booleans()):  # out of range
            bad = draw(st.sampled_from([size, size + 2] + ([-size - 1] if how == "take" else [-1, -size - 1])))
            arr = np.full(ish, bad, dtype=np.int64)
            return TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, "int64"), None
        arr = np.zeros(ish, dtype=np.float32)  # a float index tensor
        return TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, "float32"), None
    lo = -size if how == "take" else 0
    if how == "scatter" and shape:
        keys = draw(_arrays("float64", ish[:dim] + (size,) + ish[dim + 1:], "unit", Mode()))
        arr = np.argsort(keys, axis=dim, kind="stable")
        arr = np.take(arr, np.arange(ish[dim]), axis=dim)
    elif math.prod(ish) == 0 or size == 0:
        arr = np.zeros(ish, dtype=np.int64)
    elif mode.typical is not None:  # spread over [lo, size) with both ends when there is room
        rng = np.random.default_rng((mode.typical + draw(st.integers(0, 2 ** 16))) & 0xFFFFFFFF)
        flat = rng.integers(lo, size, math.prod(ish))
        if flat.size >= 2 and size - lo >= 2:
            flat[0], flat[-1] = lo, size - 1
        arr = rng.permutation(flat).reshape(ish)
    else:
        arr = draw(hnp.arrays(np.int64, ish, elements=st.integers(lo, size - 1)))
    arr = arr.astype(dt.to_numpy(idt))
    allowed = spec.get("layouts")
    if how == "scatter":  # an expanded layout repeats values: the indices would no longer be distinct
        allowed = [x for x in (allowed or layouts_for(mode)) if x != "expanded"]
    return _with_layout(draw, arr, idt, allowed, mode), None


def _tensors(draw, spec, ex, prof, mode, invalid):
    """A list of tensors for cat (same shape except along a pinned dim) or stack (same shapes).
    `legacy_empty`: sometimes one of them is a 1-d empty tensor, which torch.cat skips."""
    how = spec.get("mode", "cat")
    typical = mode.typical is not None
    cmin, cmax = spec.get("min_count", 1), spec.get("max_count", 3)
    n = draw(st.integers(max(cmin, min(2, cmax)) if typical else cmin, cmax))
    lo = max(spec.get("min_dims", 1 if how == "cat" else 0), 1 if how == "cat" else 0)
    hi = max(spec.get("max_dims", prof.max_dims), lo)
    if typical:
        base = _typical_shape(draw, lo, hi, None, prof)
    elif mode.shape_pool and prof.shape_pool:
        pool = [s for s in prof.shape_pool if lo <= len(s) <= hi]
        base = draw(st.sampled_from(pool))
    else:
        base = draw(_array_shapes(lo, hi, 0, prof.max_side))
    d = draw(st.integers(0, len(base) - 1)) if how == "cat" and base else None
    if d is not None:
        ex.pins[spec.name] = d
    shapes = []
    for _ in range(n):
        sh = list(base)
        if d is not None and shapes:
            sh[d] = draw(st.integers(2 if typical else 0, prof.max_side))
        shapes.append(tuple(sh))
    if invalid:
        if draw(st.booleans()) or not base:
            return [], None
        i = draw(st.integers(0, len(base) - 1))
        if how == "cat" and i == d:
            i = (i + 1) % len(base)
        if how == "cat" and i == d:  # 1-d: a different rank instead
            shapes.append(base + (2,))
        else:
            sh = list(shapes[-1])
            sh[i] += draw(st.integers(1, 2))
            shapes.append(tuple(sh))
    rule = spec.get("dtype", "bucket")
    out = []
    for sh in shapes:
        dtype = ex.dtype
        if rule == "promote" and not mode.jax:
            dtype = draw(st.sampled_from((ex.dtype,) + tuple(x for x in ex.op.dtypes if x != ex.dtype)))
        tmode = mode if not typical else replace(mode, typical=(mode.typical + 7919 * (len(out) + 1)) & 0xFFFFFFFF)
        arr = draw(_arrays(dtype, sh, spec.get("domain", "any"), tmode))
        out.append(_with_layout(draw, arr, dtype, spec.get("layouts"), mode))
    if spec.get("legacy_empty") and not invalid and not typical and draw(st.integers(0, 2)) == 0:
        i = draw(st.integers(0, len(out)))
        arr = np.zeros((0,), dtype=dt.to_numpy(out[0].dtype))
        out.insert(i, TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, out[0].dtype))
    return out, None


_KINDS: dict[str, Callable] = {
    "dim": _dim, "dims": _dims, "size": _size, "view_shape": _view_shape, "expand_shape": _expand_shape,
    "permutation": _permutation, "index": _index, "start": _start, "length": _length,
    "basic_index": _basic_index, "ndarray": _ndarray, "data": _data, "scalar": _scalar, "int": _int,
    "bool": _bool, "dtype": _dtype, "arange_step": _arange_step, "mask": _mask, "k": _k,
    "index_tensor": _index_tensor, "tensors": _tensors, "choice": _choice, "resize_shape": _resize_shape,
}
#: Every kind this module can draw (the catalog's vocabulary must be a subset; a test checks).
IMPLEMENTED_KINDS = frozenset(_KINDS) | {"tensor"}


def _invalid_tensor(draw, spec, ex, prof, mode):
    """An invalid tensor: a shape that does not fit its partner (matrix chain, broadcast)."""
    # a tensor, never the Python scalar a `scalar = true` argument may be (a scalar always broadcasts)
    good, _ = _tensor(draw, spec.with_params(scalar=False), ex, prof, Mode(no_subnormal=mode.no_subnormal))
    if spec.get("structure") == "invertible" and good.shape[-1] > 0 and draw(st.booleans()):
        arr = good.array.copy()
        arr[..., -1, :] = 0  # exactly singular: LU meets a zero pivot
        return TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, good.dtype), None
    ref = spec.get("with") if isinstance(spec.get("with"), str) else None
    ref_shape = _ref_shape(ex, ref or _first_tensor_name(ex)) if spec.get("shape") == "broadcast" else ()
    sides = [i for i, n in enumerate(ref_shape) if n != 1]
    if sides and draw(st.booleans()):
        # does not broadcast: the partner's shape with one side (not 1) grown by 1 or 2
        shape = list(ref_shape)
        i = draw(st.sampled_from(sides))
        shape[i] += draw(st.integers(1, 2))
        arr = draw(_arrays(good.dtype, tuple(shape), "small", mode))
        return TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, good.dtype), None
    shape = list(good.shape) or [1]
    i = draw(st.integers(0, len(shape) - 1))
    if spec.get("shape") == "matrix" or spec.get("shape") == "matmul":
        i = len(shape) - 2 if len(shape) >= 2 else 0
    shape[i] = shape[i] + draw(st.integers(2, 3))
    arr = draw(_arrays(good.dtype, tuple(shape), "small", mode))
    return TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, good.dtype), None


#: Python values of the wrong type per argument kind (errors check, how = "type"): torch's argument
#: parser answers TypeError.  Reproducible as literals; none of them is None (often "left out").
WRONG_TYPES: dict[str, tuple[Any, ...]] = {
    "tensor": ("a", ["a", "b"]),
    "tensors": ("ab", [1.5, "a"]),
    "scalar": ("1", [1.0]),
    "int": ("a", 1.5, [1]),
    "dim": (1.5,),        # not a str: many ops read a str dim as a dimension name (named tensors)
    "dims": (1.5,),
    "k": ("1", 1.5),
    "index": (1.5,),
    "start": (1.5,),
    "length": (1.5,),
    "size": ("a", (1.5, 2)),
    "view_shape": ("a", (1.5,)),
    "expand_shape": ("a",),
    "permutation": ("a",),
    "index_tensor": ("a", [0.5]),
    "bool": ("yes",),
    "dtype": ("float32",),
}
_CATEGORY_RANK = {"bool": 0, "int": 1, "float": 2}


def uncastable_dtypes(bucket: str | None) -> tuple[str, ...]:
    """Dtypes of a category above the bucket's (bool < int < float): an operand of one of them makes
    the promoted result of an in-place op impossible to write back into a `bucket` self."""
    if bucket is None:
        return ()
    rank = _CATEGORY_RANK[dt.category(bucket)]
    return tuple(d for d in ("float32", "float64", "float16", "int64", "int32", "uint8")
                 if _CATEGORY_RANK[dt.category(d)] > rank)


#: Buckets with a finite range that a Python number can exceed (errors check, how = "overflow").
OVERFLOW_DTYPES = ("float16", "float32", "uint8", "int8", "int16", "int32", "int64")


def overflow_scalar(bucket: str) -> st.SearchStrategy:
    """A Python number outside the bucket dtype's range, near its edge or far from it: past a float's
    max (a float16 one past float32's too, for ops that convert in float32), inf and nan; an int past an
    integer type's either end (for uint8, -1..-1000: two's-complement wrap first, refusal past -255),
    floats half a unit outside, non-finite, huge.  Which of them torch refuses is torch's business: the
    errors check calls it and holds the library to whatever it does."""
    if dt.is_float(bucket):
        hi = float(np.finfo(dt.to_numpy(bucket)).max)
        far = [3.5e38, 1e39, 1e300] if bucket == "float16" else [1e39, 1e300]
        mag = st.one_of(st.floats(hi * 1.0001, hi * 1e3), st.sampled_from(far),
                        st.integers(int(hi) + 16, int(hi) * 64) if bucket == "float16" else st.nothing())
        signed = st.tuples(mag, st.booleans()).map(lambda t: -t[0] if t[1] else t[0])
        return st.one_of(signed, st.sampled_from([math.inf, -math.inf, math.nan]))
    info = np.iinfo(dt.to_numpy(bucket))
    lo, hi = int(info.min), int(info.max)
    below = st.integers(-1000, -1) if lo == 0 else st.integers(max(lo * 4, -2 ** 63 - 1000), lo - 1)
    above = st.integers(hi + 1, min(hi * 4, 2 ** 64 + 1000))
    edges = [f for f in (hi + 0.5, lo - 0.5) if f > hi or f < lo]  # (int64's lo - 0.5 rounds to lo)
    floats = st.sampled_from(edges + [float(hi) * 1e3, float(lo) * 2 - 1, 1e300, math.inf, -math.inf, math.nan])
    return st.one_of(above, below, floats)


def _one_element(draw, shape: tuple[int, ...], mode: Mode) -> tuple[int, ...]:
    """An overflow draw (errors check) makes every free shape one element half the time: torch's rule
    differs for one element (a float16 fill_ of 1e6 is inf there, an error elsewhere)."""
    if mode.invalid_how == "overflow" and draw(st.booleans()):
        return (1,) * len(shape)
    return shape


def _invalid_how(draw, spec: ArgSpec, ex: Example, prof: Profile, mode: Mode) -> tuple[Any, Any]:
    """The argument drawn invalid the way the error case says (how = dtype | type | uncastable |
    bucket); how = "value" is each kind's own invalid draw."""
    how = mode.invalid_how
    valid = Mode(no_subnormal=mode.no_subnormal)
    if how == "overflow":  # a Python number (also for a tensor-or-number argument: pow's exponent)
        return draw(overflow_scalar(ex.dtype)), None
    if how == "type":
        return draw(st.sampled_from(WRONG_TYPES.get(spec.kind, ("a",)))), None
    if how in ("requires_grad", "empty", "rank"):
        if spec.kind != "tensor":
            raise ValueError(f"error case how={how!r} needs a tensor argument, not {spec.name!r} ({spec.kind})")
        t, _ = _tensor(draw, spec.with_params(scalar=False), ex, prof, valid)
        if how == "requires_grad":
            t.requires_grad = True
            return t, None
        shape = t.shape
        if how == "empty":
            i = draw(st.integers(0, max(len(shape) - 1, 0)))
            shape = (shape[:i] + (0,) + shape[i + 1:]) if shape else (0,)
        else:  # past the spec's max_dims / below its min_dims when it has them, else one dim more or fewer
            hi, lo = spec.get("max_dims"), spec.get("min_dims")
            more = not shape or draw(st.booleans())
            if more:
                n = max(len(shape) + 1, hi + 1 if hi is not None else 0)
                shape = shape + tuple(draw(st.integers(1, 3)) for _ in range(n - len(shape)))
            else:
                shape = shape[:max(min(len(shape) - 1, lo - 1 if lo else len(shape)), 0)]
        arr = draw(_arrays(t.dtype, shape, spec.get("domain", "small"), valid))
        return _with_layout(draw, arr, t.dtype, spec.get("layouts"), mode), None
    if how == "bucket":
        valid = Mode(no_subnormal=mode.no_subnormal)
        if spec.kind == "tensor":
            return _tensor(draw, spec, ex, prof, valid)
        return _KINDS[spec.kind](draw, spec, ex, prof, valid, False)
    choices = mode.invalid_dtypes if how == "dtype" else uncastable_dtypes(ex.dtype)
    if spec.kind == "tensors":  # one tensor of the list in a bad dtype
        good, _ = _tensors(draw, spec, ex, prof, Mode(no_subnormal=mode.no_subnormal), False)
        if not good:
            return good, None
        i = draw(st.integers(0, len(good) - 1))
        bad = draw(st.sampled_from(choices))
        arr = draw(_arrays(bad, good[i].shape, "small", Mode()))
        good[i] = TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, bad)
        return good, None
    bad = draw(st.sampled_from(choices))
    if spec.kind == "dtype":
        return DType(bad), None
    if spec.kind == "scalar":  # a Python number of that dtype's category (a float bound on an int self)
        return python_scalar(draw, dt.category(bad), "small", Mode(no_subnormal=True)), None
    if spec.kind in ("mask", "index_tensor"):  # same shape as a valid draw, other dtype
        good, _ = _KINDS[spec.kind](draw, spec, ex, prof, Mode(no_subnormal=mode.no_subnormal), False)
        shape = good.shape
    else:
        shape = _shape(draw, spec, ex, prof, Mode(no_subnormal=mode.no_subnormal))
        if spec.get("structure") == "invertible":
            shape = shape[:-1] + (shape[-2],)
    dom = "small_nonneg" if spec.kind == "index_tensor" else "small"
    arr = draw(_arrays(bad, shape, dom, Mode()))
    return _with_layout(draw, arr, bad, spec.get("layouts"), mode), None


def draw_order(op: OpSpec) -> list[ArgSpec]:
    """Arguments in spec order, except that an argument referring to another (of, with, for_dim...)
    is drawn after it: addmm's `input` is shaped from the matrices that follow it in the call."""
    from .catalog import REF_KEYS
    pending = list(op.all_args)
    done: list[ArgSpec] = []
    names = {a.name for a in pending}
    while pending:
        for a in pending:
            refs = [a.requires] + [r for k in REF_KEYS for r in
                                   (a.get(k) if isinstance(a.get(k), list) else [a.get(k)])]
            if all(r is None or r not in names or r in {d.name for d in done} for r in refs):
                done.append(a)
                pending.remove(a)
                break
        else:
            raise ValueError(f"op {op.name!r}: circular argument references")
    return done


def example(op: OpSpec, dtype: str | None, prof: Profile, mode: Mode = Mode(),
            extra: dict[str, st.SearchStrategy] | None = None) -> st.SearchStrategy[Example]:
    """Strategy for one call of `op` in dtype bucket `dtype`, plus any check-specific extra draws."""
    # (one composite defined at import: decorating a fresh closure per record made Hypothesis parse
    # its source each time, ~5 ms per strategy)
    return _example(op, dtype, prof, mode, tuple((extra or {}).items()), tuple(draw_order(op)))


@st.composite
def _example(draw, op: OpSpec, dtype: str | None, prof: Profile, base_mode: Mode,
             extra: tuple[tuple[str, st.SearchStrategy], ...], order: tuple[ArgSpec, ...]) -> Example:
    ex = Example(op, dtype, {})
    for i, spec in enumerate(order):
        mode = base_mode if base_mode.typical is None else (  # typical: each argument its own values
            replace(base_mode, typical=(base_mode.typical + 1_000_003 * (i + 1)) & 0xFFFFFFFF))
        invalid = mode.invalid == spec.name
        if spec.requires and ex.values.get(spec.requires, OMIT) is OMIT:
            ex.values[spec.name] = OMIT
            continue
        if spec.optional and not invalid and draw(st.booleans()):
            ex.values[spec.name] = OMIT
            continue
        if invalid and mode.invalid_how != "value":
            value, jax_value = _invalid_how(draw, spec, ex, prof, mode)
        elif spec.kind == "tensor":
            value, jax_value = (_invalid_tensor(draw, spec, ex, prof, mode) if invalid
                                else _tensor(draw, spec, ex, prof, mode))
        else:
            value, jax_value = _KINDS[spec.kind](draw, spec, ex, prof, mode, invalid)
        ex.values[spec.name] = value
        if jax_value is not None or (spec.kind in ("dim", "dims") and value is not None):
            ex.jax_values[spec.name] = jax_value
        if spec.splat and isinstance(value, tuple):
            ex.splat[spec.name] = bool(value) and (spec.splat is True or draw(st.booleans()))
    mode = base_mode
    if mode.invalid:
        ex.extra["invalid"] = mode.invalid
        if mode.invalid_how != "value":
            ex.extra["invalid_how"] = mode.invalid_how
        if mode.invalid_call != "op":
            ex.extra["invalid_call"] = mode.invalid_call
    for key, strat in extra:
        ex.extra[key] = draw(strat)
    return ex
