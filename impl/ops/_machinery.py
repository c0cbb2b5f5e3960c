"""Shared op plumbing: the export registry, operand handling, graph recording, in-place and out= writes.

Every op module defines its forward (on backend arrays) and its backward (in impl tensor ops) once, and
goes through these helpers for dtype promotion, broadcasting checks, autograd recording, in-place
semantics (leaf checks, version bump, CopySlices for views) and out= semantics.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .. import _backend, _geometry as geo, dtypes as D
from ..autograd import grad_mode
from ..autograd.graph import make_node
from ..tensor import Tensor, same_storage, wrap_array

FUNCTIONS: dict[str, Callable] = {}
METHODS: dict[str, Callable] = {}


def export(*names: str, method: bool = True, function: bool = True) -> Callable:
    """Register an op under torch's names: as impl.<name>, as Tensor.<name>, or both."""

    def deco(fn: Callable) -> Callable:
        for n in names or (fn.__name__.rstrip("_") if fn.__name__.endswith("__") else fn.__name__,):
            if function:
                FUNCTIONS[n] = fn
            if method:
                METHODS[n] = fn
        return fn

    return deco


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def check_tensor(x: Any, opname: str, argname: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{opname}(): argument '{argname}' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def check_scalar(x: Any, opname: str) -> Any:
    if isinstance(x, (bool, int, float, np.bool_, np.integer, np.floating)):
        return x
    raise TypeError(f"{opname}() received an invalid combination of arguments - got an argument of type "
                    f"{type(x).__name__}")


def operand_array(x: Any, dtype: D.dtype, xp: Any) -> Any:
    """A backend array of `dtype` for a tensor or a Python scalar (scalars wrap like torch: uint8 + 300)."""
    if isinstance(x, Tensor):
        a = x._array
        if a.dtype == dtype.np:
            return a
        with errstate():  # an int32 65520 cast to float16 is inf, silently as in torch
            return a.astype(dtype.np)
    with errstate():
        return _backend.from_host(xp, np.array(x).astype(dtype.np))


def same_device(opname: str, *tensors: Any) -> Any:
    if len(tensors) == 2:  # the common binary case, without building a set
        a, b = tensors
        if isinstance(a, Tensor) and (not isinstance(b, Tensor) or a._device == b._device):
            return a
    devs = {t.device for t in tensors if isinstance(t, Tensor) and t.dim() > 0}
    if len(devs) > 1:
        a, b = sorted(str(d) for d in devs)[:2]
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{b} and {a}!")
    for t in tensors:
        if isinstance(t, Tensor):
            return t
    return None


try:
    # NumPy keeps its floating-point error policy in a context variable; np.errstate() rebuilds that policy
    # object on every entry (~2 us, more than a tiny op's arithmetic). Setting the variable to one policy
    # built once does the same thing for a tenth of the cost. Hot paths use the pair directly:
    #     token = FP_POLICY.set(FP_IGNORE)
    #     try: ... finally: FP_POLICY.reset(token)
    from numpy._core.umath import _extobj_contextvar as FP_POLICY

    with np.errstate(all="ignore"):
        FP_IGNORE = FP_POLICY.get()
except ImportError:  # pragma: no cover - a NumPy without that internal: the same interface, public API
    class _GlobalPolicy:
        def set(self, _: Any) -> dict:
            return np.seterr(all="ignore")

        def reset(self, old: dict) -> None:
            np.seterr(**old)

    FP_POLICY, FP_IGNORE = _GlobalPolicy(), None


class _Quiet:
    """`with errstate():` - NumPy ignores floating-point errors inside (a token per entry, so it nests)."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = FP_POLICY.set(FP_IGNORE)

    def __exit__(self, *exc: Any) -> None:
        FP_POLICY.reset(self._token)


def errstate() -> Any:
    # torch never warns on inf/nan arithmetic; NumPy would.
    return _Quiet()


# ---- autograd recording --------------------------------------------------------------------------

_grad_state = grad_mode._state  # read directly: needs_grad runs on every op


def needs_grad(*inputs: Any) -> bool:
    if not _grad_state.enabled:
        return False
    for t in inputs:
        if isinstance(t, Tensor) and t._requires_grad:
            return True
    return False


def record(out: Tensor, name: str, inputs: Sequence[Any], backward: Callable, saved: Sequence[Tensor] = ()) -> Tensor:
    """Attach a `name` node to `out` if any tensor input requires grad (and grad mode is on)."""
    # the no-autograd fast path: nothing to build (needs_grad inlined: this runs on every op)
    if not _grad_state.enabled:
        return out
    for t in inputs:
        if isinstance(t, Tensor) and t._requires_grad:
            break
    else:
        return out
    out._grad_fn = make_node(name, inputs, backward, saved, outputs=[out])  # (a non-tensor input: no edge)
    out._requires_grad = True  # (output_nr: the class default, 0)
    return out


def record_multi(outs: Sequence[Tensor], name: str, inputs: Sequence[Any], backward: Callable,
                 saved: Sequence[Tensor] = ()) -> None:
    tensors = [t if isinstance(t, Tensor) else None for t in inputs]
    if needs_grad(*tensors):
        node = make_node(name, tensors, backward, saved, outputs=outs)
        for i, o in enumerate(outs):
            o._grad_fn, o._requires_grad, o._output_nr = node, True, i


# ---- in-place and out= ---------------------------------------------------------------------------

def check_inplace_target(target: Tensor, result_dtype: D.dtype, result_shape: tuple, others: Sequence[Any],
                         allow_overlap: bool = False) -> None:
    """Every check an in-place write needs, done before anything is written so errors change nothing.
    In torch's order: autograd's leaf checks and TensorIterator's memory-overlap checks (check_inplace_first),
    then the shape (compute_shape), then the dtype cast (compute_types)."""
    check_inplace_first(target, others, allow_overlap)
    if result_shape != target._shape and geo.broadcast_shapes(result_shape, target._shape) != target._shape:
        raise RuntimeError(f"output with shape {list(target._shape)} doesn't match the broadcast shape "
                           f"{list(geo.broadcast_shapes(result_shape, target._shape))}")
    if not D.can_cast(result_dtype, target._dtype):
        raise RuntimeError(f"result type {D.type_name(result_dtype)} can't be cast to the desired output type "
                           f"{D.type_name(target._dtype)}")


def check_inplace_first(target: Tensor, others: Sequence[Any], allow_overlap: bool = False) -> None:
    """The checks torch makes on an in-place target before it looks at shapes or dtypes: the autograd
    layer's (a leaf, or a view of one, that requires grad), then TensorIterator's memory overlap (build's
    compute_mem_overlaps).  A broadcast error between the operands comes after these."""
    check_inplace_leaf(target)
    if not allow_overlap:
        check_writable(target)
    for o in others:
        check_no_partial_overlap(target, o)


def check_inplace_leaf(target: Tensor) -> None:
    """The autograd layer's check of an in-place target, before the op itself checks anything."""
    if grad_mode.is_grad_enabled() and target._requires_grad:
        if target._grad_fn is None and target._base is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if target._base is not None and target._base._requires_grad and target._base._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")


def check_writable(target: Tensor) -> None:
    if geo.has_internal_overlap(target._shape, target._stride):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")


def overlap_status(a: Tensor, b: Tensor) -> str:
    """torch's get_overlap_status: "full" (same memory, same strides), "partial", "no", or "too_hard" (a
    tensor that is not non-overlapping-and-dense is not analysed)."""
    if a is b:
        return "full"
    if not same_storage(a, b):
        return "no"
    n, m = geo.prod(a._shape), geo.prod(b._shape)
    if not n or not m:
        return "no"
    if not (geo.is_non_overlapping_and_dense(a._shape, a._stride)
            and geo.is_non_overlapping_and_dense(b._shape, b._stride)):
        return "too_hard"
    a0, b0 = a._offset, b._offset
    if a0 == b0 and n == m:
        return "full" if a._stride == b._stride else "partial"
    return "partial" if a0 < b0 + m and b0 < a0 + n else "no"


_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
            "memory location. Please clone() the tensor before performing the operation.")


