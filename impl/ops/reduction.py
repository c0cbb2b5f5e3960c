"""Reductions over dims (sum, mean) and sum_to, which reduces a gradient to a broadcast input's shape."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as D
from ..tensor import Tensor
from . import _machinery as M


def _reduce_shape(shape: tuple, dims: tuple, keepdim: bool) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape)) if keepdim else \
        tuple(s for i, s in enumerate(shape) if i not in dims)


def _grad_expand(g: Tensor, in_shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim:
        g = g.reshape(_reduce_shape(in_shape, dims, True))
    return g.expand(in_shape)


def _sum_dtype(x: Tensor, dtype: Any) -> D.dtype:
    if dtype is not None:
        return D.to_dtype(dtype)
    return D.int64 if x._dtype.category < 2 else x._dtype


@M.export()
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None) -> Tensor:
    M.check_tensor(input, "sum")
    dims = M.dims_arg(dim, input.dim())
    rdt = _sum_dtype(input, dtype)
    a = input._array
    # half precision accumulates in float32, like torch
    acc = np.float32 if rdt is D.float16 else rdt.np
    arr = a.sum(axis=dims, keepdims=keepdim, dtype=acc).astype(rdt.np) if input.dim() else a.astype(rdt.np)
    if out is not None:
        return M.write_out(out, input._xp.asarray(arr), rdt, "sum", [input])
    in_shape = input._shape
    name = "SumBackward0" if dim is None else "SumBackward1"
    return M.record(M.wrap(input._xp.asarray(arr), rdt, input), name, [input],
                    lambda g, *s: (_grad_expand(g[0], in_shape, dims, keepdim),))


@M.export()
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None) -> Tensor:
    M.check_tensor(input, "mean")
    rdt = D.to_dtype(dtype) if dtype is not None else input._dtype
    if not rdt.is_floating_point:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {D.type_name(input._dtype)}")
    dims = M.dims_arg(dim, input.dim())
    a = input._array.astype(rdt.np)
    acc = np.float32 if rdt is D.float16 else rdt.np
    with M.errstate():
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
    lead = g.dim() - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and g._shape[lead + i] != 1)
    r = sum(g, dims, keepdim=True) if dims else g
    return r.reshape(shape) if r._shape != shape else r
