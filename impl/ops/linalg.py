"""Matrix products: mm, bmm, dot, mv, and matmul composed from them the way torch composes it."""
from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .. import _geometry as geo, dtypes as D
from ..tensor import Tensor, fresh_result, wrap_array
from . import _machinery as M
from . import _args as A


def _out_name(d: D.dtype) -> str:
    from ._out import _C_NAMES

    return _C_NAMES[d.name]


def _same_dtype(a: Tensor, b: Tensor) -> None:
    """mm's check (addmm_impl_cpu_), which names the dtypes as C++ types (c10::Half, long int)."""
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_out_name(a._dtype)} != "
                           f"{_out_name(b._dtype)}")


_BOOL_KERNEL = {"mm": "addmm_impl_cpu_", "mv": "addmv_impl_cpu", "bmm": "bmm", "dot": "dot"}
# torch's CUDA products go through cuBLAS: floating dtypes only, refused under these kernel names
_CUDA_KERNEL = {"mm": "addmm_cuda", "addmm": "addmm_cuda", "addbmm": "addmm_cuda", "mv": "addmv_impl_cuda",
                "addmv": "addmv_impl_cuda", "bmm": "baddbmm_cuda", "baddbmm": "baddbmm_cuda", "dot": "dot"}


def _kernel_dtype(name: str, dtype: D.dtype, dev: Any) -> None:
    """The dtypes the product's kernel on this device implements (bool on CPU; only floats on CUDA)."""
    if dev.type == "cuda":
        if not dtype.is_floating_point and name in _CUDA_KERNEL:
            raise NotImplementedError(f"\"{_CUDA_KERNEL[name]}\" not implemented for '{D.type_name(dtype)}'")
    elif dtype is D.bool_:
        raise NotImplementedError(f"\"{_BOOL_KERNEL.get(name, name + '_impl_cpu_')}\" not implemented for 'Bool'")


def _product(name: str, node: str, a: Tensor, b: Tensor, fn, backward, out: Any) -> Tensor:
    M.same_device(name, a, b)
    if a._device.type == "cpu" or name == "dot" or (a.numel() and b.numel()):
        _kernel_dtype(name, a._dtype, a._device)  # (CUDA's mm, mv, bmm return before dispatch on empty input)
    if out is not None and isinstance(out, Tensor) and out._dtype is not a._dtype:
        # mm/bmm/dot/mv never cast into out (each with its own message in torch)
        raise RuntimeError(f"Expected out tensor to have dtype {_out_name(a._dtype)}, but got "
                           f"{_out_name(out._dtype)} instead")
    aa, ba = a._array, b._array
    token = M.FP_POLICY.set(M.FP_IGNORE)  # (M.errstate() without a context object)
    try:
        arr = fn(aa, ba)
    finally:
        M.FP_POLICY.reset(token)
    if out is not None:
        return M.write_out(out, arr, a._dtype, name, [a, b])
    y = wrap_array(arr, a._dtype, a._device)
    if a._requires_grad or b._requires_grad:  # (M.record's own first test, without the call)
        M.record(y, node, [a, b], backward, [a, b])
    return y


_matprod = operator.matmul
_PLAIN_MM = frozenset((D.float32, D.float64))


def _plain_mm(a: Any, b: Any) -> Tensor | None:
    """a @ b for the commonest operands, else None: two float32/float64 matrices of one dtype and device
    whose shapes multiply. Every check of matmul and mm passes for them: the product, one tensor and, if a
    gradient is wanted, mm's node (a tiny op's time is its bookkeeping)."""
    if type(a) is not Tensor or type(b) is not Tensor:
        return None
    dt, sa, sb = a._dtype, a._shape, b._shape
    if (len(sa) != 2 or len(sb) != 2 or sa[1] != sb[0] or b._dtype is not dt or dt not in _PLAIN_MM
            or b._device is not a._device):
        return None
    aa, ba = a._array, b._array
    token = M.FP_POLICY.set(M.FP_IGNORE)
    try:
        arr = aa @ ba
    finally:
        M.FP_POLICY.reset(token)
    if type(arr) is np.ndarray and arr.dtype is dt.np and arr.flags.c_contiguous:
        y = fresh_result(arr, dt, a._device)  # (what wrap_array would do, without its checks)
    else:
        y = wrap_array(arr, dt, a._device)
    if a._requires_grad or b._requires_grad:
        M.record(y, "MmBackward0", [a, b], _mm_backward, [a, b])
    return y


def _mm_backward(g: Any, a: Tensor, b: Tensor) -> tuple:
    return g[0].mm(b.t()), a.t().mm(g[0])


@M.export()
def mm(input: Tensor, mat2: Tensor, *, out: Any = None) -> Tensor:
    if out is None and (y := _plain_mm(input, mat2)) is not None:
        return y
    M.check_tensor(input, "mm")
    M.check_tensor(mat2, "mm", "mat2")
    if len(input._shape) != 2:
        raise RuntimeError("self must be a matrix")
    if len(mat2._shape) != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input._shape[1] != mat2._shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input._shape[0]}x{input._shape[1]} and "
                           f"{mat2._shape[0]}x{mat2._shape[1]})")
    _same_dtype(input, mat2)
    return _product("mm", "MmBackward0", input, mat2, _matprod, _mm_backward, out)


