"""Torch-wrapping fake libraries with one planted memory bug each (for tests/memory/test_planted_bugs.py).

A fake is a module whose ``Tensor`` is a ``torch.Tensor`` subclass with one method broken; every other
name is torch's (PEP 562 ``__getattr__``), and the constructors return the subclass, so every tensor the
state machine makes carries the bug.  ``clean`` breaks nothing: the machine must pass it.
"""
from __future__ import annotations

import sys
import types

import torch


class Clean(torch.Tensor):
    """torch itself, through a subclass: the machinery of the fakes must not cause failures."""


class ViewCopies(torch.Tensor):
    """transpose()/t() return a copy instead of a view."""

    def transpose(self, dim0, dim1):
        return super().transpose(dim0, dim1).clone()

    def t(self):
        return super().t().clone()


class StrideOffByOne(torch.Tensor):
    """unsqueeze(): the new size-1 dim's stride is off by one (values unaffected)."""

    def unsqueeze(self, dim):
        y = super().unsqueeze(dim)
        d = dim % y.dim()
        stride = list(y.stride())
        stride[d] += 1
        return y.as_strided(y.shape, stride, y.storage_offset())


class OffsetIgnored(torch.Tensor):
    """narrow() ignores the storage offset of its input (right only for tensors at offset 0)."""

    def narrow(self, dim, start, length):
        y = super().narrow(dim, start, length)
        return y.as_strided(y.shape, y.stride(), y.storage_offset() - self.storage_offset())


class WriteLost(torch.Tensor):
    """Index assignment into a non-contiguous tensor writes into a temporary copy: the write is lost."""

    def __setitem__(self, index, value):
        if not self.is_contiguous():
            torch.Tensor.__setitem__(self.clone().as_subclass(torch.Tensor), index, value)
            return None
        return super().__setitem__(index, value)


class DirtyError(torch.Tensor):
    """add_() that fails (a dtype it cannot cast to, an expanded target) zeroes the tensor before raising."""

    def add_(self, other, **kw):
        try:
            return super().add_(other, **kw)
        except RuntimeError:
            torch.Tensor.fill_(self.as_subclass(torch.Tensor), 0)
            raise


PLANTED = {"view_copies": ViewCopies, "stride_off_by_one": StrideOffByOne, "offset_ignored": OffsetIgnored,
           "write_lost": WriteLost, "dirty_error": DirtyError}
CONSTRUCTORS = ("tensor", "zeros", "ones", "empty", "arange", "from_numpy", "full", "as_tensor")


def fake(name: str, cls: type) -> types.ModuleType:
    """Module ``name`` (registered in sys.modules so a repro's ``import <name> as lib`` works)."""
    mod = types.ModuleType(name)
    mod.__getattr__ = lambda attr: getattr(torch, attr)  # type: ignore[method-assign]

    def wrap(fn):
        return lambda *a, **k: fn(*a, **k).as_subclass(cls)

    for ctor in CONSTRUCTORS:
        setattr(mod, ctor, wrap(getattr(torch, ctor)))
    mod.Tensor = cls
    sys.modules[name] = mod
    return mod
