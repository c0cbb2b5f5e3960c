"""Views and memory: stateful aliasing conformance (issue 6; CATALOG.md section 3).

Two kinds of check, both differential against real torch, both recorded as result records in
group ``memory`` (oracle ``torch``):

* **The stateful machine** (op ``stateful_aliasing``): a Hypothesis ``RuleBasedStateMachine`` that keeps
  a pool of live objects (tensors ``t<k>`` and NumPy arrays ``a<k>``) twice, once built with torch and
  once with the library under test, and applies random sequences of view ops, in-place writes through
  any live view, copies, NumPy bridging and ``out=`` calls.  Every step is *one line of Python source*
  (``t3 = t1.transpose(0, -1)``, ``t2[1:, None] = 4``) executed with ``m`` bound to torch and to the
  library, so the failing sequence that Hypothesis shrinks to is at once a runnable repro.  After every
  step, for every live pair: values, dtype, shape, ``stride()``, ``storage_offset()``,
  ``is_contiguous()``, ``_version``, object identity, storage sharing
  (``untyped_storage().data_ptr()``) and memory overlap (storage byte ranges, NumPy byte bounds) must
  equal torch's.  A step that raises must raise the same built-in exception class in both and change
  nothing.  It runs in four modes, one record each (the record's ``check``):

  ``view``     views, copies, NumPy bridge, simple writes that make aliasing observable
  ``inplace``  every in-place write form through any live view (incl. ``t_``, ``resize_``, writes via NumPy)
  ``errors``   the same plus invalid arguments (bad dims and sizes, negative slice steps, out-of-range
               indices, dtype-changing writes, writes into expanded tensors, bad ``from_numpy`` inputs)
  ``out``      ``add/mul/sub/neg(..., out=o)`` into any live tensor: wrongly sized (resize + UserWarning),
               empty, non-contiguous, expanded, the same tensor as an input, another dtype

  Writes whose operand overlaps the written memory other than element for element are not generated:
  torch raises for the overlaps it detects and leaves the rest to its iteration order (see
  ``_ambiguous_alias``); the directed check "write from a partially overlapping source" covers them.

* **Directed checks** (one record per claim; ``op`` is the claim): each draws a small case with Hypothesis
  and compares facts (object identity, data_ptr, storage sharing, values, versions, warnings, exceptions)
  between torch and the library: the seeds' memory claims (``y = x + y`` allocates; ``y[:] = y + x``,
  ``torch.add(x, y, out=y)``, ``y += x``, ``y.add_(x)`` keep y's memory; indexing and views allocate
  nothing; ``index_select``/``masked_select``/``gather``/``nonzero``/``clone`` do), writes into expanded
  tensors, ``out=`` with a wrongly sized output, the NumPy bridge, and ``from_numpy`` for every NumPy
  dtype (non-catalog dtypes torch accepts are a declared out-of-scope gap).

Entry point for the CLI: :func:`run_memory_checks` (``impl_name``, ``profile``, ``writer``).
Budgets: :data:`BUDGETS` (ci is the default; registered as Hypothesis profiles ``memory-<name>``).
Known library gaps are declared in :data:`GAPS` / :data:`MACHINE_AVOID` (strict: a gap that passes is
reported ``stale``).
"""
from __future__ import annotations

import re
import time
import traceback
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Iterable

import numpy as np
import torch
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test

from . import dtypes as dt
from .checks.compare import mismatch
from .runners.base import exc_family

GROUP = "memory"
ORACLE = "torch"
MACHINE_OP = "stateful_aliasing"
MODES = ("view", "inplace", "errors", "out")
SEEDS = ["000", "001", "002"]
SPEC = "conformance/memory_machine.py"
#: dtypes of the tensors the machine creates (the rest of the catalog's dtypes are covered per op).
MACHINE_DTYPES = ("float32", "float64", "int64", "int32", "bool")
MAX_LIVE = 8      # live objects in the pool (pairwise relations are compared after every step)
MAX_DIMS = 3
MAX_SIDE = 4
#: Sizes of new tensors' dims: 0 (empty) about once in nine.
SIDES = st.sampled_from([2, 3, 1, 4, 2, 3, 1, 4, 0])
#: Dims of new tensors: mostly 2 or 3 (room for views of views), 0-d and 1-d now and then.
NDIMS = st.sampled_from([2, 3, 2, 3, 1, 0])


# ------------------------------------------------------------------------------------- budgets

@dataclass(frozen=True)
class Budget:
    max_examples: int      # state-machine runs per mode
    steps: int             # stateful_step_count
    directed: int          # examples per directed check
    shrink_s: int          # cap on Hypothesis' shrinking time (its own default is 300 s)
    minimize_s: float      # then: delete single steps while the same divergence remains (see minimize)


BUDGETS: dict[str, Budget] = {
    "ci": Budget(max_examples=30, steps=20, directed=12, shrink_s=10, minimize_s=5),
    "dev": Budget(max_examples=150, steps=30, directed=50, shrink_s=60, minimize_s=20),
    "thorough": Budget(max_examples=600, steps=50, directed=300, shrink_s=300, minimize_s=60),
}

for _name, _b in BUDGETS.items():
    settings.register_profile(
        f"memory-{_name}", max_examples=_b.max_examples, stateful_step_count=_b.steps, deadline=None,
        database=None, derandomize=False, report_multiple_bugs=False, print_blob=False,
        verbosity=Verbosity.quiet, phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck))


def machine_settings(profile: str = "ci", **overrides: Any) -> settings:
    return settings(settings.get_profile(f"memory-{profile}"), **overrides)


def _budget(profile: str) -> Budget:
    if profile not in BUDGETS:
        raise ValueError(f"unknown profile {profile!r}; choose from {sorted(BUDGETS)}")
    return BUDGETS[profile]


# ------------------------------------------------------------------------------------- declared gaps

#: Machine features a library cannot match yet, per library module name: feature -> reason.  The
#: machine avoids them for that library (so the rest of the state space is still explored), and the
#: directed check that pins each one (FEATURE_PINS) is a declared gap in GAPS.
MACHINE_AVOID: dict[str, dict[str, str]] = {}

#: (op, check) of a directed check -> reason, per library module name.  Strict: "gap" while it fails,
#: "stale" (a failure) once it passes.
GAPS: dict[str, dict[tuple[str, str], str]] = {}

#: Which directed check pins each avoidable machine feature (a step kind like "write:resize_" or a
#: named feature).  Declaring a feature for a library needs a GAPS entry for its pin, so that the
#: avoidance is lifted (the pin turns "stale") once the library is fixed.
FEATURE_PINS: dict[str, tuple[str, str]] = {
    "write:resize_": ("resize_", "inplace"),
    "write_overlap": ("index assignment / fill_ / copy_ into expanded tensor", "inplace"),
    "contiguous_odd_strides": ("clone/to/contiguous keep strides", "view"),
    "tensor_ndarray_layout": ("tensor(ndarray) layout", "view"),
    "index_put_shape": ("index assignment errors", "errors"),
    "index_put_dtype": ("index assignment errors", "errors"),
    "zero_dim_args": ("0-d tensor: view and slicing errors", "errors"),
    "empty_numpy_strides": ("numpy() of an empty tensor", "view"),
    "index_result_strides": ("advanced indexing result layout", "view"),
    "out_expanded": ("out= into an expanded tensor", "out"),
}


def _declare(impl: str, feature_reasons: dict[str, str]) -> None:
    """Declare machine features a library cannot match yet, each with the reason for its pin."""
    avoid = MACHINE_AVOID.setdefault(impl, {})
    gaps = GAPS.setdefault(impl, {})
    for feature, reason in feature_reasons.items():
        avoid[feature] = reason
        pin = FEATURE_PINS[feature]
        gaps[pin] = (gaps[pin] + "; " + reason) if pin in gaps and reason not in gaps[pin] else reason


# Divergences of impl found by this module (torch 2.13.0); the lead fixes impl, then removes the line.
_declare("impl", {
})
GAPS["impl"].update({  # directed checks only (the machine never generates these)
})

#: Libraries whose out-of-scope from_numpy dtypes are strict gaps (reported stale once supported).
OUT_OF_SCOPE_STRICT = {"impl"}
_OUT_OF_SCOPE_DTYPE = ("out of scope: NumPy dtype {0} is outside the catalog's dtypes (CATALOG.md section 2); "
                       "torch 2.13's from_numpy accepts it")


#: Avoidable features recognised by torch's error message (the step is skipped before the library runs).
TORCH_ERROR_FEATURES = {
    "index_put_shape": "shape mismatch",
    "index_put_dtype": "Index put requires the source and destination dtypes match",
}


def gap_reason(impl_name: str, op: str, check: str) -> str | None:
    return GAPS.get(impl_name, {}).get((op, check))


# ------------------------------------------------------------------------------------- failures

class MemoryDivergence(AssertionError):
    """The library disagrees with torch after a step of the machine (or in a directed case).

    Carries the steps of the run that failed (after Hypothesis shrank it, the shortest) and renders
    them as a runnable repro."""

    def __init__(self, message: str, detail: dict[str, Any], steps: list["Step"], live: list[str],
                 lib_name: str, mode: str) -> None:
        self.message = message
        self.detail = detail
        self.steps = list(steps)
        self.live = list(live)
        self.lib_name = lib_name
        self.mode = mode
        super().__init__(message)

    def repro(self) -> str:
        return machine_repro(self.steps, self.live, self.lib_name, self.mode, self.message)

    def __str__(self) -> str:
        return f"{self.message}\n\nrepro (the shortest failing sequence):\n{self.repro()}"


@dataclass
class Step:
    code: str              # one statement, with `m` the module (torch or the library) and `np` NumPy
    kind: str              # the rule that made it
    torch_exc: str | None = None
    lib_exc: str | None = None

    @property
    def raised(self) -> bool:
        return bool(self.torch_exc or self.lib_exc)


# ------------------------------------------------------------------------------------- source helpers

def _np_dtype_src(name: str) -> str:
    return "np.bool_" if name == "bool" else f"np.{name}"


def _literal(shape: tuple[int, ...], dtype: str, start: int) -> str:
    """Python source of distinct values of `shape` (a write through an alias must be visible)."""
    n = int(np.prod(shape)) if shape else 1
    vals = np.arange(start, start + n).reshape(shape)
    if dtype == "bool":
        vals = (vals % 3) != 0
    elif dtype in dt.FLOATS:
        vals = vals.astype(np.float64)
    return repr(vals.tolist())


def _tensor_src(shape: tuple[int, ...], dtype: str, start: int) -> str:
    if 0 in shape:
        return f"m.zeros({shape!r}, dtype=m.{dtype})"
    return f"m.tensor({_literal(shape, dtype, start)}, dtype=m.{dtype})"


def _array_src(shape: tuple[int, ...], dtype: str, start: int) -> str:
    if 0 in shape:
        return f"np.zeros({shape!r}, dtype={_np_dtype_src(dtype)})"
    return f"np.array({_literal(shape, dtype, start)}, dtype={_np_dtype_src(dtype)})"


def _slice_src(start: int | None, stop: int | None, step: int | None) -> str:
    s = f"{'' if start is None else start}:{'' if stop is None else stop}"
    return s + (f":{step}" if step is not None else "")


def _args(values: Iterable[Any]) -> str:
    return ", ".join(repr(v) for v in values)


# ------------------------------------------------------------------------------------- drawing

