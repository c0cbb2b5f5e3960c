"""Tensor.__getitem__ / __setitem__: basic indexing builds views, advanced indexing copies (like torch)."""
from __future__ import annotations

from typing import Any

import numpy as np

import warnings

from .. import _backend, _geometry as geo, dtypes as D
from ..autograd import grad_mode
from ..tensor import Tensor
from . import _machinery as M
from . import _args as A
from . import views as V


def _is_advanced(i: Any) -> bool:
    return isinstance(i, (Tensor, list, np.ndarray)) or (isinstance(i, bool))


def _as_tuple(idx: Any) -> tuple:
    return idx if isinstance(idx, tuple) else (idx,)


def _check_item(i: Any) -> None:
    if i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer)) or _is_advanced(i):
        return
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                     f"indices (got {type(i).__name__})")


def _slice_int(v: Any) -> Any:
    return int(v.item()) if isinstance(v, Tensor) else v


def _slice_ints(s: slice) -> tuple:
    start, stop, step = s.start, s.stop, s.step
    if step is None:
        step = 1
    if type(start) is Tensor or type(stop) is Tensor or type(step) is Tensor:  # (plain ints: as they are)
        return _slice_int(start), _slice_int(stop), _slice_int(step)
    return start, stop, step


def _plain_view(x: Tensor, idx: tuple) -> Tensor | None:
    """x[idx] for a tuple of in-range ints and int slices, on a tensor that does not require grad: one view
    with the geometry the item-by-item views reach (no autograd node to record for each). None: another
    case (None, Ellipsis, an error to raise, a full-range index: the general path handles it)."""
    shape, stride = x._shape, x._stride
    if len(idx) > len(shape):
        return None
    offset, out_shape, out_stride = x._offset, [], []
    changed = False
    for d, i in enumerate(idx):
        size, st = shape[d], stride[d]
        if type(i) is int:
            if not -size <= i < size:
                return None
            offset += (i % size) * st
            changed = True
        elif type(i) is slice:
            start, stop, step = i.start, i.stop, 1 if i.step is None else i.step
            if type(step) is not int or step <= 0 or not (start is None or type(start) is int) \
                    or not (stop is None or type(stop) is int):
                return None
            lo, hi, _ = slice(start, stop, step).indices(size)
            if lo == 0 and hi >= size and step == 1:  # a full ':' keeps the dim as it is
                out_shape.append(size)
                out_stride.append(st)
                continue
            out_shape.append(max(0, (hi - lo + step - 1) // step))
            out_stride.append(st * step)
            offset += lo * st
            changed = True
        else:
            return None
    if not changed:
        return None
    n = len(idx)
    return V.make_view(x, tuple(out_shape) + shape[n:], tuple(out_stride) + stride[n:], offset)


def basic_index(x: Tensor, idx: Any, real: Any = None) -> Tensor:
    """A view for an index made of ints, slices, None and Ellipsis, applied one dim at a time as torch does.

    An int out of range names, as torch's applySelect does, its item's position in the index tuple (its
    `real_dim`: x[..., 9] of a (2, 3, 4) tensor is "dimension 1"), or real[n] for the n-th item."""
    if type(idx) is int and x._shape and -x._shape[0] <= idx < x._shape[0]:  # x[i], the commonest index
        return V.select(x, 0, idx)
    if type(idx) is tuple and not x._requires_grad:
        v = _plain_view(x, idx)
        if v is not None:
            return v
    if isinstance(idx, slice):  # a lone slice is always recorded, even ':' (SliceBackward0)
        start, stop, step = _slice_ints(idx)
        if step <= 0:  # torch checks the step first, then the 0-d tensor
            raise ValueError("step must be greater than zero")
        if x.dim() == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        return V.slice_dim(x, 0, 0 if start is None else start, x._shape[0] if stop is None else stop, step)
    if not x._shape and isinstance(idx, (int, np.integer)) and not isinstance(idx, bool):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                         "in C++ to convert a 0-dim tensor to a number")
    items = _as_tuple(idx)
    consumed = 0
    for i in items:
        if i is not None and i is not Ellipsis:
            consumed += 1
    if consumed > len(x._shape):
        raise IndexError(f"too many indices for tensor of dimension {x.dim()}")
    out, dim, changed = x, 0, False
    for n, i in enumerate(items):
        if i is None:
            out, dim, changed = V.unsqueeze(out, dim), dim + 1, True
        elif i is Ellipsis:
            dim += x.dim() - consumed
            consumed = x.dim()  # a repeated Ellipsis expands to nothing
        elif isinstance(i, slice):
            start, stop, step = _slice_ints(i)
            size = out._shape[dim]
            if step <= 0:
                raise ValueError("step must be greater than zero")
            lo, hi, _ = slice(start, stop, step).indices(size)
            if not (lo == 0 and hi >= size and step == 1):  # a full ':' is skipped inside a tuple
                out, changed = V.slice_dim(out, dim, lo, hi, step), True
            dim += 1
        else:
            i = int(i)
            size = out._shape[dim]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {n if real is None else real[n]} "
                                 f"with size {size}")
            out, changed = V.select(out, dim, i), True
    return out if changed else V.alias(x)


