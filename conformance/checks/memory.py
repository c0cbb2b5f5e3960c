"""Memory checks: views share storage exactly when torch's do; in-place ops and out= write in place."""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from .. import dtypes as dt
from .. import repro
from ..catalog import TENSOR_KINDS, OpSpec
from ..runners.torchlike import TorchLikeRunner
from ..strategies import Example, NdArray, TensorArg
from .base import Check, Ctx, Mismatch, method_self, same_exceptions
from .compare import mismatch


# ------------------------------------------------------------------------------------- view

def _pattern(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Distinct values to write through an alias (a zero write would go unnoticed on zeros)."""
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape) + 3
    return (a % 2 == 0) if dtype == "bool" else a.astype(dt.to_numpy(dtype))


def _view_facts(runner: TorchLikeRunner, ctx: Ctx, ex: Example) -> dict[str, Any]:
    b = runner.build(ex)
    r = runner.call(ctx.op.impl if runner is ctx.impl else ctx.op.torch, b)
    facts: dict[str, Any] = {"outcome": r}
    if r.raised or not runner.is_tensor(r.value):
        return facts
    out = r.value
    meta = runner.meta(out)
    facts["meta"] = meta
    shares = {}
    for name, t in b.tensors.items():
        shares[name] = (runner.storage_ptr(t, f"input {name}"), meta["storage_ptr"])
    for name, arr in b.ndarrays.items():
        shares[name] = (arr.ctypes.data, meta["storage_ptr"])
    facts["ptrs"] = shares
    # Writes through the first shared input must show in the result (real aliasing, not equal pointers).
    target = next((n for n, (pin, pout) in shares.items() if pin == pout and pin != 0), None)
    facts["write_through"] = None
    if target is not None and int(np.prod(meta["shape"])) > 0:
        if target in b.ndarrays:
            arr = b.ndarrays[target]
            arr[...] = _pattern(arr.shape, dt.name_of(arr.dtype))
        else:
            base = b.bases.get(target)
            buf = base if base is not None else b.tensors[target]
            v = ex.values[target]
            src = runner.tensor(_pattern(v.base.shape if base is not None else v.shape, v.dtype))
            w = runner.attempt(buf.copy_, src)
            if w.raised:
                raise Mismatch(f"could not write through input {target!r} with copy_", {"error": w.describe()})
        facts["write_through"] = runner.read(out, "result after writing into its input")
    return facts


def run_view(ctx: Ctx, ex: Example) -> None:
    fi, ft = _view_facts(ctx.impl, ctx, ex), _view_facts(ctx.torch, ctx, ex)
    same_exceptions(fi["outcome"], ft["outcome"])
    if "meta" not in ft:
        return
    if "meta" not in fi:
        raise Mismatch("torch returned a tensor, the library did not", {"impl": repr(type(fi["outcome"].value))})
    empty_out = int(np.prod(ft["meta"]["shape"])) == 0
    for name, (tin, tout) in ft["ptrs"].items():
        if tin == 0 or tout == 0 or empty_out or _numel(ex, name) == 0:
            continue  # no element is reachable: sharing is unobservable, so not compared
        iin, iout = fi["ptrs"][name]
        if (tin == tout) != (iin == iout):
            what = "shares memory with" if tin == tout else "does not share memory with"
            raise Mismatch(f"in torch the result {what} input {name!r}; in the library it "
                           f"{'does not' if tin == tout else 'does'}",
                           {"torch_shares": tin == tout, "impl_shares": iin == iout,
                            "torch_meta": ft["meta"], "impl_meta": fi["meta"]})
        if tin == tout:
            for key in ("stride", "storage_offset", "shape"):
                if ft["meta"][key] != fi["meta"][key]:
                    raise Mismatch(f"view {key} differs from torch",
                                   {"expected": ft["meta"][key], "actual": fi["meta"][key],
                                    "torch_meta": ft["meta"], "impl_meta": fi["meta"]})
    if ft["write_through"] is not None:
        m = mismatch(ft["write_through"], fi["write_through"], path="result after writing into its input")
        if m:
            raise Mismatch("a write into the input does not show in the view as in torch", m)


def _numel(ex: Example, name: str) -> int:
    v = ex.values[name]
    return int(v.array.size)


def _view_applies(op: OpSpec) -> bool:
    return op.returns != "value" and any(a.kind in TENSOR_KINDS + ("tensor", "ndarray") for a in op.all_args)


def _view_repro(ctx: Ctx, ex: Example) -> list[str]:
    lines = repro.op_call_lines(ctx.op, ex)
    lines.append("print(m.__name__, 'stride', r.stride(), 'offset', r.storage_offset())")
    for n, v in ex.values.items():
        if isinstance(v, TensorArg):
            lines.append(f"print('  shares storage with {n}:', "
                         f"r.untyped_storage().data_ptr() == {n}.untyped_storage().data_ptr())")
        elif isinstance(v, NdArray):
            lines.append(f"print('  shares memory with {n}:', r.untyped_storage().data_ptr() == {n}.ctypes.data)")
    return lines


VIEW = Check("view", ("torch",), run_view, _view_repro, applies=_view_applies)


# ------------------------------------------------------------------------------------- in-place

def _inplace_path(op: OpSpec) -> str:
    return op.torch if op.returns == "inplace" else op.inplace


def _inplace_facts(runner: TorchLikeRunner, ctx: Ctx, ex: Example) -> dict[str, Any]:
    name = method_self(ex)
    b = runner.build(ex)
    x = b.tensors[name]
    alias = b.bases.get(name)
    alias = alias if alias is not None else x.detach()  # detach shares storage: sees the write
    v0, p0 = runner.version(x, name), runner.storage_ptr(x, name)
    path = _inplace_path(ctx.op) if runner is ctx.torch else (
        ctx.op.impl if ctx.op.returns == "inplace" else ctx.op.inplace)
    r = runner.call(path, b)
    return {
        "outcome": r,
        "returns_self": (r.value is x) if not r.raised else None,
        "self": runner.read(x, f"input {name} after the in-place op"),
        "alias": runner.read(alias, f"an alias of {name}"),
        "version_bumped": runner.version(x, name) > v0,
        "same_storage": runner.storage_ptr(x, name) == p0,
        "dtype": runner.dtype_name(x),
    }


def run_inplace(ctx: Ctx, ex: Example) -> None:
    if method_self(ex) is None:
        reject()
    fi, ft = _inplace_facts(ctx.impl, ctx, ex), _inplace_facts(ctx.torch, ctx, ex)
    same_exceptions(fi["outcome"], ft["outcome"], "the in-place call")
    for key in ("returns_self", "dtype", "same_storage", "version_bumped"):
        if fi[key] != ft[key]:
            raise Mismatch(f"in-place: {key} is {fi[key]} in the library, {ft[key]} in torch",
                           {"expected": ft[key], "actual": fi[key]})
    for key in ("self", "alias"):
        m = mismatch(ft[key], fi[key], ctx.op.tolerance, path=key)
        if m:
            raise Mismatch(f"in-place: {'the tensor' if key == 'self' else 'an alias of the tensor'} "
                           "differs from torch after the op", m)


def _inplace_repro(ctx: Ctx, ex: Example) -> list[str]:
    name = method_self(ex) or "x"
    path = _inplace_path(ctx.op)
    impl_path = ctx.op.impl if ctx.op.returns == "inplace" else ctx.op.inplace
    return [f"alias = {name}.detach()", f"v0 = {name}._version"] + repro.op_call_lines(
        ctx.op, ex, path=path, impl_path=impl_path) + [
        f"print(m.__name__, 'returns self:', r is {name}, 'version bumped:', {name}._version > v0)",
        f"print({name})", "print('alias:', alias)"]


INPLACE = Check("inplace", ("torch",), run_inplace, _inplace_repro,
                applies=lambda op: bool(op.inplace) or op.returns == "inplace")


# ------------------------------------------------------------------------------------- out=

OUT_MODES = ("fresh", "resize", "alias", "other_dtype")


def _out_target(ex: Example, shape: tuple, dtype: str) -> str | None:
    return next((n for n, v in ex.values.items()
                 if isinstance(v, TensorArg) and v.shape == shape and v.dtype == dtype
                 and v.layout.name != "expanded"), None)


def _make_out(runner: TorchLikeRunner, b, mode: str, shape: tuple, dtype: str, alias: str | None) -> Any:
    if mode == "alias" and alias is not None:
        return b.tensors[alias]
    size = (0,) if mode == "resize" else shape
    kw = {"dtype": runner.dtype(dtype)}
    if runner.device != "cpu":
        kw["device"] = runner.device
    return runner.module.zeros(size, **kw)


def run_out(ctx: Ctx, ex: Example) -> None:
    bt0 = ctx.torch.build(ex)
    rt0 = ctx.torch.call(ctx.op.torch, bt0)
    if not rt0.raised and not ctx.torch.is_tensor(rt0.value):
        reject()
    mode = ex.extra["out_mode"]
    if rt0.raised:  # the out= call must raise the same way; give it an empty out to resize
        shape, dtype, mode = (0,), ctx.dtype or "float32", "resize"
    else:
        shape, dtype = tuple(rt0.value.shape), dt.name_of(rt0.value.dtype)
    if mode == "other_dtype":
        dtype = ex.extra["out_dtype"] if ex.extra["out_dtype"] != dtype else ("float64" if dtype != "float64" else "int64")
    alias = _out_target(ex, shape, dtype) if mode == "alias" else None
    facts = {}
    for label, runner, path in (("impl", ctx.impl, ctx.op.impl), ("torch", ctx.torch, ctx.op.torch)):
        b = runner.build(ex)
        out = _make_out(runner, b, mode, shape, dtype, alias)
        p0 = runner.storage_ptr(out, "out")
        r = runner.call(path, b, out=out)
        facts[label] = {
            "outcome": r,
            "returns_out": (r.value is out) if not r.raised else None,
            "out": runner.read(out, "out after the call"),
            "same_storage": runner.storage_ptr(out, "out") == p0,
            "dtype": runner.dtype_name(out),
        }
    fi, ft = facts["impl"], facts["torch"]
    same_exceptions(fi["outcome"], ft["outcome"], f"the out= call ({mode})")
    if ft["outcome"].raised:
        return
    for key in ("returns_out", "dtype"):
        if fi[key] != ft[key]:
            raise Mismatch(f"out= ({mode}): {key} is {fi[key]} in the library, {ft[key]} in torch",
                           {"expected": ft[key], "actual": fi[key], "mode": mode})
    if shape and int(np.prod(shape)) and mode != "resize" and fi["same_storage"] != ft["same_storage"]:
        raise Mismatch(f"out= ({mode}): the library {'re' if not fi['same_storage'] else 'did not re'}allocated "
                       "out's storage", {"expected": ft["same_storage"], "actual": fi["same_storage"], "mode": mode})
    m = mismatch(ft["out"], fi["out"], ctx.op.tolerance, path="out")
    if m:
        raise Mismatch(f"out= ({mode}): values written into out differ from torch", {**m, "mode": mode})


def _out_extra(op: OpSpec) -> dict[str, st.SearchStrategy]:
    return {"out_mode": st.sampled_from(OUT_MODES), "out_dtype": st.sampled_from(dt.ALL)}


def _out_repro(ctx: Ctx, ex: Example) -> list[str]:
    mode = ex.extra.get("out_mode")
    fresh = "m.zeros(tuple(expected.shape), dtype=expected.dtype)"
    if mode == "resize":
        make = "m.zeros((0,), dtype=expected.dtype)"
    elif mode == "other_dtype":
        od = ex.extra.get("out_dtype")
        make = (f"m.zeros(tuple(expected.shape), dtype=m.{od} if expected.dtype != m.{od} else "
                "(m.float64 if expected.dtype != m.float64 else m.int64))")
    elif mode == "alias":
        names = [n for n, v in ex.values.items() if isinstance(v, TensorArg) and v.layout.name != "expanded"]
        make = (f"next((t for t in ({', '.join(names)}{',' if names else ''}) if t.shape == expected.shape "
                f"and t.dtype == expected.dtype), {fresh})")
    else:
        make = fresh
    return [f"# out= mode {mode!r}: fresh | resize (out starts empty) | other_dtype | alias (out is an input)"
            ] + repro.op_call_lines(ctx.op, ex, target="expected") + [
        f"out = {make}", "p0 = out.untyped_storage().data_ptr()"] + repro.op_call_lines(ctx.op, ex, extra="out=out") + [
        "print(m.__name__, 'returns out:', r is out, 'same storage:', out.untyped_storage().data_ptr() == p0)",
        "print(out)"]


OUT = Check("out", ("torch",), run_out, _out_repro, applies=lambda op: op.out, extra=_out_extra)
