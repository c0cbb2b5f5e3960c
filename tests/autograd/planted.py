"""Torch-wrapping fake libraries with one planted autograd bug each (the suite must catch them).

A fake library is a module whose attributes are torch's; its factory functions mark the tensors they
create (``t._planted = True``).  Bugs in ``Tensor.backward`` are planted by patching
``torch.Tensor.backward`` for the duration of a test: the patched method misbehaves only when the graph
reaches a marked leaf, so real torch (the reference, whose tensors are unmarked) is unaffected.
Graphs stay torch's own (no subclass, no alias nodes), so only the planted behaviour differs.
"""
from __future__ import annotations

import sys
import types
from typing import Any, Callable, Iterator

import torch

ORIGINAL_BACKWARD = torch.Tensor.backward


def _marking(fn: Callable) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        r = fn(*args, **kwargs)
        if isinstance(r, torch.Tensor):
            r._planted = True
        return r
    wrapper.__name__ = getattr(fn, "__name__", "wrapped")
    return wrapper


def fake_library(name: str, **overrides: Any) -> types.ModuleType:
    """torch's namespace with factory results marked and `overrides` replacing attributes; registered
    in sys.modules so a repro's ``import <name> as lib`` works."""
    mod = types.ModuleType(name)

    def getattr_(attr: str) -> Any:
        obj = getattr(torch, attr)
        if callable(obj) and not isinstance(obj, (type, types.ModuleType)):
            return _marking(obj)
        return obj

    mod.__getattr__ = getattr_  # PEP 562
    for k, v in overrides.items():
        setattr(mod, k, v)
    sys.modules[name] = mod
    return mod


def planted_leaves(t: torch.Tensor) -> Iterator[torch.Tensor]:
    """The marked leaves the graph of `t` accumulates into."""
    seen, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if var is not None and getattr(var, "_planted", False):
            yield var
        stack.extend(n for n, _ in node.next_functions)


def _is_planted(t: torch.Tensor) -> bool:
    return getattr(t, "_planted", False) or any(True for _ in planted_leaves(t))


# ---- planted Tensor.backward bugs (install with monkeypatch.setattr(torch.Tensor, "backward", ...))

def overwrite_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Planted: .grad is overwritten by each backward call instead of accumulated."""
    for leaf in list(planted_leaves(self)):
        leaf.grad = None
    return ORIGINAL_BACKWARD(self, gradient, retain_graph, create_graph, inputs)


def drop_retain_graph_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Planted: retain_graph is ignored, the graph is always freed."""
    if _is_planted(self):
        retain_graph = False
    return ORIGINAL_BACKWARD(self, gradient, retain_graph, create_graph, inputs)


def keep_graph_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Planted: retain_graph is ignored the other way, the graph is never freed."""
    if _is_planted(self):
        retain_graph = True
    return ORIGINAL_BACKWARD(self, gradient, retain_graph, create_graph, inputs)


class WrongSin(torch.autograd.Function):
    """Planted: d/dx sin(x) computed as 1.5·cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * torch.cos(x) * 1.5


def wrong_sin(x, *args, **kwargs):
    return WrongSin.apply(x)


class _WrongGrad(torch.autograd.Function):
    """Planted: `fn`'s value, with every input's gradient scaled by 1.5 (the correct one recomputed by
    torch's autograd, so it fits any broadcasting, dtype or shape `fn` accepts)."""

    @staticmethod
    def forward(ctx, fn, *xs):
        ctx.fn = fn
        ctx.save_for_backward(*xs)
        return fn(*xs)

    @staticmethod
    def backward(ctx, g):
        xs = [x.detach().requires_grad_() for x in ctx.saved_tensors]
        with torch.enable_grad():
            y = ctx.fn(*xs)
        grads = torch.autograd.grad(y, xs, g, allow_unused=True)
        return (None, *(None if gr is None else gr * 1.5 for gr in grads))


def wrong_grad(fn: Callable) -> Callable:
    """The library function `fn` (tensor arguments only) with a planted wrong gradient."""
    def planted(*xs):
        return _WrongGrad.apply(fn, *xs)
    planted.__name__ = getattr(fn, "__name__", "planted")
    return planted
