"""Hypothesis strategies: one drawn Example per op call, built from the spec's argument kinds.

Arguments are drawn in spec order, so later kinds may depend on earlier ones (a dim `of` a tensor,
a length after a start).  Tensors are drawn as NumPy arrays plus a Layout; runners turn them into
framework tensors.  Each kind may also give a different value to JAX (e.g. expand's -1 resolved).
"""
from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
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


@dataclass
class TensorArg:
    array: np.ndarray          # logical values the op sees
    base: np.ndarray           # contiguous buffer the view is taken from
    layout: layouts.Layout
    dtype: str

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

    def jax_value(self, name: str) -> Any:
        return self.jax_values.get(name, self.values[name])


@dataclass(frozen=True)
class Mode:
    """How a check wants inputs drawn."""
    no_subnormal: bool = False   # JAX flushes subnormals on CPU
    grad: bool = False           # finite, moderate values; float tensors may require grad
    invalid: str | None = None   # name of the argument to draw invalid (errors check)
    layouts: bool = True
    shape_pool: bool = False     # draw free shapes from the profile's pool (JAX compile cost)


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
    return hnp.arrays(dt.to_numpy(dtype), shape, elements=elements(dtype, domain, mode))


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


def python_scalar(draw: Callable, category: str, domain: str, mode: Mode,
                  lo: float | None = None, hi: float | None = None) -> Any:
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

def _shape_any(draw, spec: ArgSpec, prof: Profile, mode: "Mode") -> tuple[int, ...]:
    lo, hi = spec.get("min_dims", 0), max(spec.get("max_dims", prof.max_dims), spec.get("min_dims", 0))
    if mode.shape_pool and prof.shape_pool:
        pool = [s for s in prof.shape_pool if lo <= len(s) <= hi and min(s, default=1) >= spec.get("min_side", 0)]
        if pool:
            return draw(st.sampled_from(pool))
    return draw(_array_shapes(lo, hi, spec.get("min_side", 0), spec.get("max_side", prof.max_side)))


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
    ref_shape = _ref_shape(ex, ref) if ref else None
    side = spec.get("max_side", prof.max_side)
    if rule == "any":
        return _shape_any(draw, spec, prof, mode)
    if rule in ("same", "broadcast") and ref_shape is None:
        ref_shape = _ref_shape(ex, _first_tensor_name(ex))
    if rule == "same":
        return ref_shape
    if rule == "broadcast":
        if mode.shape_pool and prof.shape_pool:
            return draw(st.sampled_from([s for s in prof.shape_pool if _broadcastable(s, ref_shape)]))
        return broadcast_partner(draw, ref_shape, prof)
    if rule == "matrix":
        rows = ref_shape[-1] if ref_shape is not None else draw(st.integers(spec.get("min_side", 0), side))
        return (rows, draw(st.integers(spec.get("min_side", 0), side)))
    if rule == "vector":
        return (ref_shape[-1],) if ref_shape is not None else (draw(st.integers(0, side)),)
    if rule == "matmul":  # right operand of matmul given the left one
        k = ref_shape[-1]
        if len(ref_shape) == 1 or draw(st.booleans()):
            if draw(st.booleans()):
                return (k,)
        batch = broadcast_partner(draw, ref_shape[:-2], prof) if len(ref_shape) > 2 else ()
        return tuple(batch[: max(0, prof.max_dims - 2)]) + (k, draw(st.integers(0, side)))
    raise AssertionError(rule)


def _first_tensor_name(ex: Example) -> str:
    return next(n for n, v in ex.values.items() if isinstance(v, TensorArg))


def _ref_shape(ex: Example, name: str) -> tuple[int, ...]:
    v = ex.values.get(name)
    if isinstance(v, TensorArg):
        return v.shape
    if isinstance(v, NdArray):
        return v.array.shape
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
    elif rule == "promote":  # usually the bucket dtype (shrinks there), sometimes another one
        dtype = draw(st.sampled_from((bucket,) + tuple(d for d in ex.op.dtypes if d != bucket)))
    else:
        dtype = draw(st.sampled_from(dt.expand(rule)))
    if spec.get("scalar") and draw(st.integers(0, 3)) == 0:
        return python_scalar(draw, dt.category(dtype), spec.get("domain", "moderate"), mode), None
    shape = _shape(draw, spec, ex, prof, mode)
    arr = draw(_arrays(dtype, shape, spec.get("domain", "any"), mode))
    allowed = spec.get("layouts", list(layouts_for(mode)))
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
    return TensorArg(logical, base, layout, dtype), None


def layouts_for(mode: Mode) -> tuple[str, ...]:
    return ("contiguous", "transposed", "strided", "offset", "expanded")


def _dim(draw, spec, ex, prof, mode, invalid):
    shape = _ref_shape(ex, _ref_tensor(ex, spec))
    n = max(len(shape) + spec.get("extra", 0), 1)  # torch treats a 0-d tensor's dim range as [-1, 0]
    if invalid:
        return draw(st.sampled_from([n, n + 1, -n - 1])), None
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
    shape = draw(_array_shapes(spec.get("min_dims", 0), spec.get("max_dims", prof.max_dims), 0, spec.get("max_side", prof.max_side)))
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
    d = ex.jax_values.get(spec.get("for_dim"), d)
    if not shape:
        return 1
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
    if invalid:
        return size - start + draw(st.integers(1, 2)), None
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
    shape = draw(_array_shapes(spec.get("min_dims", 0), spec.get("max_dims", prof.max_dims), 0, prof.max_side))
    arr = draw(_arrays(dtype, shape, spec.get("domain", "any"), mode))
    return NdArray(arr), None