def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def draw_target_shape(draw: Callable, shape: tuple[int, ...], bad: bool) -> tuple[int, ...]:
    """A shape for view/reshape: the same element count (one -1 maybe), or, if `bad`, not."""
    n = int(np.prod(shape)) if shape else 1
    if bad:
        if draw(st.booleans()):
            return (-1, -1)
        out = list(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
        if int(np.prod(out)) == n:
            out[0] += 1
        return tuple(out)
    if n == 0:
        k = draw(st.integers(1, 3))
        out = [draw(st.integers(0, 3)) for _ in range(k)]
        out[draw(st.integers(0, k - 1))] = 0
        return tuple(out)
    k = draw(st.integers(0 if n == 1 else 1, 4))
    out, rest = [], n
    for _ in range(max(k - 1, 0)):
        d = draw(st.sampled_from(_divisors(rest)))
        out.append(d)
        rest //= d
    if k:
        out.append(rest)
        out = list(draw(st.permutations(out)))
        if draw(st.booleans()):
            out[draw(st.integers(0, k - 1))] = -1
    return tuple(out)


def _dim(draw: Callable, nd: int, bad: bool, extra: int = 0) -> int:
    """A dim for an op on an `nd`-dim tensor (`extra`=1 for unsqueeze); out of range if `bad`."""
    n = max(nd + extra, 1)
    if bad:
        return draw(st.sampled_from([n, n + 1, -n - 1]))
    return draw(st.integers(-n, n - 1))


def draw_basic_index(draw: Callable, shape: tuple[int, ...], bad: bool, zero_dim_int: bool = False) -> str:
    """Source of a basic index (ints, slices, None, Ellipsis); if `bad`, a negative step or an
    out-of-range int (torch raises ValueError / IndexError)."""
    parts: list[str] = []
    consumed = draw(st.integers(0, len(shape)))
    bad_at = draw(st.integers(0, max(consumed - 1, 0))) if bad else -1
    for i, size in enumerate(shape[:consumed]):
        if draw(st.integers(0, 4)) == 0:
            parts.append("None")
        kind = draw(st.sampled_from(["int", "slice", "slice"])) if size else "slice"
        if i == bad_at:
            if size and kind == "int":
                parts.append(str(draw(st.sampled_from([size, size + 1, -size - 1]))))
            else:
                parts.append(_slice_src(None, None, draw(st.sampled_from([-1, -2]))))
            continue
        if kind == "int":
            parts.append(str(draw(st.integers(-size, size - 1))))
        else:
            start = draw(st.none() | st.integers(-size - 1, size + 1))
            stop = draw(st.none() | st.integers(-size - 1, size + 1))
            step = draw(st.none() | st.integers(1, 3))
            parts.append(_slice_src(start, stop, step))
    if bad and not consumed:
        parts.append(_slice_src(None, None, -1) if shape or not zero_dim_int else "0")
    if draw(st.integers(0, 3)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), "...")
    if draw(st.integers(0, 4)) == 0:
        parts.append("None")
    if not parts:
        return "..."
    return ", ".join(parts)


def draw_np_index(draw: Callable, shape: tuple[int, ...]) -> str:
    """A NumPy basic index: slices with any nonzero step (negative too), ints, None."""
    parts = []
    for size in shape[:draw(st.integers(0, len(shape)))]:
        if size and draw(st.integers(0, 3)) == 0:
            parts.append(str(draw(st.integers(-size, size - 1))))
        else:
            step = draw(st.sampled_from([None, 1, 2, -1, -2]))
            start = draw(st.none() | st.integers(-size, size))
            stop = draw(st.none() | st.integers(-size, size))
            parts.append(_slice_src(start, stop, step))
    return ", ".join(parts + ["..."])  # the Ellipsis keeps a full int index a 0-d array view, not a scalar


def draw_scalar(draw: Callable, dtype: str, bad: bool) -> str:
    """A Python scalar to write into a `dtype` tensor (any kind when `bad`: e.g. 0.5 into int, 2 into
    bool, which torch rejects for add_/mul_)."""
    if bad:
        return draw(st.sampled_from(["0.5", "-1.5", "2", "-3", "True"]))
    if dtype == "bool":
        return draw(st.sampled_from(["True", "False"]))
    if dtype in dt.FLOATS:
        return draw(st.sampled_from(["0", "1", "-2", "0.5", "-1.5", "3.0"]))
    return draw(st.sampled_from(["0", "1", "-2", "3", "7"]))


def _internal_overlap(t: torch.Tensor) -> bool:
    return any(s == 0 and n > 1 for s, n in zip(t.stride(), t.shape))


def _ambiguous_alias(target: torch.Tensor, operand: torch.Tensor, strict: bool = False) -> bool:
    """Do the operand's elements overlap the written tensor's other than element for element?

    torch raises for the partial overlaps it detects ("some elements of the input tensor and the
    written-to tensor refer to a single memory location"); for the rest (non-contiguous views) the
    result depends on torch's iteration order, which no library is expected to copy.  The machine
    does not generate such writes; the directed check "write from a partially overlapping source"
    covers the errors.  ``strict`` (index assignment, which writes a part of the target): any overlap."""
    if target.numel() == 0 or operand.numel() == 0:
        return False
    if not strict and (target.data_ptr() == operand.data_ptr() and tuple(target.shape) == tuple(operand.shape)
            and tuple(target.stride()) == tuple(operand.stride())):
        return False

    def extent(t: torch.Tensor) -> tuple[int, int]:
        last = sum((n - 1) * st_ for n, st_ in zip(t.shape, t.stride()))
        return t.data_ptr(), t.data_ptr() + (last + 1) * t.element_size()

    return bool(_overlap(extent(target), extent(operand)))


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    out, acc = [], 1
    for n in reversed(shape):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))


def _odd_strides(t: torch.Tensor) -> bool:
    """Strides other than the row-major ones (what clone()'s preserve_format copies exactly)."""
    return tuple(t.stride()) != _contiguous_strides(tuple(t.shape))


# ------------------------------------------------------------------------------------- facts

def _extent_of_array(a: np.ndarray) -> tuple[int, int] | None:
    if a.size == 0:
        return None
    lo, hi = np.lib.array_utils.byte_bounds(a)
    return int(lo), int(hi)


def read_facts(obj: Any, M: ModuleType) -> dict[str, Any]:
    """What the machine compares about one live object (tensor of module M, or ndarray)."""
    f: dict[str, Any] = {"id": id(obj)}
    if isinstance(obj, np.ndarray):
        f.update(kind="ndarray", dtype=obj.dtype.name, shape=tuple(obj.shape), strides=tuple(obj.strides),
                 values=obj.copy(), storage=None, extent=_extent_of_array(obj))
        return f
    if not isinstance(obj, M.Tensor):
        f.update(kind=type(obj).__name__, value=repr(obj)[:200], storage=None, extent=None)
        return f
    s = obj.untyped_storage()
    nbytes, ptr = int(s.nbytes()), int(s.data_ptr())
    f.update(kind="tensor", dtype=dt.name_of(obj.dtype), shape=tuple(int(n) for n in obj.shape),
             stride=tuple(int(n) for n in obj.stride()), storage_offset=int(obj.storage_offset()),
             is_contiguous=bool(obj.is_contiguous()), version=int(obj._version),
             values=np.array(obj.detach().numpy(), copy=True),
             storage=ptr if nbytes else None, extent=(ptr, ptr + nbytes) if nbytes else None)
    return f


META_KEYS = ("dtype", "shape", "stride", "strides", "storage_offset", "is_contiguous")


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def _overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool | None:
    if a is None or b is None:
        return None
    return a[0] < b[1] and b[0] < a[1]


