"""Helpers shared by tests/core and tests/seeds: the library under test and lib-vs-torch checks.

Pattern used throughout: a test body is written once as a function of a module ``M`` (either the
library under test or real ``torch``), run with both, and the results compared here.  The
reference is always real torch computed at test time; nothing is pasted.
"""
from __future__ import annotations

import importlib
import os

import numpy as np
import torch

LIB_NAME = os.environ.get("CONFORMANCE_IMPL", "impl")
lib = importlib.import_module(LIB_NAME)

# The dtypes of the tensor model (bfloat16/complex are outside the first slice).
DTYPE_NAMES = [
    "float16", "float32", "float64",
    "uint8", "int8", "int16", "int32", "int64",
    "bool",
]
FLOAT_NAMES = ["float16", "float32", "float64"]


def dt(M, name):
    """The dtype object called ``name`` in module ``M``."""
    return getattr(M, name)


def dtype_name(d) -> str:
    """'float32' for torch.float32 / impl.float32 (str() may carry either module prefix)."""
    return str(d).split(".")[-1]


def to_numpy(t) -> np.ndarray:
    """A NumPy copy of a tensor's values (works for lib and torch tensors)."""
    return np.array(t.detach().numpy(), copy=True)


def both(fn):
    """Run ``fn(M)`` with the library under test and with torch: ``(lib_result, torch_result)``."""
    return fn(lib), fn(torch)


def pair(data, dtype=None, **kw):
    """The same tensor built by ``M.tensor`` in both libraries (dtype given by name)."""
    if dtype is None:
        return lib.tensor(data, **kw), torch.tensor(data, **kw)
    return lib.tensor(data, dtype=dt(lib, dtype), **kw), torch.tensor(data, dtype=dt(torch, dtype), **kw)


def assert_same(a, b, *, rtol=None, atol=None, check_requires_grad=False, msg=""):
    """Assert lib tensor ``a`` matches torch tensor ``b``: dtype name, shape, then values.

    Values use ``torch.testing.assert_close`` default tolerances for the dtype (exact for ints and
    bool), NaNs compare equal.
    """
    where = f" [{msg}]" if msg else ""
    assert isinstance(b, torch.Tensor), f"reference is not a torch tensor: {type(b)}{where}"
    assert isinstance(a, lib.Tensor), f"expected a {LIB_NAME}.Tensor, got {type(a)!r}{where}"
    assert dtype_name(a.dtype) == dtype_name(b.dtype), (
        f"dtype {dtype_name(a.dtype)} != torch {dtype_name(b.dtype)}{where}")
    assert tuple(a.shape) == tuple(b.shape), f"shape {tuple(a.shape)} != torch {tuple(b.shape)}{where}"
    if check_requires_grad:
        assert a.requires_grad == b.requires_grad, (
            f"requires_grad {a.requires_grad} != torch {b.requires_grad}{where}")
    actual = torch.from_numpy(to_numpy(a))
    torch.testing.assert_close(actual, b.detach(), rtol=rtol, atol=atol, equal_nan=True,
                               check_device=False, msg=(lambda m: m + where) if where else None)


def meta(t) -> dict:
    """Layout metadata of a tensor, as plain Python values."""
    return {
        "shape": tuple(t.shape),
        "stride": tuple(t.stride()),
        "storage_offset": int(t.storage_offset()),
        "is_contiguous": bool(t.is_contiguous()),
        "dtype": dtype_name(t.dtype),
    }


def assert_same_meta(a, b, msg=""):
    """Shape, stride(), storage_offset(), is_contiguous() and dtype equal torch's."""
    ma, mb = meta(a), meta(b)
    assert ma == mb, f"layout differs{' [' + msg + ']' if msg else ''}:\n  {LIB_NAME}: {ma}\n  torch: {mb}"


def storage_ptr(t) -> int:
    return t.untyped_storage().data_ptr()


def shares_storage(a, b) -> bool:
    """Whether two tensors are views on one storage (same untyped_storage data_ptr)."""
    return storage_ptr(a) == storage_ptr(b)


def error_kind(exc_type):
    """The nearest built-in exception class of ``exc_type`` (torch raises subclasses such as
    torch.OutOfMemoryError or _LinAlgError; the library is expected to match the built-in base)."""
    for k in exc_type.__mro__:
        if k.__module__ == "builtins":
            return k
    return Exception


def outcome(fn, M):
    """``('ok', value)`` or ``('raise', exception)`` for ``fn(M)``."""
    try:
        return "ok", fn(M)
    except Exception as e:  # noqa: BLE001 - we classify every exception
        return "raise", e


def assert_same_error(fn, *, lib_first=False):
    """``fn(M)`` must raise in the library exactly when it raises in torch, and with the same
    built-in exception class.  Returns ``(lib_exception, torch_exception)``."""
    t_kind, t_val = outcome(fn, torch)
    l_kind, l_val = outcome(fn, lib)
    if t_kind == "ok":
        assert l_kind == "ok", f"torch does not raise, {LIB_NAME} raised {type(l_val).__name__}: {l_val}"
        return None, None
    expected = error_kind(type(t_val))
    assert l_kind == "raise", (
        f"torch raises {type(t_val).__name__}({t_val}), {LIB_NAME} returned {l_val!r}")
    assert isinstance(l_val, expected), (
        f"torch raises {expected.__name__} ({type(t_val).__name__}: {t_val}); "
        f"{LIB_NAME} raised {type(l_val).__name__}: {l_val}")
    return l_val, t_val


def fn_name(node):
    """Class name of an autograd node (``'PowBackward0'``), or None."""
    return None if node is None else type(node).__name__


def graph_names(node, depth=4):
    """The autograd graph below ``node`` as nested (name, [children]) tuples, names only."""
    if node is None:
        return None
    if depth == 0:
        return (fn_name(node), "...")
    return (fn_name(node), [graph_names(n, depth - 1) for n, _ in node.next_functions])



def missing_ops(names):
    """The names (dotted paths on the library module, e.g. ``nn.Linear``, ``Tensor.scatter_``)
    that the library under test does not have."""
    missing = []
    for name in names:
        obj = lib
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                missing.append(name)
                break
    return missing


def needs(*names):
    """Mark: ``xfail(strict=True)`` naming the missing ops while the library lacks any of them;
    a plain (must-pass) test once they all exist."""
    import pytest

    missing = missing_ops(names)
    if missing:
        return pytest.mark.xfail(strict=True, reason=f"{LIB_NAME} lacks: {', '.join(missing)}")
    return lambda f: f
