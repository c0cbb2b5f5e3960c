"""Matrix products: mm, bmm, dot, mv, and matmul composed from them the way torch composes it."""
from __future__ import annotations

from typing import Any

from .. import _geometry as geo, dtypes as D
from ..tensor import Tensor
from . import _machinery as M


def _same_dtype(a: Tensor, b: Tensor) -> None:
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a._dtype.name.replace('float32', 'float').replace('float64', 'double')} != "
                           f"{b._dtype.name.replace('float32', 'float').replace('float64', 'double')}")


def _product(name: str, node: str, a: Tensor, b: Tensor, fn, backward, out: Any) -> Tensor:
    M.same_device(name, a, b)
    with M.errstate():
        arr = fn(a._array, b._array)
    if out is not None:
        return M.write_out(out, arr, a._dtype, name, [a, b])
    return M.record(M.wrap(arr, a._dtype, a), node, [a, b], backward, [a, b])


@M.export()
def mm(input: Tensor, mat2: Tensor, *, out: Any = None) -> Tensor:
    M.check_tensor(input, "mm")
    M.check_tensor(mat2, "mm", "mat2")
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input._shape[1] != mat2._shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input._shape[0]}x{input._shape[1]} and "
                           f"{mat2._shape[0]}x{mat2._shape[1]})")
    _same_dtype(input, mat2)
    return _product("mm", "MmBackward0", input, mat2, lambda a, b: a @ b,
                    lambda g, a, b: (g[0].mm(b.t()), a.t().mm(g[0])), out)


@M.export()
def bmm(input: Tensor, mat2: Tensor, *, out: Any = None) -> Tensor:
    if input.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input._shape[0] != mat2._shape[0] or input._shape[2] != mat2._shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input._shape[0]}, "
                           f"{input._shape[2]}] but got: [{mat2._shape[0]}, {mat2._shape[1]}].")
    _same_dtype(input, mat2)
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
    _same_dtype(input, vec)
    return _product("mv", "MvBackward0", input, vec, lambda a, b: a @ b,
                    lambda g, a, b: (g[0].unsqueeze(1) * b, a.t().mv(g[0])), out)


@M.export()
def matmul(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    M.check_tensor(input, "matmul")
    M.check_tensor(other, "matmul", "other")
    da, db = input.dim(), other.dim()
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if out is not None:
        from ..autograd import grad_mode

        with grad_mode.no_grad():
            r = matmul(input, other)
        return M.write_out(out, r._array, r._dtype, "matmul", [input, other])
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        return mm(input.unsqueeze(0), other).squeeze(0)
    if da == 2 and db == 2:
        return mm(input, other)
    # Batched: broadcast the batch dims, fold them into one, bmm, unfold (torch's composition).
    a = input.unsqueeze(0) if da == 1 else input
    b = other.unsqueeze(-1) if db == 1 else other
    if a._shape[-1] != b._shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{geo.prod(a._shape[:-2])}, {a._shape[-1]}] but got: [{geo.prod(b._shape[:-2])}, "
                           f"{b._shape[-2]}].")
    batch = geo.broadcast_shapes(a._shape[:-2], b._shape[:-2])
    n, k, p = a._shape[-2], a._shape[-1], b._shape[-1]
    a3 = a.expand(batch + (n, k)).reshape(-1, n, k)
    b3 = b.expand(batch + (k, p)).reshape(-1, k, p)
    r = bmm(a3, b3).reshape(batch + (n, p))
    if da == 1:
        r = r.squeeze(-2)
    if db == 1:
        r = r.squeeze(-1)
    return r


OPERATORS = {"__matmul__": matmul, "__rmatmul__": lambda self, other: matmul(other, self)}
