"""Reductions over dims (sum, mean) and sum_to, which reduces a gradient to a broadcast input's shape."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _geometry as geo, dtypes as D
from .._backend import module_of
from ..autograd import grad_mode
from ..tensor import Tensor, fresh_result, same_storage, wrap_array
from . import _machinery as M
from . import _args as A


def _reduce_shape(shape: tuple, dims: tuple, keepdim: bool) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape)) if keepdim else \
        tuple(s for i, s in enumerate(shape) if i not in dims)


def _grad_expand(g: Tensor, in_shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and g._shape:  # (a 0-d gradient of a full reduction expands as it is, as torch's does)
        g = g.reshape(_reduce_shape(in_shape, dims, True))
    return g.expand(in_shape)


def _sum_dtype(x: Tensor, dtype: Any) -> D.dtype:
    if dtype is not None:
        return D.to_dtype(dtype)
    return D.int64 if x._dtype.category < 2 else x._dtype


# sum's keepdim default: False as NumPy's bool, so that an explicit keepdim=False (a Python bool) is told
# from no keepdim at all, which the argument parser's message for a bad dim depends on
_NO_KEEPDIM = np.False_


_grad_state = grad_mode._state  # read directly: the plain path checks grad mode on every call
_row_major = geo.tuple_contiguous_strides  # (cached: an op's row-major result holds this very tuple)
_PLAIN_SUM = frozenset((D.float32, D.float64))


def _plain_sum(x: Any) -> Tensor | None:
    """x.sum() for the commonest input, else None: a float32/float64 CPU tensor of at least one dim. Every
    check of sum passes for it and the result is a fresh 0-d tensor of its dtype: the reduction, one tensor
    and, if x needs a gradient, the node (a tiny op's time is its bookkeeping)."""
    if type(x) is not Tensor or x._dtype not in _PLAIN_SUM or not x._shape:
        return None
    a = x._array
    if type(a) is not np.ndarray:
        return None
    acc = x._dtype.np
    token = M.FP_POLICY.set(M.FP_IGNORE)
    try:
        # np.add.reduce is what ndarray.sum runs, without NumPy's Python-level wrapper; written into a 0-d
        # array, the full reduction stays an array (not a NumPy scalar to convert back)
        arr = np.add.reduce(a, None, acc, np.empty((), acc))  # (axis None: cheaper than all dims)
    finally:
        M.FP_POLICY.reset(token)
    y = fresh_result(arr, x._dtype, x._device, (), ())
    if x._requires_grad:
        _record_sum(y, x, "SumBackward0", tuple(range(len(x._shape))), False)
    return y


def _record_sum(y: Tensor, x: Tensor, node: str, dims: tuple, keepdim: bool) -> None:
    in_shape = x._shape
    M.record(y, node, [x], lambda g, *s: (_grad_expand(g[0], in_shape, dims, keepdim),))


@M.export()
def sum(input: Tensor, dim: Any = None, keepdim: bool = _NO_KEEPDIM, *, dtype: Any = None, out: Any = None) -> Tensor:
    if dim is None and dtype is None and out is None and keepdim is _NO_KEEPDIM and (
            y := _plain_sum(input)) is not None:
        return y
    M.check_tensor(input, "sum")
    ndim = len(input._shape)
    try:
        dims = M.dims_arg(dim, ndim)
    except TypeError:  # not an int, nor a sequence of ints: the argument parser's error
        err = A.int_list_error(dim, "sum")
        if keepdim is _NO_KEEPDIM and dtype is None and out is None and "unpack" not in str(err):
            # sum(x, dim=1.5): two overloads take (input, dim), torch lists the call (worded for dim=)
            raise A.invalid_combination("sum", (input,), {"dim": dim}) from None
        raise err from None
    if keepdim is _NO_KEEPDIM:
        keepdim = False
    rdt = _sum_dtype(input, dtype)
    a = input._array
    # half precision accumulates in float32, like torch
    acc = np.float32 if rdt is D.float16 else rdt.np
    xp = module_of(a)
    # a floating sum (or a cast from or to floating point) may overflow: inf/nan, silently as in torch; an
    # integer sum cannot warn, so it skips the errstate
    token = M.FP_POLICY.set(M.FP_IGNORE) if rdt.category == 2 or input._dtype.category == 2 else None
    try:
        if not ndim:
            arr = a.astype(rdt.np)  # a copy: the result must not share the input's memory
        elif xp is not np:
            arr = xp.asarray(xp.sum(a, axis=dims, dtype=acc, keepdims=keepdim))
        elif len(dims) == ndim and not keepdim:
            arr = np.add.reduce(a, None, acc, np.empty((), acc))  # (as in _plain_sum)
        else:
            arr = np.add.reduce(a, dims, acc, None, keepdim)
        if arr.dtype != rdt.np:  # (an unconditional astype would copy a large result once more)
            arr = arr.astype(rdt.np)
    finally:
        if token is not None:
            M.FP_POLICY.reset(token)
    if out is not None:
        return M.write_out(out, arr, rdt, "sum", [input])
    if type(arr) is np.ndarray and arr.dtype is rdt.np and arr.flags.c_contiguous:  # (NumPy's fresh result)
        y = fresh_result(arr, rdt, input._device)
    else:
        y = wrap_array(arr, rdt, input._device)
    if input._requires_grad:  # (the backward closure only where M.record may need it)
        _record_sum(y, input, "SumBackward0" if dim is None else "SumBackward1", dims, keepdim)
    return y


@M.export()
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None) -> Tensor:
    M.check_tensor(input, "mean")
    A.check_dims(dim, "mean")
    rdt = D.to_dtype(dtype) if dtype is not None else input._dtype
    if not rdt.is_floating_point:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {D.type_name(input._dtype)}")
    dims = M.dims_arg(dim, input.dim())
    acc = np.float32 if rdt is D.float16 else rdt.np
    with M.errstate():  # (the cast to dtype= may overflow too: mean(dtype=float16) of 1e38 is inf)
        a = input._array.astype(rdt.np)
        arr = a.mean(axis=dims, keepdims=keepdim, dtype=acc).astype(rdt.np) if input.dim() else a
    if out is not None:
        return M.write_out(out, input._xp.asarray(arr), rdt, "mean", [input])
    in_shape = input._shape
    count = 1
    for d in dims:
        count *= in_shape[d]
    name = "MeanBackward0" if dim is None else "MeanBackward1"
    return M.record(M.wrap(input._xp.asarray(arr), rdt, input), name, [input],
                    lambda g, *s: (_grad_expand(g[0], in_shape, dims, keepdim) / count,))


