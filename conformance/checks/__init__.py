"""Checks: small functions comparing the library under test with an oracle on one example.

Each returns None (agreement), returns Diverged (torch and the oracle disagree: fine only when the
spec declares it) or raises Mismatch.  REGISTRY is in engine order.
"""
from __future__ import annotations

from .base import Check, Ctx, Diverged, Mismatch
from . import autograd, cross_device, errors, forward, memory, random

REGISTRY: dict[str, Check] = {c.name: c for c in (
    forward.FORWARD, forward.DTYPE, forward.SHAPE,
    memory.VIEW, memory.INPLACE, memory.OUT,
    autograd.GRAD, autograd.ACCUMULATION, autograd.RETAIN_GRAPH,
    errors.ERRORS,
    random.RANGE, random.DETERMINISM, random.DISTRIBUTION, random.STREAM,
    cross_device.CROSS_DEVICE,
)}

__all__ = ["REGISTRY", "Check", "Ctx", "Diverged", "Mismatch"]