def _short(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return np.array2string(v, threshold=40)
    return v


# ------------------------------------------------------------------------------------- the machine

class _InvalidReplay(Exception):
    """A replayed subsequence uses a name whose defining step was removed."""


class MemoryMachine(RuleBasedStateMachine):
    """torch and the library side by side; see the module docstring.  Construct through
    :func:`machine_factory` (the library module, the mode and the avoided features are instance state)."""

    def __init__(self, lib: ModuleType, mode: str = "view", avoid: Iterable[str] = ()) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        self.lib = lib
        self.lib_name = lib.__name__
        self.mode = mode
        self.avoid = frozenset(avoid)
        self.ns: dict[str, dict[str, Any]] = {"torch": {"m": torch, "np": np}, "lib": {"m": lib, "np": np}}
        self.live: list[str] = []
        self.steps: list[Step] = []
        self.counter = 0
        self.facts: dict[str, dict[str, dict[str, Any]]] | None = None
        self.replaying = False

    # ------------------------------------------------------------ pool
    def obj(self, name: str) -> Any:
        return self.ns["torch"][name]

    def tensors(self) -> list[str]:
        return [n for n in self.live if n.startswith("t")]

    def recent(self) -> list[str]:
        """Tensors, newest first: Hypothesis favours (and shrinks towards) the first choice, so views of
        views (offsets on offsets, strides on strides) come up often."""
        return self.tensors()[::-1]

    def arrays(self) -> list[str]:
        return [n for n in self.live if n.startswith("a")]

    def fresh(self, prefix: str) -> str:
        name = f"{prefix}{self.counter}"
        self.counter += 1
        return name

    def has_room(self) -> bool:
        return len(self.live) < MAX_LIVE

    def make_room(self, data: Any) -> None:
        """Before a step that adds to a full pool: forget one object (``del``), oldest preferred."""
        if not self.has_room():
            self._drop(data.draw(st.sampled_from(self.live), label="forget"))

    def _empty_varargs(self) -> bool:
        """Generate ``x.view()`` / ``x.permute()`` (no sizes; torch: TypeError)?"""
        return self.mode == "errors" and "zero_dim_args" not in self.avoid

    def bad(self, data: Any) -> bool:
        """Draw invalid arguments? Only in errors mode (half of the time)."""
        return self.mode == "errors" and data.draw(st.booleans(), label="invalid")

    # ------------------------------------------------------------ failing
    def fail(self, message: str, **detail: Any) -> None:
        detail.setdefault("step", self.steps[-1].code if self.steps else None)
        raise MemoryDivergence(message, detail, self.steps, self.live, self.lib_name, self.mode)

    # ------------------------------------------------------------ one step
    def _exec(self, side: str, code: Any) -> tuple[BaseException | None, list[warnings.WarningMessage]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                exec(code, self.ns[side])  # noqa: S102 - the step is our own generated source
                exc = None
            except Exception as e:  # noqa: BLE001 - an exception is data here
                exc = e
        return exc, caught

    def do(self, code: str, kind: str, new: str | None = None, compare_warnings: bool = False,
           skip_if_torch_raises: Callable[[BaseException], bool] | None = None, out: str | None = None) -> None:
        """Run one step in torch, then in the library; compare outcomes, then the whole pool.

        ``out``: the step's out= tensor.  torch may resize it and *then* raise (a dtype it cannot cast
        to): its new memory is uninitialised, so both sides then run ``<out>.zero_()`` as a step."""
        if kind in self.avoid:
            return  # a step kind the library cannot do yet (declared in MACHINE_AVOID)
        compiled = compile(code, f"<memory step {len(self.steps)}>", "exec")
        out_shape = tuple(self.obj(out).shape) if out else None
        te, tw = self._exec("torch", compiled)
        if self.replaying and isinstance(te, NameError):
            raise _InvalidReplay(code)
        if te is not None and skip_if_torch_raises is not None and skip_if_torch_raises(te):
            return  # an avoided feature (declared gap): torch raised and changed nothing; not a step
        le, lw = self._exec("lib", compiled)
        self.steps.append(Step(code, kind, te and type(te).__name__, le and type(le).__name__))
        if (te is None) != (le is None) or exc_family(te) != exc_family(le):
            tdesc = f"raised {type(te).__name__}: {str(te)[:200]}" if te else "succeeded"
            ldesc = f"raised {type(le).__name__}: {str(le)[:200]}" if le else "succeeded"
            self.fail(f"`{code}`: torch {tdesc}; the library {ldesc}",
                      expected=exc_family(te) or "no exception", actual=exc_family(le) or "no exception")
        if compare_warnings:
            tu = sorted({w.category.__name__ for w in tw if issubclass(w.category, UserWarning)})
            lu = sorted({w.category.__name__ for w in lw if issubclass(w.category, UserWarning)})
            if tu != lu:
                self.fail(f"`{code}`: torch warns {tu or 'nothing'}, the library warns {lu or 'nothing'}",
                          expected=[str(w.message)[:200] for w in tw], actual=[str(w.message)[:200] for w in lw])
        if new is not None:
            if te is None:
                t_obj, l_obj = self.ns["torch"][new], self.ns["lib"].get(new)
                want = self.lib.Tensor if isinstance(t_obj, torch.Tensor) else type(t_obj)
                if not isinstance(l_obj, want):
                    self.fail(f"`{code}`: torch made a {type(t_obj).__name__}, the library a {type(l_obj).__name__}")
                self.live.append(new)
            else:
                for side in ("torch", "lib"):
                    self.ns[side].pop(new, None)
        if out and te is not None and tuple(self.obj(out).shape) != out_shape:
            self.do(f"{out}.zero_()", "reinit")
            return
        self.check(raised=te is not None)

    def read_side(self, side: str) -> dict[str, dict[str, Any]]:
        M = torch if side == "torch" else self.lib
        out = {}
        for name in self.live:
            try:
                out[name] = read_facts(self.ns[side][name], M)
            except Exception as e:  # noqa: BLE001
                if side == "torch":
                    raise
                self.fail(f"reading {name} (values, stride, storage, _version) in the library raised "
                          f"{type(e).__name__}: {e}", traceback=traceback.format_exc()[-2000:])
        return out

    def check(self, raised: bool = False) -> None:
        """Compare every live object and every pair of live objects with torch."""
        before = self.facts
        now = {"torch": self.read_side("torch"), "lib": self.read_side("lib")}
        T, L = now["torch"], now["lib"]
        if raised and before is not None:
            # a failing op must change nothing: the library's state before == after, as torch's is
            for name in self.live:
                if name not in before["lib"]:
                    continue
                if _changed(before["torch"][name], T[name]):
                    continue
                what = _changed(before["lib"][name], L[name])
                if what:
                    self.fail(f"`{self.steps[-1].code}` raised in both, but it changed {name}'s {what} "
                              "in the library (torch leaves it unchanged)",
                              expected=_short(before["lib"][name].get(what)), actual=_short(L[name].get(what)))
        for name in self.live:
            ft, fl = T[name], L[name]
            if ft["kind"] != fl["kind"]:
                self.fail(f"{name} is a {ft['kind']} in torch, a {fl['kind']} in the library")
            for key in META_KEYS:
                if key in ft and ft[key] != fl.get(key):
                    self.fail(f"{name}.{key} differs from torch: torch {ft[key]}, the library {fl.get(key)}",
                              what=f"{name}.{key}", expected=ft[key], actual=fl.get(key))
            if "values" in ft:
                m = mismatch(ft["values"], fl["values"], path=f"{name} values", dtype=ft["dtype"])
                if m:
                    at = (f" (at {tuple(m['first_index'])}: torch {m['expected_at']}, the library {m['actual_at']})"
                          if "first_index" in m else "")
                    self.fail(f"the values of {name} differ from torch{at}", **m)
            if ft.get("version") != fl.get("version"):
                self.fail(f"{name}._version differs from torch: torch {ft.get('version')}, the library "
                          f"{fl.get('version')}", what=f"{name}._version",
                          expected=ft.get("version"), actual=fl.get("version"))
            if before is not None and name in before["torch"] and name in before["lib"] and ft["kind"] == "tensor":
                t_new = before["torch"][name]["id"] != ft["id"]
                l_new = before["lib"][name]["id"] != fl["id"]
                if t_new != l_new:
                    self.fail(f"after `{self.steps[-1].code}`, {name} is "
                              f"{'a new object' if l_new else 'the same object'} in the library, "
                              f"{'a new object' if t_new else 'the same object'} in torch")
        names = self.live
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                rel_t = T[a]["id"] == T[b]["id"]
                rel_l = L[a]["id"] == L[b]["id"]
                if rel_t != rel_l and T[a]["kind"] == "tensor":  # arrays: memory, not identity (see DIRECTED)
                    self.fail(f"{a} and {b} are {'one object' if rel_t else 'different objects'} in torch, "
                              f"{'one object' if rel_l else 'different objects'} in the library",
                              expected=rel_t, actual=rel_l)
                if T[a]["storage"] is not None and T[b]["storage"] is not None:
                    st_t = T[a]["storage"] == T[b]["storage"]
                    st_l = L[a]["storage"] is not None and L[a]["storage"] == L[b]["storage"]
                    if st_t != st_l:
                        self.fail(f"{a} and {b} {'share' if st_t else 'do not share'} storage in torch "
                                  f"(untyped_storage().data_ptr()); in the library they "
                                  f"{'do' if st_l else 'do not'}", expected=st_t, actual=st_l,
                                  torch_layouts={a: _layout(T[a]), b: _layout(T[b])},
                                  impl_layouts={a: _layout(L[a]), b: _layout(L[b])})
                ov_t = _overlap(T[a]["extent"], T[b]["extent"])
                if ov_t is not None:
                    ov_l = bool(_overlap(L[a]["extent"], L[b]["extent"]))
                    if ov_t != ov_l:
                        self.fail(f"the memory of {a} and {b} {'overlaps' if ov_t else 'is disjoint'} in torch, "
                                  f"{'overlaps' if ov_l else 'is disjoint'} in the library "
                                  "(storage byte ranges / NumPy byte bounds)", expected=ov_t, actual=ov_l)
        self.facts = now

    # ------------------------------------------------------------ rules: creating
    def _create_src(self, data: Any) -> tuple[str, str]:
        nd = data.draw(NDIMS, label="ndim")
        shape = tuple(data.draw(SIDES, label="side") for _ in range(nd))
        dtype = data.draw(st.sampled_from(MACHINE_DTYPES), label="dtype")
        return _tensor_src(shape, dtype, 1 + 10 * self.counter), dtype

    @initialize(data=st.data())
    def init(self, data: Any) -> None:
        name = self.fresh("t")
        src, _ = self._create_src(data)
        self.do(f"{name} = {src}", "create", new=name)

    @precondition(lambda self: self.has_room() and len(self.live) < 3)
    @rule(data=st.data())
    def create(self, data: Any) -> None:
        """A new tensor literal, or (not in out mode) a new NumPy array."""
        if self.mode != "out" and data.draw(st.integers(0, 2), label="array") == 0:
            shape = tuple(data.draw(st.lists(st.integers(1, MAX_SIDE), max_size=MAX_DIMS), label="shape"))
            dtype = data.draw(st.sampled_from(MACHINE_DTYPES), label="dtype")
            new = self.fresh("a")
            self.do(f"{new} = {_array_src(shape, dtype, 1 + 10 * self.counter)}", "numpy:array", new=new)
            return
        name = self.fresh("t")
        src, _ = self._create_src(data)
        self.do(f"{name} = {src}", "create", new=name)

    # ------------------------------------------------------------ rules: views
    # four rules (not one) so that view ops are drawn about as often as everything else together
    @precondition(lambda self: self.tensors())
    @rule(data=st.data())
    def view_shape(self, data: Any) -> None:
        self._view(data, ["view", "reshape", "flatten", "unsqueeze", "squeeze", "expand"])

    @precondition(lambda self: self.tensors())
    @rule(data=st.data())
    def view_dims(self, data: Any) -> None:
        self._view(data, ["transpose", "permute", "t", "T", "detach", "data"])

    @precondition(lambda self: self.tensors())
    @rule(data=st.data())
    def view_index(self, data: Any) -> None:
        self._view(data, ["getitem", "select"])

    @precondition(lambda self: self.tensors())
    @rule(data=st.data())
    def view_slice(self, data: Any) -> None:
        self._view(data, ["narrow", "getitem"])

    def _view(self, data: Any, ops: list[str]) -> None:
        self.make_room(data)
        src = data.draw(st.sampled_from(self.recent()), label="source")
        x = self.obj(src)
        shape, nd = tuple(x.shape), x.dim()
        bad = self.bad(data)
        op = data.draw(st.sampled_from(ops), label="op")
        draw = data.draw
        if op in ("view", "reshape"):
            target = draw_target_shape(draw, shape, bad)
            splat = draw(st.booleans())
            if not target and not self._empty_varargs():
                splat = False  # x.view() with no sizes: TypeError in torch (errors mode only)
            expr = f"{src}.{op}({_args(target) if splat else repr(target)})"
        elif op == "flatten":
            expr = f"{src}.flatten()" if draw(st.booleans()) else (
                f"{src}.flatten({_dim(draw, nd, bad)}, {_dim(draw, nd, False)})")
        elif op == "transpose":
            expr = f"{src}.transpose({_dim(draw, nd, bad)}, {_dim(draw, nd, False)})"
        elif op == "permute":
            perm = list(draw(st.permutations(list(range(nd)))))
            perm = [p - nd if draw(st.booleans()) else p for p in perm]
            if bad:
                perm = perm + [0] if not perm or draw(st.booleans()) else perm[:-1] + [perm[0]] * (nd > 1)
            expr = f"{src}.permute({_args(perm)})" if perm or self._empty_varargs() else f"{src}.permute(())"
        elif op in ("t", "T"):
            if nd > 2 and not bad:
                op = "transpose"
                expr = f"{src}.transpose(0, 1)"
            else:
                expr = f"{src}.t()" if op == "t" or nd != 2 else f"{src}.T"
        elif op == "unsqueeze":
            expr = f"{src}.unsqueeze({_dim(draw, nd, bad, extra=1)})"
        elif op == "squeeze":
            expr = f"{src}.squeeze()" if draw(st.booleans()) else f"{src}.squeeze({_dim(draw, nd, bad)})"
        elif op == "expand":
            lead = draw(st.lists(st.integers(1, 3), max_size=2))
            sizes = [draw(st.sampled_from([1, 2, 3, -1])) if n == 1 else draw(st.sampled_from([n, -1]))
                     for n in shape]
            if bad:
                sizes = [-1] + sizes if draw(st.booleans()) or not shape else sizes[:-1] + [shape[-1] + 1]
            expr = f"{src}.expand({_args(lead + sizes)})" if lead + sizes else f"{src}.expand(())"
        elif op == "narrow":
            if nd == 0:
                expr = f"{src}.narrow(0, 0, 1)"
            else:
                d = _dim(draw, nd, False)
                size = shape[d]
                start = draw(st.integers(-size, size)) if size else 0
                s0 = start % size if size and start < 0 else start
                length = draw(st.integers(0, size - s0)) if not bad else size - s0 + 1
                expr = f"{src}.narrow({d}, {start}, {length})"
        elif op == "getitem":
            expr = f"{src}[{draw_basic_index(draw, shape, bad, 'zero_dim_args' in self.avoid)}]"
        elif op == "select":
            if nd == 0:
                expr = f"{src}.select(0, 0)"
            else:
                d = _dim(draw, nd, False)
                size = shape[d]
                i = draw(st.integers(-size, size - 1)) if size and not bad else draw(st.sampled_from([size, -size - 1]))
                expr = f"{src}.select({d}, {i})"
        elif op == "detach":
            expr = f"{src}.detach()"
        else:
            expr = f"{src}.data"
        new = self.fresh("t")
        self.do(f"{new} = {expr}", f"view:{op}", new=new)

    # ------------------------------------------------------------ rules: copies
    @precondition(lambda self: self.tensors() and self.mode != "out")
    @rule(data=st.data())
    def copy(self, data: Any) -> None:
        self.make_room(data)
        src = data.draw(st.sampled_from(self.recent()), label="source")
        x = self.obj(src)
        shape, nd = tuple(x.shape), x.dim()
        op = data.draw(st.sampled_from(["index_list", "clone", "t_contiguous", "contiguous", "index_tensor",
                                        "mask", "index_select", "to"]), label="op")
        if op in ("index_list", "index_tensor", "index_select") and (nd == 0 or shape[0] == 0):
            op = "clone"
        if op == "clone":
            expr = f"{src}.clone()"
        elif op == "contiguous":
            expr = f"{src}.contiguous()"
        elif op == "t_contiguous":
            expr = f"{src}.t().contiguous()" if nd <= 2 else f"{src}.transpose(0, -1).contiguous()"
        elif op in ("index_list", "index_tensor", "index_select"):
            idx = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=3))
            if op in ("index_list", "index_tensor") and "index_result_strides" in self.avoid and (
                    _odd_strides(x) or x.numel() == 0):
                return
            if op == "index_list":
                expr = f"{src}[{idx!r}]"
            elif op == "index_tensor":
                expr = f"{src}[m.tensor({idx!r})]"
            else:
                expr = f"m.index_select({src}, 0, m.tensor({[i % shape[0] for i in idx]!r}))"
        elif op == "mask":
            expr = f"{src}[{src} > 2]" if x.dtype != torch.bool else f"{src}[{src}]"
        else:
            target = data.draw(st.sampled_from(MACHINE_DTYPES), label="dtype")
            expr = f"{src}.to(m.{target})"
        if "contiguous_odd_strides" in self.avoid and op in ("clone", "to") and (
                x.numel() == 0 or (x.is_contiguous() and _odd_strides(x))):
            return
        new = self.fresh("t")
        self.do(f"{new} = {expr}", f"copy:{op}", new=new)

    # ------------------------------------------------------------ rules: in-place writes
    def _operand(self, data: Any, target: str, bad: bool, tensor: bool = False, strict: bool = False) -> str:
        """A scalar, another live tensor (possibly aliasing the target), or a fresh tensor
        (``tensor``: never a bare scalar, ``m.tensor(scalar)`` instead)."""
        x = self.obj(target)
        kind = data.draw(st.sampled_from(["scalar", "scalar", "live", "fresh"]), label="operand")
        if kind == "live":
            other = data.draw(st.sampled_from(self.recent()), label="operand_tensor")
            if not _ambiguous_alias(x, self.obj(other), strict):
                return other
            kind = "fresh"  # see _ambiguous_alias
        if kind == "fresh":
            shape = tuple(x.shape)[data.draw(st.integers(0, x.dim())):] if not bad else (5,)
            dtype = dt.name_of(x.dtype) if not bad else data.draw(st.sampled_from(MACHINE_DTYPES))
            return _tensor_src(shape, dtype, 2)
        value = draw_scalar(data.draw, dt.name_of(x.dtype), bad)
        return f"m.tensor({value})" if tensor else value

    def _write_avoided(self, target: str, form: str) -> bool:
        x = self.obj(target)
        return ("write_overlap" in self.avoid and form in ("fill_", "zero_", "setitem", "copy_")
                and _internal_overlap(x))

    def _avoided_torch_error(self, e: BaseException) -> bool:
        """torch raised an error that the library cannot match yet (declared): skip the step."""
        return any(f in self.avoid and pattern in str(e) for f, pattern in TORCH_ERROR_FEATURES.items())

    @precondition(lambda self: self.tensors() and self.mode in ("view", "out"))
    @rule(data=st.data())
    def simple_write(self, data: Any) -> None:
        """fill_ or an index assignment of a scalar: enough to make aliasing observable."""
        target = data.draw(st.sampled_from(self.recent()), label="target")
        x = self.obj(target)
        form = data.draw(st.sampled_from(["fill_", "setitem"]), label="form")
        if self._write_avoided(target, form):
            return
        value = draw_scalar(data.draw, dt.name_of(x.dtype), False)
        code = (f"{target}.fill_({value})" if form == "fill_"
                else f"{target}[{draw_basic_index(data.draw, tuple(x.shape), False)}] = {value}")
        self.do(code, f"write:{form}", skip_if_torch_raises=self._avoided_torch_error)

    # three rules so that writes are drawn about as often as views in inplace/errors mode
    @precondition(lambda self: self.tensors() and self.mode in ("inplace", "errors"))
    @rule(data=st.data())
    def write_arith(self, data: Any) -> None:
        self._write(data, ["add_", "iadd", "mul_", "sub_", "imul"])

    @precondition(lambda self: self.tensors() and self.mode in ("inplace", "errors"))
    @rule(data=st.data())
    def write_set(self, data: Any) -> None:
        self._write(data, ["setitem", "fill_", "setitem", "zero_"])

    @precondition(lambda self: self.tensors() and self.mode in ("inplace", "errors"))
    @rule(data=st.data())
    def write_other(self, data: Any) -> None:
        self._write(data, ["copy_", "t_", "resize_"])

    def _write(self, data: Any, forms: list[str]) -> None:
        target = data.draw(st.sampled_from(self.recent()), label="target")
        x = self.obj(target)
        bad = self.bad(data)
        form = data.draw(st.sampled_from(forms), label="form")
        if self._write_avoided(target, form):
            return
        if form in ("add_", "mul_", "sub_"):
            code = f"{target}.{form}({self._operand(data, target, bad)})"
        elif form == "zero_":
            code = f"{target}.zero_()"
        elif form == "fill_":
            code = f"{target}.fill_({draw_scalar(data.draw, dt.name_of(x.dtype), bad)})"
        elif form == "copy_":
            code = f"{target}.copy_({self._operand(data, target, bad, tensor=True)})"
        elif form == "setitem":
            if data.draw(st.booleans()) and x.dim() and x.shape[0]:
                idx = data.draw(st.lists(st.integers(0, x.shape[0] - 1), min_size=1, max_size=2, unique=True))
                index = f"m.tensor({idx!r})"
            else:
                index = draw_basic_index(data.draw, tuple(x.shape), bad, 'zero_dim_args' in self.avoid)
            code = f"{target}[{index}] = {self._operand(data, target, bad, strict=True)}"
        elif form in ("iadd", "imul"):
            op = "+=" if form == "iadd" else "*="
            code = f"{target} {op} {self._operand(data, target, bad)}"
        elif form == "t_":
            if x.dim() > 2 and not bad:
                return
            code = f"{target}.t_()"
        else:  # resize_ within the storage: growing it would expose uninitialised memory
            avail = x.untyped_storage().nbytes() // x.element_size() - x.storage_offset()
            k = data.draw(st.integers(0, max(min(avail, 12), 0)), label="numel")
            shape = tuple(n for n in draw_target_shape(data.draw, (k,), False) if n != -1)
            if int(np.prod(shape)) != k:
                shape = (k,)
            code = f"{target}.resize_({_args(shape)})" if shape else f"{target}.resize_(())"
        self.do(code, f"write:{form}", skip_if_torch_raises=self._avoided_torch_error)

    # ------------------------------------------------------------ rules: NumPy bridge
    @precondition(lambda self: self.live and (self.mode != "out" or self.arrays()))
    @rule(data=st.data())
    def numpy_bridge(self, data: Any) -> None:
        """One rule (so that the bridge does not crowd out the view ops): t.numpy() shares;
        from_numpy(a) shares (negative strides: ValueError); tensor(a) copies; NumPy views (negative
        steps too) and NumPy writes, which must show in every tensor on that memory."""
        self.make_room(data)
        choices = []
        if self.mode != "out":
            if self.tensors():
                choices.append("numpy")
            if self.arrays():
                choices += ["array_view", "array_write"]
        if self.arrays():
            choices.append("from_array")
        if not choices:
            return
        what = data.draw(st.sampled_from(choices), label="bridge")
        if what == "numpy":
            src = data.draw(st.sampled_from(self.recent()), label="source")
            if "empty_numpy_strides" in self.avoid and self.obj(src).numel() == 0:
                return
            new = self.fresh("a")
            self.do(f"{new} = {src}.numpy()", "numpy:numpy", new=new)
        elif what == "array_view":
            src = data.draw(st.sampled_from(self.arrays()), label="source")
            a = self.obj(src)
            expr = f"{src}.T" if data.draw(st.integers(0, 3)) == 0 else f"{src}[{draw_np_index(data.draw, a.shape)}]"
            new = self.fresh("a")
            self.do(f"{new} = {expr}", "numpy:view", new=new)
        elif what == "array_write":
            target = data.draw(st.sampled_from(self.arrays()), label="target")
            a = self.obj(target)
            value = draw_scalar(data.draw, a.dtype.name if a.dtype.name in dt.ALL else "float64", False)
            self.do(f"{target}[{draw_np_index(data.draw, a.shape)}] = {value}", "numpy:write")
        else:
            src = data.draw(st.sampled_from(self.arrays()), label="source")
            fn = data.draw(st.sampled_from(["from_numpy", "from_numpy", "tensor"]), label="fn")
            a = self.obj(src)
            if "tensor_ndarray_layout" in self.avoid and fn == "tensor" and (
                    a.size == 0 or min(a.strides, default=1) <= 0 or (a.flags.c_contiguous and a.strides != tuple(
                        n * a.itemsize for n in _contiguous_strides(a.shape)))):
                return
            new = self.fresh("t")
            self.do(f"{new} = m.{fn}({src})", f"numpy:{fn}", new=new)

    # ------------------------------------------------------------ rules: out=
    @precondition(lambda self: self.tensors() and self.mode in ("out", "errors"))
    @rule(data=st.data())
    def out(self, data: Any) -> None:
        """fn(..., out=o) with o any live tensor: wrong size (resized, UserWarning), empty (resized
        silently), non-contiguous, expanded, aliasing an input, NumPy-backed, another dtype."""
        names = self.tensors()
        o = data.draw(st.sampled_from(names), label="out")
        a = data.draw(st.sampled_from(names), label="a")
        fn = data.draw(st.sampled_from(["add", "mul", "sub", "neg"]), label="fn")
        inputs = [a]
        if fn == "neg":
            call = f"m.neg({a}, out={o})"
        else:
            b = data.draw(st.sampled_from(names), label="b") if data.draw(st.booleans()) else draw_scalar(
                data.draw, dt.name_of(self.obj(a).dtype), False)
            inputs += [b] if b in names else []
            call = f"m.{fn}({a}, {b}, out={o})"
        if any(_ambiguous_alias(self.obj(o), self.obj(n)) for n in inputs):
            return
        try:
            shape = torch.broadcast_shapes(*(self.obj(n).shape for n in inputs))
        except RuntimeError:
            shape = None
        ot = self.obj(o)
        if ("out_expanded" in self.avoid and shape is not None and tuple(ot.shape) != tuple(shape)
                and _internal_overlap(ot)):
            return
        if shape is not None and tuple(ot.shape) != tuple(shape):
            if any(_shares(ot, self.obj(n)) for n in inputs):
                return  # torch resizes out before reading an input that aliases it: uninitialised reads
            if not ot.untyped_storage().resizable():
                return  # torch sets the new shape, then fails to grow the storage: the tensor is left
                #         larger than its memory (reading it is out of bounds); directed check covers it
            if self._externally_viewed(ot):
                return  # a resize may move the storage: a NumPy array (or from_numpy tensor) on it would dangle
        self.do(call, f"out:{fn}", compare_warnings=True, skip_if_torch_raises=self._avoided_torch_error, out=o)

    def _externally_viewed(self, t: torch.Tensor) -> bool:
        """Is t's memory also seen through another storage object (a NumPy array, a from_numpy tensor)?
        Reallocating t's storage then frees memory they still point to (torch would corrupt its heap)."""
        s = t.untyped_storage()
        ext = (s.data_ptr(), s.data_ptr() + s.nbytes())
        for n in self.live:
            o = self.obj(n)
            if isinstance(o, np.ndarray):
                if _overlap(ext, _extent_of_array(o)):
                    return True
            elif isinstance(o, torch.Tensor):
                so = o.untyped_storage()
                if so._cdata != s._cdata and _overlap(ext, (so.data_ptr(), so.data_ptr() + so.nbytes())):
                    return True
        return False

    # ------------------------------------------------------------ rules: forgetting
    @precondition(lambda self: len(self.live) >= MAX_LIVE - 2)
    @rule(data=st.data())
    def drop(self, data: Any) -> None:
        self._drop(data.draw(st.sampled_from(self.live), label="drop"))

    def _drop(self, name: str) -> None:
        self.live.remove(name)
        self.do(f"del {name}", "del")


