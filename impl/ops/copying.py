"""Copies and in-place fills: clone, contiguous, copy_, to(), zero_, fill_, resize_."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend, _geometry as geo, dtypes as D
from .._storage import Storage
from .._types import as_device
from ..autograd import grad_mode
from ..tensor import Tensor, same_storage
from . import _machinery as M
from . import _args as A


def _copy_with_strides(src: Tensor, xp: Any, dtype: D.dtype, dev: Any) -> Tensor:
    """A copy laid out like torch's preserve_format result (clone, to): see _geometry.like_strides."""
    return strided_copy(src._array, geo.like_strides(src._shape, src._stride), xp, dtype, dev)


def strided_copy(arr: Any, stride: tuple, xp: Any, dtype: D.dtype, dev: Any) -> Tensor:
    """A new tensor with arr's shape and values (cast to dtype), laid out with the given strides in its own
    storage (as torch's empty_strided, then a copy)."""
    shape = tuple(arr.shape)
    n = geo.storage_extent(shape, stride, 0)
    # a dense layout is written whole: no need to zero it first
    flat = (xp.empty if n == geo.prod(shape) else xp.zeros)(n, dtype=dtype.np)
    out = Tensor._make(Storage(flat, dev), shape, tuple(stride), 0, dtype)
    with M.errstate():  # 70000.0 cast to float16 is inf in torch, silently
        out._array[...] = _transfer(arr, xp)
    return out


def _transfer(arr: Any, xp: Any) -> Any:
    if xp is np:
        return _backend.to_numpy(arr)
    return _backend.from_host(xp, arr) if isinstance(arr, np.ndarray) else xp.asarray(arr)


@M.export()
def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    if memory_format == "contiguous_format":
        out = Tensor._wrap(input._xp.array(input._array, copy=True), input._dtype, input.device)
    else:
        out = _copy_with_strides(input, input._xp, input._dtype, input.device)
    return M.record(out, "CloneBackward0", [input], lambda g, *s: (g[0],))


@M.export(function=False)
def contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    if self.is_contiguous():
        return self
    out = Tensor._wrap(self._xp.array(self._array, copy=True), self._dtype, self.device)
    return M.record(out, "CloneBackward0", [self], lambda g, *s: (g[0],))


def convert(self: Tensor, dtype: Any = None, device: Any = None, copy: bool = False) -> Tensor:
    dt = D.to_dtype(dtype) if dtype is not None else self._dtype
    dev = as_device(device) if device is not None else self.device
    if dt is self._dtype and dev == self.device and not copy:
        return self
    xp = _backend.array_module(dev.type)
    out = _copy_with_strides(self, xp, dt, dev)
    src_dtype = self._dtype
    src_dev = self.device
    if dt.is_floating_point:
        M.record(out, "ToCopyBackward0", [self], lambda g, *s: (g[0].to(dtype=src_dtype, device=src_dev),))
    return out


@M.export("copy_", function=False)
def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    # torch returns early (no overlap checks, nothing written; the version still bumps) when src is self or
    # the very same memory seen the same way
    same = src is self or (same_storage(src, self) and src._offset == self._offset
                           and src._stride == self._stride and src._shape == self._shape
                           and src._dtype is self._dtype)
    try:
        geo_shape = geo.broadcast_shapes(self._shape, src._shape)
    except RuntimeError:  # the leaf and memory-overlap checks come before the broadcast's
        M.check_inplace_first(self, (src,))
        raise
    if geo_shape != self._shape:
        M.check_inplace_first(self, (src,))
        raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the broadcast shape "
                           f"{list(geo_shape)}")
    M.check_inplace_target(self, self._dtype, src._shape, () if same else (src,), allow_overlap=same)
    if same:
        self._bump()
    else:
        arr = _transfer(src._array, self._xp)
        if same_storage(self, src):
            arr = arr.copy()  # overlapping copy: read everything before writing
        M.write(self, arr)
    # torch's CopyBackwards: a zero gradient for the overwritten self (linked to its history), g for src
    M.rebase_history(self, "CopyBackwards", (src,), lambda g, *s: (_zeros_like(g[0]), g[0]))
    return self