@M.export()
def bmm(input: Tensor, mat2: Tensor, *, out: Any = None) -> Tensor:
    if input.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input._shape[0] != mat2._shape[0] or input._shape[2] != mat2._shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input._shape[0]}, "
                           f"{input._shape[2]}] but got: [{mat2._shape[0]}, {mat2._shape[1]}].")
    if input._dtype is not mat2._dtype:  # bmm's kernel dispatches on batch1's dtype, then checks batch2's
        if isinstance(out, Tensor) and out._dtype is not mat2._dtype:  # (its meta's check, first)
            raise RuntimeError(f"Expected out tensor to have dtype {_out_name(mat2._dtype)}, but got "
                               f"{_out_name(out._dtype)} instead")
        if input._device.type == "cuda" and input.numel() and mat2.numel():
            _kernel_dtype("bmm", input._dtype, input._device)  # CUDA dispatches on batch1's dtype first
        if input._dtype is D.bool_:
            raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
        raise RuntimeError(f"expected scalar type {D.type_name(input._dtype)} but found {D.type_name(mat2._dtype)}")
    return _product("bmm", "BmmBackward0", input, mat2, lambda a, b: a @ b,
                    lambda g, a, b: (g[0].bmm(b.transpose(1, 2)), a.transpose(1, 2).bmm(g[0])), out)


@M.export()
def dot(input: Tensor, tensor: Tensor, *, out: Any = None) -> Tensor:
    if input.dim() != 1 or tensor.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {tensor.dim()}D tensors")
    if input._shape != tensor._shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._shape[0]}] and src "
                           f"[{tensor._shape[0]}] to have the same number of elements, but got {input._shape[0]} "
                           f"and {tensor._shape[0]} elements respectively")
    if input._dtype is not tensor._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {D.type_name(input._dtype)} "
                           f"and {D.type_name(tensor._dtype)}")
    return _product("dot", "DotBackward0", input, tensor, lambda a, b: a @ b if a.size else (a * b).sum(),
                    lambda g, a, b: (g[0] * b, g[0] * a), out)


@M.export()
def mv(input: Tensor, vec: Tensor, *, out: Any = None) -> Tensor:
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.dim()}, {vec.dim()}")
    if input._shape[1] != vec._shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._shape[0]}), mat ({input._shape[0]}x{input._shape[1]}), "
                           f"vec ({vec._shape[0]})")
    if input._dtype is not vec._dtype:  # torch's mv is addmv_ into a result of vec's dtype
        _same_dtypes("addmv", vec, input, vec)
    return _product("mv", "MvBackward0", input, vec, lambda a, b: a @ b,
                    lambda g, a, b: (g[0].unsqueeze(1) * b, a.t().mv(g[0])), out)


@M.export()
def matmul(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    if out is None and (y := _plain_mm(input, other)) is not None:
        return y
    M.check_tensor(input, "matmul")
    M.check_tensor(other, "matmul", "other")
    da, db = len(input._shape), len(other._shape)
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if out is not None:
        from ..autograd import grad_mode

        with grad_mode.no_grad():
            r = matmul(input, other)
        exact_out(out, r._dtype)  # matmul's out= must already have the result dtype
        return M.write_out(out, r._array, r._dtype, "matmul", [input, other])
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        return _squeeze_(mm(input.unsqueeze(0), other), 0)
    if da == 2 and db == 2:
        return mm(input, other)
    # 3-D @ 3-D where one batch is 1 and that operand needs grad: torch squeezes it and folds
    if da == 3 and db == 3 and input._shape[0] != other._shape[0]:
        if input._shape[0] == 1 and input.requires_grad:
            return matmul(input.squeeze(0), other)
        if other._shape[0] == 1 and other.requires_grad:
            return matmul(input, other.squeeze(0))
    if _should_fold(input, other):
        return _matmul_folded(input, other)
    return _matmul_batched(input, other)


def _should_fold(t1: Tensor, t2: Tensor) -> bool:
    """torch's should_fold: fold the larger (>= 3-D) operand into a matrix and use mm/mv instead of bmm."""
    larger = t1.dim() >= t2.dim()
    big = t1 if larger else t2.transpose(-2, -1) if t2.dim() >= 2 else t2
    small = t2 if larger else t1
    if not (big.dim() >= 3 and small.dim() <= 2):
        return False
    if small.requires_grad:
        return True
    if t1.dim() == 2:
        return False
    if big.numel() == 0:
        return True
    shape, stride = big._shape, big._stride
    return all(stride[i] == stride[i + 1] * shape[i + 1] for i in range(big.dim() - 2))


def _matmul_folded(tensor1: Tensor, tensor2: Tensor) -> Tensor:
    transpose = tensor2.dim() > tensor1.dim()
    t1 = tensor2.transpose(-2, -1) if transpose else tensor1
    t2 = (tensor1.t() if tensor1.dim() == 2 else tensor1) if transpose else tensor2
    sizes = t1._shape
    out_shape = sizes[:-1]
    folded = t1.reshape(geo.prod(out_shape), sizes[-1])
    if t2.dim() == 2:
        out = _unsafe_view(mm(folded, t2), out_shape + (t2._shape[1],))
        return out.transpose(-2, -1).contiguous() if transpose else out
    return _unsafe_view(mv(folded, t2), out_shape)


def _matmul_batched(tensor1: Tensor, tensor2: Tensor) -> Tensor:
    d1, d2 = tensor1.dim(), tensor2.dim()
    n = tensor1._shape[-2] if d1 > 1 else 1
    m1 = tensor1._shape[-1]
    m2 = tensor2._shape[-2] if d2 > 1 else tensor2._shape[0]
    p = tensor2._shape[-1] if d2 > 1 else 1
    b1, b2 = tensor1._shape[:max(d1 - 2, 0)], tensor2._shape[:max(d2 - 2, 0)]
    batch = geo.broadcast_shapes(b1, b2)
    count = geo.prod(batch)
    if m1 != m2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{count}, {m1}] but got: "
                           f"[{count}, {m2}].")
    a3 = tensor1.expand(batch + (n, m1)).reshape(count, n, m1)
    if d2 == 1:
        b3 = tensor2.expand(batch + (m2,)).reshape(count, m2).unsqueeze(2)
    else:
        b3 = tensor2.expand(batch + (m2, p)).reshape(count, m2, p)
    out_shape = batch + ((n,) if d1 > 1 else ()) + ((p,) if d2 > 1 else ())
    r = bmm(a3, b3)
    return _unsafe_view(r.squeeze(-1) if d2 == 1 else r, out_shape)


