"""The backward engine: nodes run latest-created first from the roots, summing gradients per node input.

Leaves accumulate into .grad (in place when no graph is being built), non-leaf tensors that asked for
retain_grad() get theirs, and saved tensors are released unless retain_graph is set.
"""
from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Sequence

import numpy as np

from .. import _geometry as geo
from ..tensor import Tensor, fresh_result
from . import grad_mode
from .graph import AccumulateGrad, Node, edge
# (at the top, not inside the functions: an import statement costs ~0.4 us per call, and the engine runs
# these per node; ops import only grad_mode and graph from this package, so there is no cycle)
from ..ops import creation, pointwise
from ..ops.reduction import sum_to

_CONTIGUOUS = "contiguous_format"  # (impl.contiguous_format)


def _as_seq(x: Any) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(tensors: Sequence[Any], grads: Sequence[Any], create_graph: bool) -> list:
    out = []
    for i, t in enumerate(tensors):
        g = grads[i] if i < len(grads) else None
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not t._dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{t.dtype}")
            # (a CPU scalar's implicit gradient made directly: ones_like's argument handling costs more than
            # the rest of a small backward's bookkeeping)
            g = fresh_result(np.ones((), t._dtype.np), t._dtype, t._device, (), ()) \
                if not t._shape and type(t._arr) is np.ndarray else creation.ones_like(t)
        elif not isinstance(g, Tensor):
            g = creation.tensor(g, dtype=t.dtype)
        if g._shape != t._shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                               f"has a shape of {t.shape}.")
        out.append(g)
    return out


def run(tensors: Sequence[Any], grads: Sequence[Any], retain_graph: bool, create_graph: bool,
        capture: Sequence[Any] | None = None, accumulate: bool = True, claimed: set | None = None) -> dict:
    """Backpropagate; returns {id(tensor): grad} for tensors in `capture` (for autograd.grad). `claimed`:
    see _accumulate (made here when not given)."""
    root_grads = _root_grads(tensors, grads, create_graph)
    if claimed is None:
        claimed = _claimed(grads)
    # Nodes run latest-created first (torch's sequence_nr order): every node that feeds a node a gradient
    # was created after it, so when a node comes off the heap its gradient is complete. A node enters the
    # heap with its first gradient; its buffer (keyed by the node: its hash is its identity) sums the rest.
    buffers: dict[Node, list] = {}
    heap: list = []
    for t, g in zip(tensors, root_grads):
        node, nr = edge(t)
        if node is not None and node not in buffers:
            heappush(heap, (node._key, node))
        _add(buffers, node, nr, g)

    targets: dict[tuple, Any] = {}
    for t in capture or ():
        node, nr = edge(t)
        targets[(id(node), nr)] = t
    captured: dict[int, Any] = {}

    state = grad_mode._state  # (set and restored directly: no context object per backward call)
    prev, state.enabled = state.enabled, bool(create_graph)
    try:
        while heap:
            node = heappop(heap)[1]
            buf = buffers.pop(node)
            grads_in = buf if len(buf) == 1 and buf[0] is not None and len(node._out_meta) == 1 \
                else _materialize(node, buf)  # (one output with its gradient: nothing to fill)
            if targets:
                for nr, g in enumerate(grads_in):
                    t = targets.get((id(node), nr))
                    if t is not None:
                        captured[id(t)] = g
            if type(node) is AccumulateGrad:
                # torch's AccumulateGrad skips a leaf whose requires_grad was turned off after the graph
                # was built (a frozen leaf gets no .grad)
                if accumulate and not capture and node.variable._requires_grad:
                    _accumulate(node.variable, grads_in[0], create_graph, claimed)
                continue
            if node._retained:
                for nr, ref in node._retained.items():
                    t = ref()
                    if t is not None and buf[nr] is not None:
                        _retain(t, grads_in[nr])
            # node.apply, inlined; saved_tensors (its version checks) only for a node that saved any
            outs = node._backward(grads_in, *node.saved_tensors()) if node._had_saved \
                else node._backward(grads_in)
            if not retain_graph and node._had_saved:
                node.release()
            for (nxt, nr), meta, g in zip(node.next_functions, node._in_meta, outs):
                if nxt is None or g is None:
                    continue
                if g._shape != meta[0] or g._dtype is not meta[1]:  # (the check inlined: once per edge)
                    g = _conform(g, meta, node)
                # _add inlined: a gradient arriving first is stored, later ones are summed
                into = buffers.get(nxt)
                if into is None:
                    into = buffers[nxt] = [None] * max(len(nxt._out_meta), nr + 1)
                    into[nr] = g
                    heappush(heap, (nxt._key, nxt))
                else:
                    into[nr] = g if into[nr] is None else into[nr] + g
    finally:
        state.enabled = prev
    return captured