def _shares(a: torch.Tensor, b: torch.Tensor) -> bool:
    sa, sb = a.untyped_storage(), b.untyped_storage()
    return sa.nbytes() > 0 and sa.data_ptr() == sb.data_ptr()


def _changed(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    for key in META_KEYS + ("version",):
        if before.get(key) != after.get(key):
            return key
    if "values" in before and not _same_values(before["values"], after["values"]):
        return "values"
    return None


def _layout(f: dict[str, Any]) -> dict[str, Any]:
    return {k: f.get(k) for k in ("shape", "stride", "storage_offset", "strides") if k in f}


def machine_factory(lib: ModuleType, mode: str, avoid: Iterable[str] = (), seed: int | None = None,
                    counter: list[int] | None = None) -> Callable[[], MemoryMachine]:
    """A zero-argument factory for ``run_state_machine_as_test`` (carries the Hypothesis seed)."""
    avoid = frozenset(avoid)

    def factory() -> MemoryMachine:
        if counter is not None:
            counter[0] += 1
        return MemoryMachine(lib, mode, avoid)

    factory.__name__ = f"MemoryMachine_{mode}"
    if seed is not None:
        factory._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]  # what @seed sets
    return factory


def replay(lib: ModuleType, mode: str, steps: list[Step]) -> MemoryDivergence | None:
    """Run recorded steps (plain source) again in a fresh machine: the divergence they cause, or None.
    Raises _InvalidReplay when a step refers to a name no longer defined."""
    m = MemoryMachine(lib, mode)
    m.replaying = True
    try:
        for st_ in steps:
            code = st_.code
            if code.startswith("del "):
                name = code[4:].strip()
                if name not in m.live:
                    raise _InvalidReplay(code)
                m.live.remove(name)
                m.do(code, st_.kind)
                continue
            head = code.split(" = ", 1)[0]
            new = head if " = " in code and head.isidentifier() and head[:1] in "ta" and head[1:].isdigit() else None
            m.do(code, st_.kind, new=new)
    except MemoryDivergence as e:
        return e
    return None


