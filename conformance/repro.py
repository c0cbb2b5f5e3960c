"""Copy-paste repro snippets: the shrunk example, run in torch and in the library under test.

A snippet defines ``case(m)`` that builds the inputs with module ``m`` (same base buffers, same view
transform) and prints what the check compared; then runs it for torch and for the library.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import layouts
from .catalog import OpSpec
from .runners.base import call_path_parts
from .strategies import OMIT, DType, Example, NdArray, TensorArg


def py_src(v: Any) -> str:
    """Python source for a plain value; non-finite floats become float('nan') etc."""
    if isinstance(v, float):
        if math.isnan(v):
            return "float('nan')"
        if math.isinf(v):
            return "float('inf')" if v > 0 else "-float('inf')"
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(py_src(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(py_src(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, DType):
        return f"m.{v.name}"
    if isinstance(v, np.generic):
        return py_src(v.item())
    return repr(v)  # int, bool, None, slice(...), Ellipsis


def array_src(a: np.ndarray) -> str:
    if a.size == 0:
        return f"np.zeros({a.shape!r}, dtype=np.{a.dtype.name})"
    return f"np.array({py_src(a.tolist())}, dtype=np.{a.dtype.name})"


def value_src(v: Any, grad: bool | frozenset[str] = False, name: str = "", device: str = "cpu") -> str:
    if isinstance(v, TensorArg):
        dev = "" if device == "cpu" else ", device=DEVICE"
        src = f"m.tensor({array_src(v.base)}{dev}){layouts.code(v.layout)}"
        return src + (".detach().requires_grad_(True)" if grad is True or v.requires_grad else "")
    if isinstance(v, list) and v and all(isinstance(x, TensorArg) for x in v):
        names = grad if isinstance(grad, frozenset) else frozenset()
        return "[" + ", ".join(value_src(x, f"{name}[{i}]" in names, device=device)
                               for i, x in enumerate(v)) + "]"
    if isinstance(v, NdArray):
        return array_src(v.array)
    return py_src(v)


def input_lines(ex: Example, grad: frozenset[str] = frozenset(), device: str = "cpu") -> list[str]:
    return [f"{name} = {value_src(v, grad if isinstance(v, list) else name in grad, name, device)}"
            for name, v in ex.values.items() if v is not OMIT]


def call_src(path: str, ex: Example, extra: str = "") -> str:
    """Source of the torch-style call, with module variable `m`."""
    pos = []
    for a in ex.op.args:
        if ex.values[a.name] is OMIT:
            continue
        pos.append(("*" if ex.splat.get(a.name) else "") + a.name)
    kws = [f"{a.name}={a.name}" for a in ex.op.kwargs if ex.values[a.name] is not OMIT]
    if extra:
        kws.append(extra)
    kind, name = call_path_parts(path)
    if kind == "method":
        return f"{pos[0]}.{name}({', '.join(pos[1:] + kws)})"
    if kind == "attr":
        return f"{pos[0]}.{name}"
    if kind == "operator":
        return f"operator.{name}({', '.join(pos + kws)})"
    if kind == "builtins":
        return f"{name}({', '.join(pos + kws)})"
    return f"m.{name}({', '.join(pos + kws)})"


def op_call_lines(op: OpSpec, ex: Example, target: str = "r", extra: str = "", path: str | None = None,
                  impl_path: str | None = None) -> list[str]:
    """`r = <call>`; when the library's call path differs from torch's, branch on the module."""
    tp = path or op.torch
    ip = impl_path or (op.impl if path is None else path)
    if tp == ip:
        return [f"{target} = {call_src(tp, ex, extra)}"]
    return [f"if m is torch:", f"    {target} = {call_src(tp, ex, extra)}",
            "else:", f"    {target} = {call_src(ip, ex, extra)}"]


def jax_lines(ex: Example) -> list[str]:
    op = ex.op
    lines = ["import jax", "jax.config.update('jax_enable_x64', True)", "import jax.numpy as jnp",
             f"import {op.jax.rsplit('.', 1)[0]}" if not op.jax.startswith(("operator.", "attr.")) else ""]
    srcs = {}
    for name in ex.values:
        v = ex.jax_value(name)
        if v is OMIT:
            continue
        if isinstance(v, TensorArg):
            srcs[name] = f"jnp.asarray({array_src(v.array)})"
        elif isinstance(v, list) and v and all(isinstance(x, TensorArg) for x in v):
            srcs[name] = "[" + ", ".join(f"jnp.asarray({array_src(x.array)})" for x in v) + "]"
        elif isinstance(v, DType):
            srcs[name] = f"jnp.{v.name}"
        else:
            srcs[name] = value_src(v)
    pos_names = op.jax_args if op.jax_args is not None else tuple(a.name for a in op.args)
    args = [srcs[n] for n in pos_names if n in srcs]
    kw = []
    mapped = {v for v in op.jax_kwargs.values() if isinstance(v, str)}
    for jname, ref in op.jax_kwargs.items():
        if isinstance(ref, dict):
            kw.append(f"{jname}={py_src(ref['value'])}")
        elif ref in srcs:
            kw.append(f"{jname}={srcs[ref]}")
    kw += [f"{s.name}={srcs[s.name]}" for s in op.kwargs
           if s.name not in mapped and s.name not in pos_names and s.name in srcs]
    call = (f"{args[0]}.{op.jax.split('.', 1)[1]}" if op.jax.startswith("attr.")
            else f"{op.jax}({', '.join(args + kw)})")
    return [l for l in lines if l] + [f"print('jax', {call})"]


def snippet(ex: Example, check: str, oracle: str, impl_name: str, body: list[str],
            grad: frozenset[str] = frozenset(), with_jax: bool = False, device: str = "cpu") -> str:
    op = ex.op
    head = [f"# Repro: op {op.name!r} ({op.torch}), check {check!r} vs {oracle}, dtype {ex.dtype}"
            + ("" if device == "cpu" else f", device {device}"),
            "# (the example Hypothesis shrank to; spec: specs/" + op.source + ")",
            "import operator", "import numpy as np", "import torch", f"import {impl_name} as lib", "",
            *([f"DEVICE = {device!r}", ""] if device != "cpu" else []), "",
            "def case(m):"]
    lines = head + ["    " + l for l in input_lines(ex, grad, device) + body]
    lines += ["", "", "for m in (torch, lib):", "    print('---', m.__name__)", "    try:", "        case(m)",
              "    except Exception as e:", "        print(m.__name__, 'raised', type(e).__name__, e)"]
    if with_jax and op.jax:
        lines += [""] + jax_lines(ex)
    return "\n".join(lines) + "\n"
