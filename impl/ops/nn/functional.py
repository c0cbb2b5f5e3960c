"""nn.functional ops: linear, mse_loss, relu, softmax/log_softmax (implicit-dim rule).

linear composes addmm / matmul exactly the way torch does, so its graph has torch's nodes
(AddmmBackward0 for 2-D input, ViewBackward0 over AddmmBackward0 for other contiguous inputs).
"""
from __future__ import annotations

import warnings
from typing import Any

from ... import dtypes as D
from ...tensor import Tensor
from .. import _machinery as M, linalg as LA, pointwise as PW


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    M.check_tensor(input, "linear")
    M.check_tensor(weight, "linear", "weight")
    if input.dim() == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and "
                           f"{weight.dim()}D")
    wt = weight.t()
    if bias is None:
        return LA.matmul(input, wt)
    if input.dim() == 2:
        return LA.addmm(bias, input, wt)
    if input.is_contiguous():
        k = input._shape[-1]
        flat = input.view(-1, k)
        res = LA.addmm(bias, flat, wt)
        return res.view(*input._shape[:-1], res._shape[-1])
    return LA.matmul(input, wt) + bias


def _reduction_arg(reduction: str) -> str:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Any = None) -> Tensor:
    M.check_tensor(input, "mse_loss")
    M.check_tensor(target, "mse_loss", "target")
    if target._shape != input._shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have "
                      "the same size.", UserWarning, stacklevel=2)
    from ... import _geometry as geo

    shape = geo.broadcast_shapes(input._shape, target._shape)
    reduction = _reduction_arg(reduction)
    rdt = D.result_type(input, target)
    if not rdt.is_floating_point:
        raise NotImplementedError(f"\"mse_cpu\" not implemented for '{D.type_name(rdt)}'")
    xp = input._xp
    with M.errstate():
        a = M.operand_array(input, rdt, xp)
        b = M.operand_array(target, rdt, xp)
        sq = (a - b) ** 2
        sq = xp.broadcast_to(sq, shape)
        if reduction == "none":
            arr = xp.array(sq, copy=True)
        else:
            import numpy as np

            acc = np.float32 if rdt is D.float16 else rdt.np
            arr = sq.astype(acc).sum() if reduction == "sum" else sq.astype(acc).mean()
            arr = xp.asarray(arr).astype(rdt.np)
    count = 1
    for s in shape:
        count *= s

    def backward(grads, x, t):
        g = grads[0]
        d = (x - t) * 2
        if reduction == "mean":
            d = d / count
        gd = d * g
        return gd, -gd

    return M.record(M.wrap(arr, rdt, input), "MseLossBackward0", [input, target], backward, [input, target])


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return M.METHODS["relu_"](input) if inplace else M.FUNCTIONS["relu"](input)


def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
                  "argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    if dim is None:
        dim = _implicit_dim("softmax", input.dim())
    return PW.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    if dim is None:
        dim = _implicit_dim("log_softmax", input.dim())
    return PW.log_softmax(input, dim, dtype)


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()