def minimize(failure: MemoryDivergence, lib: ModuleType, seconds: float) -> MemoryDivergence:
    """Greedy one-step deletion on the recorded source steps: Hypothesis' shrinking of a stateful run
    with data() draws is heuristic and time-capped; a step whose removal keeps the same divergence
    (same message after the same last step) is not needed in the repro."""
    deadline = time.perf_counter() + seconds
    best = failure
    try:
        again = replay(lib, failure.mode, failure.steps)
    except _InvalidReplay:
        return failure
    if again is None or _norm(again.message) != _norm(failure.message):
        return failure  # not reproducible by plain replay: keep what Hypothesis found
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        for cand in _deletions(best.steps):
            if time.perf_counter() >= deadline:
                break
            try:
                r = replay(lib, failure.mode, cand)
            except _InvalidReplay:
                continue
            if r is not None and _norm(r.message) == _norm(failure.message) and len(r.steps) < len(best.steps):
                best, changed = r, True
                break
    return _renumbered(best, lib)


def _renumbered(failure: MemoryDivergence, lib: ModuleType) -> MemoryDivergence:
    """The same steps with the pool's names renumbered t0, t1, a2, ... in order of definition."""
    names: dict[str, str] = {}
    for st_ in failure.steps:
        m = re.match(r"^([ta])(\d+) = ", st_.code)
        if m and st_.code.split(" = ", 1)[0] not in names:
            names[m.group(0)[:-3]] = f"{m.group(1)}{len(names)}"
    if all(k == v for k, v in names.items()):
        return failure
    pattern = re.compile(r"\b[ta]\d+\b")
    steps = [Step(pattern.sub(lambda mm_: names.get(mm_.group(0), mm_.group(0)), s.code), s.kind)
             for s in failure.steps]
    try:
        r = replay(lib, failure.mode, steps)
    except _InvalidReplay:
        return failure
    return r if r is not None and _norm(r.message) == _norm(failure.message) else failure


_NAME = re.compile(r"\b[ta]\d+\b")


_NUMBER = re.compile(r"-?\d+(\.\d*)?(e[-+]?\d+)?")


def _norm(message: str) -> str:
    """The kind of a divergence: its message with the pool's names and all numbers blanked."""
    return _NUMBER.sub("0", _NAME.sub("#", message))


def _deletions(steps: list[Step]) -> Iterable[list[Step]]:
    """Candidates one step shorter (never without the failing last step): drop step i; or, when step i
    is ``X = Y...``, drop it and let the later steps use Y for X (shortens chains of views)."""
    for i in reversed(range(len(steps) - 1)):
        yield steps[:i] + steps[i + 1:]
        m = re.match(r"^([ta]\d+) = ([ta]\d+)\b", steps[i].code)
        if m:
            x, y = m.groups()
            yield steps[:i] + [Step(re.sub(rf"\b{x}\b", y, s.code), s.kind) for s in steps[i + 1:]]


@contextmanager
def _shrink_cap(seconds: int):
    """Hypothesis stops shrinking after MAX_SHRINKING_SECONDS (300); cap it for a budgeted run."""
    try:
        from hypothesis.internal.conjecture import engine as _engine
    except ImportError:  # pragma: no cover - internal layout changed: run uncapped
        yield
        return
    old = getattr(_engine, "MAX_SHRINKING_SECONDS", None)
    if old is None:
        yield
        return
    _engine.MAX_SHRINKING_SECONDS = seconds
    try:
        yield
    finally:
        _engine.MAX_SHRINKING_SECONDS = old


@dataclass
class MachineOutcome:
    mode: str
    examples: int
    failure: MemoryDivergence | None = None
    crash: str | None = None
    duration_s: float = 0.0


def run_machine(lib: ModuleType, mode: str, profile: str = "ci", seed: int = 0,
                avoid: Iterable[str] | None = None, shrink_s: int | None = None, minimize_s: float | None = None,
                **overrides: Any) -> MachineOutcome:
    """Run the machine in one mode; the failure (if any) is the shortest sequence Hypothesis found
    (within the profile's shrink time, then :func:`minimize`d).  ``avoid``: features the library is
    declared not to match (default: :data:`MACHINE_AVOID` for its name); ``overrides``: Hypothesis settings."""
    if avoid is None:
        avoid = MACHINE_AVOID.get(lib.__name__, {})
    counter = [0]
    t0 = time.perf_counter()
    out = MachineOutcome(mode, 0)
    rseed = zlib.crc32(f"{MACHINE_OP}|{mode}|{seed}".encode())
    budget = _budget(profile)
    shrink_s = budget.shrink_s if shrink_s is None else shrink_s
    minimize_s = budget.minimize_s if minimize_s is None else minimize_s
    try:
        with warnings.catch_warnings(), _shrink_cap(shrink_s):
            warnings.simplefilter("ignore")
            run_state_machine_as_test(machine_factory(lib, mode, avoid, rseed, counter),
                                      settings=machine_settings(profile, **overrides))
    except MemoryDivergence as e:
        out.failure = e
    except Flaky as e:
        inner = [x for x in getattr(e, "exceptions", ()) if isinstance(x, MemoryDivergence)]
        if inner:
            inner[0].message = "flaky (the library is not deterministic here): " + inner[0].message
            out.failure = inner[0]
        else:
            out.crash = "".join(traceback.format_exception(e))[-4000:]
    except Exception as e:  # noqa: BLE001 - a harness bug
        out.crash = "".join(traceback.format_exception(e))[-4000:]
    if out.failure is not None and minimize_s > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.failure = minimize(out.failure, lib, minimize_s)
    out.examples = counter[0]
    out.duration_s = round(time.perf_counter() - t0, 4)
    return out


# ------------------------------------------------------------------------------------- repro

_SHOW_SRC = '''\
def show(m, env, names):
    """Each live tensor/array (layout, _version, values), then which ones share storage."""
    live = {n: env[n] for n in names if n in env}
    for n, v in live.items():
        if isinstance(v, np.ndarray):
            print(f"  {n}: ndarray {v.dtype} shape={v.shape} strides={v.strides} {v.tolist()}")
        else:
            print(f"  {n}: shape={tuple(v.shape)} stride={v.stride()} offset={v.storage_offset()} "
                  f"contiguous={v.is_contiguous()} _version={v._version} {v.tolist()}")
    ptr = {n: v.untyped_storage().data_ptr() for n, v in live.items()
           if not isinstance(v, np.ndarray) and v.untyped_storage().nbytes()}
    print("  share storage:", [(a, b) for i, a in enumerate(ptr) for b in list(ptr)[i + 1:] if ptr[a] == ptr[b]])
'''


def machine_repro(steps: list[Step], live: list[str], lib_name: str, mode: str, message: str) -> str:
    lines = [f"# Repro: {MACHINE_OP} (check {mode!r} vs torch): the shortest failing sequence Hypothesis found.",
             "# After the last step: " + message.splitlines()[0][:300],
             "import numpy as np", "import torch", f"import {lib_name} as lib", "", "", _SHOW_SRC, "",
             "def case(m):"]
    for i, s in enumerate(steps):
        last = i == len(steps) - 1
        if s.raised or last:
            lines += ["    try:", f"        {s.code}", "    except Exception as e:",
                      f"        print(m.__name__, {('step ' + str(i) + ': ' + s.code)!r}, 'raised', type(e).__name__, e)"]
        else:
            lines.append(f"    {s.code}")
    lines.append(f"    show(m, locals(), {list(live)!r})")
    lines += ["", "", "for m in (torch, lib):", "    print('---', m.__name__)", "    case(m)"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------- directed checks

@dataclass
class Case:
    """One directed case: setup lines (no exception expected), action lines (each may raise: the
    exception class is a fact), then facts: name -> expression, read after the actions."""
    setup: list[str]
    actions: list[str]
    facts: dict[str, str]
    warn: bool = False      # the warnings raised by the actions are a fact too

    def body(self) -> list[str]:
        out = list(self.setup) + ["facts = {}"]
        if self.warn:
            out += ["import warnings", "with warnings.catch_warnings(record=True) as caught:",
                    "    warnings.simplefilter('always')"]
            pad = "    "
        else:
            pad = ""
        for i, a in enumerate(self.actions):
            out += [f"{pad}try:", f"{pad}    {a}", f"{pad}except Exception as e:", f"{pad}    facts['raised{i}'] = e"]
        if self.warn:
            out.append("facts['warnings'] = sorted({w.category.__name__ for w in caught "
                       "if issubclass(w.category, UserWarning)})")
        for k, expr in self.facts.items():
            out += ["try:", f"    facts[{k!r}] = {expr}", "except Exception as e:", f"    facts[{k!r}] = e"]
        return out


@dataclass
class Directed:
    op: str
    check: str
    strategy: Callable[[], st.SearchStrategy[Case]]
    seeds: list[str] = field(default_factory=lambda: list(SEEDS))
    doc: str = ""


class DirectedMismatch(AssertionError):
    def __init__(self, message: str, detail: dict[str, Any], case: Case) -> None:
        super().__init__(message)
        self.message, self.detail, self.case = message, detail, case


def run_case(case: Case, M: ModuleType) -> dict[str, Any]:
    ns: dict[str, Any] = {"m": M, "np": np}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile("\n".join(case.body()), "<memory case>", "exec"), ns)  # noqa: S102
    return ns["facts"]


def _fact_view(v: Any, M: ModuleType) -> Any:
    """A comparable form of one fact: tensors as (meta, values), exceptions as their built-in class."""
    if isinstance(v, BaseException):
        return ("raised", exc_family(v))
    if isinstance(v, M.Tensor):
        return ("tensor", dt.name_of(v.dtype), tuple(v.shape), tuple(v.stride()), int(v.storage_offset()),
                np.array(v.detach().numpy(), copy=True))
    if isinstance(v, np.ndarray):
        return ("ndarray", v.dtype.name, v.shape, v.strides, v.copy())
    if isinstance(v, (M.dtype,)):
        return ("dtype", dt.name_of(v))
    return ("value", v)


def compare_case(case: Case, lib: ModuleType) -> None:
    ft = run_case(case, torch)
    try:
        fl = run_case(case, lib)
    except Exception as e:  # noqa: BLE001 - the library crashed in the setup
        raise DirectedMismatch(f"the library raised {type(e).__name__} in the setup: {e}",
                               {"traceback": traceback.format_exc()[-2000:]}, case) from e
    for key in sorted(set(ft) | set(fl), key=lambda k: (not k.startswith("raised"), k)):
        if key not in ft or key not in fl:
            which = "torch" if key in ft else "the library"
            v = ft.get(key, fl.get(key))
            what = f"raised {type(v).__name__}: {str(v)[:200]}" if key.startswith("raised") else f"has fact {key}"
            raise DirectedMismatch(f"only {which} {what}", {"what": key}, case)
        vt, vl = _fact_view(ft[key], torch), _fact_view(fl[key], lib)
        if vt[0] != vl[0] or (vt[0] in ("raised", "dtype", "value") and vt != vl):
            raise DirectedMismatch(f"{key}: torch {vt[:2] if vt[0] != 'value' else vt[1]!r}, "
                                   f"library {vl[:2] if vl[0] != 'value' else vl[1]!r}",
                                   {"what": key, "expected": repr(vt[1:])[:300], "actual": repr(vl[1:])[:300]}, case)
        if vt[0] in ("tensor", "ndarray"):
            if vt[1:-1] != vl[1:-1]:
                raise DirectedMismatch(f"{key}: dtype/shape/stride/offset {vt[1:-1]} in torch, {vl[1:-1]} in the library",
                                       {"what": key, "expected": vt[1:-1], "actual": vl[1:-1]}, case)
            m = mismatch(vt[-1], vl[-1], path=key, dtype=vt[1] if vt[1] in dt.ALL else None)
            if m:
                raise DirectedMismatch(f"{key}: values differ from torch", m, case)


