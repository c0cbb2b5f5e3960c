"""Forward checks: values (vs torch and vs JAX), result dtype (and device), result shape.

Tuple results (max(dim), topk, svd...) are compared output by output; an index output of an op that
declares `ties` may differ from the oracle's where both select the same values.  Ops returning Python
values (equal, item, size...) are compared with == and their Python types must match torch's.
Random ops compare only structure here: their values are checked by the random checks.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import repro
from ..strategies import OMIT, Device, DType, Example
from .base import Check, Ctx, Diverged, Mismatch, same_exceptions
from .compare import mismatch


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
    if isinstance(v, np.ndarray):
        return f"ndarray[{v.dtype.name}]"
    return runner.dtype_name(v)


def _result_device(runner, v: Any) -> Any:
    if isinstance(v, (list, tuple)) and not runner.is_tensor(v):
        return [_result_device(runner, x) for x in v]
    return str(v.device) if runner.is_tensor(v) else None


def _result_shape(runner, v: Any) -> Any:
    if isinstance(v, (list, tuple)) and not runner.is_tensor(v):
        return [_result_shape(runner, x) for x in v]
    if isinstance(v, np.ndarray):
        return tuple(v.shape)
    return tuple(int(s) for s in v.shape) if runner.is_tensor(v) else None


def _torch_dtype(v: Any) -> str | None:
    return None if isinstance(v, list) else getattr(getattr(v, "dtype", None), "name", None)


# ------------------------------------------------------------------------------------- Python values

def py_value(runner, v: Any) -> Any:
    """A comparable description of a non-tensor result: Python type name + value, recursively
    (torch.Size and impl's Size both read as ('Size', [...]); bool is not int)."""
    if runner.is_tensor(v):
        return ("Tensor", runner.read(v))
    if isinstance(v, np.ndarray):
        return ("ndarray", v.dtype.name, np.array(v, copy=True))
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, [py_value(runner, x) for x in v])
    if isinstance(v, runner.module.dtype):
        return ("dtype", runner.read(v).name)
    if type(v).__name__ == "device":
        return ("device", str(v))
    return (type(v).__name__, v)


def _same_py(e: Any, a: Any) -> bool:
    if isinstance(e, tuple) and isinstance(a, tuple):
        if len(e) != len(a) or e[0] != a[0]:
            return False
        if e[0] in ("Tensor", "ndarray"):
            return mismatch(e[-1], a[-1]) is None and (e[0] == "Tensor" or e[1] == a[1])
        return all(_same_py(x, y) for x, y in zip(e[1:], a[1:]))
    if isinstance(e, list) and isinstance(a, list):
        return len(e) == len(a) and all(_same_py(x, y) for x, y in zip(e, a))
    if isinstance(e, float) and isinstance(a, float) and e != e and a != a:
        return True  # nan.item()
    return bool(e == a)


def _py_short(v: Any) -> str:
    s = repr(v)
    return s if len(s) < 400 else s[:400] + "..."


# ------------------------------------------------------------------------------------- tuple results

def _sorted_pairs(vals: Any, dim: int | None) -> Any:
    """post = "sort": (values, indices) reordered along dim by value (then index), for ops whose
    output order is unspecified (topk(sorted=False))."""
    if not (isinstance(vals, list) and len(vals) == 2) or vals[0].ndim == 0:
        return vals
    v, i = np.asarray(vals[0]), np.asarray(vals[1])
    d = (dim if dim is not None else -1) % v.ndim
    vm, im = np.moveaxis(v, d, -1), np.moveaxis(i, d, -1)
    key = np.where(np.isnan(vm.astype(np.float64)), np.inf, vm.astype(np.float64))
    order = np.lexsort((im, key), axis=-1) if vm.size else np.zeros(vm.shape, dtype=np.int64)
    return [np.moveaxis(np.take_along_axis(vm, order, -1), -1, d),
            np.moveaxis(np.take_along_axis(im, order, -1), -1, d)]


def _dim_value(ex: Example, name: str | None) -> int | None:
    if name is None:
        return None
    v = ex.values.get(name, OMIT)
    return None if v is OMIT or v is None else int(v)


def _selects_same(ex: Example, out_spec, expected: np.ndarray, actual: np.ndarray) -> bool:
    """Do two index tensors pick the same values out of the input (a tie broken differently)?"""
    x = ex.tensor_arg(out_spec.index_of).array
    e, a = np.asarray(expected), np.asarray(actual)
    if e.shape != a.shape or a.dtype.kind not in "iu":
        return False
    if x.ndim == 0:
        return bool(np.all(a == 0))
    d = _dim_value(ex, out_spec.dim)
    d = (d if d is not None else -1) % x.ndim
    if e.ndim < x.ndim:  # keepdim=False dropped the reduced dim
        e, a = np.expand_dims(e, d), np.expand_dims(a, d)
    if a.size and (a.min() < 0 or a.max() >= x.shape[d]):
        return False
    if e.size == 0:
        return True
    if e.ndim != x.ndim or e.shape[:d] + e.shape[d + 1:] != x.shape[:d] + x.shape[d + 1:]:
        return False
    return mismatch(np.take_along_axis(x, e, d), np.take_along_axis(x, a, d)) is None