def _float_index_error(x: Tensor, idx: Any) -> IndexError:
    """A floating index tensor: torch first counts the dims the whole index consumes (a bool or byte tensor
    its own dims, any other index one), so too many indices is the error then."""
    consumed = 0
    for i in _as_tuple(idx):
        if i is None or i is Ellipsis or isinstance(i, (bool, np.bool_)):
            continue
        if isinstance(i, Tensor) and i._dtype in (D.bool_, D.uint8):
            consumed += i.dim()
        else:
            consumed += 1
    if consumed > x.dim():
        return IndexError(f"too many indices for tensor of dimension {x.dim()}")
    return IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _np_index(x: Tensor, idx: Any) -> tuple:
    """Translate an advanced index into a NumPy index, checking what torch checks."""
    out = []
    for i in _as_tuple(idx):
        if isinstance(i, Tensor):
            if i._dtype.is_floating_point:
                raise _float_index_error(x, idx)
            if i._dtype is D.uint8 and i.dim():  # a byte tensor is a mask (deprecated), not integer indices
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                              "instead.", UserWarning, stacklevel=4)
                out.append(i._array.astype(bool))
                continue
            out.append(i._array)
        elif isinstance(i, list):
            arr = np.asarray(i)
            if arr.size == 0 and arr.dtype.kind == "f":
                arr = arr.astype(np.int64)  # x[[]]: torch makes an empty list an int64 index
            if arr.dtype.kind == "f":
                raise _float_index_error(x, idx)
            out.append(x._xp.asarray(arr))
        elif isinstance(i, slice):
            out.append(slice(*_slice_ints(i)))
        else:
            out.append(i)
    return tuple(out)


def _index_error(x: Tensor, items: tuple, np_idx: tuple, exc: IndexError) -> tuple:
    """NumPy refused x[np_idx] (`exc`): (the error torch's aten::index raises or None, an index NumPy takes
    that selects the same shape (every integer index 0), and whether the error is the kernel's, per element:
    index_put_ checks the value first).  Only reached on that failure: the common path pays nothing.

    torch's order (2.13, CPU): expandTensors checks each mask against the dims it
    covers and turns it into nonzero() columns; the index tensors must broadcast; an indexed dim of size 0
    with a non-empty index is refused before the kernel; the kernel checks each element's indices in turn
    (element by element, then index by index, naming the index's position among the index tensors, masks'
    columns included: x[:, [5]] of a (2, 3) tensor is "dimension 0"), and runs on no element when the
    result is empty (zeros(0, 3)[:, [5]] returns a (0, 1) tensor)."""
    basic, parts, _ = _torch_split(x, items)
    with grad_mode.no_grad():
        vshape = basic_index(x, basic)._shape
    cols: list = []  # (dim of the view, integer index array), in torch's order
    for d, item, _ in parts:
        a = _backend.to_numpy(item._array) if isinstance(item, Tensor) else np.asarray(item)
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)
        if a.dtype == np.bool_ or (isinstance(item, Tensor) and item._dtype in _MASK_DTYPES):
            for j in range(a.ndim):
                if d + j >= len(vshape) or a.shape[j] != vshape[d + j]:
                    return IndexError(f"The shape of the mask {list(a.shape)} at index {j} does not match the shape "
                                      f"of the indexed tensor {list(vshape)} at index {d + j}"), np_idx, False
            cols.extend((d + j, c) for j, c in enumerate(np.nonzero(a)))
        else:
            cols.append((d, a.astype(np.int64)))
    if not cols:
        return IndexError(str(exc).replace("axis", "dimension")), np_idx, False
    try:
        bshape = np.broadcast_shapes(*(c.shape for _, c in cols))
    except ValueError:
        return IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                          + ", ".join(str(list(c.shape)) for _, c in cols)), np_idx, False
    if 0 not in bshape and any(vshape[d] == 0 for d, _ in cols):
        return IndexError("index is out of bounds for dimension with size 0"), np_idx, False
    xp = x._xp
    safe = tuple(xp.zeros(i.shape, np.int64) if hasattr(i, "dtype") and i.ndim and i.dtype.kind in "iu" else i
                 for i in np_idx)
    dims = {d for d, _ in cols}
    if 0 in bshape or any(vshape[k] == 0 for k in range(len(vshape)) if k not in dims):
        return None, safe, False  # no element computed, none checked
    flat = np.stack([np.broadcast_to(c, bshape).reshape(-1) for _, c in cols], axis=1)
    sizes = np.array([vshape[d] for d, _ in cols])
    bad = (flat < -sizes) | (flat >= sizes)
    if bad.any():
        e = int(np.argmax(bad.any(axis=1)))
        i = int(np.argmax(bad[e]))
        return IndexError(f"index {flat[e, i]} is out of bounds for dimension {i} with size {sizes[i]}"), safe, True
    return IndexError(str(exc).replace("axis", "dimension")), np_idx, False


