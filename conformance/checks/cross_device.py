"""Cross-device check (cuda runs only): the library on the run's device against the same library on CPU.

torch is the oracle of every other check; this one asks whether the library's GPU backend computes what its
CPU backend computes on the same example: the same exception class, the same values (the op's tolerances),
result dtypes, shapes and strides, and inputs left alike. A divergence here that the torch checks do not
show is a backend bug the CPU run cannot see.
"""
from __future__ import annotations

from typing import Any

from ..runners import TorchLikeRunner
from ..strategies import Example
from .base import Check, Ctx, Diverged, Mismatch
from .compare import mismatch
from .forward import _repro, _result_dtype, _result_shape, compare_values, py_value

ORACLE = "impl-cpu"
# Ops whose result names the device (or that only CPU tensors have): another answer on CUDA is right.
DEVICE_DEPENDENT = frozenset({"device", "repr", "to_device", "numpy", "cuda_is_available"})


def _strides(runner: TorchLikeRunner, v: Any) -> Any:
    if isinstance(v, (list, tuple)) and not runner.is_tensor(v):
        return [_strides(runner, x) for x in v]
    return tuple(int(s) for s in v.stride()) if runner.is_tensor(v) else None


def run_cross_device(ctx: Ctx, ex: Example) -> Diverged | None:
    dev = ctx.impl
    cpu = TorchLikeRunner(dev.module, "impl on cpu", "cpu")
    bd, bc = dev.build(ex), cpu.build(ex)
    rd, rc = dev.call(ctx.op.impl, bd), cpu.call(ctx.op.impl, bc)
    if rd.raised != rc.raised or rd.exc_family != rc.exc_family:
        raise Mismatch(f"on {dev.device} the library {_said(rd)}, on cpu it {_said(rc)}",
                       {"cpu": rc.describe(), dev.device: rd.describe()})
    if rc.raised:
        return None
    if ctx.op.returns == "value":
        ec, ed = py_value(cpu, rc.value), py_value(dev, rd.value)
        if ec != ed:
            raise Mismatch(f"returned value differs between cpu and {dev.device}", {"cpu": repr(ec)[:300],
                                                                                    dev.device: repr(ed)[:300]})
        return None
    for what, fn in (("dtype", _result_dtype), ("shape", _result_shape), ("strides", _strides)):
        ec, ed = fn(cpu, rc.value), fn(dev, rd.value)
        if ec != ed:
            raise Mismatch(f"result {what} differs between cpu and {dev.device}", {"cpu": ec, dev.device: ed})
    if ctx.op.random is None:  # random values come from other generators on each device
        vc = cpu.read(cpu.outputs(ctx.op, rc.value))
        vd = dev.read(dev.outputs(ctx.op, rd.value), "result")
        m = compare_values(ctx, ex, vc, vd)
        if m:
            raise Mismatch(f"values differ between cpu and {dev.device}", m)
    for name, t in bc.tensors.items():
        if ctx.op.random is not None and ctx.op.returns == "inplace":
            break
        m = mismatch(cpu.read(t), dev.read(bd.tensors[name], f"input {name}"), ctx.op.tolerance,
                     path=f"input {name} after the call")
        if m:
            raise Mismatch(f"input {name!r} after the call differs between cpu and {dev.device}", m)
    return None


def _said(o: Any) -> str:
    return f"raised {o.exc_name}" if o.raised else "returned normally"


CROSS_DEVICE = Check("cross_device", (ORACLE,), run_cross_device, _repro,
                     applies=lambda op: op.name not in DEVICE_DEPENDENT, devices=("cuda",))