def _unsafe_view(t: Tensor, shape: tuple) -> Tensor:
    """torch's _unsafe_view: the same memory under a new shape, recorded as UnsafeViewBackward0 (not a view)."""
    from ..tensor import Tensor as _T

    if not t.is_contiguous():
        t = t.contiguous()
    out = _T._make(t._storage, shape, geo.contiguous_strides(shape), t._offset, t._dtype)
    in_shape = t._shape
    return M.record(out, "UnsafeViewBackward0", [t], lambda g, *s: (g[0].reshape(in_shape),))


def _squeeze_(t: Tensor, dim: int) -> Tensor:
    """squeeze_(dim) on a fresh result, as torch's matmul does for 1-D @ 2-D (SqueezeBackward4)."""
    from ..autograd.graph import make_node as _mk
    from ..tensor import _set_geometry as _sg

    node = None
    if t._requires_grad:
        node = _mk("SqueezeBackward4", [t], lambda g, *s: (g[0].unsqueeze(dim),), (), outputs=[t])
    if t._shape[dim] == 1:
        _sg(t, t._storage, t._shape[:dim] + t._shape[dim + 1:], t._stride[:dim] + t._stride[dim + 1:], t._offset,
            t._dtype)
    t._bump()
    if node is not None:
        node._out_meta = ((t._shape, t._dtype, t.device),)
        t._grad_fn, t._output_nr = node, 0
    return t


OPERATORS = {"__matmul__": matmul, "__rmatmul__": lambda self, other: matmul(other, self)}


# ==================================================================================================
# trace, diag, triu/tril, the add*-products (addmm, addbmm, addmv, addr, baddbmm), cross, inverse, svd, t_
# ==================================================================================================

from .. import return_types
from ._out import exact_out, no_overlap
from ..autograd import grad_mode
from ..autograd.graph import make_node
from ..tensor import _set_geometry


def _zeros(shape: tuple, like: Tensor) -> Tensor:
    from .creation import zeros

    return zeros(shape, dtype=like._dtype, device=like.device)


def _eye(n: int, m: int, like: Tensor) -> Tensor:
    from .creation import eye

    return eye(n, m, dtype=like._dtype, device=like.device)


def _float_check(x: Tensor, opname: str) -> None:
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"{opname}: Expected a floating point or complex tensor as input. Got "
                           f"{D.type_name(x._dtype)}")


# ---- trace / diag / triu / tril ------------------------------------------------------------------

@M.export()
def trace(input: Tensor) -> Tensor:
    M.check_tensor(input, "trace")
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    rdt = D.int64 if not input._dtype.is_floating_point else input._dtype
    xp = input._xp
    acc = np.float32 if rdt is D.float16 else rdt.np
    with M.errstate():  # a float sum may overflow: inf, silently
        arr = xp.asarray(xp.trace(input._array, dtype=acc)).astype(rdt.np)
    n, m = input._shape

    def backward(grads, *s):
        return (grads[0] * _eye(n, m, grads[0]),)

    return M.record(M.wrap(arr, rdt, input), "TraceBackward0", [input], backward)


@M.export()
def diag(input: Tensor, diagonal: int = 0, *, out: Any = None) -> Tensor:
    M.check_tensor(input, "diag")
    exact_out(out, input._dtype)
    k = diagonal
    xp = input._xp
    if input.dim() == 1:
        n = input._shape[0]
        arr = xp.diag(input._array, k)
        if out is not None:
            return M.write_out(out, arr, input._dtype, "diag", [input])
        return M.record(M.wrap(arr, input._dtype, input), "DiagEmbedBackward0", [input],
                        lambda grads, *s: (grads[0].diagonal(k),))
    if input.dim() == 2:
        arr = xp.array(xp.diagonal(input._array, k), copy=True)
        if out is not None:
            return M.write_out(out, arr, input._dtype, "diag", [input])
        in_shape = input._shape

        def backward(grads, *s):
            z = _zeros(in_shape, grads[0])
            z.diagonal(k).copy_(grads[0])
            return (z,)

        return M.record(M.wrap(arr, input._dtype, input), "DiagonalBackward0_copy", [input], backward)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")


def _tri_mask(xp: Any, shape: tuple, k: int, upper: bool) -> Any:
    r, c = shape[-2], shape[-1]
    rows = xp.arange(r).reshape(r, 1)
    cols = xp.arange(c).reshape(1, c)
    return (cols - rows >= k) if upper else (cols - rows <= k)


def _tri(kind: str, input: Any, diagonal: int, out: Any = None, inplace: bool = False) -> Tensor:
    M.check_tensor(input, kind)
    diagonal = A.check_int(diagonal, kind + ("_" if inplace else ""), "diagonal")
    if input.dim() < 2:
        raise RuntimeError(f"{kind}: input tensor must have at least 2 dimensions")
    if inplace:
        if geo.has_internal_overlap(input._shape, input._stride):  # torch allows triu_/tril_ on expanded tensors
            from .selection import _leaf_checks

            _leaf_checks(input)
        else:
            M.check_inplace_target(input, input._dtype, input._shape, ())
    exact_out(out, input._dtype)
    xp = input._xp
    mask = _tri_mask(xp, input._shape, diagonal, kind == "triu")
    if inplace and geo.has_internal_overlap(input._shape, input._stride):
        # torch only writes the zeros: with aliased elements that decides what survives
        input._array[xp.broadcast_to(~mask, input._shape)] = 0
        input._bump()
        M.rebase_history(input, "TriuBackward0" if kind == "triu" else "TrilBackward0", (),
                         lambda grads, *s: (_tri(kind, grads[0], diagonal),))
        return input
    arr = xp.where(mask, input._array, xp.zeros((), dtype=input._dtype.np))
    if out is not None:
        return M.write_out(out, arr, input._dtype, kind, [input])
    node = "TriuBackward0" if kind == "triu" else "TrilBackward0"

    def backward(grads, *s):
        return (_tri(kind, grads[0], diagonal),)

    if inplace:
        M.write(input, arr)
        M.rebase_history(input, node, (), backward)
        return input
    return M.record(M.wrap(arr, input._dtype, input), node, [input], backward)


