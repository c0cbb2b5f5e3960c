"""Joining: cat (alias concat, concatenate) and stack. Results are new memory; dtypes promote like torch."""
from __future__ import annotations

from typing import Any, Sequence

from .. import _geometry as geo, dtypes as D
from ..tensor import Tensor
from . import _machinery as M
from ._out import no_overlap


def _tensor_list(tensors: Any, opname: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{opname}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{opname}(): argument 'tensors' (position 1) must be tuple of Tensors, but found "
                            f"element of type {type(t).__name__} at pos {i}")
    return list(tensors)


def _cat_result(ts: Sequence[Tensor], dim: int, opname: str) -> tuple:
    """(wrapped dim, output shape, result dtype, tensors that take part); all checks before any work."""
    if not ts:
        raise ValueError(f"torch.{opname}(): expected a non-empty list of Tensors")
    for i, t in enumerate(ts):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # legacy behaviour kept by torch: 1-D empty tensors are skipped whatever their shape
    parts = [t for t in ts if not (t.dim() == 1 and t._shape[0] == 0)]
    rdt = D.result_type(*ts)
    M.same_device(opname, *ts)
    if not parts:
        return 0, (0,), rdt, parts
    ref = parts[0]
    d = geo.wrap_dim(dim, ref.dim())
    size = 0
    for i, t in enumerate(ts):
        if t.dim() == 1 and t._shape[0] == 0:
            continue
        if t.dim() != ref.dim():
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.dim()} and {t.dim()}")
        for k in range(ref.dim()):
            if k != d and t._shape[k] != ref._shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref._shape[k]} but got size {t._shape[k]} for tensor number {i} in the list.")
        size += t._shape[d]
    shape = ref._shape[:d] + (size,) + ref._shape[d + 1:]
    return d, shape, rdt, parts


@M.export("cat", "concat", "concatenate", method=False)
def cat(tensors: Any, dim: int = 0, *, out: Any = None) -> Tensor:
    ts = _tensor_list(tensors, "cat")
    d, shape, rdt, parts = _cat_result(ts, dim, "cat")
    if isinstance(out, Tensor) and not D.can_cast(rdt, out._dtype):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                        f"{D.type_name(out._dtype)}")
    if parts:  # torch returns early (no overlap check) when every input is a skipped legacy empty tensor
        no_overlap(out, *ts)
    like = ts[0]
    xp = like._xp
    # torch copies each input straight into out, cast to out's dtype (not through the result dtype first)
    cdt = out._dtype if isinstance(out, Tensor) else rdt
    if parts:
        arr = xp.concatenate([M.operand_array(t, cdt, xp) for t in parts], axis=d)
    else:
        arr = xp.zeros((0,), dtype=rdt.np)
    if out is not None:
        return M.write_out(out, arr, rdt, "cat", ts)
    sizes = [None if t.dim() == 1 and t._shape[0] == 0 else t._shape[d] for t in ts]

    def backward(grads, *s):
        g = grads[0]
        res, start = [], 0
        for t, n in zip(ts, sizes):
            if n is None:  # a skipped legacy empty tensor
                res.append(_empty_like_grad(t, g))
            else:
                res.append(g.narrow(d, start, n))
                start += n
        return tuple(res)

    return M.record(M.wrap(arr, rdt, like), "CatBackward0", ts, backward)


def _empty_like_grad(t: Tensor, g: Tensor) -> Tensor:
    from .creation import zeros

    return zeros(t._shape, dtype=g._dtype, device=g.device)


@M.export(method=False)
def stack(tensors: Any, dim: int = 0, *, out: Any = None) -> Tensor:
    ts = _tensor_list(tensors, "stack")
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = ts[0]
    d = geo.wrap_dim(dim, ref.dim() + 1)
    for i, t in enumerate(ts):
        if t._shape != ref._shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref._shape)} at entry 0 "
                               f"and {list(t._shape)} at entry {i}")
    rdt = D.result_type(*ts)
    M.same_device("stack", *ts)
    if isinstance(out, Tensor) and not D.can_cast(rdt, out._dtype):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                        f"{D.type_name(out._dtype)}")
    no_overlap(out, *ts)
    xp = ref._xp
    cdt = out._dtype if isinstance(out, Tensor) else rdt  # each input is cast straight to out's dtype, like cat
    arr = xp.stack([M.operand_array(t, cdt, xp) for t in ts], axis=d)
    if out is not None:
        return M.write_out(out, arr, rdt, "stack", ts)

    def backward(grads, *s):
        return tuple(grads[0].unbind(d))

    return M.record(M.wrap(arr, rdt, ref), "StackBackward0", ts, backward)


@M.export(method=False)
def hstack(tensors: Any, *, out: Any = None) -> Tensor:
    ts = _tensor_list(tensors, "hstack")
    ts = [t.reshape(1) if t.dim() == 0 else t for t in ts]
    return cat(ts, 0 if ts and ts[0].dim() == 1 else 1, out=out)


@M.export(method=False)
def vstack(tensors: Any, *, out: Any = None) -> Tensor:
    ts = _tensor_list(tensors, "vstack")
    ts = [t.reshape(1, -1) if t.dim() < 2 else t for t in ts]
    return cat(ts, 0, out=out)