def sum_to(g: Tensor, shape: tuple) -> Tensor:
    """Sum g over the dims that broadcasting added or expanded, so it has `shape` again."""
    shape = tuple(shape)
    if g._shape == shape:
        return g
    gs = g._shape
    lead = len(gs) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and gs[lead + i] != 1:
            dims.append(lead + i)
    dims = tuple(dims)
    if not dims:
        return g.reshape(shape) if g._shape != shape else g
    a = g._arr
    if (type(a) is np.ndarray and g._dtype in _PLAIN_SUM and g._stride is _row_major(gs)
            and (g._st is None or g._arr_of is g._st.array) and not (g._requires_grad and _grad_state.enabled)):
        # the commonest case (a float gradient in a backward without create_graph): sum's answer without its
        # argument handling; a row-major input gives a row-major result (see _plain_sum)
        token = M.FP_POLICY.set(M.FP_IGNORE)
        try:
            arr = np.add.reduce(a, dims, a.dtype, None, True).reshape(shape)
        finally:
            M.FP_POLICY.reset(token)
        return fresh_result(arr, g._dtype, g._device, shape, _row_major(shape))
    r = sum(g, dims, keepdim=True)
    return r.reshape(shape) if r._shape != shape else r


# ==================================================================================================
# More reductions: prod, cumsum/cumprod, var/std, median, max/min/amax/amin/argmax/argmin, topk/sort,
# norm/dist, all/any, equal. Python's builtins that these names shadow are reached through `builtins`.
# ==================================================================================================

import builtins
import warnings

from .. import _geometry as geo, return_types
from ._out import exact_out, no_overlap
from ..autograd import grad_mode


def _zeros_like_shape(shape: tuple, like: Tensor) -> Tensor:
    from .creation import zeros

    return zeros(shape, dtype=like._dtype, device=like.device)


def _arange_rev(n: int, like: Tensor) -> Tensor:
    return M.wrap(like._xp.arange(n - 1, -1, -1, dtype=np.int64), D.int64, like)


def _flip(t: Tensor, d: int) -> Tensor:
    from .selection import index_select

    return index_select(t, d, _arange_rev(t._shape[d], t))


def _int_dim(dim: Any, opname: str) -> None:
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{opname}(): argument 'dim' must be int, not {type(dim).__name__}")