@M.export()
def triu(input: Tensor, diagonal: int = 0, *, out: Any = None) -> Tensor:
    return _tri("triu", input, diagonal, out)


@M.export(function=False)
def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    return _tri("triu", self, diagonal, inplace=True)


@M.export()
def tril(input: Tensor, diagonal: int = 0, *, out: Any = None) -> Tensor:
    return _tri("tril", input, diagonal, out)


@M.export(function=False)
def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    return _tri("tril", self, diagonal, inplace=True)


# ---- beta * input + alpha * product --------------------------------------------------------------

def _scaled(t: Tensor, s: Any) -> Tensor:
    return t if s == 1 else t * s


def _expand_shape(input: Tensor, shape: tuple) -> None:
    """torch expands the added input to the product's shape (its expand errors)."""
    if input.dim() > len(shape):
        raise RuntimeError(f"expand(torch.{input._dtype.legacy}{{{list(input._shape)}}}, size={list(shape)}): the "
                           f"number of sizes provided ({len(shape)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({input.dim()})")
    lead = len(shape) - input.dim()
    for i, s in enumerate(input._shape):
        if s != 1 and s != shape[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[lead + i]}) must match the existing size "
                               f"({s}) at non-singleton dimension {lead + i}.  Target sizes: {list(shape)}.  "
                               f"Tensor sizes: {list(input._shape)}")


def _addprod(opname: str, node: str, input: Tensor, a: Tensor, b: Tensor, shape: tuple, prod_fn: Any,
             grads_fn: Any, beta: Any, alpha: Any, rdt: D.dtype, out: Any, inplace: bool) -> Tensor:
    """beta * input + alpha * prod_fn(a, b) with torch's checks, in-place/out= handling and node."""
    if opname.rstrip("_") != "addr" and a._device.type == "cpu":
        _kernel_dtype(opname.rstrip("_"), rdt, a._device)
    allow_overlap = batchwise = False
    if inplace:
        if opname == "addbmm_" and input._shape != shape:
            # torch's addbmm_ expands self to the result, resizes self to it (no in-place shape check), then
            # (beta != 0) copy_s the expanded old self into it: that copy reads the memory it writes
            _expand_shape(input, shape)
            from .copying import resize_out

            b_self = input.expand(*shape)
            resize_out(input, shape)
            if beta != 0:
                _aliasing_copy(input, b_self)
            with grad_mode.no_grad():
                val = _addprod("addbmm", node, input, a, b, shape, prod_fn, grads_fn, beta, alpha, rdt, None, False)
            M.write(input, val._array)
            return input
        # addbmm_ with no batches and beta 0 is torch's zero_ (a fill: an overlapping self is allowed)
        allow_overlap = opname == "addbmm_" and a._shape[0] == 0 and beta == 0
        # baddbmm_ writes batch by batch with no overlap check (an expanded self accumulates across batches)
        batchwise = opname == "baddbmm_" and geo.has_internal_overlap(input._shape, input._stride)
        allow_overlap = allow_overlap or batchwise
        if opname == "addr_" and input.dim() != 2:
            raise RuntimeError(f"2D tensor expected, got {input.dim()}D tensor for input")
        if input._shape != shape:
            raise RuntimeError(f"Bad in-place call: input tensor size {list(input._shape)} and output tensor size "
                               f"{list(shape)} should match")
        M.check_inplace_target(input, rdt, shape, (a, b), allow_overlap=allow_overlap)
    else:
        _expand_shape(input, shape)
    A.check_scalar_int(beta)
    A.check_scalar_int(alpha)
    base = opname.rstrip("_")
    if (a.numel() and b.numel()) or base == "addr":  # torch's kernels convert beta and alpha checked (an
        # empty product: neither, except addr's TensorIterator kernel)
        if base != "addr" and a._device.type == "cuda":  # CUDA dispatches on the dtype before converting them
            _kernel_dtype(base, rdt, a._device)
        if base == "addr" and rdt.category == 1:
            for v, name in ((beta, "beta"), (alpha, "alpha")):
                if isinstance(v, (float, np.floating)):
                    raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point "
                                       "number.")
        # the BLAS-backed products take float16's scalars in float32; addr and addmv in float16 itself
        cdt = D.float32 if rdt is D.float16 and base in ("addmm", "addbmm", "baddbmm") else rdt
        A.check_fits(beta, cdt)
        A.check_fits(alpha, cdt)
    if not (a.numel() and b.numel()):  # an empty product: beta * input (torch's mul: promotes), alpha unused
        alpha = 1
        # torch's addmm/baddbmm kernels return before anything on an empty result (addbmm's per-batch addmm_
        # too); addbmm with no batches is result.mul_(beta) whatever the size (its float-into-int check runs)
        empty_result = math.prod(shape) == 0 and not (base == "addbmm" and a._shape[0] == 0)
        if (rdt.category == 1 and isinstance(beta, (float, np.floating)) and beta != 0 and not empty_result
                and base in ("addmm", "addbmm", "baddbmm")):
            raise RuntimeError(f"result type Float can't be cast to the desired output type {D.type_name(rdt)}")
        if base == "addmv" and beta != 0:  # addmv of an empty matrix: input * scalar_tensor(beta, dtype)
            A.check_fits(beta, rdt, numel=1)
        if empty_result:  # no element is computed: beta's value (inf, nan into an integer type) is never read
            beta = 0 if beta == 0 else 1
    if not rdt.is_floating_point:  # torch truncates the scalars for integer products
        alpha, beta = int(alpha), int(beta)
    # addr is a TensorIterator op: it casts into out; addbmm with no batches copies beta * input into out
    # (copy_ casts to any dtype)
    no_batches = opname == "addbmm" and a._shape[0] == 0
    if opname.rstrip("_") != "addr" and not no_batches:
        exact_out(out, rdt)
    if no_batches and isinstance(out, Tensor) and beta != 0:  # torch: out.copy_(input), then out.mul_(beta)
        sdt = D.result_type(out, beta)
        if not D.can_cast(sdt, out._dtype):
            raise RuntimeError(f"result type {D.type_name(sdt)} can't be cast to the desired output type "
                               f"{D.type_name(out._dtype)}")
    xp = input._xp
    with M.errstate():
        p = prod_fn(M.operand_array(a, rdt, xp), M.operand_array(b, rdt, xp))
        if alpha != 1 and a.numel() and b.numel():  # an empty product is not scaled (alpha = inf: no nan)
            p = p * M.operand_array(alpha, rdt, xp)
        if inplace and batchwise:
            # torch's small-matrix kernel: element by element, each reading self's memory as it stands
            dst, bop = input._array, M.operand_array(beta, rdt, xp)
            for idx in np.ndindex(*shape):
                dst[idx] = p[idx] if beta == 0 else p[idx] + dst[idx] * bop
            arr = dst
        elif beta == 0:
            arr = p
        else:
            c = M.operand_array(input, rdt, xp)
            arr = p + (c if beta == 1 else c * M.operand_array(beta, rdt, xp))
    arr = xp.broadcast_to(arr, shape).astype(rdt.np)
    if out is not None:
        return M.write_out(out, arr, rdt, opname, [input, a, b], any_cast=no_batches)

    def backward(grads, sa, sb):
        g = grads[0]
        ga, gb = grads_fn(g, sa if sa._dtype is g._dtype else sa.to(g._dtype),
                          sb if sb._dtype is g._dtype else sb.to(g._dtype))
        return _scaled(g, beta), _scaled(ga, alpha), _scaled(gb, alpha)

    if inplace:
        if batchwise:
            input._bump()
        else:
            M.write(input, arr)
        M.rebase_history(input, node, (a, b), backward, [a, b])
        return input
    return M.record(M.wrap(arr, rdt, input), node, [input, a, b], backward, [a, b])