def check_no_partial_overlap(out: Tensor, inp: Any) -> None:
    """torch's assert_no_partial_overlap (TensorIterator, copy_): an input that shares only part of the
    written-to memory, or the same memory with other strides, is refused."""
    if isinstance(inp, Tensor) and same_storage(inp, out) and overlap_status(out, inp) == "partial":
        raise RuntimeError(_OVERLAP)


def check_no_overlap(out: Tensor, inp: Any) -> None:
    """torch's assert_no_overlap (index_put_): any shared memory is refused."""
    if isinstance(inp, Tensor) and same_storage(inp, out) and overlap_status(out, inp) in ("partial", "full"):
        raise RuntimeError(_OVERLAP)


def write(target: Tensor, arr: Any) -> None:
    """Write values into target's memory (cast to its dtype, broadcast) and bump its version."""
    dst = target._array
    with errstate():  # a cast that overflows gives inf, silently as in torch
        if getattr(arr, "dtype", None) != dst.dtype:
            arr = target._xp.asarray(arr).astype(dst.dtype)
        dst[...] = arr
    target._bump()


def rebase_history(target: Tensor, name: str, others: Sequence[Any], backward: Callable,
                   saved: Sequence[Tensor] = ()) -> None:
    """Give `target` the history of an in-place op; through CopySlices when it is a view (like torch)."""
    other_ts = [o if isinstance(o, Tensor) else None for o in others]
    if not needs_grad(target, *other_ts):
        return
    base = target._base
    if base is None:
        node = make_node(name, [target, *other_ts], backward, saved, outputs=[target])
        target._grad_fn, target._requires_grad, target._output_nr = node, True, 0
        return
    from .views import copy_slices

    copy_slices(base, target, other_ts, backward, saved)