def _unsq(g: Tensor, in_shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """A reduced tensor reshaped to keepdim form (size 1 on the reduced dims)."""
    return g if keepdim else g.reshape(_reduce_shape(in_shape, dims, True))


# ---- prod ----------------------------------------------------------------------------------------

def _exclusive_prod_grad(x: Tensor, g: Tensor, d: int) -> Tensor:
    """d prod / d x_i = product of the others along d, as (exclusive cumprod from the left) * (from the
    right): exact with zeros, and made of differentiable impl ops."""
    from .joining import cat

    n = x._shape[d]
    if n == 0:
        return g * x
    # torch's prod_safe_zeros_backward: grad * (cumprod([1, x[:-1]]) * flip(cumprod([1, flip(x[1:])])))
    ones = x.narrow(d, 0, 1) * 0 + 1
    left = cumprod(cat([ones, x.narrow(d, 0, n - 1)], d), d)
    right = _flip(cumprod(cat([ones, _flip(x.narrow(d, 1, n - 1), d)], d), d), d)
    both = left * right
    return g * (both.conj() if both.is_complex() else both)


def _prod_array(a: Any, axis: int | None, keepdims: bool, xp: Any) -> Any:
    """The product over ``axis`` (all of ``a`` when None) as torch's CPU kernel computes it.

    torch multiplies half-precision values one after another and rounds every partial product to half:
    [300, 300, 0.001] overflows to inf, and [5]*7 + [0] is inf * 0 = nan, where a float32 accumulator
    gives 90 and 0.  A cumulative product in float16 rounds the same way; other dtypes are NumPy's."""
    if a.ndim == 0:
        return a
    if a.dtype != np.float16:
        with M.errstate():
            return a.prod(axis=axis, keepdims=keepdims)
    lanes = a.reshape(-1) if axis is None else xp.moveaxis(a, axis, -1)
    if lanes.shape[-1] == 0:
        r = xp.ones(lanes.shape[:-1], dtype=a.dtype)
    else:
        with M.errstate():
            r = xp.cumprod(lanes, axis=-1)[..., -1]
    if not keepdims:
        return r
    return r.reshape((1,) * a.ndim) if axis is None else xp.expand_dims(r, axis)


@M.export()
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None) -> Tensor:
    M.check_tensor(input, "prod")
    if dim is not None:
        _int_dim(dim, "prod")
    rdt = _sum_dtype(input, dtype)
    xp = input._xp
    if isinstance(out, Tensor) and dim is not None:
        # torch computes in out's dtype (the input cast to it first); a dtype= must then equal out's
        if dtype is not None:
            exact_out(out, rdt)
        rdt = out._dtype
        if same_storage(out, input):
            # torch's reduction resizes out and fills it with the identity before it reads the input: where
            # out is (part of) the input, the input then reads 1s
            d = geo.wrap_dim(dim, input.dim())
            shape = _reduce_shape(input._shape, (d,), keepdim) if input.dim() else ()
            M.write_out(out, xp.ones(shape, dtype=rdt.np), rdt, "prod", [])
            with M.errstate():
                arr = _prod_array(input._array.astype(rdt.np), d, keepdim, xp)
                out._array[...] = xp.asarray(arr).astype(rdt.np)
            return out
    with M.errstate():  # the cast to dtype= may overflow (prod(dtype=float16) of 1e38 is inf)
        a = input._array if input._dtype is rdt else input._array.astype(rdt.np)
    d = None if dim is None else geo.wrap_dim(dim, input.dim())
    arr = xp.asarray(_prod_array(a, d, keepdim and d is not None, xp)).astype(rdt.np)
    if out is not None:
        return M.write_out(out, arr, rdt, "prod", [input])
    in_shape = input._shape

    def backward(grads, x, y):
        # torch's prod_backward: grad * (result / input) when the input has no zeros (a subnormal input
        # gives what that division gives), else the exclusive products
        g = grads[0]
        if not in_shape:
            return (g.reshape(()),)
        x = x if x._dtype is g._dtype else x.to(g._dtype)
        if d is not None and not keepdim:
            g, y = g.unsqueeze(d), y.unsqueeze(d)
        zeros = int((x._array == 0).sum())
        if zeros == 0:
            q = y / x
            return (g * (q.conj() if q.is_complex() else q),)
        if d is None:
            if zeros > 1 and not grad_mode.is_grad_enabled():
                return (_zeros_like_shape(in_shape, x),)
            flat = x.reshape(-1)
            return (_exclusive_prod_grad(flat, g.reshape(1).expand(flat._shape), 0).reshape(in_shape),)
        return (_exclusive_prod_grad(x, g.expand(in_shape), d),)

    y = M.wrap(arr, rdt, input)
    return M.record(y, "ProdBackward0" if dim is None else "ProdBackward1", [input], backward, [input, y])


# ---- cumsum / cumprod ----------------------------------------------------------------------------

def _cum(kind: str, input: Any, dim: Any, dtype: Any, out: Any = None, inplace: bool = False) -> Tensor:
    M.check_tensor(input, kind)
    _int_dim(dim, kind)
    d = geo.wrap_dim(dim, input.dim())
    rdt = _sum_dtype(input, dtype) if not inplace else (D.to_dtype(dtype) if dtype is not None else input._dtype)
    if isinstance(out, Tensor):
        # torch computes in out's dtype when dtype= is not given, and requires them equal when it is
        if dtype is None:
            rdt = out._dtype
        else:
            exact_out(out, rdt)
    if inplace:
        from ._out import _C_NAMES

        if input._dtype is D.bool_ and input.dim() > 0 and input.numel() > 0:
            raise NotImplementedError(f"\"{kind}_out_cpu\" not implemented for 'Bool'")
        if rdt is not input._dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_C_NAMES[input._dtype.name]} and output tensor "
                               f"dtype {_C_NAMES[rdt.name]} should match")
        M.check_inplace_target(input, rdt, input._shape, ())
    if not inplace and rdt is D.bool_ and input.dim() > 0 and input.numel() > 0:  # out= of dtype bool
        raise NotImplementedError(f"\"{kind}_out_cpu\" not implemented for 'Bool'")
    xp = input._xp
    fn = xp.cumsum if kind == "cumsum" else xp.cumprod
    with M.errstate():  # (the cast to dtype= may overflow as well as the running sum or product)
        a = input._array.astype(np.float32 if rdt is D.float16 else rdt.np)
        arr = fn(a, axis=d).astype(rdt.np) if input.dim() else a.astype(rdt.np)
    if out is not None:
        return M.write_out(out, arr, rdt, kind, [input])
    in_shape = input._shape
    node = "CumsumBackward0" if kind == "cumsum" else "CumprodBackward0"

    def backward(grads, *saved):
        g = grads[0]
        if not in_shape:
            return (g,)
        if kind == "cumsum":
            return (_flip(cumsum(_flip(g, d), d), d),)
        if geo.prod(in_shape) <= 1 or in_shape[d] == 1:  # torch's cumprod_backward returns grad as is
            return (g,)
        x, y = saved
        return (_cumprod_grad(x, y, g, d),)

    if inplace:
        old = None
        if kind == "cumprod" and M.needs_grad(input):
            with grad_mode.no_grad():
                old = Tensor._wrap(xp.array(input._array), input._dtype, input.device)
        M.write(input, arr)
        M.rebase_history(input, node, (), backward, [old, input] if old is not None else [])
        return input
    y = M.wrap(arr, rdt, input)
    return M.record(y, node, [input], backward, [input, y] if kind == "cumprod" else [])


