"""Selection by index or mask: index_select, masked_select, nonzero, gather, scatter(_add), take, where,
and index_add (the adjoint of index_select, used by several backward formulas).

Every op returns new memory (never a view). Forwards work on backend arrays; backwards are written in
impl ops (index_select <-> index_add, gather <-> scatter_add), so create_graph works through them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _geometry as geo, dtypes as D
from ..tensor import Tensor
from . import _machinery as M
from . import _args as A
from ._out import exact_out, no_overlap

_INDEX_DTYPES = (D.int32, D.int64)


def _zeros(shape: tuple, like: Tensor) -> Tensor:
    from .creation import zeros

    return zeros(shape, dtype=like._dtype, device=like.device)


def _add_at(xp: Any, arr: Any, idx: Any, vals: Any) -> None:
    (np.add.at if xp is np else xp.add.at)(arr, idx, vals)


def _index_arg(index: Any, opname: str) -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(f"{opname}(): argument 'index' must be Tensor, not {type(index).__name__}")
    return index


# ---- index_select / index_add --------------------------------------------------------------------

def _check_vector_index(input: Tensor, d: int, index: Tensor, opname: str) -> Any:
    if index._dtype not in _INDEX_DTYPES:
        if opname == "index_select" and input._device.type == "cuda":  # CUDA's kernel dispatches on it first
            raise NotImplementedError(f"\"index_select_out_cuda_impl\" not implemented for "
                                      f"'{D.type_name(index._dtype)}'")
        raise RuntimeError(f"{opname}(): Expected dtype int32 or int64 for index")
    if index.dim() > 1:
        raise IndexError(f"{opname}(): Index is supposed to be a vector")
    idx = index._array.reshape(-1).astype(np.int64)
    size = input._shape[d] if input.dim() else 1
    if input.dim() == 0 and opname == "index_select":
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
        if int(idx[0]) != 0:
            raise IndexError("index out of range in self")
    if idx.size:
        if opname == "index_select" and input.dim() > 1 and size == 0:
            raise RuntimeError("index_select(): self indexing axis dim should be positive")
        bad = (idx < 0) | (idx >= size)
        if bool(bad.any()):
            # torch's CPU kernels: the dim-1 kernel reports the bad id, the others an IndexError
            # (an empty input of 2+ dims goes to the kernel that reports the id, whatever the dim)
            if opname == "index_select" and (d != 1 or input.dim() < 2) and not (
                    input.dim() > 1 and input.numel() == 0):
                raise IndexError("index out of range in self")
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(idx[bad][0])} axis_dim={size}")
    return idx


@M.export()
def index_select(input: Tensor, dim: int, index: Tensor, *, out: Any = None) -> Tensor:
    M.check_tensor(input, "index_select")
    _index_arg(index, "index_select")
    d = geo.wrap_dim(dim, input.dim())
    idx = _check_vector_index(input, d, index, "index_select")
    exact_out(out, input._dtype)
    no_overlap(out, input, index)
    a = input._array if input.dim() else input._array.reshape(1)
    arr = input._xp.take(a, idx, axis=d)
    if input.dim() == 0:
        arr = arr.reshape(()) if arr.size == 1 else arr
    if out is not None:
        return M.write_out(out, arr, input._dtype, "index_select", [input])
    in_shape = input._shape
    idx_t = index.reshape(-1)

    def backward(grads, *s):
        g = grads[0]
        if not in_shape:
            return (g.sum().reshape(()),)
        return (index_add(_zeros(in_shape, g), d, idx_t, g),)

    return M.record(M.wrap(arr, input._dtype, input), "IndexSelectBackward0", [input], backward, [index])


def _index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, alpha: Any, inplace: bool,
               out: Any = None) -> Tensor:
    M.check_tensor(input, "index_add")
    _index_arg(index, "index_add")
    M.check_tensor(source, "index_add", "source")
    d = geo.wrap_dim(dim, input.dim())
    idx = _check_vector_index(input, d, index, "index_add")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"index_add_(): self ({D.type_name(input._dtype)}) and source "
                           f"({D.type_name(source._dtype)}) must have the same scalar type")
    src_shape = input._shape[:d] + (idx.size,) + input._shape[d + 1:] if input.dim() else (idx.size,)
    if source.numel() != geo.prod(src_shape) or (source.dim() and source._shape != src_shape):
        raise RuntimeError(f"index_add_(): Source/destination tensor must have same slice shapes. Destination "
                           f"slice shape: {list(input._shape[:d] + input._shape[d + 1:])} at dimension {d} and "
                           f"source slice shape: {list(source._shape[:d] + source._shape[d + 1:])} at dimension 0.")
    if inplace:
        M.check_inplace_target(input, input._dtype, input._shape, (source,))
        no_overlap(input, index, source)
    exact_out(out, input._dtype)
    no_overlap(out, input, index, source)
    A.check_fits(alpha, input._dtype)  # (even with an empty index)
    xp = input._xp
    res = xp.array(input._array if input.dim() else input._array.reshape(1), copy=True)
    src = source._array.reshape(src_shape)
    with M.errstate():  # sums past the dtype's range are inf, silently
        if alpha != 1:
            src = src * M.operand_array(alpha, input._dtype, xp)
        _add_at(xp, res, (slice(None),) * d + (idx,), src)
    res = res.reshape(input._shape)
    if out is not None:
        return M.write_out(out, res, input._dtype, "index_add", [input, source])
    idx_t = index.reshape(-1)
    s_shape = source._shape

    def backward(grads, *s):
        g = grads[0]
        gs = index_select(g, d, idx_t).reshape(s_shape)
        return g, (gs if alpha == 1 else gs * alpha)

    if inplace:
        M.write(input, res)
        M.rebase_history(input, "IndexAddBackward0", (source,), backward, [index])
        return input
    return M.record(M.wrap(res, input._dtype, input), "IndexAddBackward0", [input, source], backward, [index])


@M.export()
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1, out: Any = None) -> Tensor:
    return _index_add(input, dim, index, source, alpha, False, out)


@M.export(function=False)
def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    return _index_add(self, dim, index, source, alpha, True)


# ---- masked_select -------------------------------------------------------------------------------

@M.export()
def masked_select(input: Tensor, mask: Tensor, *, out: Any = None) -> Tensor:
    M.check_tensor(input, "masked_select")
    if not isinstance(mask, Tensor):  # (worded for a positional mask: x.masked_select(m) is position 1)
        raise A.arg_error("masked_select", "mask", "Tensor", mask, 2)
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = geo.broadcast_shapes(mask._shape, input._shape)  # (torch's order: the mask's size first)
    exact_out(out, input._dtype)
    no_overlap(out, input, mask)
    xp = input._xp
    mb = xp.broadcast_to(mask._array, shape)
    arr = xp.array(xp.broadcast_to(input._array, shape)[mb], copy=True)
    if out is not None:
        return M.write_out(out, arr, input._dtype, "masked_select", [input])
    pos = M.wrap(xp.flatnonzero(mb).astype(np.int64), D.int64, input)
    numel = geo.prod(shape)

    def backward(grads, *s):
        g = grads[0]
        return (index_add(_zeros((numel,), g), 0, pos, g).reshape(shape),)

    return M.record(M.wrap(arr, input._dtype, input), "MaskedSelectBackward0", [input], backward, [mask])


# ---- nonzero -------------------------------------------------------------------------------------

@M.export()
def nonzero(input: Tensor, *, out: Any = None, as_tuple: bool = False) -> Any:
    M.check_tensor(input, "nonzero")
    as_tuple = A.check_bool(as_tuple, "nonzero", "as_tuple")
    if out is not None and isinstance(out, Tensor) and out._dtype is not D.int64:
        raise RuntimeError(f"nonzero: Expected out tensor to have scalar type Long but got scalar type"
                           f"{D.type_name(out._dtype)}")
    xp = input._xp
    arr = xp.argwhere(input._array).astype(np.int64)
    if as_tuple:
        if input.dim() == 0:
            return (M.wrap(xp.zeros(arr.shape[0], dtype=np.int64), D.int64, input),)
        return tuple(M.wrap(xp.array(arr[:, i], copy=True), D.int64, input) for i in range(input.dim()))
    if out is not None:
        return M.write_out(out, arr, D.int64, "nonzero", [])
    return M.wrap(arr, D.int64, input, stride=(1, arr.shape[0]))  # torch's result is column-major


@M.export()
def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


@M.export()
def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    M.check_tensor(input, "count_nonzero")
    dims = M.dims_arg(dim, input.dim())
    a = input._array != 0
    arr = a.sum(axis=dims).astype(np.int64) if input.dim() else a.astype(np.int64)
    return M.wrap(input._xp.asarray(arr), D.int64, input)


# ---- gather / scatter ----------------------------------------------------------------------------

def _check_index_dtype(index: Tensor, opname: str) -> None:
    if index._dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{opname}(): Expected dtype int32/int64 for index")


def _check_bounds(idx: Any, size: int, d: int) -> None:
    if idx.size:
        bad = (idx < 0) | (idx >= size)
        if bool(bad.any()):
            raise RuntimeError(f"index {int(idx[bad][0])} is out of bounds for dimension {d} with size {size}")


def _fancy(idx: Any, d: int, xp: Any) -> tuple:
    """The full NumPy fancy index that addresses position (i0.., idx[i], ..) for every element i of idx."""
    n = idx.ndim
    out = []
    for k in range(n):
        if k == d:
            out.append(idx)
        else:
            shape = [1] * n
            shape[k] = idx.shape[k]
            out.append(xp.arange(idx.shape[k], dtype=np.int64).reshape(shape))
    return tuple(out)


def _nd(t: Tensor) -> Any:
    return t._array if t.dim() else t._array.reshape(1)


@M.export()
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Any = None) -> Tensor:
    M.check_tensor(input, "gather")
    _index_arg(index, "gather")
    d = geo.wrap_dim(dim, input.dim())
    _check_index_dtype(index, "gather")
    if max(index.dim(), 1) != max(input.dim(), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    ishape = index._shape or (1,)
    sshape = input._shape or (1,)
    for k in range(len(ishape)):
        if k != d and ishape[k] > sshape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index._shape)} to be no "
                               f"larger than self {list(input._shape)} apart from dimension {d}")
    idx = _nd(index).astype(np.int64)
    _check_bounds(idx, sshape[d], d)
    exact_out(out, input._dtype)
    # torch's gather meta: assert_no_overlap(out, self), but only assert_no_partial_overlap(out, index) (out may
    # be index itself)
    no_overlap(out, input)
    if isinstance(out, Tensor):
        M.check_no_partial_overlap(out, index)
    xp = input._xp
    arr = xp.array(_nd(input)[_fancy(idx, d, xp)], copy=True).reshape(index._shape)
    if out is not None:
        return M.write_out(out, arr, input._dtype, "gather", [input])
    in_shape = input._shape

    def backward(grads, *s):
        g = grads[0]
        return (scatter_add(_zeros(in_shape, g), d, index, g),)

    return M.record(M.wrap(arr, input._dtype, input), "GatherBackward0", [input], backward, [index])


def _check_scatter(input: Tensor, d: int, index: Tensor, src: Any, opname: str) -> Any:
    _check_index_dtype(index, opname)
    if max(index.dim(), 1) != max(input.dim(), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    ishape = index._shape or (1,)
    sshape = input._shape or (1,)
    if isinstance(src, Tensor):
        if src._dtype is not input._dtype:
            raise RuntimeError(f"{opname}(): Expected self.dtype to be equal to src.dtype")
        if max(src.dim(), 1) != max(input.dim(), 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        srcshape = src._shape or (1,)
        if any((k != d and ishape[k] > sshape[k]) or ishape[k] > srcshape[k] for k in range(len(ishape))):
            raise RuntimeError(f"Expected index {list(index._shape)} to be no larger than self {list(input._shape)} "
                               f"apart from dimension {d} and to be no larger size than src {list(src._shape)}")
    elif any(k != d and ishape[k] > sshape[k] for k in range(len(ishape))):
        raise RuntimeError(f"Expected index {list(index._shape)} to be no larger than self {list(input._shape)} "
                           f"apart from dimension {d}")
    idx = _nd(index).astype(np.int64)
    _check_bounds(idx, sshape[d], d)
    return idx


def _scatter(input: Tensor, dim: int, index: Tensor, src: Any, *, add: bool = False, inplace: bool = False,
             out: Any = None, opname: str = "scatter") -> Tensor:
    M.check_tensor(input, opname)
    _index_arg(index, opname)
    d = geo.wrap_dim(dim, input.dim())
    if not isinstance(src, Tensor) and not isinstance(src, A.NUMBER_TYPES):  # (worded positional)
        raise A.invalid_combination(opname, (dim, index, src) if inplace else (input, dim, index, src))
    idx = _check_scatter(input, d, index, src, opname)
    if inplace:
        M.check_inplace_target(input, input._dtype, input._shape, (src,))
        no_overlap(input, index, src)
    exact_out(out, input._dtype)
    no_overlap(out, index, src)  # out may be self itself (torch copies self into out first)
    xp = input._xp
    res = xp.array(_nd(input), copy=True)
    fancy = _fancy(idx, d, xp)
    if isinstance(src, Tensor):
        vals = _nd(src)[tuple(slice(0, s) for s in idx.shape)]
    else:
        if idx.size:  # torch's kernel converts the value checked, and returns before that for an empty index
            A.check_fits(src, input._dtype)
        vals = M.operand_array(src, input._dtype, xp)
    if add:
        with M.errstate():  # sums past the dtype's range are inf, silently
            _add_at(xp, res, fancy, xp.broadcast_to(vals, idx.shape))
    else:
        res[fancy] = vals
    res = res.reshape(input._shape)
    if out is not None:
        return M.write_out(out, res, input._dtype, opname, [input, src])
    is_t = isinstance(src, Tensor)

    def backward(grads, *s):
        g = grads[0]
        gself = g if add else scatter(g, d, index, 0)
        if not is_t:
            return (gself,)
        return gself, gather(g, d, index)

    node = "ScatterAddBackward0" if add else ("ScatterBackward0" if is_t else "ScatterBackward1")
    others = (src,) if is_t else ()
    if inplace:
        M.write(input, res)
        M.rebase_history(input, node, others, backward, [index])
        return input
    return M.record(M.wrap(res, input._dtype, input), node, [input, *others], backward, [index])


def _src_arg(src: Any, value: Any, opname: str) -> Any:
    if src is None and value is None:
        raise TypeError(f"{opname}() missing required argument 'src' or 'value'")
    return src if src is not None else value


@M.export()
def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: Any = None,
            out: Any = None) -> Tensor:
    if reduce is not None:
        raise NotImplementedError("impl: scatter(reduce=...) is not supported")
    return _scatter(input, dim, index, _src_arg(src, value, "scatter"), out=out)


@M.export(function=False)
def scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
             reduce: Any = None) -> Tensor:
    if reduce is not None:
        raise NotImplementedError("impl: scatter_(reduce=...) is not supported")
    return _scatter(self, dim, index, _src_arg(src, value, "scatter_"), inplace=True, opname="scatter_")


@M.export()
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *, out: Any = None) -> Tensor:
    if not isinstance(src, Tensor):  # (worded positional)
        raise A.arg_error("scatter_add", "src", "Tensor", src, 4)
    return _scatter(input, dim, index, src, add=True, out=out, opname="scatter_add")


@M.export(function=False)
def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    if not isinstance(src, Tensor):  # (worded positional; a method: no self)
        raise A.arg_error("scatter_add_", "src", "Tensor", src, 3)
    return _scatter(self, dim, index, src, add=True, inplace=True, opname="scatter_add_")


# ---- take ----------------------------------------------------------------------------------------

@M.export()
def take(input: Tensor, index: Tensor, *, out: Any = None) -> Tensor:
    M.check_tensor(input, "take")
    _index_arg(index, "take")
    if index._dtype is not D.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {D.type_name(index._dtype)}")
    n = input.numel()
    idx = index._array.astype(np.int64)
    if idx.size:
        bad = (idx < -n) | (idx >= n)
        if bool(bad.any()):
            raise IndexError(f"out of range: tried to access index {int(idx[bad][0])} on a tensor of {n} elements.")
    idx = idx % max(n, 1)
    exact_out(out, input._dtype)
    no_overlap(out, input, index)
    xp = input._xp
    arr = xp.array(input._array.reshape(-1)[idx], copy=True)
    if out is not None:
        return M.write_out(out, arr, input._dtype, "take", [input])
    in_shape = input._shape
    flat = M.wrap(idx.reshape(-1), D.int64, input)

    def backward(grads, *s):
        g = grads[0]
        return (index_add(_zeros((n,), g), 0, flat, g.reshape(-1)).reshape(in_shape),)

    return M.record(M.wrap(arr, input._dtype, input), "TakeBackward0", [input], backward, [index])


# ---- where ---------------------------------------------------------------------------------------

@M.export(method=False)
def where(condition: Tensor, input: Any = None, other: Any = None, *, out: Any = None) -> Any:
    M.check_tensor(condition, "where", "condition")
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if condition._dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{D.type_name(condition._dtype)}")
    for v, name in ((input, "input"), (other, "other")):
        if not isinstance(v, Tensor) and not isinstance(v, A.NUMBER_TYPES):  # (worded positional)
            raise A.invalid_combination("where", (condition, input, other))
    rdt = D.result_type(input, other)
    for v in (input, other):  # torch makes a scalar_tensor of rdt: a one-element fill (float16 unchecked)
        A.check_fits(v, rdt, 1)
    like = M.same_device("where", condition, input, other)
    geo.broadcast_shapes(condition._shape, *[t._shape for t in (input, other) if isinstance(t, Tensor)])
    if out is not None and isinstance(out, Tensor) and out._dtype is not rdt:
        raise RuntimeError(f"Expected out type to be {D.type_name(rdt)} but got {D.type_name(out._dtype)}")
    xp = condition._xp
    arr = xp.where(condition._array, M.operand_array(input, rdt, xp), M.operand_array(other, rdt, xp))
    operands = ((condition._shape, condition._stride), input, other)  # the condition keeps its dtype
    if out is not None:
        return M.write_out(out, arr, rdt, "where", [input, other], operands=operands, common=rdt)
    tin, toth = isinstance(input, Tensor), isinstance(other, Tensor)
    if not tin and not toth:
        return M.wrap(arr, rdt, like, operands, rdt)

    def backward(grads, *s):
        g = grads[0]
        return (None, where(condition, g, 0) if tin else None, where(condition, 0, g) if toth else None)

    return M.record(M.wrap(arr, rdt, like, operands, rdt), "WhereBackward0", [condition, input, other], backward, [condition])


@M.export("where", function=False)
def where_method(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    return where(condition, self, other)


# ---- masked_fill ---------------------------------------------------------------------------------

def _masked_fill(input: Any, mask: Any, value: Any, inplace: bool) -> Tensor:
    opname = "masked_fill_" if inplace else "masked_fill"
    M.check_tensor(input, opname)
    M.check_tensor(mask, opname, "mask")
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask._dtype.name.replace('float32', 'float').replace('float64', 'double')}")
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.dim()} dimension(s).")
    elif not isinstance(value, A.NUMBER_TYPES):  # (worded positional; masked_fill_ is a method: no self)
        raise A.invalid_combination(opname, (mask, value) if inplace else (input, mask, value))
    # (mask, input): torch's expand_outplace(mask, self) names the mask's size first
    shape = geo.broadcast_shapes(mask._shape, input._shape) if not inplace else \
        geo.broadcast_shapes(input._shape, mask._shape)
    if inplace:
        if geo.has_internal_overlap(input._shape, input._stride):
            # torch still allows this (deprecated): every alias of an element gets the value
            import warnings

            warnings.warn("Use of masked_fill_ on expanded tensors is deprecated. Please clone() the tensor before "
                          "performing this operation. This also applies to advanced indexing e.g. tensor[mask] = "
                          "scalar", UserWarning, stacklevel=3)
            if shape != input._shape:
                raise RuntimeError(f"output with shape {list(input._shape)} doesn't match the broadcast shape "
                                   f"{list(shape)}")
            _leaf_checks(input)
        else:
            M.check_inplace_target(input, input._dtype, shape, (value,))
    # torch takes value.item() (a 0-d tensor too) and converts it checked, whatever the mask holds
    A.check_fits(value.item() if isinstance(value, Tensor) else value, input._dtype)
    xp = input._xp
    with M.errstate():
        v = value._array.astype(input._dtype.np) if isinstance(value, Tensor) else \
            M.operand_array(value, input._dtype, xp)
    arr = xp.where(mask._array, v, input._array).astype(input._dtype.np)
    vt = value if isinstance(value, Tensor) else None

    def backward(grads, *s):
        g = grads[0]
        gi = where(mask, 0, g)
        if vt is None:
            return (gi,)
        return gi, where(mask, g, 0).sum()

    node = "MaskedFillBackward1" if vt is not None else "MaskedFillBackward0"
    others = (vt,) if vt is not None else ()
    if inplace:
        if geo.has_internal_overlap(input._shape, input._stride):
            # only the masked elements are written: each alias of one gets the value, whatever the others'
            # mask says (writing the whole result would let a later unmasked alias put the old value back)
            with M.errstate():
                input._array[xp.broadcast_to(mask._array, input._shape)] = xp.asarray(v).reshape(())
            input._bump()
        else:
            M.write(input, arr)
        M.rebase_history(input, node, others, backward, [mask])
        return input
    return M.record(M.wrap(arr, input._dtype, input), node, [input, *others], backward, [mask])


def _leaf_checks(t: Tensor) -> None:
    from ..autograd import grad_mode

    if grad_mode.is_grad_enabled() and t._requires_grad:
        if t._grad_fn is None and t._base is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if t._base is not None and t._base._requires_grad and t._base._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


@M.export()
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    return _masked_fill(input, mask, value, False)


@M.export(function=False)
def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    return _masked_fill(self, mask, value, True)
