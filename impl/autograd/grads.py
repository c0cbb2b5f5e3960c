"""Resetting parameters' .grad: shared by nn.Module.zero_grad and optim.Optimizer.zero_grad."""
from __future__ import annotations

from typing import Any, Iterable


def zero_grads(params: Iterable[Any], set_to_none: bool = True) -> None:
    """torch's zero_grad: drop each .grad (the default), or zero it in place after cutting it from any graph
    (a .grad built with create_graph=True has a grad_fn; torch detaches it first)."""
    for p in params:
        g = p.grad
        if g is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if g.grad_fn is not None:
            g.detach_()
        else:
            g.requires_grad_(False)
        g.zero_()