def case_repro(case: Case, lib_name: str, op: str, check: str, message: str) -> str:
    lines = [f"# Repro: {op!r} (check {check!r} vs torch), the example Hypothesis shrank to.",
             "# " + message.splitlines()[0][:300], "import numpy as np", "import torch", f"import {lib_name} as lib",
             "", "", "def case(m):"]
    lines += ["    " + ln for ln in case.body()]
    lines += ["    for k, v in facts.items():",
              "        if isinstance(v, Exception):",
              "            v = f'raised {type(v).__name__}: {v}'",
              "        elif isinstance(v, m.Tensor):",
              "            v = f'{v.tolist()} stride={v.stride()} offset={v.storage_offset()}'",
              "        print(f'  {k}: {v}')", "", "",
              "for m in (torch, lib):", "    print('---', m.__name__)", "    case(m)"]
    return "\n".join(lines) + "\n"


# ---- strategies for directed cases

LAYOUTS = ("contiguous", "transposed", "sliced", "offset")


@st.composite
def tensor_setup(draw: Callable, name: str, shape: tuple[int, ...] | None = None, dtype: str | None = None,
                 layout: str | None = None, start: int = 1) -> tuple[list[str], tuple[int, ...], str]:
    """Lines building tensor `name` (with base `<name>_base` for non-trivial layouts)."""
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    dtype = dtype or draw(st.sampled_from(("float32", "float64", "int64")))
    layout = layout or draw(st.sampled_from(LAYOUTS))
    if not shape:
        layout = "contiguous"
    if layout == "transposed" and len(shape) >= 2:
        base_shape = shape[:-2] + (shape[-1], shape[-2])
        return [f"{name}_base = {_tensor_src(base_shape, dtype, start)}",
                f"{name} = {name}_base.transpose(-1, -2)"], shape, dtype
    if layout == "sliced":
        base_shape = shape[:-1] + (shape[-1] * 2,)
        return [f"{name}_base = {_tensor_src(base_shape, dtype, start)}", f"{name} = {name}_base[..., ::2]"], shape, dtype
    if layout == "offset":
        base_shape = (shape[0] + 1,) + shape[1:]
        return [f"{name}_base = {_tensor_src(base_shape, dtype, start)}", f"{name} = {name}_base[1:]"], shape, dtype
    return [f"{name} = {_tensor_src(shape, dtype, start)}"], shape, dtype


@st.composite
def xy_setup(draw: Callable) -> list[str]:
    """x broadcastable to y, y possibly a non-contiguous view; same dtype."""
    ylines, yshape, dtype = draw(tensor_setup("y"))
    k = draw(st.integers(0, len(yshape)))
    xshape = tuple(1 if draw(st.booleans()) else n for n in yshape[k:])
    xlines, _, _ = draw(tensor_setup("x", xshape, dtype, start=50))
    return xlines + ylines


# y.tolist(): the claims are about y's memory; the layout torch picks for `x + y` (it follows the
# inputs' stride order) is a forward-check matter, not part of the claim
Y_FACTS = {"same_object": "y is y0", "same_data_ptr": "y.data_ptr() == p0",
           "same_storage": "y.untyped_storage().data_ptr() == s0", "y": "y.tolist()", "old_y": "y0", "x": "x",
           "old_y_version_bumped": "y0._version > v0"}
Y_PRE = ["y0 = y", "p0 = y.data_ptr()", "s0 = y.untyped_storage().data_ptr()", "v0 = y._version"]


def _y_claim(action: str, warn: bool = False) -> Callable[[], st.SearchStrategy[Case]]:
    return lambda: xy_setup().map(lambda setup: Case(setup + Y_PRE, [action], dict(Y_FACTS), warn))


@st.composite
def _view_allocates_nothing(draw: Callable) -> Case:
    form = draw(st.sampled_from(["index", "index", "view", "t", "narrow", "select", "unsqueeze", "expand", "permute"]))
    # (view() of a transposed or sliced tensor may be no view at all, an error: view only a contiguous x)
    lines, shape, _ = draw(tensor_setup("x", layout="contiguous" if form == "view" else None))
    nd = len(shape)
    if form == "index":
        expr = f"x[{draw_basic_index(draw, shape, False)}]"
    elif form == "view":
        expr = f"x.view({_args(draw_target_shape(draw, shape, False)) or '()'})"
    elif form == "t":
        expr = "x.t()" if nd <= 2 else "x.transpose(0, 2)"
    elif form == "narrow":
        expr = f"x.narrow(0, {draw(st.integers(0, shape[0] - 1))}, 1)"
    elif form == "select":
        expr = f"x.select(-1, {draw(st.integers(-shape[-1], shape[-1] - 1))})"
    elif form == "unsqueeze":
        expr = f"x.unsqueeze({draw(st.integers(-nd - 1, nd))})"
    elif form == "expand":
        expr = f"x.expand(2, {_args([-1] * nd)})"
    else:
        expr = f"x.permute({_args(draw(st.permutations(list(range(nd)))))})"
    return Case(lines + ["s0 = x.untyped_storage().data_ptr()"],
                [f"r = {expr}", "x.add_(1)"],
                {"shares_storage": "r.untyped_storage().data_ptr() == s0",
                 # (an empty view's data_ptr() is 0 in torch: compared as is, not as an address offset)
                 "data_ptr_offset_bytes": "r.data_ptr() - s0 if r.numel() else r.data_ptr()", "r": "r", "x": "x",
                 "r_version": "r._version"})


def _allocates(expr_of: Callable[[tuple[int, ...]], st.SearchStrategy[str]]) -> Callable[[], st.SearchStrategy[Case]]:
    @st.composite
    def strat(draw: Callable) -> Case:
        lines, shape, _ = draw(tensor_setup("x"))
        expr = draw(expr_of(shape))
        return Case(lines + ["s0 = x.untyped_storage().data_ptr()"],
                    [f"r = {expr}", "x.add_(1)", "r.zero_()"],
                    {"shares_storage": "r.untyped_storage().data_ptr() == s0", "r": "r.tolist()", "x": "x"})
    return strat


def _index_select_expr(shape):
    return st.tuples(st.integers(0, len(shape) - 1), st.lists(st.integers(0, 2), min_size=1, max_size=3)).map(
        lambda p: f"m.index_select(x, {p[0]}, m.tensor({[i % shape[p[0]] for i in p[1]]!r}))")


def _gather_expr(shape):
    d = len(shape) - 1
    idx_shape = shape
    vals = (np.arange(int(np.prod(idx_shape))).reshape(idx_shape) % shape[d]).tolist()
    return st.just(f"m.gather(x, {d}, m.tensor({vals!r}))")


@st.composite
def _setitem_case(draw: Callable) -> Case:
    lines, shape, dtype = draw(tensor_setup("t"))
    index = draw_basic_index(draw, shape, False) if draw(st.booleans()) else (
        ":, 1" if len(shape) >= 2 and shape[1] > 1 else "0")
    return Case(lines + ["s0 = t.untyped_storage().data_ptr()", "v0 = t._version", "t0 = t"],
                [f"t[{index}] = 0"],
                {"t": "t", "same_object": "t is t0", "same_storage": "t.untyped_storage().data_ptr() == s0",
                 "version_bumped": "t._version > v0"} | ({"base": "t_base"} if len(lines) > 1 else {}))


# writes into an expanded tensor: the forms torch rejects and the forms it performs
_EXPANDED_REJECTED = ["e.add_(1)", "e.mul_(2)", "e.sub_(x)", "e.copy_(m.ones(e.shape, dtype=e.dtype))", "e += 1",
                      "e.exp_()", "m.add(e, 1, out=e)"]
_EXPANDED_ASSIGN = ["e.fill_(5)", "e.zero_()", "e[...] = 5", "e[()] = 5", "e[None] = 5", "e[:] = 3", "e[0] = 5",
                    "e[0] = m.ones(e.shape[1:], dtype=e.dtype) * 5", "e[:, 0] = 7",
                    "e[:, 0] = m.ones(e.shape[0], dtype=e.dtype)", "e.copy_(e)", "e[m.tensor([0])] = 1"]


def _expanded(forms: list[str]) -> Callable[[], st.SearchStrategy[Case]]:
    @st.composite
    def strat(draw: Callable) -> Case:
        n = draw(st.integers(1, 3))
        reps = draw(st.integers(2, 3))
        dtype = draw(st.sampled_from(("float32", "float64")))
        how = draw(st.sampled_from(["lead", "unit"]))
        if how == "lead":
            setup = [f"x = {_tensor_src((n,), dtype, 1)}", f"e = x.expand({reps}, {n})"]
        else:
            setup = [f"x = {_tensor_src((1, n), dtype, 1)}", f"e = x.expand({reps}, {n})"]
        form = draw(st.sampled_from(forms))
        return Case(setup + ["v0 = x._version"], [form],
                    {"x": "x", "e": "e", "x_version": "x._version", "e_version": "e._version"})
    return strat


# out= with a wrongly sized (or otherwise unusual) output
_OUT_KINDS = ("empty", "smaller", "larger", "same_numel_other_shape", "right_shape_noncontiguous",
              "view_wrong_size", "from_numpy_wrong_size", "wrong_dtype", "expanded", "right_shape")


@st.composite
def _out_case(draw: Callable) -> Case:
    rows, cols = draw(st.integers(1, 3)), draw(st.integers(2, 3))
    dtype = draw(st.sampled_from(("float32", "float64")))
    fn = draw(st.sampled_from(["add", "mul", "neg", "sum", "index_select"]))
    call = {"add": "m.add(x, 1, out=o)", "mul": "m.mul(x, x, out=o)", "neg": "m.neg(x, out=o)",
            "sum": "m.sum(x, 0, out=o)", "index_select": "m.index_select(x, 1, m.tensor([1, 0]), out=o)"}[fn]
    rshape = {"sum": (cols,), "index_select": (rows, 2)}.get(fn, (rows, cols))
    n = int(np.prod(rshape))
    kind = draw(st.sampled_from(_OUT_KINDS))
    z = f"dtype=m.{dtype}"
    make = {
        "empty": [f"o = m.zeros(0, {z})"],
        "smaller": [f"o = m.zeros(1, {z})"],
        "larger": [f"o = m.zeros({n + 5}, {z})"],
        "same_numel_other_shape": [f"o = m.zeros({(n,) if len(rshape) > 1 else (1, n)!r}, {z})"],
        "right_shape": [f"o = m.zeros({rshape!r}, {z})"],
        "right_shape_noncontiguous": [f"o = m.zeros({rshape[::-1]!r}, {z}).t()" if len(rshape) == 2
                                      else f"o = m.zeros({2 * n}, {z})[::2]"],
        "view_wrong_size": [f"base = m.zeros(8, {z})", "o = base[2:4]"],
        "from_numpy_wrong_size": [f"o = m.from_numpy(np.zeros(1, dtype=np.{dtype}))"],
        "wrong_dtype": [f"o = m.zeros({rshape!r}, dtype=m.int64)"],
        "expanded": [f"o = m.zeros(1, {z}).expand({rshape!r})"],
    }[kind]
    setup = [f"x = {_tensor_src((rows, cols), dtype, 1)}"] + make + [
        "o0 = o", "s0 = o.untyped_storage().data_ptr()", "r = None"]
    # after a failed call torch may have resized o without writing it (uninitialised memory), or even
    # set a shape its storage cannot hold (NumPy-backed): then only o's shape is a fact
    ok = "'raised0' not in facts"
    facts = {"returns_out": "r is o0", "o_shape": "tuple(o.shape)", "o": f"o if {ok} else None",
             "o_stride": f"o.stride() if {ok} else None",
             "same_storage": f"o.untyped_storage().data_ptr() == s0 if {ok} else None"}
    if kind == "view_wrong_size":
        facts |= {"base": f"base if {ok} else None",
                  "o_shares_base": "o.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()"}
    return Case(setup, [f"r = {call}"], facts, warn=True)