def _aliasing_copy(dst: Tensor, src: Tensor) -> None:
    """torch's dst.copy_(src) where src is a view of dst's memory: a partial overlap is refused; otherwise the
    elements are copied in dst's (contiguous) order, each read from memory as it stands."""
    st = M.overlap_status(dst, src)
    if st == "full" and dst._stride == src._stride and dst._offset == src._offset:
        return
    if st == "partial":
        raise RuntimeError(M._OVERLAP)
    out, inp = dst._array, src._array
    if st == "no":
        out[...] = inp
        return
    for idx in np.ndindex(*dst._shape):
        out[idx] = inp[idx]


def _dtype_name(d: D.dtype) -> str:
    return D.type_name(d)


def _addmm(input, mat1, mat2, beta, alpha, out=None, inplace=False):
    opname = "addmm_" if inplace else "addmm"
    for t, n in ((input, "input"), (mat1, "mat1"), (mat2, "mat2")):
        M.check_tensor(t, opname, n)
    if mat1.dim() != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.dim()}-D tensor")
    if mat2.dim() != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.dim()}-D tensor")
    if mat1._shape[1] != mat2._shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1._shape[0]}x{mat1._shape[1]} and "
                           f"{mat2._shape[0]}x{mat2._shape[1]})")
    for t in (input, mat2):
        if t._dtype is not mat1._dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {_dtype_name(input._dtype)} and "
                               f"{_dtype_name(mat2._dtype if t is input else mat1._dtype)}")
    M.same_device(opname, input, mat1, mat2)
    shape = (mat1._shape[0], mat2._shape[1])
    return _addprod(opname, "AddmmBackward0", input, mat1, mat2, shape, lambda a, b: a @ b,
                    lambda g, a, b: (g.mm(b.t()), a.t().mm(g)), beta, alpha, mat1._dtype, out, inplace)


@M.export()
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Any = None) -> Tensor:
    return _addmm(input, mat1, mat2, beta, alpha, out)


@M.export(function=False)
def addmm_(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    return _addmm(self, mat1, mat2, beta, alpha, inplace=True)


def _bcheck(b1: Tensor, b2: Tensor) -> None:
    for b in (b1, b2):
        if b.dim() < 3:  # torch reads size(2) first
            n = max(b.dim(), 1)
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got 2)")
    if b1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b1._shape[0] != b2._shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {b1._shape[0]} and "
                           f"{b2._shape[0]}")
    if b1._shape[2] != b2._shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({b1._shape[1]}x{b1._shape[2]} and "
                           f"{b2._shape[1]}x{b2._shape[2]})")


def _same_dtypes(opname: str, *ts: Tensor) -> None:
    if len({t._dtype for t in ts}) > 1:
        names = ", ".join(_dtype_name(t._dtype) for t in ts[:-1]) + ", and " + _dtype_name(ts[-1]._dtype)
        raise RuntimeError(f"{opname} input tensors must have the same dtype, but got {names}")


