"""Value comparison with torch.testing.assert_close semantics, on NumPy values only."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as dt
from ..strategies import DType


def tolerance(dtype: str | None, overrides: dict[str, tuple[float, float]], oracle: str = "torch") -> tuple[float, float]:
    """(rtol, atol) for `dtype`: spec override, else assert_close default; JAX adds the smallest
    normal to atol because XLA on CPU flushes subnormals."""
    if dtype is None or not dt.is_float(dtype):
        rtol, atol = 0.0, 0.0
    else:
        rtol, atol = overrides.get(dtype, dt.DEFAULT_TOL[dtype])
    if oracle == "jax" and dtype is not None and dt.is_float(dtype):
        atol = max(atol, dt.tiny(dtype))
    return rtol, atol


def _dtype_of(v: Any) -> str | None:
    if isinstance(v, np.ndarray) or isinstance(v, np.generic):
        return dt.name_of(v.dtype)
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    return None


def mismatch(expected: Any, actual: Any, overrides: dict[str, tuple[float, float]] | None = None,
             oracle: str = "torch", path: str = "result", dtype: str | None = None) -> dict[str, Any] | None:
    """None when `actual` matches `expected` (values and shape, not dtype), else a JSON-safe detail.
    Tolerance follows the expected value's dtype; NaN equals NaN; ints and bools are exact."""
    overrides = overrides or {}
    if isinstance(expected, list) or isinstance(actual, list):
        if not (isinstance(expected, list) and isinstance(actual, list)) or len(expected) != len(actual):
            return {"what": path, "problem": "structure differs", "expected": _short(expected), "actual": _short(actual)}
        for i, (e, a) in enumerate(zip(expected, actual)):
            m = mismatch(e, a, overrides, oracle, f"{path}[{i}]", dtype)
            if m:
                return m
        return None
    if expected is None or actual is None or isinstance(expected, (DType, str)) or isinstance(actual, (DType, str)):
        if expected == actual:
            return None
        return {"what": path, "problem": "values differ", "expected": _short(expected), "actual": _short(actual)}
    e = np.asarray(expected)
    a = np.asarray(actual)
    if e.shape != a.shape:
        return {"what": path, "problem": "shape differs", "expected_shape": list(e.shape), "actual_shape": list(a.shape)}
    if e.size == 0:
        return None
    edt = dtype or _dtype_of(expected)
    rtol, atol = tolerance(edt, overrides, oracle)
    if e.dtype.kind in "biu" and a.dtype.kind in "biu":
        bad = e.astype(np.int64) != a.astype(np.int64)  # exact: no uint64 in the catalog
    else:
        ef = e.astype(np.float64)
        af = a.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            both_nan = np.isnan(ef) & np.isnan(af)
            same_inf = np.isinf(ef) & (ef == af)
            diff = np.abs(ef - af)
            # like torch.testing.assert_close: non-finite values match only exactly; an infinite expected
            # value would otherwise make rtol * |expected| infinite and accept any actual value
            close = np.isfinite(ef) & (diff <= atol + rtol * np.abs(ef))
            bad = ~(both_nan | same_inf | close)
    if not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    detail: dict[str, Any] = {
        "what": path, "problem": "values differ", "mismatched": int(bad.sum()), "of": int(bad.size),
        "first_index": list(idx), "expected_at": _scalar(e[idx]), "actual_at": _scalar(a[idx]),
        "rtol": rtol, "atol": atol, "expected": _short(e), "actual": _short(a),
    }
    if e.dtype.kind == "f" or a.dtype.kind == "f":
        with np.errstate(invalid="ignore", over="ignore"):
            d = np.abs(e.astype(np.float64) - a.astype(np.float64))
            d = d[np.isfinite(d)]
        detail["max_abs_diff"] = float(d.max()) if d.size else None
    return detail


def _scalar(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _short(v: Any, limit: int = 400) -> Any:
    if isinstance(v, np.ndarray):
        s = np.array2string(v, threshold=50, precision=6)
        return s if len(s) <= limit else s[:limit] + "..."
    if isinstance(v, list):
        return [_short(x, limit) for x in v[:10]]
    if isinstance(v, DType):
        return v.name
    r = repr(v)
    return r if len(r) <= limit else r[:limit] + "..."