def _data(draw, spec, ex, prof, mode, invalid):
    cat = dt.category(ex.dtype)
    src = {"float": "float32", "int": "int64", "bool": "bool"}[cat]
    shape = draw(hnp.array_shapes(min_dims=spec.get("min_dims", 0), max_dims=spec.get("max_dims", prof.max_dims),
                                  min_side=0 if spec.get("min_dims", 0) else 1, max_side=prof.max_side))
    dom = spec.get("domain", "finite" if cat == "float" else "moderate")
    arr = draw(_arrays(src, shape, dom, mode))
    if invalid:  # ragged nesting
        lst = arr.tolist()
        return ([lst, [lst]] if isinstance(lst, list) else [[lst], lst]), None
    return arr.tolist(), None


def _scalar(draw, spec, ex, prof, mode, invalid):
    cat = spec.get("category", "bucket")
    cat = dt.category(ex.dtype) if cat == "bucket" else cat
    return python_scalar(draw, cat, spec.get("domain", "moderate"), mode, spec.get("min"), spec.get("max")), None


def _int(draw, spec, ex, prof, mode, invalid):
    lo, hi = spec.get("min", 0), spec.get("max", 10)
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
    shape = _ref_shape(ex, _ref_tensor(ex, spec))
    arr = draw(_arrays("bool", shape, "any", mode))
    return TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, "bool"), None


def _k(draw, spec, ex, prof, mode, invalid):
    size = _dim_size(ex, spec) if spec.get("for_dim") else math.prod(_ref_shape(ex, _ref_tensor(ex, spec)))
    if invalid:
        return size + draw(st.integers(1, 2)), None
    return draw(st.integers(0, size)), None


_KINDS: dict[str, Callable] = {
    "dim": _dim, "dims": _dims, "size": _size, "view_shape": _view_shape, "expand_shape": _expand_shape,
    "permutation": _permutation, "index": _index, "start": _start, "length": _length,
    "basic_index": _basic_index, "ndarray": _ndarray, "data": _data, "scalar": _scalar, "int": _int,
    "bool": _bool, "dtype": _dtype, "arange_step": _arange_step, "mask": _mask, "k": _k,
}
#: Every kind this module can draw (the catalog's vocabulary must be a subset; a test checks).
IMPLEMENTED_KINDS = frozenset(_KINDS) | {"tensor"}


def _invalid_tensor(draw, spec, ex, prof, mode):
    """An invalid tensor: a shape that does not fit its partner (matrix chain, broadcast)."""
    good, _ = _tensor(draw, spec, ex, prof, Mode(no_subnormal=mode.no_subnormal))
    if not isinstance(good, TensorArg):
        return good, None
    shape = list(good.shape) or [1]
    i = draw(st.integers(0, len(shape) - 1))
    if spec.get("shape") == "matrix" or spec.get("shape") == "matmul":
        i = len(shape) - 2 if len(shape) >= 2 else 0
    shape[i] = shape[i] + draw(st.integers(2, 3))
    arr = draw(_arrays(good.dtype, tuple(shape), "small", mode))
    return TensorArg(arr, arr.copy(), layouts.CONTIGUOUS, good.dtype), None


def example(op: OpSpec, dtype: str | None, prof: Profile, mode: Mode = Mode(),
            extra: dict[str, st.SearchStrategy] | None = None) -> st.SearchStrategy[Example]:
    """Strategy for one call of `op` in dtype bucket `dtype`, plus any check-specific extra draws."""
    extra = extra or {}

    @st.composite
    def _draw(draw) -> Example:
        ex = Example(op, dtype, {})
        for spec in op.all_args:
            invalid = mode.invalid == spec.name
            if spec.requires and ex.values.get(spec.requires, OMIT) is OMIT:
                ex.values[spec.name] = OMIT
                continue
            if spec.optional and not invalid and draw(st.booleans()):
                ex.values[spec.name] = OMIT
                continue
            if spec.kind == "tensor":
                value, jax_value = (_invalid_tensor(draw, spec, ex, prof, mode) if invalid
                                    else _tensor(draw, spec, ex, prof, mode))
            else:
                value, jax_value = _KINDS[spec.kind](draw, spec, ex, prof, mode, invalid)
            ex.values[spec.name] = value
            if jax_value is not None or (spec.kind in ("dim", "dims") and value is not None):
                ex.jax_values[spec.name] = jax_value
            if spec.splat and isinstance(value, tuple):
                ex.splat[spec.name] = bool(value) and (spec.splat is True or draw(st.booleans()))
        if mode.invalid:
            ex.extra["invalid"] = mode.invalid
        for key, strat in extra.items():
            ex.extra[key] = draw(strat)
        return ex

    return _draw()
