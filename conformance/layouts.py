"""Memory layouts for inputs: a contiguous base buffer plus a view transform, as plain data.

The same transform is replayed in every torch-like framework (permute / basic slicing / expand), so
the library under test sees a genuinely non-contiguous tensor with the same strides and offset as
torch does, while checks compare only the logical values (computed here with NumPy).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# A step is ("permute", perm) | ("index", items) | ("expand", sizes); items are ints or
# (start, stop, step) triples.  Steps apply left to right.
Step = tuple[str, Any]


@dataclass(frozen=True)
class Layout:
    name: str
    steps: tuple[Step, ...] = ()

    @property
    def trivial(self) -> bool:
        return not self.steps


CONTIGUOUS = Layout("contiguous")


def apply_numpy(base: np.ndarray, layout: Layout) -> np.ndarray:
    a = base
    for kind, arg in layout.steps:
        if kind == "permute":
            a = a.transpose(arg)
        elif kind == "index":
            a = a[_index(arg)]
        elif kind == "expand":
            a = np.broadcast_to(a, arg)
    return a


def apply_torchlike(t: Any, layout: Layout) -> Any:
    """Replay the transform with the framework's own view ops."""
    for kind, arg in layout.steps:
        if kind == "permute":
            t = t.permute(*arg)
        elif kind == "index":
            t = t[_index(arg)]
        elif kind == "expand":
            t = t.expand(*arg)
    return t


def code(layout: Layout) -> str:
    """The transform as Python source, appended to a tensor expression in repro snippets."""
    out = []
    for kind, arg in layout.steps:
        if kind == "permute":
            out.append(f".permute({', '.join(map(str, arg))})")
        elif kind == "index":
            parts = [str(i) if isinstance(i, int) else _slice_src(i) for i in arg]
            out.append(f"[{', '.join(parts)}{',' if len(parts) == 1 else ''}]")
        elif kind == "expand":
            out.append(f".expand({', '.join(map(str, arg))})")
    return "".join(out)


def _slice_src(t: tuple[int, int | None, int]) -> str:
    start, stop, step = t
    return f"{start}:{'' if stop is None else stop}:{step}"


def _index(items: tuple) -> tuple:
    return tuple(i if isinstance(i, int) else slice(*i) for i in items)


def _junk(dtype: np.dtype) -> Any:
    # A value that stands out when a wrong stride reads outside the view.
    return True if dtype == np.bool_ else 77


def build(logical: np.ndarray, name: str, rng_perm: tuple[int, ...] | None = None,
          dims: tuple[int, ...] = ()) -> tuple[np.ndarray, Layout, np.ndarray]:
    """(base, layout, logical') for a drawn logical array; logical' differs only for 'expanded'
    (values become constant along the expanded dims).  Falls back to contiguous when not applicable."""
    a = logical
    if name == "transposed" and a.ndim >= 2:
        perm = rng_perm or tuple(reversed(range(a.ndim)))
        inv = tuple(np.argsort(perm).tolist())
        base = np.array(order="C", object=a.transpose(inv))
        return base, Layout(name, (("permute", perm),)), a
    if name == "strided" and a.ndim >= 1:
        # every dim stepped by 2 over a buffer twice as large, junk in between
        base = np.full(tuple(2 * s for s in a.shape), _junk(a.dtype), dtype=a.dtype)
        base[tuple(slice(None, None, 2) for _ in a.shape)] = a
        items = tuple((0, None, 2) for _ in a.shape)
        return base, Layout(name, (("index", items),)), a
    if name == "offset":
        if a.ndim == 0:
            base = np.array([_junk(a.dtype), a.item()], dtype=a.dtype)
            return base, Layout(name, (("index", (1,)),)), a
        base = np.full((a.shape[0] + 1,) + a.shape[1:], _junk(a.dtype), dtype=a.dtype)
        base[1:] = a
        return base, Layout(name, (("index", ((1, None, 1),)),)), a
    if name == "expanded" and a.ndim >= 1 and a.size > 0:
        dims = dims or (0,)
        base = a[tuple(slice(0, 1) if i in dims else slice(None) for i in range(a.ndim))].copy()
        new = np.array(order="C", object=np.broadcast_to(base, a.shape))
        if base.shape != a.shape:  # else every chosen dim is already size 1: nothing to expand
            return base, Layout(name, (("expand", a.shape),)), new
    return np.array(order="C", object=a), CONTIGUOUS, a