def write_out(out: Tensor, arr: Any, result_dtype: D.dtype, opname: str, inputs: Sequence[Any],
              any_cast: bool = False, operands: Sequence[Any] | None = None, common: D.dtype | None = None) -> Tensor:
    """out=: resize like torch (with its warning) when the shape differs, cast-check, then write.
    any_cast: the op ends in a copy_ into out (which casts to any dtype), not a TensorIterator write.
    operands/common: an element-wise op's (see wrap): a resized out takes the layout a new result would."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{opname}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode.is_grad_enabled() and any(isinstance(t, Tensor) and t._requires_grad for t in (*inputs, out)):
        raise RuntimeError(f"{opname}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    # memory overlap is checked first, on out as it is (before any resize), like TensorIterator's build
    check_writable(out)
    for t in inputs:
        check_no_partial_overlap(out, t)
    if not any_cast and not D.can_cast(result_dtype, out._dtype):
        raise RuntimeError(f"result type {D.type_name(result_dtype)} can't be cast to the desired output type "
                           f"{D.type_name(out._dtype)}")
    shape = tuple(arr.shape)
    if out._shape != shape:
        if out.numel() != 0:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._shape)}, which does not match the required output shape {list(shape)}. "
                          "This behavior is deprecated, and in a future PyTorch release outputs will not be "
                          "resized unless they have zero elements. You can explicitly reuse an out tensor t by "
                          "resizing it, inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        from .copying import resize_out

        resize_out(out, shape)
        stride = result_strides(shape, operands, common) if operands is not None else None
        if stride is not None:  # torch restrides an out it resized (as_strided_) to the op's layout
            from ..tensor import _set_geometry

            _set_geometry(out, out._storage, shape, stride, out._offset, out._dtype)
    write(out, arr)
    return out


_row_major = geo.tuple_contiguous_strides  # (cached; a tensor's shape is a tuple)


def wrap(arr: Any, dtype: D.dtype, like: Tensor | None, operands: Sequence[Any] | None = None,
         common: D.dtype | None = None, stride: tuple | None = None) -> Tensor:
    """A new tensor of arr's values.  Laid out row-major, unless `operands` are given: the inputs of an
    element-wise op in its kernel's order (tensors, Python scalars, or (shape, stride) pairs), whose
    result takes the layout torch's TensorIterator gives it (geo.elementwise_strides; a tensor not of
    the `common` dtype counts as converted to it first, as torch does); or unless `stride` is given."""
    dev = like._device if like is not None else None
    if operands is not None:
        for o in operands:  # the common case, inline (every element-wise op passes here): all row-major
            if isinstance(o, Tensor):
                st = o._stride
                # (an operand expanded from one element, all strides 0, orders no dims: a gradient
                # broadcast back over a sum's input)
                if st is not (cs := _row_major(o._shape)) and st != cs and any(st):
                    break
            elif type(o) is tuple:
                break
        else:
            return wrap_array(arr, dtype, dev)
        stride = result_strides(tuple(arr.shape), operands, common)
    if stride is None:
        return wrap_array(arr, dtype, dev)
    from .copying import strided_copy

    return strided_copy(arr, stride, like._xp if like is not None else np, dtype, dev)


def result_strides(shape: tuple, operands: Sequence[Any], common: D.dtype | None = None) -> tuple | None:
    """The strides torch gives an element-wise op's result over `operands` (see wrap); None: row-major."""
    for o in operands:  # the fast path: every tensor operand row-major (or all-0 strides) gives row-major
        if isinstance(o, Tensor):
            if o._stride != geo.contiguous_strides(o._shape) and any(o._stride):
                break
        elif type(o) is tuple and tuple(o[1]) != geo.contiguous_strides(o[0]):
            break
    else:
        return None
    ops = []
    for o in operands:
        if isinstance(o, Tensor):
            st = o._stride
            if common is not None and o._dtype is not common:
                st = geo.like_strides(o._shape, st)  # the input's .to(common): preserve_format
            ops.append((o._shape, st))
        elif type(o) is tuple:
            ops.append(o)
        else:
            ops.append(((), ()))  # a Python scalar: a wrapped 0-d tensor
    st = geo.elementwise_strides(shape, ops)
    return None if st == geo.contiguous_strides(shape) else st


_ALL_DIMS = [tuple(range(n)) for n in range(8)]


def dims_arg(dim: Any, ndim: int) -> tuple:
    """Normalise dim=None / int / sequence into sorted unique wrapped dims (None means all)."""
    if dim is None:
        return _ALL_DIMS[ndim] if ndim < 8 else tuple(range(ndim))
    if isinstance(dim, int) and not isinstance(dim, bool):
        d = geo.wrap_dim(dim, ndim)
        return (d,) if ndim else ()  # a 0-d tensor accepts dim 0 / -1 and has nothing to reduce
    if type(dim) is tuple and dim:  # the common case first: in-range non-negative ints, increasing (sum_to's)
        prev = -1
        for d in dim:
            if type(d) is not int or d <= prev or d >= ndim:
                break
            prev = d
        else:
            return dim
    dims = tuple(geo.wrap_dim(d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        dup = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    if not ndim:
        return ()
    return tuple(sorted(dims)) if dims else tuple(range(ndim))
