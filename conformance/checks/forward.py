"""Forward checks: values (vs torch and vs JAX), result dtype, result shape."""
from __future__ import annotations

from typing import Any

from .. import repro
from .base import Check, Ctx, Diverged, Mismatch, same_exceptions
from .compare import mismatch
from ..strategies import Example


def _both(ctx: Ctx, ex: Example):
    bi = ctx.impl.build(ex)
    ri = ctx.impl.call(ctx.op.impl, bi)
    bt = ctx.torch.build(ex)
    rt = ctx.torch.call(ctx.op.torch, bt)
    same_exceptions(ri, rt)
    return bi, ri, bt, rt


def _result_dtype(runner, v: Any) -> Any:
    if isinstance(v, (list, tuple)) and not runner.is_tensor(v):
        return [_result_dtype(runner, x) for x in v]
    return runner.dtype_name(v)


def _result_shape(runner, v: Any) -> Any:
    if isinstance(v, (list, tuple)) and not runner.is_tensor(v):
        return [_result_shape(runner, x) for x in v]
    return tuple(int(s) for s in v.shape) if runner.is_tensor(v) else None


def _torch_dtype(v: Any) -> str | None:
    return None if isinstance(v, list) else getattr(getattr(v, "dtype", None), "name", None)


def run_forward(ctx: Ctx, ex: Example) -> Diverged | None:
    if ctx.oracle == "jax":
        return _vs_jax(ctx, ex)
    bi, ri, bt, rt = _both(ctx, ex)
    if not rt.raised:
        vt, vi = ctx.torch.read(rt.value), ctx.impl.read(ri.value)
        m = mismatch(vt, vi, ctx.op.tolerance)
        if m:
            raise Mismatch("values differ from torch", m)
    # an op must leave its inputs exactly as torch leaves them (unchanged unless in-place)
    for name, t in bt.tensors.items():
        m = mismatch(ctx.torch.read(t), ctx.impl.read(bi.tensors[name], f"input {name}"), ctx.op.tolerance,
                     path=f"input {name} after the call")
        if m:
            raise Mismatch(f"input {name!r} after the call differs from torch", m)
    for name, arr in bt.ndarrays.items():
        m = mismatch(arr, bi.ndarrays[name], path=f"ndarray {name} after the call")
        if m:
            raise Mismatch(f"NumPy input {name!r} after the call differs from torch", m)
    return None


def _vs_jax(ctx: Ctx, ex: Example) -> Diverged | None:
    bt = ctx.torch.build(ex)
    rt = ctx.torch.call(ctx.op.torch, bt)
    if rt.raised:
        return None  # JAX is a value oracle; error behaviour is compared with torch only
    vt = ctx.torch.read(rt.value)
    tdtype = _torch_dtype(vt)
    rj = ctx.jax.call(ex)
    if rj.raised:
        return Diverged({"torch": "returned", "jax": rj.describe()})
    vj = ctx.jax.read(rj.value)
    m = mismatch(vt, vj, ctx.op.tolerance, oracle="jax", dtype=tdtype)
    if m:
        return Diverged({"torch_vs_jax": m})
    bi = ctx.impl.build(ex)
    ri = ctx.impl.call(ctx.op.impl, bi)
    if ri.raised:
        raise Mismatch("library raised where torch and JAX agree", {"impl": ri.describe()})
    m = mismatch(vj, ctx.impl.read(ri.value), ctx.op.tolerance, oracle="jax", dtype=tdtype)
    if m:
        raise Mismatch("values differ from JAX (torch agrees with JAX)", m)
    return None


def run_dtype(ctx: Ctx, ex: Example) -> None:
    _, ri, _, rt = _both(ctx, ex)
    if rt.raised:
        return
    et, ei = _result_dtype(ctx.torch, rt.value), _result_dtype(ctx.impl, ri.value)
    if et != ei:
        raise Mismatch("result dtype differs from torch", {"expected": et, "actual": ei})


def run_shape(ctx: Ctx, ex: Example) -> None:
    _, ri, _, rt = _both(ctx, ex)
    if rt.raised:
        return
    et, ei = _result_shape(ctx.torch, rt.value), _result_shape(ctx.impl, ri.value)
    if et != ei:
        raise Mismatch("result shape differs from torch", {"expected": et, "actual": ei})


def _repro(ctx: Ctx, ex: Example) -> list[str]:
    return repro.op_call_lines(ctx.op, ex) + [
        "print(m.__name__, getattr(r, 'dtype', type(r).__name__), tuple(getattr(r, 'shape', ())))",
        "print(r)"]


FORWARD = Check("forward", ("torch", "jax"), run_forward, _repro)
DTYPE = Check("dtype", ("torch",), run_dtype, _repro)
SHAPE = Check("shape", ("torch",), run_shape, _repro)