# NumPy bridge
NP_LAYOUTS = ("contiguous", "sliced", "transposed", "fortran", "offset", "negative_step", "zero_dim", "empty")


@st.composite
def _np_array_setup(draw: Callable, dtype: str | None = None) -> tuple[list[str], str]:
    dtype = dtype or draw(st.sampled_from(MACHINE_DTYPES))
    layout = draw(st.sampled_from(NP_LAYOUTS))
    src = _array_src((3, 4), dtype, 1)
    expr = {"contiguous": src, "sliced": f"{src}[:, 1::2]", "transposed": f"{src}.T",
            "fortran": f"np.asfortranarray({src})", "offset": f"{src}[1:]",
            "negative_step": f"{src}[::-1]", "zero_dim": f"np.array({'True' if dtype == 'bool' else 2}, "
                                                         f"dtype={_np_dtype_src(dtype)})",
            "empty": f"np.zeros((0, 3), dtype={_np_dtype_src(dtype)})"}[layout]
    return [f"a = {expr}"], layout


@st.composite
def _from_numpy_case(draw: Callable) -> Case:
    lines, layout = draw(_np_array_setup())
    return Case(lines, ["t = m.from_numpy(a)", "a[...] = 1", "t.zero_()"],
                {"t": "t", "a": "a.copy()", "t_is_contiguous": "t.is_contiguous()",
                 "shares": "t.data_ptr() == a.ctypes.data if a.size else None"})


@st.composite
def _numpy_case(draw: Callable) -> Case:
    lines, shape, _ = draw(tensor_setup("x", dtype=draw(st.sampled_from(MACHINE_DTYPES))))
    return Case(lines + ["a = x.numpy()"], [f"a[{(0,) * len(shape)!r}] = 1", "x.fill_(0)"],
                {"a": "a.copy()", "x": "x", "a_strides": "a.strides", "shares": "a.ctypes.data == x.data_ptr()",
                 "x_version": "x._version"})


@st.composite
def _tensor_copies_case(draw: Callable) -> Case:
    lines, layout = draw(_np_array_setup().filter(lambda p: p[1] != "negative_step"))
    return Case(lines, ["t = m.tensor(a)", "a[...] = 0"],
                {"t": "t.tolist()", "a": "a.copy()", "shares": "t.untyped_storage().data_ptr() == a.ctypes.data"})


# ---- pins: one directed check per machine feature a library may be declared not to match yet

@st.composite
def _resize_case(draw: Callable) -> Case:
    how = draw(st.sampled_from(["plain", "view", "from_numpy", "transposed"]))
    dtype = draw(st.sampled_from(("float32", "int64")))
    if how == "view":
        setup = [f"base = {_tensor_src((6,), dtype, 1)}", "x = base[2:]"]
        avail = 4
    elif how == "from_numpy":
        setup = [f"base = np.arange(1, 7).astype({_np_dtype_src(dtype)})", "x = m.from_numpy(base)"]
        avail = 6
    elif how == "transposed":
        setup = [f"base = {_tensor_src((2, 3), dtype, 1)}", "x = base.t()"]
        avail = 6
    else:
        setup = [f"x = {_tensor_src((2, 3), dtype, 1)}", "base = x"]
        avail = 6
    shape = draw(st.sampled_from([(0,), (2,), (2, 2), (avail,), (3, 3), (10,), ()]))
    keep = min(int(np.prod(shape)) if shape else 1, avail)
    ok = "'raised0' not in facts"
    return Case(setup + ["v0 = x._version", "r = None"], [f"r = x.resize_({shape!r})"],
                {"returns_self": "r is x", "shape": "tuple(x.shape)", "stride": "x.stride()",
                 "offset": "x.storage_offset()", "version_bumped": "x._version > v0",
                 "defined_values": f"x.reshape(-1)[:{keep}] if {ok} else None",
                 # (plain: base is x, whose grown tail is uninitialised memory in torch; defined_values has it)
                 "base": f"base if {ok} and base is not x else None",
                 "shares_base": f"x.untyped_storage().data_ptr() == base.untyped_storage().data_ptr() "
                                f"if {ok} and not isinstance(base, np.ndarray) else None"})


@st.composite
def _layout_copy_case(draw: Callable) -> Case:
    """clone()/to()/contiguous() of tensors whose strides are not the row-major ones."""
    src = draw(st.sampled_from(["m.tensor([[1.0], [2.0]]).t()", "m.tensor([[1.0, 2.0]]).t()",
                                "m.arange(6.0).view(2, 3).t()", "m.arange(6.0).view(2, 3, 1).transpose(0, 1)",
                                "m.arange(4.0).view(1, 4, 1).transpose(0, 2)", "m.arange(3.0).view(3, 1).expand(3, 2)",
                                "m.zeros((2, 0)).t()", "m.zeros((2, 0, 2)).narrow(-1, 0, 0)",
                                "m.zeros((2, 2, 2))[[0]].narrow(-1, 0, 0)"]))
    op = draw(st.sampled_from(["x.clone()", "x.to(m.float64)", "x.contiguous()", "x.clone().t()"]))
    return Case([f"x = {src}"], [f"r = {op}"], {"stride": "r.stride()", "r": "r", "contiguous": "r.is_contiguous()"})


@st.composite
def _tensor_layout_case(draw: Callable) -> Case:
    """torch.tensor(ndarray): the result's strides for unusual arrays (and negative strides: ValueError)."""
    src = draw(st.sampled_from([
        "np.array([[1.0], [2.0]], dtype=np.float32).T", "np.arange(6.0).reshape(3, 2).T",
        "np.broadcast_to(np.arange(3.0), (2, 3))", "np.arange(8.0).reshape(2, 2, 2)[:, :0]",
        "np.zeros((0, 3), dtype=np.float32)", "np.arange(4.0).reshape(2, 2).T[:1]",
        "np.arange(6.0)[::-1]", "np.arange(12.0).reshape(3, 4)[:, ::-2]"]))
    return Case([f"a = {src}"], ["t = m.tensor(a)"], {"t": "t", "stride": "t.stride()"})


@st.composite
def _index_put_errors_case(draw: Callable) -> Case:
    form = draw(st.sampled_from([
        "t[m.tensor([0])] = m.tensor([5.0, 6.0])", "t[m.tensor([0, 1])] = m.tensor([5, 6], dtype=m.int32)",
        "t[m.tensor([0])] = m.tensor(7, dtype=m.int64)", "t[0] = m.ones(5)", "t[m.tensor([True, False, True])] = "
        "m.tensor([1.0, 2.0, 3.0])", "t[m.tensor([1])] = t", "t[:2] = t[1:]"]))
    return Case(["t = m.tensor([1.0, 2.0, 3.0])"], [form], {"t": "t", "version": "t._version"})


@st.composite
def _partial_overlap_case(draw: Callable) -> Case:
    form = draw(st.sampled_from([
        "y[1:].copy_(y[:-1])", "y[1:].add_(y[:-1])", "y[:-1].mul_(y[1:])", "m.add(y[:-1], 1, out=y[1:])",
        "m.neg(y[1:], out=y[:-1])", "y[1:] = y[:-1]", "y[1:] += y[:-1]", "y[:3].copy_(y[1:4])"]))
    return Case([f"y = {_tensor_src((5,), draw(st.sampled_from(('float32', 'int64'))), 1)}"], [form],
                {"y": "y", "version": "y._version"})


@st.composite
def _zero_dim_errors_case(draw: Callable) -> Case:
    form = draw(st.sampled_from(["r = x[::-1]", "r = x[::2]", "r = x[0]", "r = x.view()", "r = x.permute()",
                                "r = x.reshape()", "r = x.t()", "r = x.transpose(0, 1)", "r = x.squeeze(1)",
                                "r = x.unsqueeze(2)", "r = x.expand()", "x[::-1] = 1", "r = x.select(0, 0)",
                                "r = x.narrow(0, 0, 1)"]))
    return Case([f"x = {_tensor_src((), 'float32', 3)}"], [form], {"r": "r", "x": "x"})


@st.composite
def _empty_numpy_case(draw: Callable) -> Case:
    src = draw(st.sampled_from(["m.zeros((0,))", "m.zeros((2, 0))", "m.zeros((2, 0)).t()", "m.zeros((0, 3))[:, 1:]",
                                "m.zeros((0,)).transpose(0, 0)", "m.zeros((0,))[..., None]",
                                "m.zeros((3, 0, 2)).permute(2, 0, 1)"]))
    return Case([f"x = {src}"], ["a = x.numpy()"],
                {"strides": "a.strides", "shape": "a.shape", "from_numpy_stride": "m.from_numpy(a).stride()"})


@st.composite
def _index_layout_case(draw: Callable) -> Case:
    src = draw(st.sampled_from(["m.arange(8.0).view(2, 2, 2).transpose(0, 2)", "m.arange(6.0).view(2, 3).t()",
                                "m.zeros((2, 0, 1))", "m.arange(6.0).view(3, 2)[:, None]"]))
    idx = draw(st.sampled_from(["[[0]]", "[m.tensor([1, 0])]", "[[0, 1]]", "[:, [0]]"]))
    return Case([f"x = {src}"], [f"r = x{idx}"], {"r": "r", "stride": "r.stride()"})


@st.composite
def _index_select_empty_case(draw: Callable) -> Case:
    src = draw(st.sampled_from(["m.zeros((2, 0))", "m.zeros((0, 3))", "m.zeros((2, 0, 3))"]))
    dim = draw(st.integers(0, 1))
    idx = draw(st.sampled_from(["m.tensor([0])", "m.tensor([], dtype=m.int64)", "m.tensor([1, 0])"]))
    return Case([f"x = {src}"], [f"r = m.index_select(x, {dim}, {idx})"], {"r": "r"})


def _numpy_identity_case() -> st.SearchStrategy[Case]:
    return st.sampled_from(["m.zeros(3)", "m.arange(6.0).view(2, 3).t()"]).map(
        lambda src: Case([f"x = {src}"], ["a = x.numpy()", "b = x.numpy()"],
                         {"new_object": "a is not b", "same_memory": "a.ctypes.data == b.ctypes.data"}))


@st.composite
def _out_expanded_case(draw: Callable) -> Case:
    n = draw(st.integers(1, 3))
    form = draw(st.sampled_from(["m.add(x, 1, out=e)", "m.neg(x, out=e)", "m.mul(x, x, out=e)"]))
    return Case([f"x = {_tensor_src((n,), 'float32', 1)}", f"e = m.zeros(1).expand({draw(st.integers(2, 3))}, {n})",
                 "r = None"], [f"r = {form}"], {"e_shape": "tuple(e.shape)", "x": "x"}, warn=True)