def _addbmm(input, batch1, batch2, beta, alpha, out=None, inplace=False):
    opname = "addbmm_" if inplace else "addbmm"
    for t, n in ((input, "input"), (batch1, "batch1"), (batch2, "batch2")):
        M.check_tensor(t, opname, n)
    _bcheck(batch1, batch2)
    _same_dtypes("addbmm", input, batch1, batch2)
    shape = (batch1._shape[1], batch2._shape[2])
    bsz = batch1._shape[0]

    def grads(g, a, b):
        ge = g.unsqueeze(0).expand(bsz, *shape)
        return ge.bmm(b.transpose(1, 2)), a.transpose(1, 2).bmm(ge)

    return _addprod(opname, "AddbmmBackward0", input, batch1, batch2, shape,
                    lambda a, b: (a @ b).sum(axis=0) if bsz else (a @ b).sum(axis=0), grads, beta, alpha,
                    batch1._dtype, out, inplace)


@M.export()
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Any = None):
    return _addbmm(input, batch1, batch2, beta, alpha, out)


@M.export(function=False)
def addbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    return _addbmm(self, batch1, batch2, beta, alpha, inplace=True)


def _baddbmm(input, batch1, batch2, beta, alpha, out=None, inplace=False):
    opname = "baddbmm_" if inplace else "baddbmm"
    for t, n in ((input, "input"), (batch1, "batch1"), (batch2, "batch2")):
        M.check_tensor(t, opname, n)
    _bcheck(batch1, batch2)
    _same_dtypes("baddbmm", input, batch1, batch2)
    shape = (batch1._shape[0], batch1._shape[1], batch2._shape[2])
    return _addprod(opname, "BaddbmmBackward0", input, batch1, batch2, shape, lambda a, b: a @ b,
                    lambda g, a, b: (g.bmm(b.transpose(1, 2)), a.transpose(1, 2).bmm(g)), beta, alpha,
                    batch1._dtype, out, inplace)


@M.export()
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Any = None):
    return _baddbmm(input, batch1, batch2, beta, alpha, out)


@M.export(function=False)
def baddbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    return _baddbmm(self, batch1, batch2, beta, alpha, inplace=True)


def _addmv(input, mat, vec, beta, alpha, out=None, inplace=False):
    opname = "addmv_" if inplace else "addmv"
    for t, n in ((input, "input"), (mat, "mat"), (vec, "vec")):
        M.check_tensor(t, opname, n)
    if mat.dim() != 2 or vec.dim() != 1 or input.dim() > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.dim()}, {mat.dim()}, {vec.dim()}")
    if mat._shape[1] != vec._shape[0] or (input.numel() != 1 and input._shape != (mat._shape[0],)):
        if input.dim() == 0:  # torch formats this message with self.size(0), which fails on a 0-d input
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        raise RuntimeError(f"size mismatch, got input ({input._shape[0] if input.dim() else 1}), mat "
                           f"({mat._shape[0]}x{mat._shape[1]}), vec ({vec._shape[0]})")
    _same_dtypes("addmv", input, mat, vec)
    shape = (mat._shape[0],)
    return _addprod(opname, "AddmvBackward0", input, mat, vec, shape, lambda a, b: a @ b,
                    lambda g, a, b: (g.unsqueeze(1) * b.unsqueeze(0), a.t().mv(g)), beta, alpha, mat._dtype,
                    out, inplace)


@M.export()
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Any = None) -> Tensor:
    return _addmv(input, mat, vec, beta, alpha, out)


@M.export(function=False)
def addmv_(self: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    return _addmv(self, mat, vec, beta, alpha, inplace=True)


def _addr(input, vec1, vec2, beta, alpha, out=None, inplace=False):
    opname = "addr_" if inplace else "addr"
    for t, n in ((input, "input"), (vec1, "vec1"), (vec2, "vec2")):
        M.check_tensor(t, opname, n)
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.dim()}-D" if vec1.dim() != 1 else
                           f"addr: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    rdt = D.result_type(input, vec1, vec2)
    if rdt is D.bool_ and (beta not in (0, 1, True, False) or alpha not in (0, 1, True, False)):
        raise RuntimeError("Boolean beta only supported for Boolean results.")
    shape = (vec1._shape[0], vec2._shape[0])

    def outer(a, b):
        r = a[:, None] * b[None, :] if a.dtype != np.bool_ else a[:, None] & b[None, :]
        return r

    if rdt is D.bool_:
        xp = input._xp
        _expand_shape(input, shape)
        arr = xp.broadcast_to(outer(vec1._array, vec2._array) | input._array.astype(bool), shape)
        arr = xp.array(arr, copy=True)
        if out is not None:
            return M.write_out(out, arr, rdt, opname, [input, vec1, vec2])
        if inplace:
            M.check_inplace_target(input, rdt, shape, ())
            M.write(input, arr)
            return input
        return M.wrap(arr, rdt, input)
    return _addprod(opname, "AddrBackward0", input, vec1, vec2, shape, outer,
                    lambda g, a, b: (g.mv(b), g.t().mv(a)), beta, alpha, rdt, out, inplace)


@M.export()
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1, out: Any = None) -> Tensor:
    return _addr(input, vec1, vec2, beta, alpha, out)


@M.export(function=False)
def addr_(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    return _addr(self, vec1, vec2, beta, alpha, inplace=True)


@M.export()
def outer(input: Tensor, vec2: Tensor, *, out: Any = None) -> Tensor:
    M.check_tensor(input, "outer")
    M.check_tensor(vec2, "outer", "vec2")
    if input.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.dim()}-D")
    r = input.reshape(-1, 1) * vec2
    if out is not None:
        return M.write_out(out, r._array, r._dtype, "outer", [input, vec2])
    return r


M.export("ger")(outer)


# ---- cross ---------------------------------------------------------------------------------------