def _cumprod_grad(x: Tensor, y: Tensor, g: Tensor, d: int) -> Tensor:
    if not bool((x._array == 0).any()):
        # sum_{k >= i} g_k y_k / x_i
        return _flip(cumsum(_flip(g * y, d), d), d) / x
    # with zeros: for each i, d y_k / d x_i = prod_{j <= k, j != i} x_j (k >= i)
    from .joining import cat
    from .selection import where

    n = x._shape[d]
    pos = M.wrap(x._xp.arange(n, dtype=np.int64).reshape((n,) + (1,) * (x.dim() - d - 1)), D.int64, x)
    cols = []
    for i in range(n):
        xi = where(pos == i, 1, x)  # x with x_i replaced by 1
        c = cumprod(xi, d)
        terms = where(pos >= i, g * c, 0)
        cols.append(sum(terms, d, keepdim=True))
    return cat(cols, d)


@M.export()
def cumsum(input: Tensor, dim: Any, *, dtype: Any = None, out: Any = None) -> Tensor:
    return _cum("cumsum", input, dim, dtype, out)


@M.export(function=False)
def cumsum_(self: Tensor, dim: Any, *, dtype: Any = None) -> Tensor:
    return _cum("cumsum", self, dim, dtype, inplace=True)


@M.export()
def cumprod(input: Tensor, dim: Any, *, dtype: Any = None, out: Any = None) -> Tensor:
    return _cum("cumprod", input, dim, dtype, out)


@M.export(function=False)
def cumprod_(self: Tensor, dim: Any, *, dtype: Any = None) -> Tensor:
    return _cum("cumprod", self, dim, dtype, inplace=True)


# ---- var / std -----------------------------------------------------------------------------------

def _var_args(kind: str, dim: Any, unbiased: Any, keepdim: Any, correction: Any) -> tuple:
    if isinstance(dim, bool):  # var(x, True): the (input, unbiased) overload
        if unbiased is not None:
            raise TypeError(f"{kind}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{kind}() received an invalid combination of arguments - got both unbiased and "
                        "correction")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction, bool(keepdim)


def _var_std(kind: str, input: Any, dim: Any, unbiased: Any, keepdim: Any, correction: Any, out: Any) -> Tensor:
    M.check_tensor(input, kind)
    if not isinstance(dim, bool):  # std(x, True) is the (input, unbiased) overload
        A.check_dims(dim, kind)
    if out is not None and dim is None and correction is None and unbiased is not None:
        # only torch's (input, unbiased) overload matches, and it has no out=
        raise TypeError(f"{kind}() received an invalid combination of arguments - got (Tensor, out=Tensor, "
                        "unbiased=bool), but expected one of:\n * (Tensor input, tuple of ints dim, bool unbiased = "
                        "True, bool keepdim = False, *, Tensor out = None)\n * (Tensor input, tuple of ints dim = None, "
                        "*, Number correction = None, bool keepdim = False, Tensor out = None)\n * (Tensor input, bool "
                        "unbiased = True)\n")
    dim, correction, keepdim = _var_args(kind, dim, unbiased, keepdim, correction)
    if not input._dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = M.dims_arg(dim, input.dim())
    # torch's CPU std_var_all path (at most one output element, a non-empty input) has no Half kernel: it is
    # reached with a Half input and an out= of another dtype; an empty input fills out with nan first
    if (isinstance(out, Tensor) and input._dtype is D.float16 and out._dtype is not D.float16
            and geo.prod(input._shape) > 0
            and geo.prod([n for i, n in enumerate(input._shape) if i not in dims]) <= 1):
        raise RuntimeError("std_var_all: Unsupported dtype Half")
    in_shape = input._shape
    count = 1
    for d in dims:
        count *= in_shape[d] if in_shape else 1
    dof = count - correction
    if dof <= 0:
        warnings.warn(f"{kind}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    xp = input._xp
    rdt = input._dtype
    a = input._array.astype(np.float32 if rdt is D.float16 else rdt.np)
    with M.errstate():
        if input.dim():
            m = a.mean(axis=dims, keepdims=True) if a.size else a.sum(axis=dims, keepdims=True)
            ss = ((a - m) ** 2).sum(axis=dims, keepdims=keepdim)
        else:
            ss = a * 0
        v = ss / a.dtype.type(builtins.max(dof, 0))
        arr = xp.sqrt(v) if kind == "std" else v
        arr = xp.asarray(arr).astype(rdt.np)  # (a float16 result rounds from float32: may be inf)
    if out is not None:
        return M.write_out(out, arr, rdt, kind, [input])

    def backward(grads, *saved):
        x = saved[0]
        g = _unsq(grads[0], in_shape, dims, keepdim)
        if kind == "std":  # torch: (grad / (2 * result)).masked_fill_(result == 0, 0)
            from .selection import where

            r = _unsq(saved[1], in_shape, dims, keepdim)
            g = where(r == 0, 0, g / (r * 2))
        centered = x - x.mean(dims, keepdim=True) if in_shape else x * 0
        if dof <= 0 and (dim is None or not in_shape):
            # torch's full reductions (and 0-d inputs) with dof <= 0: +-inf by the sign of grad, nan where x == mean
            return (g * float("inf") * centered.abs(),)
        return ((2.0 / dof if dof != 0 else float("inf")) * g * centered,)

    y = M.wrap(arr, rdt, input)
    return M.record(y, "StdBackward0" if kind == "std" else "VarBackward0", [input], backward,
                    [input, y] if kind == "std" else [input])


@M.export()
def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None,
        out: Any = None) -> Tensor:
    return _var_std("var", input, dim, unbiased, keepdim, correction, out)