def _int_like(i: Any) -> Any:
    """torch indexes with a 0-d integer tensor as with an int (select: a view), not advanced indexing."""
    if isinstance(i, Tensor) and i.dim() == 0 and i._dtype.category == 1:
        return int(i.item())
    return i


_BASIC_TYPES = frozenset((int, slice, type(None), type(Ellipsis)))


def getitem(self: Tensor, idx: Any) -> Tensor:
    # fast path: an index of plain ints, slices, None and Ellipsis (exact types: a bool is advanced) is a view
    if type(idx) is tuple:
        for i in idx:
            if type(i) not in _BASIC_TYPES:
                break
        else:
            return basic_index(self, idx)
    elif type(idx) in _BASIC_TYPES:
        return basic_index(self, idx)
    idx = tuple(_int_like(i) for i in idx) if isinstance(idx, tuple) else _int_like(idx)
    items = _as_tuple(idx)
    for i in items:
        _check_item(i)
    if not any(_is_advanced(i) for i in items):
        return basic_index(self, idx)
    if _selects_first(items):
        view, rest = _split_view(self, items)
        return getitem(view, rest)
    np_idx = _np_index(self, idx)
    try:
        arr = _indexed(self, np_idx)
    except IndexError as e:
        err, np_idx, _ = _index_error(self, items, np_idx, e)
        if err is not None:
            raise err from None
        arr = self._array[np_idx]
    out = _index_result(self, items, arr)
    in_shape = self._shape
    # the index tensors are saved like torch saves them, so a second backward without retain_graph raises
    saved = [i for i in _as_tuple(idx) if isinstance(i, Tensor)]
    return M.record(out, "IndexBackward0", [self], lambda g, *s: (_index_grad(g[0], in_shape, np_idx),), saved)


def _indexed(x: Tensor, np_idx: tuple) -> Any:
    """x._array[np_idx], refusing an out-of-range index with NumPy's IndexError on every backend: CuPy
    wraps such an index silently, so its indices are first tried on a NumPy stand-in (no memory: strides 0)."""
    arr = x._array
    if type(arr) is not np.ndarray:
        ghost = np.lib.stride_tricks.as_strided(np.zeros(1, np.bool_), x._shape, (0,) * len(x._shape))
        ghost[tuple(_backend.to_numpy(i) if hasattr(i, "__cuda_array_interface__") else i for i in np_idx)]
    return arr[np_idx]