def _cross(input: Tensor, other: Tensor, dim: Any, opname: str, out: Any = None) -> Tensor:
    M.check_tensor(input, opname)
    M.check_tensor(other, opname, "other")
    if dim is not None and (not isinstance(dim, int) or isinstance(dim, bool)):
        raise TypeError(f"{opname}(): argument 'dim' must be int, not {type(dim).__name__}")  # (the parser's)
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected scalar type {_dtype_name(input._dtype)} but found {_dtype_name(other._dtype)}")
    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"linalg_cross\" not implemented for 'Bool'")
    if dim is None:
        import warnings

        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=3)
        cands = [i for i, s in enumerate(input._shape) if s == 3]
        if not cands:
            raise RuntimeError("no dimension of size 3 in input")
        d = cands[0]
        shown = d
    else:
        d = geo.wrap_dim(dim, input.dim())
        shown = dim
    if input._shape[d] != 3 or other._shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {shown} must have length 3. Got {input._shape[d]} and "
                           f"{other._shape[d]}")
    shape = geo.broadcast_shapes(input._shape, other._shape)  # (after the length check, as in torch)
    exact_out(out, input._dtype)
    no_overlap(out, input, other)
    xp = input._xp
    a = xp.broadcast_to(input._array, shape)
    b = xp.broadcast_to(other._array, shape)
    with M.errstate():
        arr = xp.cross(a, b, axis=d).astype(input._dtype.np)
    if out is not None:
        return M.write_out(out, arr, input._dtype, opname, [input, other])

    def backward(grads, sa, sb):
        g = grads[0]
        return _cross(sb, g, d, "linalg.cross"), _cross(g, sa, d, "linalg.cross")

    return M.record(M.wrap(arr, input._dtype, input), "LinalgCrossBackward0", [input, other], backward,
                    [input, other])


@M.export()
def cross(input: Tensor, other: Tensor, dim: Any = None, *, out: Any = None) -> Tensor:
    return _cross(input, other, dim, "cross", out)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Any = None) -> Tensor:
    return _cross(input, other, dim, "linalg.cross", out)


# ---- inverse -------------------------------------------------------------------------------------

def _square_check(A: Tensor, opname: str) -> None:
    M.check_tensor(A, opname)
    if A.dim() < 2:
        raise RuntimeError(f"{opname}: The input tensor A must have at least 2 dimensions.")
    if A._shape[-1] != A._shape[-2]:
        raise RuntimeError(f"{opname}: A must be batches of square matrices, but they are {A._shape[-2]} by "
                           f"{A._shape[-1]} matrices")
    _float_check(A, opname)
    if A._dtype is D.float16:
        raise RuntimeError(f"{opname}: Low precision dtypes not supported. Got Half")


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (torch._C._LinAlgError): a RuntimeError."""


def _singular_error(a: Any, opname: str) -> "LinAlgError | None":
    """torch's message for a singular input: the first zero pivot of an LU factorisation (LAPACK getrf,
    1-based), or None when every matrix factorises (then the input was merely ill-conditioned)."""
    from .._backend import to_numpy

    mats = np.asarray(to_numpy(a), dtype=np.float64).reshape((-1,) + tuple(a.shape[-2:]))
    for bi, m in enumerate(mats):
        u = m.copy()
        n = u.shape[0]
        for k in range(n):
            p = k + int(np.argmax(np.abs(u[k:, k])))
            if u[p, k] == 0:
                batch = f"(Batch element {bi}): " if a.ndim > 2 else ""
                return LinAlgError(f"{opname}: {batch}The diagonal element {k + 1} is zero, the inversion could not be "
                                   "completed because the input matrix is singular.")
            u[[k, p]] = u[[p, k]]
            u[k + 1:] -= np.outer(u[k + 1:, k] / u[k, k], u[k])
    return None


def _huge(inv: Any, a: Any) -> bool:
    """|A| |A^-1| beyond 1/eps: a condition number that only a (numerically) singular A has."""
    if inv.size == 0:
        return False
    eps = float(np.finfo(a.dtype).eps) if np.issubdtype(a.dtype, np.floating) else float(np.finfo(np.float64).eps)
    with M.errstate():
        return bool(float(abs(inv).max()) * float(abs(a).max()) * eps >= 1.0)


def _inv(A: Tensor, opname: str, out: Any = None) -> Tensor:
    _square_check(A, opname)
    exact_out(out, A._dtype)
    xp = A._xp
    try:
        with M.errstate():
            arr = xp.linalg.inv(A._array)
    except np.linalg.LinAlgError:
        arr = None
    if arr is None or not bool(xp.isfinite(arr).all()) or _huge(arr, A._array):
        # NumPy raises on an exact zero pivot; other backends return inf/nan; LAPACK's float32 kernel may
        # round an exact zero pivot to a tiny one and return a 1e16-sized "inverse" where torch's finds
        # the zero: decide the same way for all, with an LU of our own
        err = _singular_error(A._array, opname)
        if err is not None:
            raise err
        if arr is None:
            raise LinAlgError(f"{opname}: The input matrix is singular.")
    arr = arr.astype(A._dtype.np)
    if out is not None:
        return M.write_out(out, arr, A._dtype, opname, [A])

    def backward(grads, Ainv):
        g = grads[0]
        At = Ainv.transpose(-2, -1)
        return (-(At.matmul(g.matmul(At))),)

    y = M.wrap(arr, A._dtype, A, stride=geo.column_major_strides(arr.shape))  # LAPACK's layout, like torch
    return M.record(y, "LinalgInvExBackward0", [A], backward, [y])


@M.export()
def inverse(input: Tensor, *, out: Any = None) -> Tensor:
    return _inv(input, "linalg.inv", out)


def linalg_inv(A: Tensor, *, out: Any = None) -> Tensor:
    return _inv(A, "linalg.inv", out)


# ---- svd -----------------------------------------------------------------------------------------

def _svd_backward(gU: Any, gS: Any, gVh: Any, U: Tensor, S: Tensor, Vh: Tensor) -> Tensor:
    """torch's svd_backward (FunctionsManual.cpp) for real inputs, on the reduced factors."""
    m, n = U._shape[-2], Vh._shape[-1]
    if gU is None and gVh is None:
        return U.matmul(gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)).matmul(Vh)
    k = S._shape[-1]
    eye = _eye(k, k, S)

    def skew(X):
        return X - X.transpose(-2, -1)

    UhgU = skew(U.transpose(-2, -1).matmul(gU)) if gU is not None else None
    VhgV = skew(Vh.matmul(gVh.transpose(-2, -1))) if gVh is not None else None
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    E = E + eye  # the diagonal of E is zero; torch sets it to one
    if gU is not None and gVh is not None:
        gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif gU is not None:
        gA = UhgU * (S.unsqueeze(-2) / E)
    else:
        gA = S.unsqueeze(-1) * VhgV / E
    if gS is not None:
        gA = gA + gS.unsqueeze(-1) * eye
    if m > n and gU is not None:
        gA = U.matmul(gA)
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - U.matmul(U.transpose(-2, -1).matmul(gUSinv))
        gA = gA.matmul(Vh)
    elif m < n and gVh is not None:
        gA = gA.matmul(Vh)
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - SinvgVh.matmul(Vh.transpose(-2, -1)).matmul(Vh)
        gA = U.matmul(gA)
    else:
        gA = U.matmul(gA.matmul(Vh)) if m >= n else U.matmul(gA).matmul(Vh)
    return gA


