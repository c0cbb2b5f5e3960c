"""Memory checks: views share storage exactly when torch's do; in-place ops and out= write in place."""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from .. import dtypes as dt
from .. import layouts, repro
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


def _result_tensors(runner: TorchLikeRunner, value: Any) -> list[Any] | None:
    """The tensors (or NumPy arrays, for numpy()) of a result; None when it holds none."""
    if runner.is_tensor(value) or isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(runner.is_tensor(v) for v in value):
        return list(value)
    return None


def _meta(runner: TorchLikeRunner, b, out: Any) -> dict[str, Any]:
    if isinstance(out, np.ndarray):  # numpy(): compare with the first element's address of each input
        return {"shape": tuple(out.shape), "stride": tuple(s // out.itemsize for s in out.strides),
                "storage_offset": None, "dtype": out.dtype.name, "storage_ptr": int(out.ctypes.data),
                "ndarray": True}
    return runner.meta(out)


def _in_ptr(runner: TorchLikeRunner, t: Any, name: str, ndarray_out: bool) -> int:
    ptr = runner.storage_ptr(t, f"input {name}")
    if ndarray_out and ptr:
        ptr += int(t.storage_offset()) * int(t.element_size())
    return ptr


def _view_facts(runner: TorchLikeRunner, ctx: Ctx, ex: Example) -> dict[str, Any]:
    b = runner.build(ex)
    r = runner.call(ctx.op.impl if runner is ctx.impl else ctx.op.torch, b)
    facts: dict[str, Any] = {"outcome": r}
    outs = None if r.raised else _result_tensors(runner, r.value)
    if outs is None:
        return facts
    facts["outs"] = []
    for out in outs:
        meta = _meta(runner, b, out)
        nd = bool(meta.get("ndarray"))
        shares = {}
        for name, t in b.tensors.items():
            shares[name] = (_in_ptr(runner, t, name, nd), meta["storage_ptr"])
        for name, arr in b.ndarrays.items():
            shares[name] = (arr.ctypes.data, meta["storage_ptr"])
        facts["outs"].append({"meta": meta, "ptrs": shares, "write_through": None})
    # Writes through the first shared input must show in the result (real aliasing, not equal pointers).
    shared = [(j, n) for j, o in enumerate(facts["outs"]) for n, (pin, pout) in o["ptrs"].items()
              if pin == pout and pin != 0 and int(np.prod(o["meta"]["shape"])) > 0]
    if shared:
        target = shared[0][1]
        if target in b.ndarrays:
            arr = b.ndarrays[target]
            arr[...] = _pattern(arr.shape, dt.name_of(arr.dtype))
        else:
            base = b.bases.get(target)
            # detach: writing into a leaf that requires grad (x.data's x) is not what is tested here
            buf = (base if base is not None else b.tensors[target]).detach()
            v = ex.tensor_arg(target)
            src = runner.tensor(_pattern(tuple(int(n) for n in buf.shape), v.dtype))  # now (resize_)
            w = runner.attempt(buf.copy_, src)
            if w.raised:
                raise Mismatch(f"could not write through input {target!r} with copy_", {"error": w.describe()})
        for j in sorted({j for j, _ in shared}):
            facts["outs"][j]["write_through"] = runner.read(outs[j], "result after writing into its input")
    return facts


def run_view(ctx: Ctx, ex: Example) -> None:
    fi, ft = _view_facts(ctx.impl, ctx, ex), _view_facts(ctx.torch, ctx, ex)
    same_exceptions(fi["outcome"], ft["outcome"])
    if "outs" not in ft:
        return
    if "outs" not in fi or len(fi["outs"]) != len(ft["outs"]):
        raise Mismatch("torch returned tensor(s), the library did not return the same number",
                       {"impl": repr(type(fi["outcome"].value)), "torch": repr(type(ft["outcome"].value))})
    for j, (ot, oi) in enumerate(zip(ft["outs"], fi["outs"])):
        label = "the result" if len(ft["outs"]) == 1 else f"result[{j}]"
        _compare_view(ex, label, ot, oi)


def _compare_view(ex: Example, label: str, ot: dict[str, Any], oi: dict[str, Any]) -> None:
    empty_out = int(np.prod(ot["meta"]["shape"])) == 0
    for name, (tin, tout) in ot["ptrs"].items():
        if tin == 0 or tout == 0 or empty_out or _numel(ex, name) == 0:
            continue  # no element is reachable: sharing is unobservable, so not compared
        iin, iout = oi["ptrs"][name]
        if (tin == tout) != (iin == iout):
            what = "shares memory with" if tin == tout else "does not share memory with"
            raise Mismatch(f"in torch {label} {what} input {name!r}; in the library it "
                           f"{'does not' if tin == tout else 'does'}",
                           {"torch_shares": tin == tout, "impl_shares": iin == iout,
                            "torch_meta": ot["meta"], "impl_meta": oi["meta"]})
        if tin == tout:
            for key in ("stride", "storage_offset", "shape"):
                if ot["meta"][key] != oi["meta"][key]:
                    raise Mismatch(f"view {key} differs from torch ({label})",
                                   {"expected": ot["meta"][key], "actual": oi["meta"][key],
                                    "torch_meta": ot["meta"], "impl_meta": oi["meta"]})
    if ot["write_through"] is not None:
        m = mismatch(ot["write_through"], oi["write_through"], path=f"{label} after writing into its input")
        if m:
            raise Mismatch(f"a write into the input does not show in {label} as in torch", m)


def _numel(ex: Example, name: str) -> int:
    v = ex.values.get(name)
    if isinstance(v, NdArray):
        return int(v.array.size)
    return int(ex.tensor_arg(name).array.size)


def _view_applies(op: OpSpec) -> bool:
    tensorish = TENSOR_KINDS + ("tensor", "ndarray", "index_tensor", "tensors", "mask")
    return op.returns != "value" and any(a.kind in tensorish for a in op.all_args)


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
    facts = {
        "outcome": r,
        "returns_self": (r.value is x) if not r.raised else None,
        "self": runner.read(x, f"input {name} after the in-place op"),
        "alias": runner.read(alias, f"an alias of {name}"),
        "version_bumped": runner.version(x, name) > v0,
        "same_storage": runner.storage_ptr(x, name) == p0,
        "dtype": runner.dtype_name(x),
    }
    if ctx.op.random is not None:  # random fill: the alias must see exactly what self holds
        v = ex.tensor_arg(name)
        seen = layouts.apply_numpy(facts["alias"], v.layout) if b.bases.get(name) is not None else facts["alias"]
        facts["alias_sees_self"] = mismatch(facts["self"], seen) is None
        facts["shape"] = tuple(np.shape(facts["self"]))
    return facts


def run_inplace(ctx: Ctx, ex: Example) -> None:
    if method_self(ex) is None:
        reject()
    fi, ft = _inplace_facts(ctx.impl, ctx, ex), _inplace_facts(ctx.torch, ctx, ex)
    same_exceptions(fi["outcome"], ft["outcome"], "the in-place call")
    keys = ("returns_self", "dtype", "same_storage", "version_bumped")
    if ctx.op.random is not None:
        keys += ("alias_sees_self", "shape")
    for key in keys:
        if fi[key] != ft[key]:
            raise Mismatch(f"in-place: {key} is {fi[key]} in the library, {ft[key]} in torch",
                           {"expected": ft[key], "actual": fi[key]})
    if ctx.op.random is not None or ft["outcome"].raised:
        return  # random values are not compared with torch's (checks/random.py)
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
    return next((n for n, v in ex.tensor_args().items()
                 if v.shape == shape and v.dtype == dtype and v.layout.name != "expanded"), None)


def _make_out(runner: TorchLikeRunner, b, mode: str, shape: tuple, dtype: str, alias: str | None) -> Any:
    if mode == "alias" and alias is not None:
        return b.tensors[alias]
    size = (0,) if mode == "resize" else shape
    kw = {"dtype": runner.dtype(dtype)}
    if runner.device != "cpu":
        kw["device"] = runner.device
    return runner.module.zeros(size, **kw)


def _returned_out(r: Any, outs: list[Any]) -> bool | None:
    if r.raised:
        return None
    if len(outs) == 1:
        return r.value is outs[0]
    return isinstance(r.value, tuple) and len(r.value) == len(outs) and all(a is b for a, b in zip(r.value, outs))


def run_out(ctx: Ctx, ex: Example) -> None:
    """out= in four modes (a fresh tensor, an empty one to resize, another dtype, an input as out);
    ops with tuple results take a tuple of outs (max(dim, out=(values, indices)))."""
    bt0 = ctx.torch.build(ex)
    rt0 = ctx.torch.call(ctx.op.torch, bt0)
    multi = not rt0.raised and isinstance(rt0.value, tuple) and all(ctx.torch.is_tensor(v) for v in rt0.value)
    if not rt0.raised and not ctx.torch.is_tensor(rt0.value) and not multi:
        reject()
    mode = ex.extra["out_mode"]
    if rt0.raised and ctx.op.outputs:  # a tuple of empty outs: values in the bucket dtype, indices int64
        multi = True
        shapes = [(0,)] * len(ctx.op.outputs)
        dtypes = ["int64" if o.index_of else (ctx.dtype or "float32") for o in ctx.op.outputs]
        mode = "resize"
    elif rt0.raised:  # the out= call must raise the same way; give it an empty out to resize
        shapes, dtypes, mode = [(0,)], [ctx.dtype or "float32"], "resize"
    else:
        results = list(rt0.value) if multi else [rt0.value]
        shapes = [tuple(v.shape) for v in results]
        dtypes = [dt.name_of(v.dtype) for v in results]
    if mode == "other_dtype":
        d0 = dtypes[0]
        dtypes[0] = ex.extra["out_dtype"] if ex.extra["out_dtype"] != d0 else ("float64" if d0 != "float64" else "int64")
    if mode == "alias" and multi:
        mode = "fresh"
    alias = _out_target(ex, shapes[0], dtypes[0]) if mode == "alias" else None
    facts = {}
    for label, runner, path in (("impl", ctx.impl, ctx.op.impl), ("torch", ctx.torch, ctx.op.torch)):
        b = runner.build(ex)
        outs = [_make_out(runner, b, mode, sh, d, alias) for sh, d in zip(shapes, dtypes)]
        p0 = [runner.storage_ptr(o, "out") for o in outs]
        r = runner.call(path, b, out=tuple(outs) if multi else outs[0])
        facts[label] = {
            "outcome": r,
            "returns_out": _returned_out(r, outs),
            "out": [runner.read(o, "out after the call") for o in outs],
            "same_storage": [runner.storage_ptr(o, "out") == p for o, p in zip(outs, p0)],
            "dtype": [runner.dtype_name(o) for o in outs],
            "shape": [tuple(int(x) for x in o.shape) for o in outs],
        }
    fi, ft = facts["impl"], facts["torch"]
    same_exceptions(fi["outcome"], ft["outcome"], f"the out= call ({mode})")
    if ft["outcome"].raised:
        return
    for key in ("returns_out", "dtype", "shape"):
        if fi[key] != ft[key]:
            raise Mismatch(f"out= ({mode}): {key} is {fi[key]} in the library, {ft[key]} in torch",
                           {"expected": ft[key], "actual": fi[key], "mode": mode})
    for j, shape in enumerate(shapes):
        if (shape and int(np.prod(shape)) and mode != "resize"
                and fi["same_storage"][j] != ft["same_storage"][j]):
            raise Mismatch(f"out= ({mode}): the library {'re' if not fi['same_storage'][j] else 'did not re'}"
                           "allocated out's storage", {"expected": ft["same_storage"][j],
                                                       "actual": fi["same_storage"][j], "mode": mode})
    if ctx.op.random is not None:
        return  # random values: only where they went is compared (checks/random.py checks them)
    if mode == "alias" and ctx.op.out_alias:
        return  # torch's values are undefined here (the spec's out_alias says why); all else was compared
    if ctx.op.post or ctx.op.ties:
        from .forward import compare_values
        tv = ctx.torch.read(ctx.torch.outputs(ctx.op, tuple(ctx.torch.tensor(a) for a in ft["out"])))
        iv = ctx.torch.read(ctx.torch.outputs(ctx.op, tuple(ctx.torch.tensor(a) for a in fi["out"])))
        m = compare_values(ctx, ex, tv, iv)
    else:
        m = mismatch(ft["out"] if multi else ft["out"][0], fi["out"] if multi else fi["out"][0],
                     ctx.op.tolerance, path="out")
    if m:
        raise Mismatch(f"out= ({mode}): values written into out differ from torch", {**m, "mode": mode})


def _out_extra(op: OpSpec) -> dict[str, st.SearchStrategy]:
    return {"out_mode": st.sampled_from(OUT_MODES), "out_dtype": st.sampled_from(dt.ALL)}


def _out_repro_multi(ctx: Ctx, ex: Example, mode: str | None) -> list[str]:
    size = "(0,)" if mode == "resize" else "tuple(e.shape)"
    lines = [f"# out= mode {mode!r} with a tuple of outs (alias is replaced by fresh for tuple results)"
             ] + repro.op_call_lines(ctx.op, ex, target="expected") + [
        f"out = [m.zeros({size}, dtype=e.dtype) for e in expected]"]
    if mode == "other_dtype":
        od = ex.extra.get("out_dtype")
        lines.append(f"out[0] = m.zeros(tuple(expected[0].shape), dtype=m.{od} if expected[0].dtype != m.{od} else "
                     "(m.float64 if expected[0].dtype != m.float64 else m.int64))")
    return lines + ["out = tuple(out)", "p0 = [o.untyped_storage().data_ptr() for o in out]"
                    ] + repro.op_call_lines(ctx.op, ex, extra="out=out") + [
        "print(m.__name__, 'returns out:', all(a is b for a, b in zip(r, out)), 'same storage:', "
        "[o.untyped_storage().data_ptr() == p for o, p in zip(out, p0)])", "print(out)"]


def _out_repro(ctx: Ctx, ex: Example) -> list[str]:
    mode = ex.extra.get("out_mode")
    if ctx.op.outputs:
        return _out_repro_multi(ctx, ex, mode)
    fresh = "m.zeros(tuple(expected.shape), dtype=expected.dtype)"
    if mode == "resize":
        make = "m.zeros((0,), dtype=expected.dtype)"
    elif mode == "other_dtype":
        od = ex.extra.get("out_dtype")
        make = (f"m.zeros(tuple(expected.shape), dtype=m.{od} if expected.dtype != m.{od} else "
                "(m.float64 if expected.dtype != m.float64 else m.int64))")
    elif mode == "alias":
        names = [n for n, v in ex.tensor_args().items() if v.layout.name != "expanded"]
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
