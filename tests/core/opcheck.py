"""One checker for the op-family tests (test_ops_*.py): run an op body with the library under test
and with torch, then compare outputs (values, dtype, shape), grad_fn names, and the gradients of
every leaf after backward() on a random-cotangent-weighted sum of the differentiable outputs.

An op body is ``fn(M, *leaves)``; leaves are built from NumPy arrays by both libraries the same way.
Index tensors and other non-differentiable arguments are built inside the body with ``M.tensor``.
Error cases use tests.helpers.assert_same_error, plus a check that no input was modified.
"""
from __future__ import annotations

import numpy as np
import torch

from tests.helpers import assert_same, assert_same_error, dtype_name, fn_name, lib, to_numpy


def leaves(M, arrays, requires_grad=True):
    """M.tensor for each array (float arrays require grad when asked; others never)."""
    out = []
    for a in arrays:
        a = np.asarray(a)
        t = M.tensor(a)
        if requires_grad and a.dtype.kind == "f":
            t.requires_grad_(True)
        out.append(t)
    return out


def _flat(out):
    """The tensors of a result (a tensor, a tuple / named tuple of tensors), in order."""
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    return [out] if hasattr(out, "dtype") and hasattr(out, "shape") else []


def compare_outputs(a, b, *, rtol=None, atol=None, msg=""):
    """Outputs of the same op from lib (a) and torch (b): same structure, tensors equal, same grad_fn names."""
    if isinstance(b, torch.Tensor):
        assert_same(a, b, rtol=rtol, atol=atol, msg=msg)
        assert fn_name(a.grad_fn) == fn_name(b.grad_fn), f"grad_fn {fn_name(a.grad_fn)} != torch {fn_name(b.grad_fn)} [{msg}]"
        assert a.requires_grad == b.requires_grad, f"requires_grad differs [{msg}]"
        return
    if isinstance(b, tuple):
        assert isinstance(a, tuple), f"expected a tuple like torch's {type(b).__name__}, got {type(a).__name__} [{msg}]"
        assert len(a) == len(b), f"tuple length {len(a)} != torch {len(b)} [{msg}]"
        if hasattr(b, "_fields") or type(b).__module__ == "torch.return_types":
            assert type(a).__name__ == type(b).__name__, f"named tuple {type(a).__name__} != {type(b).__name__}"
            assert repr(a).split("(")[0] == repr(b).split("(")[0]
        for i, (x, y) in enumerate(zip(a, b)):
            compare_outputs(x, y, rtol=rtol, atol=atol, msg=f"{msg}[{i}]")
        return
    assert type(a) is type(b) and a == b, f"{a!r} != torch {b!r} [{msg}]"


def check(fn, arrays, *, grad=True, rtol=None, atol=None, grad_rtol=None, grad_atol=None, seed=0,
          requires_grad=True, msg=""):
    """Run ``fn`` in both libraries on leaves made from ``arrays``; compare outputs and gradients.

    Returns (lib_output, torch_output)."""
    # lists, not dicts keyed by module: with CONFORMANCE_IMPL=torch both entries are torch
    mods = (lib, torch)
    ins = [leaves(M, arrays, requires_grad) for M in mods]
    outs = [fn(M, *ts) for M, ts in zip(mods, ins)]
    compare_outputs(outs[0], outs[1], rtol=rtol, atol=atol, msg=msg or "forward")
    if not grad:
        return outs[0], outs[1]
    diff = [i for i, t in enumerate(_flat(outs[1])) if t.requires_grad]
    if not diff:
        return outs[0], outs[1]
    rng = np.random.default_rng(seed)
    tflat = _flat(outs[1])
    cots = [rng.uniform(-1, 1, size=tuple(tflat[i].shape)) for i in diff]
    for M, out in zip(mods, outs):
        flat = _flat(out)
        total = None
        for i, c in zip(diff, cots):
            o = flat[i]
            term = (o * M.tensor(c, dtype=o.dtype)).sum()
            total = term if total is None else total + term
        total.backward()
    for k, (a, b) in enumerate(zip(ins[0], ins[1])):
        if b.grad is None:
            assert a.grad is None, f"leaf {k}: torch has no grad, lib has one [{msg}]"
            continue
        assert a.grad is not None, f"leaf {k}: torch has a grad, lib has None [{msg}]"
        assert_same(a.grad, b.grad, rtol=grad_rtol if grad_rtol is not None else rtol,
                    atol=grad_atol if grad_atol is not None else atol, msg=f"{msg} grad of leaf {k}")
    return outs[0], outs[1]


def check_error(fn, arrays=(), *, requires_grad=False):
    """``fn(M, *leaves)`` raises the same built-in exception class in both libraries (or neither), and
    leaves every input's values and version counter unchanged when it raises."""
    state = []

    def body(M):
        ts = leaves(M, arrays, requires_grad)
        state.append((M, ts))
        return fn(M, *ts)

    le, te = assert_same_error(body)
    lib_inputs = [ts for M, ts in state if M is lib][-1] if state else []
    if le is not None:
        for k, (a, arr) in enumerate(zip(lib_inputs, arrays)):
            np.testing.assert_array_equal(to_numpy(a), np.asarray(arr), err_msg=f"input {k} modified by a failing op")
            assert a._version == 0, f"input {k} version bumped by a failing op"
    return le, te


def same_dtype(a, b):
    assert dtype_name(a.dtype) == dtype_name(b.dtype), f"{dtype_name(a.dtype)} != torch {dtype_name(b.dtype)}"