def _index_result(x: Tensor, items: tuple, arr: Any) -> Tensor:
    """x[items]'s values `arr` in a new tensor laid out as torch lays out its advanced-indexing result.

    torch (2.13, CPU) does not return a row-major result: python indexing applies the basic items as a view
    (applySlicing), then aten::index makes a TensorIterator over the source restrided with stride 0 across
    the indexed subspace and the index tensors viewed into the result's shape, and lets it allocate the
    output in its iteration order (_geometry.index_result_geometry).  Observed against torch on thousands
    of random sources (permuted, transposed, expanded, stepped, size-0/size-1 dims) and index tensors
    (first/middle/last dims, adjacent or split by a slice (moved to the front), broadcast, transposed,
    int32, masks): the kept dims keep the source's stride order among themselves and the indexed subspace
    follows the index tensors' order, e.g. arange(24).view(2, 3, 4).permute(2, 0, 1)[:, [0]] is (4, 1, 3)
    with strides (1, 4, 4), and an empty result multiplies its strides by the size-0 dim (zeros(2, 0, 1)[[0, 1]]:
    (0, 1, 0)); dims no operand orders (stride 0 or equal) stay row-major, so t()[[0, 1]] of a 2-d tensor is
    contiguous, and so is a result whose operands all have its shape (every dim indexed)."""
    stride = None
    plan = _index_plan(x, items)
    if plan is not None:
        shape, st = geo.index_result_geometry(*plan)
        if shape == tuple(arr.shape):  # (NumPy's and torch's result shapes agree; else keep it row-major)
            stride = st
    if stride is None or stride == geo.contiguous_strides(arr.shape):
        return M.wrap(x._xp.array(arr, copy=True), x._dtype, x)
    from .copying import strided_copy
    return strided_copy(arr, stride, x._xp, x._dtype, x.device)