def _add(buffers: dict, node: Node | None, nr: int, g: Any) -> None:
    if node is None:
        return
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * max(len(node._out_meta), nr + 1)
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _materialize(node: Node, buf: list) -> list:
    if len(buf) == len(node._out_meta):
        for g in buf:  # (not `None in buf`: that would call Tensor.__eq__)
            if g is None:
                break
        else:
            return buf  # every output got a gradient: nothing to fill
    out = []
    for nr, g in enumerate(buf):
        if g is None and nr < len(node._out_meta):
            shape, dtype, dev = node._out_meta[nr]
            g = creation.zeros(shape, dtype=dtype, device=dev)
        out.append(g)
    return out


def _conform(g: Any, meta: Any, node: Node) -> Any:
    """Reduce a gradient over broadcast dimensions and cast it to the input's dtype: done once, here."""
    shape, dtype = meta
    if g._shape != shape:
        g = sum_to(g, shape)
    if g._dtype is not dtype:
        g = g.to(dtype)
    return g


def _accumulate(t: Any, g: Any, create_graph: bool, claimed: set) -> None:
    """AccumulateGrad: the first gradient becomes .grad, later ones are added (in place, unless a graph of
    the gradient is being built).

    torch's gradient layout contract: a first gradient that no one else holds and whose layout matches the
    leaf's (see _obeys_layout) is taken as it is, without a copy ("stolen"); any other is copied into the
    leaf's layout (new_empty_strided + copy_: version 1, a CopyBackwards node when the gradient has a graph),
    or row-major when the leaf is not dense. `claimed` holds the ids of gradients someone else holds: the
    caller's gradient arguments and gradients already taken."""
    if t._grad is None:
        if not create_graph and id(g) not in claimed and _obeys_layout(g, t):
            claimed.add(id(g))
            t._grad = g.detach()
        else:
            t._grad = _clone_obeying_layout(g, t)
    elif create_graph:
        t._grad = t._grad + g
    else:
        state = grad_mode._state  # (no_grad without a context object: this runs per leaf per backward)
        prev, state.enabled = state.enabled, False
        try:
            pointwise.add_(t._grad, g)
        finally:
            state.enabled = prev


def _claimed(grads: Sequence[Any]) -> set:
    """The ids of the caller's gradient tensors: a leaf must not take one of those as its .grad."""
    return {id(g) for g in grads if isinstance(g, Tensor)}


def _retain(t: Any, g: Any) -> None:
    """A retain_grad() tensor's .grad: a row-major clone of the first gradient (CloneBackward0 when it has a
    graph), then out-of-place sums, as torch's retains_grad hook does: an earlier .grad is never changed."""
    t._grad = g.clone(memory_format=_CONTIGUOUS) if t._grad is None else t._grad + g


def _obeys_layout(g: Any, t: Any) -> bool:
    """torch's obeys_layout_contract: for a dense, non-overlapping leaf, g's strides are the leaf's (a size-1
    dim's stride is free, but not 0: that is a view, e.g. an expanded gradient); else g is row-major."""
    shape, gs, ts = g._shape, g._stride, t._stride
    if gs == ts and 0 not in ts:  # (the commonest case: two row-major tensors)
        return True
    if not geo.is_non_overlapping_and_dense(shape, ts):
        return geo.is_contiguous(shape, gs)
    for size, a, b in zip(shape, gs, ts):
        if (a != b) if size != 1 else a == 0:
            return False
    return True


def _clone_obeying_layout(g: Any, t: Any) -> Any:
    """torch's clone_obey_contract: a copy of g in the leaf's layout (dense leaf) or row-major."""
    if geo.is_non_overlapping_and_dense(t._shape, t._stride):
        out = creation.empty_strided(t._shape, t._stride, dtype=g._dtype, device=g._device)
        return out.copy_(g)  # (grad mode is the engine's: a CopyBackwards node when building a graph)
    return g.clone(memory_format=_CONTIGUOUS)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    tensors = _as_seq(tensors)
    grads = _as_seq(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        ins = _as_seq(inputs)
        claimed = _claimed(grads)
        got = run(tensors, grads, retain_graph, create_graph, capture=ins, claimed=claimed)
        for t in ins:
            if id(t) in got:
                _accumulate(t, got[id(t)], create_graph, claimed)
        return
    run(tensors, grads, retain_graph, create_graph)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None, materialize_grads: bool = False) -> tuple:
    outs = _as_seq(outputs)
    ins = _as_seq(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    for t in ins:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    got = run(outs, _as_seq(grad_outputs), retain_graph, create_graph, capture=ins, accumulate=False)
    result = []
    for t in ins:
        g = got.get(id(t))
        if g is None:
            if materialize_grads:
                g = creation.zeros_like(t)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)