def compare_values(ctx: Ctx, ex: Example, expected: Any, actual: Any, oracle: str = "torch",
                   dtype: str | None = None) -> dict[str, Any] | None:
    """mismatch() over the op's outputs, with the op's post-processing and tie rule."""
    op = ctx.op
    if op.post == "sort":
        d = _dim_value(ex, next((o.dim for o in op.outputs if o.dim), None))
        expected, actual = _sorted_pairs(expected, d), _sorted_pairs(actual, d)
    if not (op.outputs and isinstance(expected, list) and isinstance(actual, list)
            and len(expected) == len(actual)):
        return mismatch(expected, actual, op.tolerance, oracle=oracle, dtype=dtype)
    for i, (e, a) in enumerate(zip(expected, actual)):
        spec = op.outputs[i] if i < len(op.outputs) else None
        label = f"result[{i}]" + (f" ({spec.name})" if spec else "")
        m = mismatch(e, a, op.tolerance, oracle=oracle, path=label)
        if m and spec is not None and spec.index_of and op.ties and _selects_same(ex, spec, e, a):
            continue  # a tie broken differently: both indices pick the same values
        if m:
            return m
    return None


# ------------------------------------------------------------------------------------- forward

def run_forward(ctx: Ctx, ex: Example) -> Diverged | None:
    if ctx.oracle == "jax":
        return _vs_jax(ctx, ex)
    bi, ri, bt, rt = _both(ctx, ex)
    if not rt.raised:
        if ctx.op.random is not None:  # values are random: structure only (see checks/random.py)
            et, ei = _result_shape(ctx.torch, rt.value), _result_shape(ctx.impl, ri.value)
            if et != ei:
                raise Mismatch("result shape differs from torch", {"expected": et, "actual": ei})
        elif ctx.op.returns == "value":
            et, ei = py_value(ctx.torch, rt.value), py_value(ctx.impl, ri.value)
            if not _same_py(et, ei):
                raise Mismatch("returned value differs from torch (compared with ==, Python types included)",
                               {"expected": _py_short(et), "actual": _py_short(ei)})
        else:
            vt = ctx.torch.read(ctx.torch.outputs(ctx.op, rt.value))
            vi = ctx.impl.read(ctx.impl.outputs(ctx.op, ri.value))
            m = compare_values(ctx, ex, vt, vi)
            if m:
                raise Mismatch("values differ from torch", m)
    if ri.fp_warnings and not rt.fp_warnings:
        raise Mismatch("the library emitted NumPy floating-point warnings; torch computes inf/nan silently",
                       {"library_warnings": list(ri.fp_warnings), "torch_warnings": list(rt.warned)})
    # an op must leave its inputs exactly as torch leaves them (unchanged unless in-place)
    for name, t in bt.tensors.items():
        if ctx.op.random is not None and ctx.op.returns == "inplace":
            break  # uniform_ fills self with random values
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
    vt = ctx.torch.read(ctx.torch.outputs(ctx.op, rt.value))
    tdtype = _torch_dtype(vt)
    rj = ctx.jax.call(ex)
    if rj.raised:
        return Diverged({"torch": "returned", "jax": rj.describe()})
    vj = ctx.jax.read(ctx.jax.outputs(ctx.op, rj.value))
    # JAX is the expected value in both comparisons: rtol scales with the expected value, so with
    # torch as expected here and JAX as expected below, a library returning torch's exact values
    # could "differ from JAX" while "torch agrees with JAX" (tests/test_compare.py pins this)
    m = compare_values(ctx, ex, vj, vt, oracle="jax", dtype=tdtype)
    if m:
        return Diverged({"torch_vs_jax": {**m, "expected_is": "jax", "actual_is": "torch"}})
    bi = ctx.impl.build(ex)
    ri = ctx.impl.call(ctx.op.impl, bi)
    if ri.raised:
        raise Mismatch("library raised where torch and JAX agree", {"impl": ri.describe()})
    m = compare_values(ctx, ex, vj, ctx.impl.read(ctx.impl.outputs(ctx.op, ri.value)), oracle="jax", dtype=tdtype)
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
    et, ei = _result_device(ctx.torch, rt.value), _result_device(ctx.impl, ri.value)
    if et != ei:
        raise Mismatch("result device differs from torch", {"expected": et, "actual": ei})


def run_shape(ctx: Ctx, ex: Example) -> None:
    _, ri, _, rt = _both(ctx, ex)
    if rt.raised:
        return
    et, ei = _result_shape(ctx.torch, rt.value), _result_shape(ctx.impl, ri.value)
    if et != ei:
        raise Mismatch("result shape differs from torch", {"expected": et, "actual": ei})
    et, ei = _result_strides(ctx.torch, rt.value), _result_strides(ctx.impl, ri.value)
    if et != ei:
        raise Mismatch("result strides differ from torch", {"expected": et, "actual": ei})


def _result_strides(runner, v: Any) -> Any:
    if isinstance(v, (list, tuple)) and not runner.is_tensor(v):
        return [_result_strides(runner, x) for x in v]
    if runner.is_tensor(v):
        return tuple(v.stride()) if v.numel() > 1 else None
    return None


def _repro(ctx: Ctx, ex: Example) -> list[str]:
    return repro.op_call_lines(ctx.op, ex) + [
        "print(m.__name__, getattr(r, 'dtype', type(r).__name__), tuple(getattr(r, 'shape', ())))",
        "print(r)"]


FORWARD = Check("forward", ("torch", "jax"), run_forward, _repro)
DTYPE = Check("dtype", ("torch",), run_dtype, _repro)
SHAPE = Check("shape", ("torch",), run_shape, _repro)
