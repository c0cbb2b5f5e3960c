"""Random autograd programs: a Hypothesis generator, and one program run in the library, torch and JAX.

A *program* is a small DAG of tensor ops over a few leaf tensors: pointwise maths (add, sub, mul, div,
pow with small exponents, exp, log, sin, cos, tanh, sigmoid, sqrt, abs, neg), reductions (sum/mean with
dims and keepdim), matmul, views (reshape, transpose, permute, unsqueeze, squeeze, expand, slicing),
``clone``, and in-place steps where torch allows them (``t.add_(u)``, ``t.sin_()``, ``t[idx] = u``,
``t[idx].mul_(c)``, writes into a fresh ``zeros`` base).  Binary ops broadcast.

The generator keeps every program valid and well-conditioned:

* shapes are tracked statically (NumPy's broadcasting and matmul rules), no zero-size dims;
* every value carries an interval bound; log/sqrt/fractional powers only see values >= 0.25,
  division and abs only sign-definite values (|v| >= 0.25, so torch and JAX agree on abs'(0)),
  exp only values <= 3, and no value may exceed 100 in magnitude;
* an in-place step only targets a tensor that is not a view, not a leaf requiring grad, has no
  consumer yet (nothing saved it, nothing views it) and whose last producer does not save its
  result (exp, tanh, sigmoid, sqrt do): exactly the in-place writes torch accepts.

Coverage is by construction, not by luck: every op in every surface form (``m.sin(x)``, ``x.sin()``,
``x.sin_()``, ...: :data:`VARIANTS`) is the *focus* of some programs (their first step), and a record
searches one stratum of focuses after another (:func:`strata`), each its own Hypothesis search.

A program is rendered to Python source once (:meth:`Program.source`) and *that source* is what runs:
``program(m)`` executes it with ``m`` = the library or torch; ``program_jax`` is the functional form
(``t = t.at[idx].set(u)`` for ``t[idx] = u``) differentiated with ``jax.vjp``.  Outputs are the values
no later step consumes; the backward pass is ``loss = sum((out_i * cot_i).sum())``, ``loss.backward()``
(the same as ``torch.autograd.backward(outputs, cotangents)``).  A failing program shrinks (Hypothesis)
and its repro is the program as a runnable script.
"""
from __future__ import annotations

import contextlib

import itertools
import math
import traceback
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from . import dtypes as dt
from .checks.compare import mismatch
from .repro import py_src

CAP = 100.0          # no value may exceed this in magnitude
MARGIN = 0.25        # "positive" / "sign-definite" means at least this far from 0
EXP_MAX = 3.0        # exp only of values <= this
MAX_LEAVES = 5

# Leaf kinds: value ranges (log/sqrt/div need positive or sign-definite inputs).
LEAF_RANGES = {"any": (-2.0, 2.0), "pos": (MARGIN, 2.0), "neg": (-2.0, -MARGIN)}
SCALARS = {"any": (2.0, -1.5, 0.5, 3.0, -0.25, 1.25), "pos": (2.0, 0.5, 1.5, 0.25), "neg": (-2.0, -0.5, -1.25)}


@dataclass(frozen=True)
class Limits:
    max_steps: int = 6
    max_dims: int = 3
    max_side: int = 3
    dtypes: tuple[str, ...] = ("float64", "float32")


# --------------------------------------------------------------------------------------------
# Program


@dataclass
class Leaf:
    name: str
    array: np.ndarray
    requires_grad: bool


@dataclass
class Step:
    op: str                       # label, e.g. "sin", "setitem", "transpose"
    torch: list[str]              # statements in terms of `m` (torch or the library)
    jax: list[str]                # the functional form in terms of `jnp` / `jax`
    target: str
    tags: tuple[str, ...] = ()    # features of this step a test may want to single out (see TAGS)
    variant: str = ""             # the op and its surface form, one of VARIANTS (e.g. "sin:fn", "inplace:sin_")


#: Step tags: finer features than the op label, so a caller can select or avoid programs using them.
TAGS = {
    "setitem_whole": "t[idx] = v where idx selects the whole of t (torch writes into t itself, no view)",
    "setitem_broadcast": "t[idx] = u where u's shape differs from t[idx]'s (torch views/expands u first)",
    "setitem_scalar_tensor": "t[idx] = u where u is a 0-d tensor (torch fills)",
    "reshape_of_view": "v.reshape(...) where v is a view (torch records _reshape_alias when v is non-contiguous)",
    "inplace_mul_into_nograd": "t.mul_(u) where t does not require grad and u does",
    "matmul_batched_view": "a @ b with a view operand and a batch dim (torch reshapes it: _reshape_alias)",
}