@M.export()
def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None,
        out: Any = None) -> Tensor:
    return _var_std("std", input, dim, unbiased, keepdim, correction, out)


# ---- selecting reductions: helpers ---------------------------------------------------------------

def _evenly_distribute(g: Tensor, x: Tensor, value: Tensor) -> Tensor:
    """torch's evenly_distribute_backward: the gradient is shared by every element equal to the result."""
    mask = x == value
    if x._dtype.is_floating_point and bool(value._array != value._array):
        mask = x != x
    return mask * (g / mask.sum())


def _select_grad(g: Tensor, idx: Tensor, in_shape: tuple, d: int, keepdim: bool) -> Tensor:
    """torch's value_selecting_reduction_backward: g scattered to the selected positions."""
    from .selection import scatter

    if not in_shape:
        return g.reshape(())
    if not keepdim:
        g, idx = g.unsqueeze(d), idx.unsqueeze(d)
    return scatter(_zeros_like_shape(in_shape, g), d, idx, g)


def _check_nonempty_dim(input: Tensor, d: int, opname: str) -> None:
    if input.dim() and input._shape[d] == 0:
        raise IndexError(f"{opname}(): Expected reduction dim {d} to have non-zero size.")


def _arg_along(xp: Any, a: Any, d: int, kind: str) -> Any:
    """First index of the max/min along d, with NaN winning like torch."""
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        if bool(nan.any()):
            best = xp.argmax(a, axis=d) if kind == "max" else xp.argmin(a, axis=d)
            first_nan = xp.argmax(nan, axis=d)
            return xp.where(nan.any(axis=d), first_nan, best)
    return xp.argmax(a, axis=d) if kind == "max" else xp.argmin(a, axis=d)


def _out_pair(out: Any, vals: Any, idx: Any, rdt: D.dtype, opname: str, inputs: list, rt: type) -> Any:
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{opname}(): argument 'out' must be tuple of Tensors")
    exact_out(out[0], rdt)
    exact_out(out[1], D.int64)
    no_overlap(out[0], *inputs)
    no_overlap(out[1], *inputs)
    M.write_out(out[0], vals, rdt, opname, inputs)
    M.write_out(out[1], idx, D.int64, opname, [])
    return rt(out[0], out[1])


# ---- max / min -----------------------------------------------------------------------------------

def _extreme(kind: str, input: Any, dim: Any, keepdim: bool, out: Any) -> Any:
    M.check_tensor(input, kind)
    if isinstance(dim, Tensor):  # max(a, b): the binary overload
        from .pointwise import maximum, minimum

        return (maximum if kind == "max" else minimum)(input, dim, out=out)
    xp = input._xp
    rt = return_types.max if kind == "max" else return_types.min
    rdt = input._dtype
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{kind}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        a = input._array
        arr = (a.max() if kind == "max" else a.min()) if input.dim() else a
        arr = xp.array(arr, dtype=rdt.np)
        if out is not None:
            return M.write_out(out, arr, rdt, kind, [input])
        y = M.wrap(arr, rdt, input)
        return M.record(y, "MaxBackward1" if kind == "max" else "MinBackward1", [input],
                        lambda grads, x, yy: (_evenly_distribute(grads[0], x, yy),), [input, y])
    _int_dim(dim, kind)
    d = geo.wrap_dim(dim, input.dim())
    _check_nonempty_dim(input, d, kind)
    a = input._array
    if input.dim():
        idx = _arg_along(xp, a, d, kind)
        vals = xp.take_along_axis(a, xp.expand_dims(idx, d), axis=d)
        vals = vals if keepdim else vals.reshape(idx.shape)
        idx = xp.expand_dims(idx, d) if keepdim else idx
    else:
        vals, idx = xp.array(a, copy=True), xp.zeros((), dtype=np.int64)
    idx = idx.astype(np.int64)
    if out is not None:
        return _out_pair(out, vals, idx, rdt, kind, [input], rt)
    v = M.wrap(vals, rdt, input)
    i = M.wrap(idx, D.int64, input)
    in_shape = input._shape
    M.record(v, "MaxBackward0" if kind == "max" else "MinBackward0", [input],
             lambda grads, ii: (_select_grad(grads[0], ii, in_shape, d, keepdim),), [i])
    return rt(v, i)


@M.export()
def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:
    return _extreme("max", input, dim, keepdim, out)


@M.export()
def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:
    return _extreme("min", input, dim, keepdim, out)


