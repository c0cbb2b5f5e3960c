"""impl.linalg: torch.linalg's names for the linear-algebra ops defined in impl/ops (re-exports only)."""
from __future__ import annotations

from typing import Any

from .ops import linalg as _la, reduction as _red
from .ops.linalg import LinAlgError, linalg_cross as cross, linalg_inv as inv, linalg_svd as svd, \
    linalg_svdvals as svdvals
from .tensor import Tensor


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
                out: Any = None) -> Tensor:
    return _red.vector_norm(x, ord, dim, keepdim, dtype=dtype, out=out)


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, out: Any = None,
         dtype: Any = None) -> Tensor:
    """Vector norms, and the Frobenius norm of matrices; other matrix norms are not implemented."""
    dims = (dim,) if isinstance(dim, int) else (tuple(dim) if dim is not None else None)
    matrix = (dims is not None and len(dims) == 2) or (dims is None and ord is not None and A.dim() == 2)
    if matrix and ord not in (None, "fro"):
        raise NotImplementedError(f"impl: linalg.norm(ord={ord!r}) of a matrix is not supported")
    if ord == "fro" and not matrix:
        raise RuntimeError("linalg.norm: If dim is specified, it must be of length 1 or 2. Got []")
    return _red.vector_norm(A, 2 if ord in (None, "fro") else ord, dims, keepdim, dtype=dtype, out=out,
                            opname="linalg.norm")


def matmul(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    return _la.matmul(input, other, out=out)


__all__ = ["LinAlgError", "cross", "inv", "svd", "svdvals", "vector_norm", "norm", "matmul"]