@dataclass
class Program:
    dtype: str
    leaves: list[Leaf]
    steps: list[Step]
    outputs: list[str]            # sinks: values no later step consumes
    grad_outputs: list[str]       # outputs that require grad (in the loss)
    cotangents: list[np.ndarray]  # one per grad output
    names: list[str]              # every variable, in creation order

    # ---------------------------------------------------------------- source
    def _arr(self, a: np.ndarray) -> str:
        return f"np.array({py_src(a.tolist())})"

    def torch_lines(self) -> list[str]:
        d = self.dtype
        out = []
        for lf in self.leaves:
            rg = ", requires_grad=True" if lf.requires_grad else ""
            out.append(f"{lf.name} = m.tensor({self._arr(lf.array)}, dtype=m.{d}{rg})")
        for s in self.steps:
            out += s.torch
        out.append(f"outputs = [{', '.join(self.outputs)}]")
        if self.grad_outputs:
            cts = ", ".join(f"m.tensor({self._arr(c)}, dtype=m.{d})" for c in self.cotangents)
            out.append(f"cotangents = [{cts}]")
            terms = " + ".join(f"({o} * cotangents[{i}]).sum()" for i, o in enumerate(self.grad_outputs))
            out.append(f"loss = {terms}")
            out.append("loss.backward()")
        else:
            out.append("loss = None  # no output requires grad: nothing to differentiate")
        out.append(f"values = {{{', '.join(f'{n!r}: {n}' for n in self.names)}}}")
        out.append("return outputs, values, loss")
        return out

    def jax_lines(self) -> list[str]:
        d = self.dtype
        diff = [lf.name for lf in self.leaves if lf.requires_grad]
        out = []
        for lf in self.leaves:
            if not lf.requires_grad:
                out.append(f"{lf.name} = jnp.asarray({self._arr(lf.array)}, dtype=jnp.{d})")
        for s in self.steps:
            out += s.jax
        out.append(f"return [{', '.join(self.outputs)}]")
        return [f"def program_jax({', '.join(diff)}):"] + ["    " + ln for ln in out]

    def leaf_inputs_jax_lines(self) -> list[str]:
        d = self.dtype
        out = [f"{lf.name} = jnp.asarray({self._arr(lf.array)}, dtype=jnp.{d})"
               for lf in self.leaves if lf.requires_grad]
        cts = ", ".join(f"jnp.asarray({self._arr(c)}, dtype=jnp.{d})" for c in self.cotangents)
        out.append(f"cotangents = [{cts}]")
        return out

    def function_source(self) -> str:
        return "\n".join(["def program(m):"] + ["    " + ln for ln in self.torch_lines()]) + "\n"

    def source(self, impl_name: str = "impl", with_jax: bool = False) -> str:
        """A runnable script: the program in torch and in the library (and in JAX), printing outputs
        and leaf gradients of each."""
        grads = [lf.name for lf in self.leaves]
        lines = [
            f"# Random autograd program ({len(self.steps)} steps, {self.dtype}) from conformance/programs.py:",
            "# runs in torch and in the library under test and prints every output and leaf gradient.",
            "import numpy as np", "import torch", f"import {impl_name} as lib", "", "",
            self.function_source(), "",
            "for m in (torch, lib):",
            "    print('---', m.__name__)",
            "    try:",
            "        outputs, values, loss = program(m)",
            "    except Exception as e:",
            "        print(m.__name__, 'raised', type(e).__name__, e)",
            "        continue",
            "    for i, o in enumerate(outputs):",
            "        print(f'out{i}', o.dtype, tuple(o.shape), o.detach().numpy().tolist())",
            f"    for name in {grads!r}:",
            "        g = values[name].grad",
            "        print(f'{name}.grad', None if g is None else g.numpy().tolist())",
        ]
        if with_jax:
            diff = [lf.name for lf in self.leaves if lf.requires_grad]
            lines += ["", "# JAX: the same program in functional form (in-place writes become .at[].set)",
                      "import jax", "jax.config.update('jax_enable_x64', True)", "import jax.numpy as jnp",
                      "", *self.jax_lines(), ""]
            lines += self.leaf_inputs_jax_lines()
            if diff:
                lines += [f"outs, pullback = jax.vjp(program_jax, {', '.join(diff)})",
                          "print('--- jax')",
                          "for i, o in enumerate(outs):", "    print(f'out{i}', o.dtype, o.shape, o.tolist())"]
                # a cotangent for every output: zeros where an output does not require grad
                lines += [f"cts = {self._jax_cts_src()}",
                          "grads = pullback(cts)",
                          f"for name, g in zip({diff!r}, grads):", "    print(f'{name}.grad', g.tolist())"]
            else:
                lines += ["outs = program_jax()", "print('--- jax')",
                          "for i, o in enumerate(outs):", "    print(f'out{i}', o.dtype, o.shape, o.tolist())"]
        return "\n".join(lines) + "\n"

    def _jax_cts_src(self) -> str:
        parts = []
        for n in self.outputs:
            if n in self.grad_outputs:
                parts.append(f"cotangents[{self.grad_outputs.index(n)}]")
            else:
                parts.append(f"jnp.zeros_like(outs[{self.outputs.index(n)}])")
        return "[" + ", ".join(parts) + "]"

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(t for s in self.steps for t in s.tags)

    def summary(self) -> str:
        return f"{len(self.leaves)} leaves, {len(self.steps)} steps: " + ", ".join(s.op for s in self.steps)


# --------------------------------------------------------------------------------------------
# Generation


@dataclass
class _Val:
    name: str
    shape: tuple[int, ...]
    lo: float
    hi: float
    rg: bool
    leaf: bool = False                # created as an input leaf (or a zeros base)
    view: bool = False                # aliases another value's memory
    consumed: bool = False            # a later step used it (it may be saved, or viewed)
    saved_out: bool = False           # its producer saves its result (in-place would break backward)
    modified: bool = False            # written in place

    @property
    def mag(self) -> float:
        return max(abs(self.lo), abs(self.hi))

    @property
    def pos(self) -> bool:
        return self.lo >= MARGIN

    @property
    def definite(self) -> bool:
        return self.lo >= MARGIN or self.hi <= -MARGIN


def _iv_mul(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    p = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]]
    return min(p), max(p)


def _ok(iv: tuple[float, float]) -> bool:
    return all(math.isfinite(v) and abs(v) <= CAP for v in iv)


@lru_cache(maxsize=None)
def _factorizations(n: int, max_dims: int, max_side: int) -> tuple[tuple[int, ...], ...]:
    out = []
    for nd in range(0, max_dims + 1):
        for shape in itertools.product(range(1, max(max_side, n) + 1), repeat=nd):
            if math.prod(shape) == n:
                out.append(shape)
    return tuple(out)


def _broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    if not a or not b:
        return None
    try:
        # (zeros, not empty: only the shape is wanted, and multiplying uninitialised memory can warn)
        return tuple(np.matmul(np.zeros(a), np.zeros(b)).shape)
    except ValueError:
        return None


# Unary ops: name -> (function source, method source, jax source, domain, interval, saves result)
def _mono(f):
    return lambda lo, hi: (f(lo), f(hi))


def _sig(x):
    return 1.0 / (1.0 + math.exp(-x))


UNARY: dict[str, tuple[str, str, str, Callable[[_Val], bool], Callable[[float, float], tuple[float, float]], bool]] = {
    "neg": ("m.neg({x})", "{x}.neg()", "-{x}", lambda v: True, lambda lo, hi: (-hi, -lo), False),
    "sin": ("m.sin({x})", "{x}.sin()", "jnp.sin({x})", lambda v: True, lambda lo, hi: (-1.0, 1.0), False),
    "cos": ("m.cos({x})", "{x}.cos()", "jnp.cos({x})", lambda v: True, lambda lo, hi: (-1.0, 1.0), False),
    "exp": ("m.exp({x})", "{x}.exp()", "jnp.exp({x})", lambda v: v.hi <= EXP_MAX, _mono(math.exp), True),
    "log": ("m.log({x})", "{x}.log()", "jnp.log({x})", lambda v: v.pos, _mono(math.log), False),
    "tanh": ("m.tanh({x})", "{x}.tanh()", "jnp.tanh({x})", lambda v: True, _mono(math.tanh), True),
    "sigmoid": ("m.sigmoid({x})", "{x}.sigmoid()", "jax.nn.sigmoid({x})", lambda v: True, _mono(_sig), True),
    "sqrt": ("m.sqrt({x})", "{x}.sqrt()", "jnp.sqrt({x})", lambda v: v.pos, _mono(math.sqrt), True),
    "abs": ("m.abs({x})", "{x}.abs()", "jnp.abs({x})", lambda v: v.definite,
            lambda lo, hi: (min(abs(lo), abs(hi)), max(abs(lo), abs(hi))), False),
}
# In-place unary forms torch accepts on a non-leaf (it saves the original where the formula needs it).
INPLACE_UNARY = ("neg", "sin", "cos", "exp", "tanh", "sigmoid", "sqrt", "abs")

# pow exponents: value -> needs a positive base / a sign-definite base
POW_EXPONENTS = (2, 3, 0.5, -1.0, 1.5, -0.5)


