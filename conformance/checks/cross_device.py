"""Cross-device check (cuda runs only): the library on the run's device against the same library on CPU.

torch is the oracle of every other check; this one asks whether the library's GPU backend computes what its
CPU backend computes on the same example: the same exception class, the same values (the op's tolerances),
result dtypes, shapes and strides, and inputs left alike. Where torch itself differs between its CPU and
CUDA builds in the same way, the difference is torch's semantics and passes; any other difference is a
backend bug, reported with what torch does.
"""
from __future__ import annotations

from typing import Any

from ..runners import TorchLikeRunner
from ..strategies import Example
from .base import Check, Ctx, Diverged, Mismatch
from .compare import mismatch
from .forward import _repro, _result_dtype, _result_shape, _same_py, compare_values, py_value

ORACLE = "impl-cpu"
# Ops whose result names the device (or that only CPU tensors have): another answer on CUDA is right.
DEVICE_DEPENDENT = frozenset({"device", "type", "repr", "to_device", "numpy", "cuda_is_available"})


def _strides(runner: TorchLikeRunner, v: Any) -> Any:
    if isinstance(v, (list, tuple)) and not runner.is_tensor(v):
        return [_strides(runner, x) for x in v]
    return tuple(int(s) for s in v.stride()) if runner.is_tensor(v) else None


def _difference(ctx: Ctx, ex: Example, path: str, dev: TorchLikeRunner,
                cpu: TorchLikeRunner) -> tuple[str, dict] | None:
    """How the op (called as `path`) differs on `dev` from the same module on `cpu`, on `ex` (None: alike)."""
    bd, bc = dev.build(ex), cpu.build(ex)
    rd, rc = dev.call(path, bd), cpu.call(path, bc)
    if rd.raised != rc.raised or rd.exc_family != rc.exc_family:
        return (f"on {dev.device} it {_said(rd)}, on cpu it {_said(rc)}",
                {"cpu": rc.describe(), dev.device: rd.describe()})
    if rc.raised:
        return None
    if ctx.op.returns == "value":
        ec, ed = py_value(cpu, rc.value), py_value(dev, rd.value)
        if not _same_py(ec, ed):
            return "returned value differs", {"cpu": repr(ec)[:300], dev.device: repr(ed)[:300]}
        return None
    for what, fn in (("dtype", _result_dtype), ("shape", _result_shape), ("strides", _strides)):
        ec, ed = fn(cpu, rc.value), fn(dev, rd.value)
        if ec != ed:
            return f"result {what} differs", {"cpu": ec, dev.device: ed}
    if ctx.op.random is None:  # random values come from other generators on each device
        m = compare_values(ctx, ex, cpu.read(cpu.outputs(ctx.op, rc.value)), dev.read(dev.outputs(ctx.op, rd.value)))
        if m:
            return "values differ", m
    for name, t in bc.tensors.items():
        if ctx.op.random is not None and ctx.op.returns == "inplace":
            break
        m = mismatch(cpu.read(t), dev.read(bd.tensors[name], f"input {name}"), ctx.op.tolerance,
                     path=f"input {name} after the call")
        if m:
            return f"input {name!r} after the call differs", m
    return None


def run_cross_device(ctx: Ctx, ex: Example) -> Diverged | None:
    dev = ctx.impl
    d = _difference(ctx, ex, ctx.op.impl, dev, TorchLikeRunner(dev.module, "impl on cpu", "cpu"))
    if d is None:
        return None
    # torch defines some ops differently per device (integer matmul is not implemented on CUDA; a 0-d CPU
    # operand is read in float32 on CPU only): a difference torch shows too is its semantics, not a bug
    t = _difference(ctx, ex, ctx.op.torch, ctx.torch, TorchLikeRunner(ctx.torch.module, "torch on cpu", "cpu"))
    if t is not None and t[0] == d[0]:
        return None
    message, detail = d
    raise Mismatch(f"the library on cpu and on {dev.device}: {message} (torch: "
                   f"{'alike' if t is None else t[0]})", {**detail, "torch": None if t is None else t[1]})


def _said(o: Any) -> str:
    return f"raised {o.exc_name}" if o.raised else "returned normally"


CROSS_DEVICE = Check("cross_device", (ORACLE,), run_cross_device, _repro,
                     applies=lambda op: op.name not in DEVICE_DEPENDENT, devices=("cuda",))