def _amax(kind: str, input: Any, dim: Any, keepdim: bool, out: Any) -> Tensor:
    M.check_tensor(input, kind)
    dims = M.dims_arg(dim if dim != () else None, input.dim())
    for d in dims:
        _check_nonempty_dim(input, d, kind)
    if not dims and input.numel() == 0:
        raise IndexError(f"{kind}(): Expected reduction dim to be specified for input.numel() == 0.")
    a = input._array
    arr = (a.max(axis=dims, keepdims=keepdim) if kind == "amax" else a.min(axis=dims, keepdims=keepdim)) \
        if input.dim() else a
    arr = input._xp.array(arr, dtype=input._dtype.np)
    if out is not None:
        return M.write_out(out, arr, input._dtype, kind, [input])
    in_shape = input._shape

    def backward(grads, x, y):
        g = _unsq(grads[0], in_shape, dims, keepdim)
        mask = x == _unsq(y, in_shape, dims, keepdim)
        return (mask * (g / mask.sum(dims, keepdim=True)),)

    y = M.wrap(arr, input._dtype, input)
    return M.record(y, "AmaxBackward0" if kind == "amax" else "AminBackward0", [input], backward, [input, y])


@M.export()
def amax(input: Tensor, dim: Any = (), keepdim: bool = False, *, out: Any = None) -> Tensor:
    return _amax("amax", input, dim, keepdim, out)


@M.export()
def amin(input: Tensor, dim: Any = (), keepdim: bool = False, *, out: Any = None) -> Tensor:
    return _amax("amin", input, dim, keepdim, out)


def _argext(kind: str, input: Any, dim: Any, keepdim: bool, out: Any) -> Tensor:
    opname = "arg" + kind
    M.check_tensor(input, opname)
    exact_out(out, D.int64)
    if input._dtype is D.bool_:
        raise RuntimeError(f"{opname}(): does not support bool input")
    xp = input._xp
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{opname}(): Expected reduction dim to be specified for input.numel() == 0.")
        flat = input._array.reshape(-1)
        idx = _arg_along(xp, flat, 0, kind).astype(np.int64)
        arr = idx.reshape((1,) * input.dim()) if keepdim else xp.asarray(idx).reshape(())
    else:
        _int_dim(dim, opname)
        d = geo.wrap_dim(dim, input.dim())
        if input.dim() and input._shape[d] == 0:
            raise IndexError(f"{opname}(): Expected reduction dim {d} to have non-zero size.")
        if input.dim():
            arr = _arg_along(xp, input._array, d, kind).astype(np.int64)
            arr = xp.expand_dims(arr, d) if keepdim else arr
        else:
            arr = xp.zeros((), dtype=np.int64)
    if out is not None:
        return M.write_out(out, arr, D.int64, opname, [])
    return M.wrap(xp.asarray(arr), D.int64, input)


@M.export()
def argmax(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Tensor:
    return _argext("max", input, dim, keepdim, out)


@M.export()
def argmin(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Tensor:
    return _argext("min", input, dim, keepdim, out)


# ---- sort / topk / median ------------------------------------------------------------------------

def _order(xp: Any, a: Any, d: int, descending: bool) -> Any:
    """Stable order along d; NaN counts as the largest value (like torch)."""
    if not descending:
        return xp.argsort(a, axis=d, kind="stable")
    n = a.shape[d]
    rev = xp.flip(a, axis=d)
    o = xp.flip(xp.argsort(rev, axis=d, kind="stable"), axis=d)
    return (n - 1) - o


@M.export()
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: Any = None, out: Any = None) -> Any:
    M.check_tensor(input, "sort")
    _int_dim(dim, "sort")
    d = geo.wrap_dim(dim, input.dim())
    xp = input._xp
    if input.dim():
        idx = _order(xp, input._array, d, descending).astype(np.int64)
        vals = xp.take_along_axis(input._array, idx, axis=d)
    else:
        idx, vals = xp.zeros((), dtype=np.int64), xp.array(input._array, copy=True)
    if out is not None:
        return _out_pair(out, vals, idx, input._dtype, "sort", [input], return_types.sort)
    v, i = M.wrap(vals, input._dtype, input), M.wrap(idx, D.int64, input)
    in_shape = input._shape
    # passing stable= at all selects torch's sort.stable overload (SortBackward1); the order is stable either way
    M.record(v, "SortBackward0" if stable is None else "SortBackward1", [input], lambda grads, ii: (_select_grad(grads[0], ii, in_shape, d, True),), [i])
    return return_types.sort(v, i)


@M.export()
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    return sort(input, dim, descending, stable=stable).indices


@M.export()
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out: Any = None) -> Any:
    M.check_tensor(input, "topk")
    k = A.check_int(k, "topk", "k")
    _int_dim(dim, "topk")
    d = geo.wrap_dim(dim, input.dim())
    size = input._shape[d] if input.dim() else 1
    if not 0 <= k <= size:  # (topk's meta, before the CPU kernel refuses bool)
        raise RuntimeError("selected index k out of range")
    if input._dtype is D.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    xp = input._xp
    if input.dim():
        a = input._array
        # torch's order among ties is its selection algorithm's; stable (first index first) matches it on
        # small slices, where libstdc++'s nth_element falls back to insertion sort
        o = _order(xp, a, d, largest)
        idx = xp.take(o, xp.arange(k), axis=d).astype(np.int64)
        vals = xp.take_along_axis(a, idx, axis=d)
    else:
        idx = xp.zeros((), dtype=np.int64)
        vals = xp.array(input._array, copy=True)
    if out is not None:
        return _out_pair(out, vals, idx, input._dtype, "topk", [input], return_types.topk)
    v, i = M.wrap(vals, input._dtype, input), M.wrap(idx, D.int64, input)
    in_shape = input._shape
    M.record(v, "TopkBackward0", [input], lambda grads, ii: (_select_grad(grads[0], ii, in_shape, d, True),), [i])
    return return_types.topk(v, i)