def _pow_iv(lo: float, hi: float, e: float) -> tuple[float, float]:
    if e == 2:
        return (0.0 if lo < 0 < hi else min(lo * lo, hi * hi)), max(lo * lo, hi * hi)
    if e == 3:
        return lo ** 3, hi ** 3
    if e == -1.0:
        return 1.0 / hi, 1.0 / lo  # sign-definite: monotone decreasing on each side
    vals = [lo ** e, hi ** e]
    return min(vals), max(vals)


def _pow_ok(v: _Val, e: float) -> bool:
    if e in (2, 3):
        return True
    if e == -1.0:
        return v.definite
    return v.pos


OPS = ("add", "mul", "sub", "div", "neg", "sin", "cos", "exp", "log", "tanh", "sigmoid", "sqrt", "abs",
       "pow", "sum", "mean", "matmul", "reshape", "transpose", "permute", "unsqueeze", "squeeze", "expand",
       "slice", "clone", "inplace", "setitem", "zeros_setitem")

#: The surface forms of each op (a library may implement ``m.sin(x)``, ``x.sin()`` and ``x.sin_()``
#: separately): "fn" ``m.f(x, ...)``, "method" ``x.f(...)``, "op" an operator (``x + y``, ``x @ y``,
#: ``x ** e``); in-place and setitem steps by their kind.  Ops not listed have one form.
FORMS: dict[str, tuple[str, ...]] = {
    **{op: ("fn", "op") for op in ("add", "sub", "mul", "div", "matmul")},
    **{op: ("fn", "method") for op in UNARY}, "neg": ("fn", "method", "op"),
    "pow": ("fn", "method", "op"),
    "sum": ("method", "fn"), "mean": ("method", "fn"),
    "inplace": ("add_", "mul_", "sub_", "div_") + tuple(f"{u}_" for u in INPLACE_UNARY),
    "setitem": ("set", "mul_", "add_"), "zeros_setitem": ("set", "mul_", "add_"),
}


def variants(ops: tuple[str, ...] = OPS) -> tuple[str, ...]:
    """Every (op, form) the generator can emit, as "op:form" (or "op" for a one-form op)."""
    return tuple(f"{op}:{f}" if op in FORMS else op for op in ops for f in FORMS.get(op, ("",)))


#: what "every op is exercised" means: each of these is the focus of some program of every record
VARIANTS = variants()


