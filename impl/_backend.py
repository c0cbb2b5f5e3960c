"""The one place that decides which array module backs a device: NumPy for 'cpu', CuPy for 'cuda'."""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

try:  # CuPy is optional: without it (or without a GPU) CUDA requests fail like a CPU-only torch build.
    import cupy as _cupy  # type: ignore
except Exception:  # pragma: no cover - depends on the machine
    _cupy = None

_cuda_ok: bool | None = None


def cuda_is_available() -> bool:
    global _cuda_ok
    if _cuda_ok is None:
        try:
            _cuda_ok = _cupy is not None and _cupy.cuda.runtime.getDeviceCount() > 0
        except Exception:
            _cuda_ok = False
    return _cuda_ok


def array_module(device_type: str) -> ModuleType:
    """NumPy or CuPy for a device type; raises what a CPU-only torch raises for CUDA without a GPU."""
    if device_type == "cpu":
        return np
    if device_type == "cuda":
        if not cuda_is_available():
            raise AssertionError("Torch not compiled with CUDA enabled")
        return _cupy
    raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {device_type}")


def module_of(arr: Any) -> ModuleType:
    return np if isinstance(arr, (np.ndarray, np.generic)) else _cupy


def strided_view(flat: Any, shape: tuple, strides: tuple, offset: int) -> Any:
    """An ndarray over `flat` (1-D storage) with element strides and offset; shares its memory."""
    dt = flat.dtype
    itemsize = dt.itemsize
    bstrides = tuple([s * itemsize for s in strides])  # (a list first: cheaper than a generator)
    if type(flat) is np.ndarray:
        if flat.size == 0 or 0 in shape:
            return np.lib.stride_tricks.as_strided(flat[:0], shape, bstrides)
        # (positional: NumPy parses keywords to ndarray() at twice the cost, and a view is made per op)
        return np.ndarray(shape, dt, flat, offset * itemsize, bstrides)
    if flat.size == 0 or 0 in shape:  # CuPy asserts on an offset added to a null (empty) pointer
        return _cupy.ndarray(shape, flat.dtype, memptr=flat.data, strides=bstrides)
    return _cupy.ndarray(shape, flat.dtype, memptr=flat.data + offset * itemsize, strides=bstrides)


def data_ptr(flat: Any) -> int:
    if isinstance(flat, np.ndarray):
        return flat.__array_interface__["data"][0]
    return int(flat.data.ptr)


def from_host(xp: ModuleType, host: Any) -> Any:
    """`host` (a NumPy array or scalar) as an array of backend `xp`, bit for bit.  CuPy builds a 0-d array by
    fill(), and fill writes a value equal to zero by memset: -0.0 would become +0.0 (1 / x: +inf, not -inf).
    A 0-d value therefore travels as a 1-element array (a plain copy of its bytes)."""
    if xp is np:
        return np.asarray(host)
    h = np.asarray(host)
    if h.ndim == 0:
        return xp.asarray(h.reshape(1)).reshape(())
    return xp.asarray(h)


def full(xp: ModuleType, shape: tuple, value: np.ndarray) -> Any:
    """An array of `shape` filled with the 0-d NumPy `value` (its dtype), bit for bit on every backend."""
    if xp is np:
        return np.full(shape, value, dtype=value.dtype)
    out = xp.empty(shape, dtype=value.dtype)
    out[...] = from_host(xp, value)  # (CuPy's full would write -0.0 as +0.0: see from_host)
    return out


def to_numpy(arr: Any) -> np.ndarray:
    return arr if isinstance(arr, np.ndarray) else _cupy.asnumpy(arr)