DIRECTED: list[Directed] = [
    Directed("y = x + y (new tensor)", "inplace", _y_claim("y = x + y"),
             doc="000/001: y = x + y allocates: y is a new object with a new data_ptr; the old y is untouched"),
    Directed("y[:] = y + x (same memory)", "inplace", _y_claim("y[:] = y + x"),
             doc="000/001: slice assignment writes into y's memory"),
    Directed("torch.add(x, y, out=y) (same memory)", "out", _y_claim("m.add(x, y, out=y)", warn=True),
             doc="000/001: out=y writes into y's memory"),
    Directed("y += x (same memory)", "inplace", _y_claim("y += x"), doc="000/001: += is in place"),
    Directed("y.add_(x) (same memory)", "inplace", _y_claim("y.add_(x)"), doc="000/001: add_ is in place"),
    Directed("t[:, 1] = 0 (in place)", "inplace", lambda: _setitem_case(),
             doc="002: index assignment writes in place, through views too"),
    Directed("indexing and views allocate nothing", "view", lambda: _view_allocates_nothing(),
             doc="000/001: basic indexing and view ops share the input's storage"),
    Directed("index_select allocates", "view", _allocates(_index_select_expr), seeds=["000", "001"]),
    Directed("masked_select allocates", "view", _allocates(lambda s: st.just("m.masked_select(x, x > 2)")),
             seeds=["000", "001"]),
    Directed("gather allocates", "view", _allocates(_gather_expr), seeds=["001"]),
    Directed("nonzero allocates", "view", _allocates(lambda s: st.just("m.nonzero(x)")), seeds=["000", "001"]),
    Directed("clone allocates", "view", _allocates(lambda s: st.just("x.clone()")), seeds=["001"]),
    Directed("write into expanded tensor", "errors", _expanded(_EXPANDED_REJECTED),
             doc="writes where several elements share one memory location: torch raises RuntimeError; "
                 "nothing may change"),
    Directed("index assignment / fill_ / copy_ into expanded tensor", "inplace", _expanded(_EXPANDED_ASSIGN),
             doc="torch performs some (fill_, zero_, e[0] = v, e.copy_(e)) and rejects others (e[...] = v, "
                 "e[:, 0] = v): compared form by form"),
    Directed("out= wrongly sized", "out", lambda: _out_case(),
             doc="wrong size: resized with a UserWarning (empty: silently); NumPy-backed: not resizable; "
                 "wrong dtype / expanded: error"),
    Directed("from_numpy shares", "view", lambda: _from_numpy_case(), seeds=["001"],
             doc="both directions, any layout; negative strides raise ValueError"),
    Directed("numpy() shares", "view", lambda: _numpy_case(), seeds=["001", "002"],
             doc="both directions, through views"),
    Directed("tensor(ndarray) copies", "view", lambda: _tensor_copies_case(), seeds=["001"]),
    # pins of machine features (MACHINE_AVOID); each compares a few fixed forms with torch
    Directed("resize_", "inplace", lambda: _resize_case(),
             doc="resize_ in place: same object, version bump, views keep the storage; NumPy-backed: not resizable"),
    Directed("clone/to/contiguous keep strides", "view", lambda: _layout_copy_case(),
             doc="clone() and to() preserve a dense tensor's exact strides (preserve_format), size-1 dims too"),
    Directed("tensor(ndarray) layout", "view", lambda: _tensor_layout_case(), seeds=["001"],
             doc="the strides torch.tensor gives a copy of an unusual array; negative strides: ValueError"),
    Directed("index assignment errors", "errors", lambda: _index_put_errors_case(),
             doc="value shape/dtype mismatches and aliasing values in t[idx] = v"),
    Directed("write from a partially overlapping source", "errors", lambda: _partial_overlap_case(),
             doc="torch raises RuntimeError when input and written-to memory partially overlap"),
    Directed("0-d tensor: view and slicing errors", "errors", lambda: _zero_dim_errors_case(),
             doc="no sizes (x.view(), x.permute()), slices and dims on a 0-d tensor"),
    Directed("numpy() of an empty tensor", "view", lambda: _empty_numpy_case(), seeds=["001"],
             doc="the array's strides (torch: all 0) and from_numpy of it"),
    Directed("advanced indexing result layout", "view", lambda: _index_layout_case(),
             doc="x[[i]] keeps the source's stride order"),
    Directed("index_select of an empty tensor", "errors", lambda: _index_select_empty_case(), seeds=["000", "001"]),
    Directed("numpy() returns a new ndarray", "view", _numpy_identity_case, seeds=["001"],
             doc="each call makes a new ndarray object on the same memory"),
    Directed("out= into an expanded tensor", "out", lambda: _out_expanded_case(),
             doc="torch checks the out tensor for internal overlap before resizing it"),
]
DIRECTED_BY_KEY = {(d.op, d.check): d for d in DIRECTED}


@dataclass
class DirectedOutcome:
    op: str
    check: str
    examples: int
    failure: DirectedMismatch | None = None
    crash: str | None = None
    duration_s: float = 0.0


def run_directed(d: Directed, lib: ModuleType, profile: str = "ci", seed: int = 0,
                 max_examples: int | None = None) -> DirectedOutcome:
    out = DirectedOutcome(d.op, d.check, 0)
    t0 = time.perf_counter()
    last: list[DirectedMismatch] = []

    def body(case: Case) -> None:
        out.examples += 1
        try:
            compare_case(case, lib)
        except DirectedMismatch as e:
            last[:] = [e]
            raise

    s = machine_settings(profile, max_examples=max_examples or _budget(profile).directed)
    test = hyp_seed(zlib.crc32(f"{d.op}|{d.check}|{seed}".encode()))(s(given(d.strategy())(body)))
    try:
        test()
    except DirectedMismatch as e:
        out.failure = e
    except Flaky:
        out.failure = last[0] if last else None
        if out.failure is None:
            out.crash = traceback.format_exc()[-4000:]
    except Exception:  # noqa: BLE001
        out.crash = traceback.format_exc()[-4000:]
    out.duration_s = round(time.perf_counter() - t0, 4)
    return out


# from_numpy for every NumPy dtype
CATALOG_NP_DTYPES = ("float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool")
EXTENDED_NP_DTYPES = ("uint16", "uint32", "uint64", "complex64", "complex128")   # torch accepts: out of scope
REJECTED_NP_DTYPES = ("longdouble", "clongdouble", "object", "str", "bytes", "datetime64", "timedelta64")


def from_numpy_dtype_case(np_name: str) -> Case:
    ctor = {"str": "np.array(['a', 'b'])", "bytes": "np.array([b'a', b'b'])", "object": "np.array([1, None])",
            "datetime64": "np.zeros(2, dtype='datetime64[s]')", "timedelta64": "np.zeros(2, dtype='timedelta64[s]')",
            "bool": "np.array([True, False, True])"}.get(np_name, f"(np.arange(3) % 2).astype(np.{np_name})")
    return Case([f"a = {ctor}"], ["t = m.from_numpy(a)", "a[0] = a[1]"],
                {"dtype": "t.dtype", "t": "t", "shares": "t.data_ptr() == a.ctypes.data"})


# ------------------------------------------------------------------------------------- records

def _base_record(op: str, check: str, device: str, dtype: str | None = None,
                 seeds: list[str] | None = None) -> dict[str, Any]:
    return {"op": op, "group": GROUP, "check": check, "oracle": ORACLE, "dtype": dtype, "device": device,
            "status": "pass", "reason": None, "examples": 0, "detail": {}, "repro": None,
            "seeds": list(seeds if seeds is not None else SEEDS), "spec": SPEC}


def _apply_gap(rec: dict[str, Any], gap: str | None, strict: bool = True) -> dict[str, Any]:
    """Declared gaps: fail -> gap; pass -> stale when strict."""
    if gap is None:
        return rec
    if rec["status"] == "fail":
        rec["status"], rec["reason"] = "gap", gap
    elif rec["status"] == "pass" and strict:
        rec["status"] = "stale"
        rec["reason"] = f"declared gap now passes; remove it from conformance/memory_machine.py GAPS: {gap}"
    return rec


def machine_record(lib: ModuleType, mode: str, profile: str = "ci", seed: int = 0, device: str = "cpu",
                   impl_name: str | None = None) -> dict[str, Any]:
    rec = _base_record(MACHINE_OP, mode, device)
    avoid = MACHINE_AVOID.get(impl_name or lib.__name__, {})
    o = run_machine(lib, mode, profile, seed, avoid)
    rec["examples"] = o.examples
    rec["duration_s"] = o.duration_s
    if avoid:
        rec["detail"]["avoided (declared gaps)"] = dict(avoid)
    if o.crash:
        rec.update(status="error", reason="harness crashed: " + o.crash.strip().splitlines()[-1][:300],
                   detail={"traceback": o.crash})
    elif o.failure:
        f = o.failure
        rec.update(status="fail", reason=f.message[:500], repro=f.repro())
        rec["detail"].update({"message": f.message, **{k: v for k, v in f.detail.items()},
                              "example": [s.code for s in f.steps]})
    return rec


def directed_record(d: Directed, lib: ModuleType, profile: str = "ci", seed: int = 0, device: str = "cpu",
                    impl_name: str | None = None) -> dict[str, Any]:
    impl_name = impl_name or lib.__name__
    rec = _base_record(d.op, d.check, device, seeds=d.seeds)
    o = run_directed(d, lib, profile, seed)
    rec["examples"], rec["duration_s"] = o.examples, o.duration_s
    if d.doc:
        rec["detail"]["claim"] = d.doc
    if o.crash:
        rec.update(status="error", reason="harness crashed: " + o.crash.strip().splitlines()[-1][:300],
                   detail={"traceback": o.crash})
        return rec
    if o.failure:
        f = o.failure
        rec.update(status="fail", reason=f.message[:500],
                   repro=case_repro(f.case, impl_name, d.op, d.check, f.message))
        rec["detail"].update({"message": f.message, **f.detail, "example": f.case.body()})
    return _apply_gap(rec, gap_reason(impl_name, d.op, d.check))


def from_numpy_dtype_records(lib: ModuleType, device: str = "cpu", impl_name: str | None = None) -> list[dict[str, Any]]:
    """One record per NumPy dtype: the catalog's (dtype kept, memory shared), the ones torch also accepts
    (a declared out-of-scope gap), and the ones torch rejects (TypeError, check "errors")."""
    impl_name = impl_name or lib.__name__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _from_numpy_dtype_records(lib, device, impl_name)


def _from_numpy_dtype_records(lib: ModuleType, device: str, impl_name: str) -> list[dict[str, Any]]:
    out = []
    groups = [(n, "view", None) for n in CATALOG_NP_DTYPES] + [
        (n, "view", _OUT_OF_SCOPE_DTYPE.format(n)) for n in EXTENDED_NP_DTYPES] + [
        (n, "errors", None) for n in REJECTED_NP_DTYPES]
    for name, check, gap in groups:
        t0 = time.perf_counter()
        rec = _base_record("from_numpy dtypes", check, device, dtype=name, seeds=["001"])
        case = from_numpy_dtype_case(name)
        rec["examples"] = 1
        try:
            compare_case(case, lib)
        except DirectedMismatch as e:
            rec.update(status="fail", reason=e.message[:500],
                       repro=case_repro(case, impl_name, "from_numpy dtypes", check, e.message))
            rec["detail"] = {"message": e.message, **e.detail, "example": case.body()}
        except Exception:  # noqa: BLE001
            rec.update(status="error", reason="harness crashed", detail={"traceback": traceback.format_exc()[-4000:]})
        rec["duration_s"] = round(time.perf_counter() - t0, 4)
        # out of scope: a gap for every library, strict (stale once it passes) for those that declare it
        strict = gap is None or impl_name in OUT_OF_SCOPE_STRICT
        out.append(_apply_gap(rec, gap or gap_reason(impl_name, "from_numpy dtypes", check), strict))
    return out


def run_memory_checks(impl_name: str, profile: Any, writer: Any, *, seed: int = 0, device: str = "cpu",
                      impl_module: ModuleType | None = None, modes: Iterable[str] = MODES,
                      directed: bool = True) -> list[dict[str, Any]]:
    """Every memory check against `impl_name` (or `impl_module`); each record is written to `writer`
    (a :class:`conformance.results.ResultWriter`, anything with ``write(record)``, or None) as it is
    made, and the records are returned (group "memory", oracle "torch").  ``profile``: ci | dev |
    thorough (a name or a conformance.profiles.Profile).  CPU only: other devices give "skip" records.

    ci on impl: about 20 s of CPU (4 machine modes ~ 15 s, 29 directed checks + 21 from_numpy dtypes ~ 5 s)."""
    import importlib

    profile = getattr(profile, "name", profile)  # a conformance.profiles.Profile works too
    records: list[dict[str, Any]] = []

    def emit(rec: dict[str, Any]) -> None:
        records.append(rec)
        if writer is not None:
            writer.write(rec)

    if device != "cpu":
        for mode in modes:
            emit({**_base_record(MACHINE_OP, mode, device), "status": "skip",
                  "reason": "the memory suite's state machine interleaves NumPy-bridge steps (from_numpy, numpy()) that "
                            "only CPU tensors have; on CUDA the catalog's view, inplace and out checks test views, "
                            "in-place writes and out= op by op", "duration_s": 0.0})
        return records
    _budget(profile)
    lib = impl_module or importlib.import_module(impl_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in modes:
            emit(machine_record(lib, mode, profile, seed, device, impl_name))
        if directed:
            for d in DIRECTED:
                emit(directed_record(d, lib, profile, seed, device, impl_name))
            for rec in from_numpy_dtype_records(lib, device, impl_name):
                emit(rec)
    return records