@M.export()
def median(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:
    M.check_tensor(input, "median")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'" if dim is None else
                                  "\"median_out\" not implemented for 'Bool'")
    xp = input._xp
    rdt = input._dtype
    if dim is None:
        flat = input._array.reshape(-1)
        if flat.size == 0:  # NaN, cast to integer dtypes the way the C cast does (int64: INT64_MIN, uint8: 0)
            with M.errstate(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = xp.asarray(np.array(np.nan).astype(rdt.np))
        elif rdt.is_floating_point and bool(xp.isnan(flat).any()):
            arr = xp.array(np.nan, dtype=rdt.np)
        else:
            arr = xp.sort(flat)[(flat.size - 1) // 2].astype(rdt.np)
            arr = xp.asarray(arr).reshape(())
        if out is not None:
            return M.write_out(out, arr, rdt, "median", [input])
        y = M.wrap(arr, rdt, input)
        return M.record(y, "MedianBackward0", [input],
                        lambda grads, x, yy: (_evenly_distribute(grads[0], x, yy),), [input, y])
    _int_dim(dim, "median")
    d = geo.wrap_dim(dim, input.dim())
    _check_nonempty_dim(input, d, "median")
    if input.dim():
        a = input._array
        n = a.shape[d]
        o = xp.argsort(a, axis=d, kind="stable")  # NaNs sort last
        idx = xp.take(o, [(n - 1) // 2], axis=d)
        if rdt.is_floating_point:
            nan = xp.isnan(a)
            idx = xp.where(nan.any(axis=d, keepdims=True), xp.argmax(nan, axis=d, keepdims=True), idx)
        vals = xp.take_along_axis(a, idx, axis=d)
        if not keepdim:
            idx, vals = idx.squeeze(d), vals.squeeze(d)
    else:
        idx, vals = xp.zeros((), dtype=np.int64), xp.array(input._array, copy=True)
    idx = idx.astype(np.int64)
    if out is not None:
        return _out_pair(out, vals, idx, rdt, "median", [input], return_types.median)
    v, i = M.wrap(vals, rdt, input), M.wrap(idx, D.int64, input)
    in_shape = input._shape
    M.record(v, "MedianBackward1", [input], lambda grads, ii: (_select_grad(grads[0], ii, in_shape, d, keepdim),),
             [i])
    return return_types.median(v, i)


# ---- norm / dist ---------------------------------------------------------------------------------

def _p_value(p: Any) -> float:
    if p is None or p == "fro":
        return 2.0
    if isinstance(p, str):
        raise NotImplementedError(f"impl: norm(p={p!r}) is not supported")
    return float(p)


def _p_name(p: float) -> str:
    return "inf" if p == float("inf") else "-inf" if p == float("-inf") else (str(int(p)) if p == int(p) else str(p))


def _check_norm_identity(shape: tuple, dims: tuple, p: float, all_dims: bool) -> None:
    """inf and negative norms have no identity: reducing over an empty slice is an error."""
    if not (p < 0 or p == float("inf")):
        return
    if all_dims or not shape:
        if geo.prod(shape) == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_p_name(p)} norm on an empty tensor because "
                               "the operation does not have an identity")
        return
    for d in dims:
        if shape[d] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_p_name(p)} norm on the dimension {d}because "
                               "this dimension is empty and the operation does not have an identity")