def _zeros_like(g: Tensor) -> Tensor:
    from .creation import zeros_like

    return zeros_like(g)


@M.export("zero_")
def zero_(self: Tensor) -> Tensor:
    if isinstance(self, Tensor) and not (self._requires_grad and grad_mode._state.enabled):
        # without autograd none of the checks below can fail (zero_ writes overlapping memory too) and there
        # is no history to give: the write and the version (optimizers zero every gradient every step)
        self._array.fill(0)
        self._bump()
        return self
    M.check_inplace_target(self, self._dtype, (), (), allow_overlap=True)
    M.write(self, self._xp.zeros((), dtype=self._dtype.np))
    # ZeroBackward0: linked to self's history, which gets a zero gradient (like torch)
    M.rebase_history(self, "ZeroBackward0", (), lambda g, *s: (_zeros_like(g[0]),))
    return self


@M.export("fill_")
def fill_(self: Tensor, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} "
                               "dimensions.")
        v = value
        value = value.item()
    else:
        v = None
    # fill_(Scalar) may write into an expanded (internally overlapping) tensor; fill_(Tensor) may not (torch)
    M.check_inplace_target(self, self._dtype, (), (), allow_overlap=v is None)
    if v is None:  # fill_(Tensor) copies (a uint8 300 wraps); fill_(Scalar) converts checked
        A.check_fits(value, self._dtype, self.numel())
    with M.errstate():  # (a one-element float16 fill of 1e6 is inf, silently)
        M.write(self, _backend.from_host(self._xp, np.array(value).astype(self._dtype.np)))
    # torch: fill_(Scalar) is FillBackward2 (one edge), fill_(Tensor) FillBackward3 (self, value); self's
    # history gets a zero gradient, the value the sum
    if v is None:
        M.rebase_history(self, "FillBackward2", (), lambda g, *s: (_zeros_like(g[0]),))
    else:
        M.rebase_history(self, "FillBackward3", (v,), lambda g, *s: (_zeros_like(g[0]), g[0].sum()))
    return self


@M.export("resize_", function=False)
def resize_(self: Tensor, *sizes: Any) -> Tensor:
    """Tensor.resize_: a shape change bumps the version (the same shape changes nothing, strides included)."""
    from .creation import _size

    if not sizes:  # (the argument parser's errors come before any check of the tensor)
        raise TypeError('resize_() missing 1 required positional arguments: "size"')
    flat = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if any(type(s) is not int for s in flat):  # (a negative size is resize's own error, after its grad check)
        sizes = _size(sizes, "resize_")
    if resize_out(self, *sizes):
        self._bump()
    return self


def resize_out(self: Tensor, *sizes: Any) -> bool:
    """Resize without a version bump (torch's resize_output for out= and in-place ops, whose write bumps it);
    returns whether the shape changed.  NumPy-borrowed storage cannot grow: torch sets the new geometry,
    then raises."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if self._requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError("cannot resize variables that require grad")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {list(sizes)}")
    sizes = tuple(sizes)
    if sizes == self._shape:
        return False
    from ..tensor import _set_geometry

    stride = geo.contiguous_strides(sizes)
    n = geo.prod(sizes)
    need = self._offset + n if n else 0
    data = self._storage.data
    if need > data.shape[0]:
        if not self._storage.resizable:
            _set_geometry(self, self._storage, sizes, stride, self._offset, self._dtype)
            raise RuntimeError("Trying to resize storage that is not resizable")
        # Grow the storage in place (the Storage object is shared by every view, like torch's).
        new = self._xp.zeros(need, dtype=data.dtype)
        new[:data.shape[0]] = data
        self._storage.data = new
    _set_geometry(self, self._storage, sizes, stride, self._offset, self._dtype)
    return True


@M.export("resize_as_", function=False)
def resize_as_(self: Tensor, other: Tensor) -> Tensor:
    return resize_(self, other._shape)
