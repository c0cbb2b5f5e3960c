"""Graph nodes. Each differentiable op creates one Node whose class is named like torch's (MulBackward0).

A node holds its edges (next_functions), the metadata of the inputs it must return gradients for,
saved tensors with the version they had when saved, and a backward closure written in impl's own
tensor ops (so create_graph=True can differentiate it again).
"""
from __future__ import annotations

import itertools
import re
import weakref
from typing import Any, Callable, Sequence

from ..tensor import Tensor, _construct, fresh_result

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
          "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
          "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
          "if you need to access saved tensors after calling backward.")


_BACKWARD = re.compile(r"Backward\d*$")


class Node:
    __slots__ = ("next_functions", "_in_meta", "_out_meta", "_saved", "_backward", "_retained", "_freed",
                 "_had_saved", "_key", "_described", "__weakref__")

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def _retain(self, output_nr: int, tensor: Any) -> None:
        if self._retained is None:
            self._retained = {}
        self._retained[output_nr] = weakref.ref(tensor)

    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(_FREED)
        out = []
        for i, (t, version, out_nr) in enumerate(self._saved):
            vc = t._vc  # (a tensor with no counter yet was never written: still at version 0, as when saved)
            if vc is not None and vc.version != version:
                gf = self if out_nr >= 0 else t._grad_fn
                nr = out_nr if out_nr >= 0 else t._output_nr
                which = f", which is output {nr} of {_BACKWARD.sub('', gf.name())}," if gf else ""
                shape = t.shape
                if self._described is not None and i in self._described:  # (saved as another tensor: views.copy_slices)
                    shape, which = self._described[i]
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [torch.{t.dtype.legacy} [{', '.join(str(s) for s in shape)}]]{which} is at "
                    f"version {t._version}; expected version {version} instead. Hint: enable anomaly detection "
                    "to find the operation that failed to compute its gradient, with "
                    "torch.autograd.set_detect_anomaly(True, check_nan=False).")
            if out_nr >= 0:  # an output of this node, saved without its history: unpacked with it, as torch does
                t = _alias(t)
                t._grad_fn, t._requires_grad = self, True
                if out_nr:
                    t._output_nr = out_nr
            out.append(t)
        return tuple(out)

    def release(self) -> None:
        if self._had_saved:
            self._saved = ()
            self._freed = True

    def apply(self, grads: Sequence[Any]) -> tuple:
        return self._backward(grads, *self.saved_tensors())


class AccumulateGrad(Node):
    __slots__ = ("variable",)

    def apply(self, grads: Sequence[Any]) -> tuple:
        return ()


_classes: dict[str, type] = {}


def node_class(name: str) -> type:
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (Node,), {"__slots__": ()})
    return cls


def make_node(name: str, inputs: Sequence[Any], backward: Callable, saved: Sequence[Any] = (),
              outputs: Sequence[Any] = ()) -> Node:
    """A node for `name` with one edge per input (None for inputs that need no gradient, and for inputs that
    are not tensors: a Python scalar operand, or None)."""
    cls = _classes.get(name) or node_class(name)
    node = _new(cls)
    # Plain loops, not comprehensions (each of those is a function call in this Python), and edge() inlined
    # for the common input, a non-view tensor with history: a node is built on every differentiable op.
    edges = []
    in_meta = []
    for t in inputs:
        if not isinstance(t, Tensor):
            edges.append(_NO_EDGE)
            in_meta.append(None)
            continue
        if t._base is not None:
            edges.append(edge(t))
        elif t._grad_fn is not None:
            edges.append((t._grad_fn, t._output_nr))
        elif t._requires_grad:
            edges.append(edge(t))  # a leaf: its AccumulateGrad
        else:
            edges.append(_NO_EDGE)
        in_meta.append((t._shape, t._dtype))
    node.next_functions = tuple(edges)
    node._in_meta = tuple(in_meta)
    out_meta = []
    for o in outputs:
        out_meta.append((o._shape, o._dtype, o._device))
    node._out_meta = tuple(out_meta)
    if saved:
        entries = []
        for t in saved:
            vc = t._vc  # (t._version without the property: no counter yet is version 0)
            out_nr = -1
            for i, o in enumerate(outputs):
                if o is t:
                    out_nr = i
                    # A node holding its own output would be a reference cycle (output -> grad_fn -> saved
                    # output), freed only by the cyclic GC: a graph's arrays (GPU memory too) would outlive
                    # it. Like torch's SavedVariable, keep the output's data without its history.
                    t = _alias(t)
                    break
            entries.append((t, 0 if vc is None else vc.version, out_nr))
        node._saved = tuple(entries)
        node._had_saved = True
    else:
        node._saved = ()
        node._had_saved = False
    node._backward = backward
    node._retained = None
    node._freed = False
    node._described = None
    node._key = _next_key()  # (after the edges: an AccumulateGrad they made is older than this node)
    return node


_new = object.__new__


def _alias(t: Any) -> Tensor:
    """A tensor of t's memory, geometry and version counter, with no history (see make_node)."""
    vc = t._counter()
    if t._st is None:
        # an op's fresh result (the usual saved output): its array as it is, without making the storage
        # object; the alias is only ever read by backward formulas, never written or compared for overlap
        a = fresh_result(t._arr, t._dtype, t._device, t._shape, t._stride)
        a._vc = vc
        return a
    a = _construct(Tensor, t._st, t._shape, t._stride, t._offset, t._dtype, vc)
    a._arr, a._arr_of = t._arr, t._arr_of  # (the array cache, if any: the same geometry)
    return a


_NO_EDGE = (None, 0)

# Creation order, as torch's sequence_nr, counting down: the engine's heap pops the smallest key, the node
# made last (see engine.run)
_next_key = itertools.count(0, -1).__next__


def edge(t: Any) -> tuple:
    """The (node, output_nr) a gradient for `t` flows into: its grad_fn, its AccumulateGrad, or nothing."""
    if t is None:
        return _NO_EDGE
    if t._base is not None:
        sync_view(t)
    if not t._requires_grad:
        return (None, 0)
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    acc = t._accumulate() if t._accumulate is not None else None
    if acc is None:
        acc = AccumulateGrad.__new__(AccumulateGrad)
        acc.next_functions = ()
        acc._in_meta = ()
        acc._out_meta = ((t._shape, t._dtype, t._device),)
        acc._saved = ()
        acc._had_saved = False
        acc._backward = None
        acc._retained = None
        acc._freed = False
        acc._described = None
        acc._key = _next_key()
        acc.variable = t
        t._accumulate = weakref.ref(acc)
        # The tensor keeps its AccumulateGrad alive only through graphs that reference it, like torch.
    return (acc, 0)


def sync_view(t: Any) -> None:
    """A view whose base got new history (an in-place op through another view) gets an AsStridedBackward0
    onto the base's current history, as torch regenerates it."""
    base = t._base
    if t._bgf is base._grad_fn:
        return
    t._bgf = base._grad_fn
    if base._requires_grad:
        from ..ops.views import as_strided_node

        as_strided_node(t, base)