def _vector_norm_array(xp: Any, a: Any, p: float, dims: tuple, keepdim: bool, naive: bool = False) -> Any:
    ab = xp.abs(a)
    if not naive and (a.ndim == 0 or builtins.all(a.shape[d] == 1 for d in dims)):  # one element per slice: |x| (no x*x underflow)
        r = (a != 0).astype(a.dtype) if p == 0 else ab
        return r if keepdim or a.ndim == 0 else r.reshape([s for i, s in enumerate(a.shape) if i not in dims])
    if p == float("inf"):
        return ab.max(axis=dims, keepdims=keepdim)
    if p == float("-inf"):
        return ab.min(axis=dims, keepdims=keepdim)
    if p == 0:
        return (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
    if p == 1:
        return ab.sum(axis=dims, keepdims=keepdim)
    if p == 2:
        return xp.sqrt((ab * ab).sum(axis=dims, keepdims=keepdim))
    return (ab ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)


def _norm_backward(g: Tensor, x: Tensor, y: Tensor, p: float, in_shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """torch's linalg_vector_norm_backward (g and y in keepdim form after _unsq)."""
    from .selection import where

    g = _unsq(g, in_shape, dims, keepdim)
    y = _unsq(y, in_shape, dims, keepdim)
    if p == 0:
        return None  # torch returns an undefined gradient: the leaf's .grad stays None
    if p == 1:
        return x.sign() * g
    if p == 2:
        return g * where(y == 0, 0, x / y)
    if p in (float("inf"), float("-inf")):
        is_eq = ((x.abs() == y) | ((x != x) & (y != y))).to(y.dtype)
        nb = is_eq.sum(dims, keepdim=True)
        return x.sign() * is_eq * (g / nb)
    if p < 1:
        scaled = x.sign() * where(x == 0, 0, x.abs() ** (p - 1))
        return scaled * g * y ** (1 - p)
    if p < 2:
        scaled = x.sign() * x.abs() ** (p - 1)
        return scaled * where(y == 0, 0, g / y ** (p - 1))
    scaled = x * x.abs() ** (p - 2)
    return scaled * where(y == 0, 0, g / y ** (p - 1))


def vector_norm(input: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
                out: Any = None, opname: str = "linalg.vector_norm") -> Tensor:
    M.check_tensor(input, opname)
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{D.type_name(input._dtype)}")
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    p = _p_value(ord)
    dims = M.dims_arg(dim, input.dim())
    _check_norm_identity(input._shape, dims, p, dim is None)
    rdt = input._dtype
    exact_out(out, rdt)
    xp = input._xp
    a = input._array.astype(np.float32 if rdt is D.float16 else rdt.np)
    with M.errstate():
        if input.dim():
            arr = _vector_norm_array(xp, a, p, dims, keepdim)
        elif dim is not None and (not isinstance(dim, (tuple, list)) or len(dim)):
            # torch reduces a 0-d input over an explicit dim with its reduction kernel, not as |x|: for p = 2,
            # sqrt(x * x) (1e-20 in float32 gives 9.999973e-21; 1.2e-38 gives 0)
            arr = _vector_norm_array(xp, a.reshape(1), p, (0,), False, naive=True)
        else:
            arr = (a != 0).astype(a.dtype) if p == 0 else xp.abs(a)
        arr = xp.asarray(arr).astype(rdt.np)  # (a float16 result rounds from float32: may be inf)
    if out is not None:
        return M.write_out(out, arr, rdt, opname, [input])
    in_shape = input._shape
    y = M.wrap(arr, rdt, input)
    return M.record(y, "LinalgVectorNormBackward0", [input],
                    lambda grads, x, yy: (_norm_backward(grads[0], x, yy, p, in_shape, dims, keepdim),), [input, y])


@M.export()
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Any = None,
         dtype: Any = None) -> Tensor:
    M.check_tensor(input, "norm")
    if isinstance(p, str) and p == "fro" and dim is not None and not isinstance(dim, int):
        if len(tuple(dim)) not in (1, 2):
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(x) for x in dim)}")
    if isinstance(p, str) and p not in ("fro", "nuc"):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    if isinstance(p, str) and p != "fro":
        raise NotImplementedError(f"impl: norm(p={p!r}) is not supported")
    if out is not None and p == "fro" and dim is None:  # torch's frobenius path casts into out
        with grad_mode.no_grad():
            r = vector_norm(input, p, dim, keepdim, dtype=dtype)
        return M.write_out(out, r._array, r._dtype, "norm", [input])
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)


@M.export()
def dist(input: Tensor, other: Tensor, p: Any = 2) -> Tensor:
    M.check_tensor(input, "dist")
    M.check_tensor(other, "dist", "other")
    rdt = D.result_type(input, other)
    if not rdt.is_floating_point:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{D.type_name(rdt)} instead.")
    shape = geo.broadcast_shapes(input._shape, other._shape)
    p = float(p)
    _check_norm_identity(shape, tuple(range(len(shape))), p, True)
    xp = input._xp
    with M.errstate():
        diff = M.operand_array(input, rdt, xp) - M.operand_array(other, rdt, xp)
        dd = diff.astype(np.float32) if rdt is D.float16 else diff
        arr = _vector_norm_array(xp, xp.broadcast_to(dd, shape), p, tuple(range(len(shape))), False)
        arr = xp.asarray(arr).astype(rdt.np)

    other_wants_grad = other.requires_grad

    def backward(grads, a, b, y):
        gd = _norm_backward(grads[0], a - b, y, p, shape, tuple(range(len(shape))), False)
        if gd is None and not other_wants_grad:
            return None, None
        if gd is None:  # torch's DistBackward0 negates the undefined p=0 gradient for other and fails
            raise RuntimeError("Expected a proper Tensor but got None (or an undefined Tensor in C++) for argument #0 "
                               "'self'")
        return gd, -gd

    y = M.wrap(arr, rdt, input)
    return M.record(y, "DistBackward0", [input, other], backward, [input, other, y])


# ---- all / any / equal ---------------------------------------------------------------------------

def _logical(kind: str, input: Any, dim: Any, keepdim: bool, out: Any) -> Tensor:
    M.check_tensor(input, kind)
    dims = M.dims_arg(dim, input.dim())
    rdt = D.uint8 if input._dtype is D.uint8 else D.bool_
    if isinstance(out, Tensor) and out._dtype not in (D.bool_, D.uint8):
        raise RuntimeError(f"{kind} only supports bool tensor for result, got: {D.type_name(out._dtype)}")
    a = input._array != 0
    fn = a.all if kind == "all" else a.any
    arr = fn(axis=dims, keepdims=keepdim) if input.dim() else a
    arr = input._xp.asarray(arr).astype(rdt.np)
    if out is not None:
        return M.write_out(out, arr, rdt, kind, [])
    return M.wrap(arr, rdt, input)


@M.export()
def all(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Tensor:
    return _logical("all", input, dim, keepdim, out)


@M.export()
def any(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Tensor:
    return _logical("any", input, dim, keepdim, out)


@M.export()
def equal(input: Tensor, other: Tensor) -> bool:
    M.check_tensor(input, "equal")
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    M.same_device("equal", input, other)
    if input._shape != other._shape:
        return False
    return bool((input._array == other._array).all())