def _torch_split(x: Tensor, items: tuple) -> tuple:
    """torch's applySlicing: (basic, parts) where `basic` indexes the view that the basic items leave (ints
    select; slices; None and a bool scalar unsqueeze; each advanced item is full slices over its dims) and
    `parts` lists, for each advanced item, (its first dim in that view, the index to apply there, the
    (shape, stride[, converted]) of each index tensor aten::index gets for it): a tensor as it is (int32:
    converted to long after broadcasting); a list or an ndarray becomes a new contiguous long tensor; a
    mask of k dims k nonzero() columns; a bool scalar [0] or [].  Third: each basic item's position in
    `items`, the dim torch names when an int is out of range."""
    basic, parts, dim, ellipsis = [], [], 0, False
    real: list = []  # each basic item's position in `items` (torch's real_dim, named by a select's error)
    specified = 0
    for i in items if any(i is Ellipsis for i in items) else ():  # the dims the Ellipsis leaves out
        if isinstance(i, (bool, np.bool_)) or i is None or i is Ellipsis:
            continue
        k = _mask_dims(i)
        specified += k if k is not None else 1
    for n, i in enumerate(items):
        real.extend([n - 1] * (len(basic) - len(real)))  # the previous item's
        if i is None or i is Ellipsis:
            basic.append(i)
            dim += 1 if i is None else 0 if ellipsis else x.dim() - specified
            ellipsis = ellipsis or i is Ellipsis
            continue
        if isinstance(i, (slice, int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            basic.append(i)
            dim += isinstance(i, slice)
            continue
        if isinstance(i, Tensor):
            a, shape, mask = None, i._shape, i._dtype in _MASK_DTYPES
        else:
            a = np.asarray(i) if isinstance(i, (list, bool, np.bool_)) else i
            shape, mask = tuple(a.shape), a.dtype == np.bool_
        if not shape and not mask:
            basic.append(int(a if a is not None else i.item()))  # a 0-d integer array indexes like an int
        elif not shape:  # a bool scalar: a new dim of size 1, indexed by [0] (True) or [] (False)
            basic.append(None)
            n = 1 if bool(a if a is not None else i.item()) else 0
            parts.append((dim, np.zeros(n, np.int64), [((n,), (1,))]))
            dim += 1
        elif mask:
            arr = i._array if a is None else a
            n = int((np if isinstance(arr, np.ndarray) else x._xp).count_nonzero(arr))
            basic.extend([_ALL] * len(shape))
            parts.append((dim, i, [((n,), (1,))] * len(shape)))
            dim += len(shape)
        else:
            basic.append(_ALL)
            parts.append((dim, i, [(shape, geo.contiguous_strides(shape)) if a is not None
                                   else (shape, i._stride, i._dtype is not D.int64)]))
            dim += 1
    real.extend([len(items) - 1] * (len(basic) - len(real)))
    return tuple(basic), parts, tuple(real)


def _index_plan(x: Tensor, items: tuple) -> Any:
    """What torch's aten::index gets for x[items]: the shape and strides of the basic items' view and, per
    dim of that view, None or the (shape, stride) of its long index tensor (see _torch_split).  None when
    nothing is indexed by a tensor (a 0-d integer ndarray)."""
    basic, parts, _ = _torch_split(x, items)
    if not parts:
        return None
    if all(b is Ellipsis or b == _ALL for b in basic):
        shape, stride = x._shape, x._stride
    else:
        with grad_mode.no_grad():
            view = basic_index(x, basic)
        shape, stride = view._shape, view._stride
    per_dim: list = [None] * len(shape)
    for d, _, geoms in parts:
        per_dim[d:d + len(geoms)] = geoms
    return shape, stride, tuple(per_dim)


_ALL = slice(None)


def _selects_first(items: tuple) -> bool:
    """An int among advanced items: NumPy broadcasts it with the index arrays (so x[1, :, [0, 1]] moves the
    indexed dims to the front), torch selects it first (applySlicing), leaving the index on the view."""
    return any(isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in items)


def _split_view(x: Tensor, items: tuple) -> tuple:
    """(view, rest): x[items] is rest applied to the view of x's basic items, as torch indexes."""
    basic, parts, real = _torch_split(x, items)
    view = basic_index(x, basic, real)
    rest: list = [slice(None)] * view.dim()
    for d, item, geoms in reversed(parts):
        rest[d:d + len(geoms)] = [item]
    return view, tuple(rest)


_MASK_DTYPES = (D.bool_, D.uint8)


def _mask_dims(i: Any) -> Any:
    """The dims a mask index consumes (None for any other index, which consumes one)."""
    if isinstance(i, Tensor):
        return i.dim() if i._dtype in _MASK_DTYPES else None
    if isinstance(i, (list, np.ndarray)) or hasattr(i, "__array__"):
        a = np.asarray(i) if isinstance(i, list) else i
        return a.ndim if getattr(a, "dtype", None) == np.bool_ else None
    return None


def _index_grad(g: Tensor, in_shape: tuple, np_idx: tuple) -> Tensor:
    xp = g._xp
    z = xp.zeros(in_shape, dtype=g._dtype.np)
    (np.add.at if xp is np else xp.add.at)(z, np_idx, g._array)
    return M.record(M.wrap(z, g._dtype, g), "IndexPutBackward0", [g], lambda gg, *s: (getitem(gg[0], np_idx),))


def setitem(self: Tensor, idx: Any, value: Any) -> None:
    idx = tuple(_int_like(i) for i in idx) if isinstance(idx, tuple) else _int_like(idx)
    items = _as_tuple(idx)
    for i in items:
        _check_item(i)
    if not any(_is_advanced(i) for i in items):
        target = self if _selects_whole(self, items) else basic_index(self, idx)
        if not isinstance(value, Tensor):
            value = _scalar_value(value, self)
        _copy_to(target, value)
        return
    if _selects_first(items):
        view, rest = _split_view(self, items)
        _index_put(view, rest, value)
        return
    _index_put(self, idx, value)


def _selects_whole(x: Tensor, items: tuple) -> bool:
    """An index of Ellipsis and slices that each cover their whole dim (start 0, to the end, step 1): torch's
    setitem skips such slices (applySlice's optimization), so it writes into x itself, not into a view."""
    if sum(1 for i in items if i is Ellipsis) > 1:
        return False
    slices = [i for i in items if i is not Ellipsis]
    if any(type(i) is not slice for i in slices) or len(slices) > x.dim():
        return False
    if slices and x.dim() == 0:
        return False  # basic_index raises
    e = items.index(Ellipsis) if Ellipsis in items else len(items)
    dims = list(range(e)) + list(range(x.dim() - (len(items) - e - 1), x.dim()))
    for s, d in zip(slices, dims):
        start, stop, step = _slice_ints(s)
        if step != 1:
            return False
        lo, hi, _ = slice(start, stop, 1).indices(x._shape[d])
        if lo != 0 or hi != x._shape[d]:
            return False
    return True


def _scalar_value(value: Any, dst: Tensor) -> Tensor:
    """A Python number assigned by setitem becomes a 0-d CPU tensor of dst's dtype (torch's scalar_tensor:
    a one-element fill, so A.check_fits with numel 1: float16 is not checked)."""
    M.check_scalar(value, "__setitem__")
    if isinstance(value, int) and not -2 ** 63 <= value < 2 ** 63:  # unpacked as a C long long first
        raise ValueError("Overflow when unpacking long long")
    dt = dst._dtype
    A.check_fits(value, dt, 1)
    with M.errstate():
        arr = np.array(value).astype(dt.np)
    return Tensor._wrap(arr, dt)


def _copy_to(dst: Tensor, src: Tensor) -> None:
    """torch's copy_to (python_variable_indexing): the same shape copies, a 0-d CPU value fills
    (FillBackward3), else the value's leading 1-dims are viewed away and it is expanded to dst's shape
    (ViewBackward0, ExpandBackward0 in the graph; an expand that fails is the error)."""
    if src._shape == dst._shape:
        dst.copy_(src)
        return
    if src.dim() == 0 and src.device.type == "cpu":
        dst.fill_(src)
        return
    lead = 0
    while lead < src.dim() and src._shape[lead] == 1:
        lead += 1
    v = src.view(src._shape[lead:])
    if v._shape != dst._shape:
        v = v.expand(dst._shape)
    dst.copy_(v)


def _index_put(self: Tensor, idx: Any, value: Any) -> None:
    """torch's index_put_ as setitem calls it: expanded targets only warn; a Python number becomes a tensor
    of self's dtype; one bool mask with a one-element CPU value is a masked fill (any dtype, no overlap
    check); otherwise the value may not share memory with self, its leading 1-dims are viewed away, it must
    expand to the indexed shape and have self's dtype."""
    M.check_inplace_target(self, self._dtype, (), (), allow_overlap=True)
    if geo.has_internal_overlap(self._shape, self._stride):
        warnings.warn("Use of index_put_ on expanded tensors is deprecated. Please clone() the tensor before "
                      "performing this operation. This also applies to advanced indexing e.g. tensor[indices] = "
                      "tensor", UserWarning, stacklevel=3)
    vt = value if isinstance(value, Tensor) else None
    if vt is None:
        value = _scalar_value(value, self)
    tensors = [i for i in _as_tuple(idx) if isinstance(i, (Tensor, list, np.ndarray, bool))]
    masked = (value.numel() == 1 and value.device.type == "cpu" and len(tensors) == 1
              and isinstance(tensors[0], Tensor) and tensors[0]._dtype in (D.bool_, D.uint8))
    if masked and tensors[0]._dtype is D.uint8:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
    np_idx = _np_index(self, idx)
    oob = None  # an index out of range: torch's kernel refuses it after the value's checks
    try:
        region_shape = _indexed(self, np_idx).shape
    except IndexError as e:
        oob, np_idx, deferred = _index_error(self, _as_tuple(idx), np_idx, e)
        if oob is not None and not deferred:
            raise oob from None
        region_shape = self._array[np_idx].shape
    if not masked:
        lead = 0
        while lead < value.dim() and value._shape[lead] == 1:
            lead += 1
        if lead:  # (before index_put_'s overlap check, which then sees the view: t[i] = t may pass)
            value = value.view(value._shape[lead:])
            vt = value if vt is not None else None
        M.check_no_overlap(self, value)
        vs = value._shape
        if len(vs) > len(region_shape) or any(s != 1 and s != r for s, r in zip(vs[::-1], region_shape[::-1])):
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(vs)} cannot be broadcast to indexing "
                               f"result of shape {list(region_shape)}")
        if value._dtype is not self._dtype:
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                               f"{D.type_name(self._dtype)} for the destination and {D.type_name(value._dtype)} "
                               "for the source.")
    if oob is not None:
        raise oob
    v = _backend.to_numpy(value._array) if self._xp is np else self._xp.asarray(value._array)
    if masked:
        v = v.reshape(())  # masked_fill_(mask, value.item())
    self._array[np_idx] = v.astype(self._dtype.np)
    self._bump()

    def backward(grads, *s):
        g = grads[0]
        keep = g.clone()
        keep._array[np_idx] = 0
        gv = getitem(g, np_idx) if vt is not None else None
        return keep, gv

    M.rebase_history(self, "IndexPutBackward0", (vt,), backward)


OPERATORS = {"__getitem__": getitem, "__setitem__": setitem}