def strata(n: int, vs: tuple[str, ...] = VARIANTS, rotate: int = 0, max_focus: int = 3,
           min_examples: int = 2) -> list[tuple[tuple[str, ...], int]]:
    """Split a budget of `n` programs into strata: (focus variants, examples) pairs.  Every program of
    a stratum contains all of its focus variants (see :func:`programs`), so a record that searches
    each stratum covers every variant it lists, whatever the seed.  Each stratum gets at least
    `min_examples` examples (Hypothesis' first example is the simplest one) and at most `max_focus`
    variants; a budget too small for all of them (ci's JAX record) covers ``strata * max_focus`` of
    them, starting at `rotate` (pass something seed-dependent so seeds cover different ones)."""
    v = len(vs)
    s = min(v, max(1, n // min_examples))
    g = min(max_focus, -(-v // s))
    r = rotate % v
    chosen = (vs[r:] + vs[:r])[:min(v, s * g)]
    return [(tuple(chosen[k::s]), n // s + (k < n % s)) for k in range(s)]


class _Builder:
    def __init__(self, draw: Callable, limits: Limits, dtype: str) -> None:
        self.draw = draw
        self.lim = limits
        self.dtype = dtype
        self.vals: list[_Val] = []
        self.leaves: list[Leaf] = []
        self.steps: list[Step] = []
        self.leaf_kinds: list[str] = []
        self.n = 0
        self.forced: str | None = None   # the form the current focus step must take (see form())

    def form(self, options: tuple[str, ...]) -> str:
        """The surface form of the current step: the focus's when it is one of `options`, else drawn."""
        f = self.forced
        if f is not None and f in options:
            self.forced = None
            return f
        return self.draw(st.sampled_from(options))

    # ---------------------------------------------------------------- values
    def fresh_name(self, leaf: bool) -> str:
        if leaf:
            name = "abcdefghij"[len(self.leaves)] if len(self.leaves) < 10 else f"leaf{len(self.leaves)}"
        else:
            self.n += 1
            name = f"v{self.n}"
        return name

    def floats(self, lo: float, hi: float) -> st.SearchStrategy:
        width = 32 if self.dtype == "float32" else 64
        return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=width)

    def array(self, shape: tuple[int, ...], lo: float, hi: float, nonzero: bool = False) -> np.ndarray:
        """nonzero: values at least MARGIN from 0 (cotangents: a 0 would hide a wrong gradient there,
        and the simplest program, Hypothesis' first, would check no gradient at all)."""
        from hypothesis.extra import numpy as npst
        el = st.one_of(self.floats(MARGIN, hi), self.floats(lo, -MARGIN)) if nonzero else self.floats(lo, hi)
        a = self.draw(npst.arrays(np.float64, shape, elements=el))
        return np.asarray(a, dtype=np.float64)

    def new_leaf(self, shape: tuple[int, ...], kind: str | None = None, rg: bool | None = None) -> _Val:
        """A leaf of `kind` (its values are drawn at the end, see :func:`programs`)."""
        if kind is None:
            kind = self.draw(st.sampled_from(("any", "pos", "neg")))
        if rg is None:
            rg = self.draw(st.sampled_from((True, True, False)))  # mostly leaves requiring grad
        lo, hi = LEAF_RANGES[kind]
        name = self.fresh_name(leaf=True)
        self.leaves.append(Leaf(name, np.zeros(shape), rg))
        self.leaf_kinds.append(kind)
        v = _Val(name, shape, lo, hi, rg, leaf=True)
        self.vals.append(v)
        return v

    def scalar(self, kind: str = "any") -> float:
        """A Python scalar from a small menu (exact in float32; drawn as a choice, not a float, so the
        structure of a program is all discrete choices and its values come last)."""
        return self.draw(st.sampled_from(SCALARS[kind]))

    def shape(self, min_dims: int = 0, max_dims: int | None = None) -> tuple[int, ...]:
        nd = self.draw(st.integers(min_dims, self.lim.max_dims if max_dims is None else max_dims))
        return tuple(self.draw(st.lists(st.integers(1, self.lim.max_side), min_size=nd, max_size=nd)))

    def pick(self, ok: Callable[[_Val], bool] = lambda v: True, label: str = "") -> _Val | None:
        cands = [v for v in self.vals if ok(v)]
        if not cands:
            return None
        k = self.draw(st.integers(0, len(cands) - 1))
        return cands[len(cands) - 1 - k]  # shrinks towards the most recent value

    def can_add_leaf(self) -> bool:
        return len(self.leaves) < MAX_LEAVES

    def emit(self, op: str, torch_src: list[str], jax_src: list[str], target: str, tags: tuple[str, ...] = (),
             variant: str | None = None) -> None:
        self.steps.append(Step(op, torch_src, jax_src, target, tags, variant or op))

    def result(self, op: str, tsrc: str, jsrc: str, shape, iv, rg, *, view=False, saves=False, inputs=(),
               tags: tuple[str, ...] = (), variant: str | None = None) -> _Val:
        name = self.fresh_name(leaf=False)
        for v in inputs:
            v.consumed = True
        val = _Val(name, tuple(shape), iv[0], iv[1], rg, view=view, saved_out=saves)
        self.vals.append(val)
        self.emit(op, [f"{name} = {tsrc}"], [f"{name} = {jsrc}"], name, tags, variant)
        return val

    def pick_or_leaf(self, ok: Callable[[_Val], bool], shape: Callable[[], tuple[int, ...]],
                     kind: str | None = None) -> _Val | None:
        """An existing value `ok` accepts, else a fresh leaf of `shape()` (None when no leaf may be added)."""
        a = self.pick(ok)
        if a is None and self.can_add_leaf():
            a = self.new_leaf(shape(), kind=kind)
        return a if a is not None and ok(a) else None

    # ---------------------------------------------------------------- operands
    def operand_like(self, a: _Val, *, into: bool, need: Callable[[_Val], bool] = lambda v: True,
                     scalar_ok: bool = True, kind: str | None = None, exclude: _Val | None = None):
        """A second operand for `a`: a Python scalar, an existing value or a fresh leaf.  `into`:
        it must broadcast *into* a's shape (in-place); else any broadcast-compatible shape."""
        choice = self.draw(st.sampled_from(("existing", "scalar", "fresh") if scalar_ok else ("existing", "fresh")))
        if choice == "scalar":
            return self.scalar(kind or "any")
        if choice == "existing":
            def fits(v: _Val) -> bool:
                if v is a or v is exclude or not need(v):
                    return False
                out = _broadcast(a.shape, v.shape)
                return out is not None and (out == a.shape if into else len(out) <= self.lim.max_dims)
            b = self.pick(fits)
            if b is not None:
                return b
        if not self.can_add_leaf():
            return self.scalar(kind or "pos") if scalar_ok else None
        # fresh leaf: a's shape with some leading dims dropped and some dims set to 1 (or one new dim)
        shape = list(a.shape)
        drop = self.draw(st.integers(0, len(shape)))
        shape = shape[drop:]
        shape = [1 if self.draw(st.booleans()) else s for s in shape]
        if not into and len(a.shape) < self.lim.max_dims and self.draw(st.booleans()):
            shape = [self.draw(st.integers(1, self.lim.max_side))] + list(a.shape)
        return self.new_leaf(tuple(shape), kind=kind)

    @staticmethod
    def iv_of(x) -> tuple[float, float]:
        return (x, x) if isinstance(x, float) else (x.lo, x.hi)

    @staticmethod
    def src(x) -> str:
        return repr(x) if isinstance(x, float) else x.name

    # ---------------------------------------------------------------- ops
    def op_binary(self, op: str) -> bool:
        sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[op]
        a = self.pick()
        if op == "div":
            b = self.operand_like(a, into=False, need=lambda v: v.definite, kind=self.draw(st.sampled_from(("pos", "neg"))))
        else:
            b = self.operand_like(a, into=False)
        if b is None:
            return False
        form = self.form(FORMS[op])
        # m.add(2.0, t) is no torch signature: the fn form keeps the tensor first
        swap = self.draw(st.booleans()) and not (form == "fn" and not isinstance(b, _Val))
        x, y = (b, a) if swap else (a, b)
        if op == "div" and not (y.definite if isinstance(y, _Val) else abs(y) >= MARGIN):
            x, y = a, b  # the divisor must be sign-definite
            if isinstance(y, _Val) and not y.definite:
                return False
        ix, iy = self.iv_of(x), self.iv_of(y)
        if op == "add":
            iv = (ix[0] + iy[0], ix[1] + iy[1])
        elif op == "sub":
            iv = (ix[0] - iy[1], ix[1] - iy[0])
        elif op == "mul":
            iv = _iv_mul(ix, iy)
        else:
            iv = _iv_mul(ix, (1.0 / iy[1], 1.0 / iy[0]))
        if not _ok(iv):
            return False
        shape = _broadcast(*(v.shape for v in (x, y) if isinstance(v, _Val)))
        if form == "fn" and isinstance(x, _Val):
            tsrc = f"m.{op}({self.src(x)}, {self.src(y)})"
        else:
            form = "op"
            tsrc = f"{self.src(x)} {sym} {self.src(y)}"
        jsrc = f"{self.src(x)} {sym} {self.src(y)}"
        rg = any(v.rg for v in (x, y) if isinstance(v, _Val))
        self.result(op, tsrc, jsrc, shape, iv, rg, inputs=[v for v in (x, y) if isinstance(v, _Val)],
                    variant=f"{op}:{form}")
        return True

    def op_unary(self, op: str) -> bool:
        fsrc, msrc, jsrc, dom, ivf, saves = UNARY[op]
        a = self.pick(dom)
        if a is None:
            if not self.can_add_leaf():
                return False
            a = self.new_leaf(self.shape(), kind="pos" if op != "exp" else "any")
        iv = ivf(a.lo, a.hi)
        if not _ok(iv):
            return False
        form = self.form(FORMS[op])
        src = {"fn": fsrc, "method": msrc, "op": "-{x}"}[form]
        self.result(op, src.format(x=a.name), jsrc.format(x=a.name), a.shape, iv, a.rg, saves=saves, inputs=[a],
                    variant=f"{op}:{form}")
        return True

    def op_pow(self) -> bool:
        e = self.draw(st.sampled_from(POW_EXPONENTS))
        a = self.pick_or_leaf(lambda v: _pow_ok(v, e), self.shape, kind="pos")
        if a is None:
            return False
        iv = _pow_iv(a.lo, a.hi, e)
        if not _ok(iv):
            return False
        es = repr(e)
        form = self.form(FORMS["pow"])
        tsrc = {"op": f"{a.name} ** {es}", "method": f"{a.name}.pow({es})", "fn": f"m.pow({a.name}, {es})"}[form]
        self.result("pow", tsrc, f"{a.name} ** {es}", a.shape, iv, a.rg, inputs=[a], variant=f"pow:{form}")
        return True

    def op_reduce(self, op: str) -> bool:
        a = self.pick()
        nd = len(a.shape)
        keep = False
        if nd == 0 or self.draw(st.booleans()):
            dims = None
        else:
            dims = tuple(sorted(self.draw(st.sets(st.integers(0, nd - 1), min_size=1, max_size=nd))))
            keep = self.draw(st.booleans())
        if dims is None:
            n = math.prod(a.shape)
            shape: tuple[int, ...] = ()
            t_args, j_args = "", ""
        else:
            n = math.prod(a.shape[d] for d in dims)
            shape = tuple((1 if d in dims else s) for d, s in enumerate(a.shape)) if keep else \
                tuple(s for d, s in enumerate(a.shape) if d not in dims)
            neg = self.draw(st.booleans())  # negative dims
            tdims = tuple(d - nd for d in dims) if neg else dims
            dsrc = str(tdims[0]) if len(tdims) == 1 else repr(tdims)
            t_args = f"dim={dsrc}" + (", keepdim=True" if keep else "")
            j_args = f", axis={dsrc}" + (", keepdims=True" if keep else "")
        iv = (a.lo * n, a.hi * n) if op == "sum" else (a.lo, a.hi)
        if not _ok(iv):
            return False
        form = self.form(FORMS[op])
        tsrc = f"{a.name}.{op}({t_args})" if form == "method" else \
            f"m.{op}({a.name}{', ' + t_args if t_args else ''})"
        self.result(op, tsrc, f"jnp.{op}({a.name}{j_args})", shape, iv, a.rg, inputs=[a], variant=f"{op}:{form}")
        return True

    def op_matmul(self) -> bool:
        a = self.pick_or_leaf(lambda v: len(v.shape) >= 1, lambda: self.shape(min_dims=1))
        if a is None:
            return False
        b = self.pick(lambda v: v is not a and _matmul_shape(a.shape, v.shape) is not None)
        if b is None or self.draw(st.booleans()):
            if not self.can_add_leaf():
                if b is None:
                    return False
            else:
                k = a.shape[-1]
                n = self.draw(st.integers(1, self.lim.max_side))
                cands = [(k,), (k, n), (2, k, n)]
                cands = [c for c in cands if len(c) <= self.lim.max_dims and _matmul_shape(a.shape, c) is not None
                         and len(_matmul_shape(a.shape, c)) <= self.lim.max_dims]
                if cands:
                    b = self.new_leaf(self.draw(st.sampled_from(cands)))
                elif b is None:
                    return False
        shape = _matmul_shape(a.shape, b.shape)
        if shape is None or len(shape) > self.lim.max_dims:
            return False
        k = a.shape[-1]
        p = _iv_mul((a.lo, a.hi), (b.lo, b.hi))
        iv = (k * p[0], k * p[1]) if p[0] <= 0 else (p[0], k * p[1])
        iv = (min(iv[0], k * p[0]), max(iv[1], k * p[1]))
        if not _ok(iv):
            return False
        form = self.form(FORMS["matmul"])
        tsrc = f"{a.name} @ {b.name}" if form == "op" else f"m.matmul({a.name}, {b.name})"
        batched_view = (a.view or b.view) and max(len(a.shape), len(b.shape)) >= 3
        self.result("matmul", tsrc, f"jnp.matmul({a.name}, {b.name})", shape, iv, a.rg or b.rg, inputs=[a, b],
                    tags=("matmul_batched_view",) if batched_view else (), variant=f"matmul:{form}")
        return True

    def op_view(self, op: str) -> bool:
        lim = self.lim
        tags: tuple[str, ...] = ()
        if op == "reshape":
            a = self.pick()
            shapes = [s for s in _factorizations(math.prod(a.shape), lim.max_dims, lim.max_side)]
            new = self.draw(st.sampled_from(shapes))
            use_neg = len(new) >= 1 and self.draw(st.booleans())
            shown = list(new)
            if use_neg:
                shown[self.draw(st.integers(0, len(new) - 1))] = -1
            tsrc = f"{a.name}.reshape({', '.join(map(str, shown))})" if shown else f"{a.name}.reshape(())"
            jsrc = f"jnp.reshape({a.name}, {tuple(new)!r})"
            shape = new
            if a.view:
                tags = ("reshape_of_view",)
        elif op in ("transpose", "permute"):
            a = self.pick_or_leaf(lambda v: len(v.shape) >= 2, lambda: self.shape(min_dims=2))
            if a is None:
                return False
            nd = len(a.shape)
            if op == "transpose":
                d0, d1 = self.draw(st.lists(st.integers(0, nd - 1), min_size=2, max_size=2, unique=True))
                neg = self.draw(st.booleans())
                s0, s1 = (d0 - nd, d1) if neg else (d0, d1)
                tsrc = f"{a.name}.transpose({s0}, {s1})"
                jsrc = f"jnp.swapaxes({a.name}, {d0}, {d1})"
                perm = list(range(nd))
                perm[d0], perm[d1] = perm[d1], perm[d0]
            else:
                perm = self.draw(st.permutations(list(range(nd))))
                tsrc = f"{a.name}.permute({', '.join(map(str, perm))})"
                jsrc = f"jnp.transpose({a.name}, {tuple(perm)!r})"
            shape = tuple(a.shape[p] for p in perm)
        elif op == "unsqueeze":
            a = self.pick_or_leaf(lambda v: len(v.shape) < lim.max_dims, lambda: self.shape(max_dims=lim.max_dims - 1))
            if a is None:
                return False
            nd = len(a.shape)
            d = self.draw(st.integers(-(nd + 1), nd))
            tsrc = f"{a.name}.unsqueeze({d})"
            jsrc = f"jnp.expand_dims({a.name}, {d})"
            dd = d % (nd + 1)
            shape = a.shape[:dd] + (1,) + a.shape[dd:]
        elif op == "squeeze":
            a = self.pick_or_leaf(lambda v: 1 in v.shape, self.shape_with_one)
            if a is None:
                return False
            ones = [i for i, s in enumerate(a.shape) if s == 1]
            d = self.draw(st.sampled_from(ones))
            tsrc = f"{a.name}.squeeze({d})"
            jsrc = f"jnp.squeeze({a.name}, {d})"
            shape = a.shape[:d] + a.shape[d + 1:]
        elif op == "expand":
            a = self.pick()
            new = [self.draw(st.integers(2, lim.max_side)) if s == 1 and self.draw(st.booleans()) else s
                   for s in a.shape]
            if len(new) < lim.max_dims and self.draw(st.booleans()):
                new = [self.draw(st.integers(1, lim.max_side))] + new
            shape = tuple(new)
            shown = [(-1 if (i >= len(new) - len(a.shape) and a.shape[i - (len(new) - len(a.shape))] == s
                             and self.draw(st.booleans())) else s) for i, s in enumerate(new)]
            tsrc = f"{a.name}.expand({', '.join(map(str, shown))})" if shown else f"{a.name}.expand(())"
            jsrc = f"jnp.broadcast_to({a.name}, {shape!r})"
        elif op == "slice":
            a = self.pick_or_leaf(lambda v: len(v.shape) >= 1, lambda: self.shape(min_dims=1))
            if a is None:
                return False
            idx, shape = self.index(a.shape)
            tsrc = f"{a.name}[{idx}]"
            jsrc = tsrc
        else:
            raise AssertionError(op)
        self.result(op, tsrc, jsrc, shape, (a.lo, a.hi), a.rg, view=True, inputs=[a], tags=tags)
        return True

    def shape_with_one(self) -> tuple[int, ...]:
        shape = list(self.shape(min_dims=1))
        shape[self.draw(st.integers(0, len(shape) - 1))] = 1
        return tuple(shape)

    def index(self, shape: tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
        """A basic index (ints, slices with step 1 or 2, maybe a leading ...) and the result shape."""
        nd = len(shape)
        k = self.draw(st.integers(1, nd))
        ellipsis = k < nd and self.draw(st.booleans())
        dims = list(range(nd - k, nd)) if ellipsis else list(range(k))
        parts, out = [], []
        for d in range(nd):
            s = shape[d]
            if d not in dims:
                out.append(s)
                continue
            kind = self.draw(st.sampled_from(("full", "int", "slice")))
            if kind == "full":
                parts.append(":")
                out.append(s)
            elif kind == "int":
                i = self.draw(st.integers(-s, s - 1))
                parts.append(str(i))
            else:
                start = self.draw(st.integers(0, s - 1))
                stop = self.draw(st.integers(start + 1, s))
                step = self.draw(st.sampled_from((1, 2)))
                parts.append(f"{start or ''}:{stop if stop != s else ''}" + (f":{step}" if step != 1 else ""))
                out.append(len(range(start, stop, step)))
        if ellipsis:
            parts = ["..."] + parts
        return ", ".join(parts), tuple(out)

    def inplace_target(self, min_dims: int = 0, ok: Callable[[_Val], bool] = lambda v: True) -> _Val | None:
        """A value torch lets us write in place (see the module docstring); else a fresh clone (of a
        fresh leaf if nothing fits).  `ok`: what the write needs of the value (e.g. sqrt_: positive)."""
        t = self.pick(lambda v: len(v.shape) >= min_dims and not v.view and not (v.leaf and v.rg)
                      and not v.consumed and not v.saved_out and ok(v))
        if t is None or self.draw(st.integers(0, 3)) == 3:
            a = self.pick_or_leaf(lambda v: len(v.shape) >= min_dims and ok(v),
                                  lambda: self.shape(min_dims=min_dims), kind="pos")
            if a is None:
                return t
            t = self.op_clone(a)
        return t

    def op_clone(self, a: _Val | None = None) -> _Val:
        a = a or self.pick()
        return self.result("clone", f"{a.name}.clone()", f"jnp.array({a.name}, copy=True)", a.shape, (a.lo, a.hi),
                           a.rg, inputs=[a])

    def op_inplace(self) -> bool:
        if self.forced in FORMS["inplace"]:
            kind, self.forced = self.forced, None
        else:  # one in five is a unary, then which one
            kind = self.draw(st.sampled_from(("add_", "mul_", "sub_", "div_", "unary_")))
            if kind == "unary_":
                kind = self.draw(st.sampled_from(INPLACE_UNARY)) + "_"
        unary = kind not in ("add_", "mul_", "sub_", "div_")
        t = self.inplace_target(ok=UNARY[kind[:-1]][3] if unary else lambda v: True)
        if t is None:
            return False
        tags: tuple[str, ...] = ()
        if unary:
            op = kind[:-1]
            _, _, jsrc, dom, ivf, saves = UNARY[op]
            if not dom(t):
                return False
            iv = ivf(t.lo, t.hi)
            if not _ok(iv):
                return False
            tsrc = f"{t.name}.{op}_()"
            jline = f"{t.name} = " + jsrc.format(x=t.name)
            t.saved_out = saves
            rg = t.rg
            label = f"{op}_"
        else:
            if kind == "div_":
                b: Any = self.scalar(self.draw(st.sampled_from(("pos", "neg"))))
            else:
                b = self.operand_like(t, into=True)
                if b is None:
                    return False
            ib = self.iv_of(b)
            if kind == "add_":
                iv = (t.lo + ib[0], t.hi + ib[1])
            elif kind == "sub_":
                iv = (t.lo - ib[1], t.hi - ib[0])
            elif kind == "mul_":
                iv = _iv_mul((t.lo, t.hi), ib)
            else:
                iv = _iv_mul((t.lo, t.hi), (1.0 / ib[1], 1.0 / ib[0]))
            if not _ok(iv):
                return False
            sym = {"add_": "+", "sub_": "-", "mul_": "*", "div_": "/"}[kind]
            tsrc = f"{t.name}.{kind}({self.src(b)})"
            jline = f"{t.name} = {t.name} {sym} {self.src(b)}"
            rg = t.rg or (isinstance(b, _Val) and b.rg)
            if kind == "mul_" and isinstance(b, _Val) and b.rg and not t.rg:
                tags = ("inplace_mul_into_nograd",)
            if isinstance(b, _Val):
                b.consumed = True
            t.saved_out = False
            label = kind
        t.lo, t.hi = iv
        t.rg = rg
        t.modified = True
        self.emit(label, [tsrc], [jline], t.name, tags, variant=f"inplace:{label}")
        return True

    def op_setitem(self, zeros: bool) -> bool:
        if zeros:
            shape = self.shape(min_dims=1)
            name = self.fresh_name(leaf=False)
            t = _Val(name, shape, 0.0, 0.0, False, leaf=True)
            self.vals.append(t)
            self.emit("zeros", [f"{name} = m.zeros({', '.join(map(str, shape))}, dtype=m.{self.dtype})"],
                      [f"{name} = jnp.zeros({shape!r}, dtype=jnp.{self.dtype})"], name)
        else:
            t = self.inplace_target(min_dims=1)
            if t is None:
                return False
        idx, vshape = self.index(t.shape)
        tags = ["setitem_whole"] if all(p.strip() in (":", "...") for p in idx.split(",")) else []
        kind = self.form(FORMS["setitem"])
        if kind == "mul_":
            c = self.scalar("any")
            iv = _iv_mul((t.lo, t.hi), (min(c, 1.0), max(c, 1.0)))
            tsrc, jline = f"{t.name}[{idx}].mul_({c!r})", f"{t.name} = {t.name}.at[{idx}].multiply({c!r})"
            rg = t.rg
        else:
            probe = _Val("?", vshape, t.lo, t.hi, t.rg)
            b = self.operand_like(probe, into=True, exclude=t)  # never t itself (it would overlap)
            if b is None:
                return False
            ib = self.iv_of(b)
            if kind == "set":
                iv = (min(t.lo, ib[0]), max(t.hi, ib[1]))
                tsrc, jline = f"{t.name}[{idx}] = {self.src(b)}", f"{t.name} = {t.name}.at[{idx}].set({self.src(b)})"
            else:
                iv = (min(t.lo, t.lo + ib[0]), max(t.hi, t.hi + ib[1]))
                tsrc, jline = f"{t.name}[{idx}].add_({self.src(b)})", f"{t.name} = {t.name}.at[{idx}].add({self.src(b)})"
            rg = t.rg or (isinstance(b, _Val) and b.rg)
            if isinstance(b, _Val):
                b.consumed = True
                if kind == "set" and b.shape != vshape:
                    tags.append("setitem_scalar_tensor" if b.shape == () else "setitem_broadcast")
        if not _ok(iv):
            return False
        t.lo, t.hi = iv
        t.rg = rg
        t.modified = True
        t.saved_out = False
        op = "setitem" if not zeros else "zeros_setitem"
        self.emit(op, [tsrc], [jline], t.name, tuple(tags), variant=f"{op}:{kind}")
        return True

    def step(self, op: str) -> bool:
        if op in ("add", "sub", "mul", "div"):
            return self.op_binary(op)
        if op in UNARY:
            return self.op_unary(op)
        if op == "pow":
            return self.op_pow()
        if op in ("sum", "mean"):
            return self.op_reduce(op)
        if op == "matmul":
            return self.op_matmul()
        if op in ("reshape", "transpose", "permute", "unsqueeze", "squeeze", "expand", "slice"):
            return self.op_view(op)
        if op == "clone":
            return self.op_clone() is not None
        if op == "inplace":
            return self.op_inplace()
        if op == "setitem":
            return self.op_setitem(zeros=False)
        if op == "zeros_setitem":
            return self.op_setitem(zeros=True)
        raise AssertionError(op)

    def step_variant(self, variant: str, tries: int = 4) -> bool:
        """A step that is `variant` ("op:form"), retried (with fresh choices) until one succeeds."""
        op, _, form = variant.partition(":")
        for _ in range(tries):
            n = len(self.steps)
            self.forced = form or None
            try:
                self.step(op)
            finally:
                self.forced = None
            if any(s.variant == variant for s in self.steps[n:]):
                return True
        return False


@st.composite
def _span(draw, b: _Builder, fn: Callable[[], Any]) -> Any:
    """fn() with b drawing through a nested strategy: one step's choices form one span, which the
    shrinker can delete as a whole (a step is ~5-20 choices, past its deletion of a few in a row)."""
    outer, b.draw = b.draw, draw
    try:
        return fn()
    finally:
        b.draw = outer


@st.composite
def programs(draw, limits: Limits = Limits(), ops: tuple[str, ...] = OPS,
             focus: tuple[str, ...] | None = None) -> Program:
    """Hypothesis strategy: a valid random program (see the module docstring).

    focus: variants (see VARIANTS) every program contains: a step of each (in order), then random steps; None: one focus variant, drawn.  Callers that must exercise every op
    search strata of focuses (:func:`strata`) instead of relying on the draw."""
    # Steps are drawn as a list is: a "one more?" flag before each further step (6 in 7 say yes), and
    # each step's choices right after its flag, so the shrinker can delete a step as one block.  All
    # choices are discrete (values come last, below), which keeps Hypothesis' choices unskewed.
    more = st.integers(0, 6).map(bool)
    # an op is the sum of two draws modulo the menu: flatter over the ops than one draw
    pick = st.tuples(st.integers(0, len(ops) - 1), st.integers(0, len(ops) - 1)).map(
        lambda ij: ops[(ij[0] + ij[1]) % len(ops)])
    if focus is None:
        focus = (draw(st.sampled_from(variants(ops))),)
    dtype = draw(st.sampled_from(limits.dtypes))
    b = _Builder(draw, limits, dtype)
    for _ in range(draw(st.integers(1, 2))):
        b.new_leaf(b.shape(), rg=True if not b.leaves else None)
    # the focus steps come first: random steps before them would be in the way of the shrinker (it
    # deletes steps from the end far more easily than from the middle)
    for v in focus:
        draw(_span(b, lambda: b.step_variant(v)))
    def one_more() -> bool:  # the flag and its step in one span: deleting it deletes just that step
        if not b.draw(more):
            return False
        b.step(b.draw(pick))
        return True

    attempts = len(b.steps)
    while len(b.steps) < limits.max_steps and attempts < 2 * limits.max_steps and draw(_span(b, one_more)):
        attempts += 1
    if not b.steps:
        b.op_unary("sin")
    # values last: leaves (in their kind's range) and cotangents
    for i, (lf, kind) in enumerate(zip(b.leaves, b.leaf_kinds)):
        b.leaves[i] = Leaf(lf.name, b.array(lf.array.shape, *LEAF_RANGES[kind]), lf.requires_grad)
    outputs = [v for v in b.vals if not v.consumed and (not v.leaf or v.modified)]
    if not outputs:  # every step was consumed by an in-place step on a leaf-less value: keep the last
        outputs = [next(v for v in reversed(b.vals) if v.name == b.steps[-1].target)]
    grad_outputs = [v for v in outputs if v.rg]
    cts = [b.array(v.shape, -2.0, 2.0, nonzero=True) for v in grad_outputs]
    return Program(dtype, b.leaves, b.steps, [v.name for v in outputs], [v.name for v in grad_outputs], cts,
                   [v.name for v in b.vals])


# --------------------------------------------------------------------------------------------
# Running


@dataclass
class Result:
    """What one framework computed for a program (NumPy values only), or how it failed."""
    outputs: list[Any] = field(default_factory=list)      # (array, dtype name)
    grads: dict[str, Any] = field(default_factory=dict)    # leaf -> (array, dtype) or None
    flags: dict[str, tuple] = field(default_factory=dict)  # name -> (requires_grad, is_leaf, grad_fn)
    graph: list | None = None                              # the loss's graph, canonical DAG
    error: str | None = None                               # "ExcClass: message"
    error_family: str | None = None
    where: str | None = None                               # the program line that raised


def _family(exc: BaseException) -> str:
    for k in type(exc).__mro__:
        if k.__module__ == "builtins":
            return k.__name__
    return "Exception"


def _np(t: Any) -> np.ndarray:
    return np.array(t.detach().cpu().numpy(), copy=True)


_CODE_CACHE: dict[int, Any] = {}


def compile_program(prog: Program, jax_form: bool = False) -> Callable:
    """The program's source, compiled (what the repro shows is exactly what runs)."""
    src = ("import jax\nimport jax.numpy as jnp\n" + "\n".join(prog.jax_lines()) + "\n") if jax_form \
        else prog.function_source()
    ns: dict[str, Any] = {"np": np}
    exec(compile(src, "<program>", "exec"), ns)
    return ns["program_jax" if jax_form else "program"]


def canonical_graph(root: Any, leaf_names: dict[int, str], limit: int = 400) -> list | None:
    """The autograd DAG below `root` as a list of nodes in DFS order: (class name, leaf name for
    AccumulateGrad, [(child index or None, input_nr)]).  Equal lists <=> the same graph."""
    if root is None:
        return None
    ids: dict[int, int] = {}
    nodes: list = []
    alive: list = []  # torch hands out a fresh Python object per access: a freed one's id would be reused

    def visit(node: Any) -> int:
        key = id(node)
        if key in ids:
            return ids[key]
        alive.append(node)
        i = len(nodes)
        ids[key] = i
        name = type(node).__name__
        var = getattr(node, "variable", None) if name == "AccumulateGrad" else None
        entry: list = [name, leaf_names.get(id(var), "?") if var is not None else None, []]
        nodes.append(entry)
        if len(nodes) > limit:
            raise RecursionError("graph too large")
        for child, nr in node.next_functions:
            entry[2].append([None if child is None else visit(child), int(nr)])
        return i

    visit(root)
    return nodes


def nested_graph(canon: list | None, i: int = 0, depth: int = 12) -> Any:
    """The canonical DAG as nested (name, [children]) tuples, for the report."""
    if canon is None:
        return None
    name, var, kids = canon[i]
    label = f"{name}({var})" if var else name
    if depth == 0:
        return (label, "...")
    return (label, [None if k is None else nested_graph(canon, k, depth - 1) for k, _ in kids])


def _where(tb: BaseException) -> str | None:
    for fr in reversed(traceback.extract_tb(tb.__traceback__)):
        if fr.filename == "<program>":
            return (fr.line or "").strip() or f"line {fr.lineno}"
    return None


def run_torchlike(prog: Program, module: ModuleType, graph: bool = False, device: str = "cpu") -> Result:
    """The program run with a torch-like module; on another device inside `with module.device(device)`."""
    fn = compile_program(prog)
    r = Result()
    try:
        with warnings.catch_warnings(), (module.device(device) if device != "cpu" else contextlib.nullcontext()):
            warnings.simplefilter("ignore")
            outputs, values, loss = fn(module)
            for o in outputs:
                r.outputs.append((_np(o), dt.name_of(o.dtype)))
            for lf in prog.leaves:
                g = values[lf.name].grad
                r.grads[lf.name] = None if g is None else (_np(g), dt.name_of(g.dtype))
            if graph:
                for n in prog.names:
                    v = values[n]
                    r.flags[n] = (bool(v.requires_grad), bool(v.is_leaf),
                                  None if v.grad_fn is None else type(v.grad_fn).__name__)
                names = {id(values[lf.name]): lf.name for lf in prog.leaves}
                r.graph = canonical_graph(getattr(loss, "grad_fn", None), names)
    except Exception as e:  # noqa: BLE001 - the comparison classifies it
        r.error = f"{type(e).__name__}: {e}"[:500]
        r.error_family = _family(e)
        r.where = _where(e)
    return r


def _jax():
    from .runners.jaxrunner import _jax_modules
    return _jax_modules()


def run_jax(prog: Program) -> Result:
    jax, jnp = _jax()
    fn = compile_program(prog, jax_form=True)
    r = Result()
    npd = dt.to_numpy(prog.dtype)
    diff = [lf for lf in prog.leaves if lf.requires_grad]
    try:
        args = [jnp.asarray(lf.array, dtype=npd) for lf in diff]
        if diff:
            outs, pullback = jax.vjp(fn, *args)
            cts = []
            for n, o in zip(prog.outputs, outs):
                if n in prog.grad_outputs:
                    cts.append(jnp.asarray(prog.cotangents[prog.grad_outputs.index(n)], dtype=o.dtype))
                else:
                    cts.append(jnp.zeros_like(o))
            gs = pullback(cts)
        else:
            outs, gs = fn(), []
        r.outputs = [(np.asarray(o), dt.name_of(o.dtype)) for o in outs]
        for lf in prog.leaves:
            r.grads[lf.name] = None
        for lf, g in zip(diff, gs):
            r.grads[lf.name] = (np.asarray(g), dt.name_of(g.dtype))
    except Exception as e:  # noqa: BLE001
        r.error = f"{type(e).__name__}: {e}"[:500]
        r.error_family = _family(e)
    return r


# --------------------------------------------------------------------------------------------
# Comparing

#: A program chains up to ~10 float32 roundings, and its steps amplify them (exp, sin of values up to
#: CAP): one ulp of difference in one step (neither torch's float32 pow nor its exp is correctly
#: rounded everywhere) grew to 2.2e-6 relative in a gradient (b ** 1.5, exp_, sin at b = 1.75), past
#: assert_close's 1.3e-6.  A wrong formula is off by far more than 1e-5.
PROGRAM_TOL = {"float32": (1e-5, 1e-5)}


def compare(prog: Program, lib: Result, ref: Result, oracle: str, what: str = "grad") -> tuple[str, dict] | None:
    """None when the library's run matches the oracle's, else (message, detail).

    what="grad": outputs (values, dtype, shape) and every leaf gradient (None where torch has None;
    against JAX, whose gradients are dense, None counts as zeros).  what="graph": requires_grad,
    is_leaf and grad_fn of every variable, and the loss's whole graph."""
    if ref.error:
        raise RuntimeError(f"the oracle ({oracle}) failed on a generated program (generator bug): {ref.error}"
                           f" at {ref.where}")
    if lib.error:
        return (f"the library raised {lib.error_family} where {oracle} did not: {lib.error}",
                {"where": lib.where, "error": lib.error})
    if what == "graph":
        for n in prog.names:
            if lib.flags.get(n) != ref.flags.get(n):
                keys = ("requires_grad", "is_leaf", "grad_fn")
                return (f"{n}: (requires_grad, is_leaf, grad_fn) {lib.flags.get(n)} != torch {ref.flags.get(n)}",
                        {"variable": n, "expected": dict(zip(keys, ref.flags.get(n) or ())),
                         "actual": dict(zip(keys, lib.flags.get(n) or ()))})
        if lib.graph != ref.graph:
            return ("the loss's autograd graph differs from torch's",
                    {"expected": repr(nested_graph(ref.graph))[:2000], "actual": repr(nested_graph(lib.graph))[:2000]})
        return None
    for i, (name, (la, ld), (ra, rd)) in enumerate(zip(prog.outputs, lib.outputs, ref.outputs)):
        if oracle == "torch" and ld != rd:
            return f"output {name}: dtype {ld} != torch {rd}", {"output": name}
        m = mismatch(ra, la, PROGRAM_TOL, oracle=oracle, path=f"output {name}", dtype=rd)
        if m:
            return f"output {name}: {m['problem']}", m
    for lf in prog.leaves:
        lg, rg = lib.grads.get(lf.name), ref.grads.get(lf.name)
        if oracle == "jax":
            if rg is None:
                continue  # a constant: JAX does not differentiate it; torch's grad (None) checked there
            if lg is None:
                lg = (np.zeros_like(rg[0]), rg[1])
        if (lg is None) != (rg is None):
            return (f"{lf.name}.grad: {'None' if lg is None else 'a tensor'} where {oracle} has "
                    f"{'None' if rg is None else 'a tensor'}", {"leaf": lf.name})
        if lg is None:
            continue
        if oracle == "torch" and lg[1] != rg[1]:
            return f"{lf.name}.grad: dtype {lg[1]} != torch {rg[1]}", {"leaf": lf.name}
        m = mismatch(rg[0], lg[0], PROGRAM_TOL, oracle=oracle, path=f"{lf.name}.grad", dtype=rg[1])
        if m:
            return f"{lf.name}.grad: {m['problem']}", m
    return None