def _linalg_svd(A: Tensor, full_matrices: bool, opname: str, compute_uv: bool = True) -> tuple:
    """(U, S, Vh) from one LinalgSvdBackward0 node; with compute_uv=False only S (its node keeps U, Vh)."""
    M.check_tensor(A, opname)
    _float_check(A, "linalg.svd")
    if A.dim() < 2:
        raise RuntimeError(f"linalg.svd: input should have at least 2 dimensions, but has {A.dim()} dimensions "
                           "instead")
    if A._dtype is D.float16:
        raise NotImplementedError("\"linalg_svd_cpu\" not implemented for 'Half'")
    xp = A._xp
    k = min(A._shape[-2:])
    dt = A._dtype
    u, s, vh = xp.linalg.svd(A._array, full_matrices=full_matrices and compute_uv)
    # LAPACK's layout, like torch: U and Vh column-major (svd's V = Vh.mH is then row-major), S row-major
    U, Vh = (M.wrap(x.astype(dt.np), dt, A, stride=geo.column_major_strides(x.shape)) for x in (u, vh))
    S = M.wrap(s.astype(dt.np), dt, A)
    if not compute_uv:
        M.record(S, "LinalgSvdBackward0", [A],
                 lambda grads, sU, sS, sVh: (_svd_backward(None, grads[0], None, sU, sS, sVh),), [U, S, Vh])
        return S

    def backward(grads, sU, sS, sVh):
        gU, gS, gVh = grads
        if full_matrices:
            gU, gVh = gU.narrow(-1, 0, k), gVh.narrow(-2, 0, k)
            sU, sVh = sU.narrow(-1, 0, k), sVh.narrow(-2, 0, k)
        return (_svd_backward(gU, gS, gVh, sU, sS, sVh),)

    M.record_multi([U, S, Vh], "LinalgSvdBackward0", [A], backward, [U, S, Vh])
    return U, S, Vh


@M.export()
def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out: Any = None) -> Any:
    if out is not None:
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise TypeError("svd(): argument 'out' must be tuple of Tensors")
        for o in out:
            exact_out(o, input._dtype)
        if M.needs_grad(input):
            raise RuntimeError("svd(): functions with out=... arguments don't support automatic differentiation, but "
                               "one of the arguments requires grad.")
        r = svd(input, some, compute_uv)
        for o, t in zip(out, r):
            M.write_out(o, t._array, t._dtype, "svd", [])
        return return_types.svd(*out)
    if not compute_uv:
        S = _linalg_svd(input, False, "svd", compute_uv=False)
        m, n = input._shape[-2:]
        batch = input._shape[:-2]
        vz = batch + (n, n)  # torch's zero V is column-major (its U row-major)
        V = M.wrap(input._xp.zeros(vz, dtype=input._dtype.np), input._dtype, input, stride=geo.column_major_strides(vz))
        return return_types.svd(_zeros(batch + (m, m), input), S, V)
    U, S, Vh = _linalg_svd(input, not some, "svd")
    return return_types.svd(U, S, Vh.transpose(-2, -1))


def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None, out: Any = None) -> Any:
    U, S, Vh = _linalg_svd(A, full_matrices, "linalg.svd")
    return return_types.linalg_svd(U, S, Vh)


def linalg_svdvals(A: Tensor, *, driver: Any = None, out: Any = None) -> Tensor:
    return _linalg_svd(A, False, "linalg.svdvals", compute_uv=False)


# ---- t_ ------------------------------------------------------------------------------------------

@M.export(function=False)
def t_(self: Tensor) -> Tensor:
    if self.dim() > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
    if grad_mode.is_grad_enabled() and self._requires_grad and self._grad_fn is None and self._base is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    node = None
    if M.needs_grad(self):
        node = make_node("TBackward1", [self], lambda grads, *s: (grads[0].t(),), (), outputs=[self])
    _set_geometry(self, self._storage, self._shape[::-1], self._stride[::-1], self._offset, self._dtype)
    self._bump()
    if node is not None:
        node._out_meta = ((self._shape, self._dtype, self.device),)
        self._grad_fn, self._requires_grad, self._output_nr = node, True, 0
    return self
