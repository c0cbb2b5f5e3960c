"""Autograd in depth: scenario conformance and random programs (group "autograd" in the report).

Each *scenario* is a Hypothesis property over generated data.  Its body is written once as a function
``body(M, case) -> observations`` of a torch-like module ``M`` and runs with the library under test and
with torch; observations (tensors, None, flags, grad_fn names, error classes, warnings) must agree.
Where JAX has an equivalent, ``jax(case, torch_obs) -> observations`` computes the same values or
gradients functionally (``jax.grad``, ``jax.vjp``, nested ``jax.grad``) and the library must agree with
those too.  Random programs (``conformance/programs.py``) add three records: outputs and leaf gradients
vs torch and vs JAX, and the whole graph (requires_grad / is_leaf / grad_fn of every value, and the
loss's DAG of node names) vs torch.

Entry point for the CLI: :func:`run_autograd_checks` ``(impl_name, profile, writer)`` writes one record
per scenario x oracle (op = scenario name, group "autograd", check grad / accumulation / retain_graph /
errors / graph, oracle torch or jax) and returns the records.  Failures shrink (Hypothesis) and carry a
runnable repro: the scenario's own source with the shrunk case, run in torch and in the library.

Wiring into ``conformance run`` (cli.run, inside ``with ResultWriter(...) as w:`` after the op loop)::

    from .autograd_scenarios import all_cases, run_autograd_checks
    only = [f"{o}/{c}/{r}" for o, c, r in all_cases() if not checks or c in checks]
    recs = run_autograd_checks(args.impl, prof, w, seed=seed, device=args.device, only=only)
    # the records are already written to w; count them into totals / bad like the op records

Budgets follow the profile (scenarios: max_examples vs torch, jax_examples vs JAX; random programs:
PROGRAM_BUDGET multiples); ci is derandomized per record (seed from scenario/check/oracle/--seed).
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import math
import time
import traceback
import types
import warnings
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
from hypothesis import given
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky, Unsatisfiable
from hypothesis.extra import numpy as npst

from . import dtypes as dt
from . import profiles
from . import programs as progs
from .checks.base import Mismatch
from .checks.compare import mismatch
from .repro import py_src

GROUP = "autograd"
SPEC = "conformance/autograd_scenarios.py"

# ============================================================================================
# Observations


@dataclass(frozen=True, eq=False)
class T:
    """A tensor as observed: NumPy values and dtype name (what every comparison sees)."""
    array: np.ndarray
    dtype: str

    def __repr__(self) -> str:
        return f"T({self.dtype}, {tuple(self.array.shape)}, {np.array2string(self.array, precision=6, threshold=20)})"


@dataclass(frozen=True)
class Raised:
    """An exception as observed: its built-in family (torch raises subclasses) and message."""
    family: str
    name: str
    message: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Raised) and other.family == self.family

    def __hash__(self) -> int:
        return hash(self.family)

    def __repr__(self) -> str:
        return f"raises {self.family}" + (f" ({self.name})" if self.name != self.family else "")


def _family(exc: BaseException) -> str:
    for k in type(exc).__mro__:
        if k.__module__ == "builtins":
            return k.__name__
    return "Exception"


def raised(exc: BaseException) -> Raised:
    return Raised(_family(exc), type(exc).__name__, str(exc)[:300])


def obs(x: Any) -> Any:
    """Normalise a value for comparison: tensors -> T, exceptions -> Raised, containers recursively."""
    if isinstance(x, (T, Raised)) or x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, BaseException):
        return raised(x)
    if isinstance(x, dict):
        return {k: obs(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(obs(v) for v in x)
    if hasattr(x, "detach") and hasattr(x, "dtype") and hasattr(x, "shape"):
        return T(np.array(x.detach().cpu().numpy(), copy=True), dt.name_of(x.dtype))
    if hasattr(x, "dtype") and hasattr(x, "shape"):  # NumPy / JAX arrays
        a = np.asarray(x)
        return T(np.array(a, copy=True), dt.name_of(a.dtype))
    return repr(x)


def attempt(fn: Callable[[], Any]) -> Any:
    """``fn()``'s result, or the exception it raised as a :class:`Raised`."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - the comparison classifies it
        return raised(e)


def outcome(fn: Callable[[], Any]) -> Any:
    """"ok" when ``fn()`` returns, else the :class:`Raised`."""
    r = attempt(fn)
    return r if isinstance(r, Raised) else "ok"


def name_of(node: Any) -> str | None:
    return None if node is None else type(node).__name__


def flags(t: Any) -> tuple:
    """(requires_grad, is_leaf, grad_fn class name)."""
    return (bool(t.requires_grad), bool(t.is_leaf), name_of(t.grad_fn))


def grad_of(t: Any) -> Any:
    """``t.grad`` plus the warning categories reading it emits (torch warns for non-leaves)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        g = t.grad
    return g, sorted({c.category.__name__ for c in w})


def tensor(M: Any, a: np.ndarray, dtype: str, requires_grad: bool = False) -> Any:
    return M.tensor(np.array(a, dtype=np.float64), dtype=getattr(M, dtype), requires_grad=requires_grad)


def reset_grad_mode(*modules: Any) -> None:
    for M in modules:
        try:
            M.set_grad_enabled(True)
        except Exception:  # noqa: BLE001 - best effort
            pass


# ---- comparing observations

def diff(expected: Any, actual: Any, oracle: str, path: str = "",
         tol: dict[str, tuple[float, float]] | None = None) -> tuple[str, dict] | None:
    """The first difference between two observation trees, as (message, detail), or None."""
    where = path or "result"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected a mapping, got {actual!r}"[:300], {}
        for k, v in expected.items():
            if k not in actual:
                return f"{where}: missing observation {k!r}", {}
            d = diff(v, actual[k], oracle, f"{path}.{k}" if path else str(k), tol)
            if d:
                return d
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            return (f"{where}: {oracle} gives {_short(expected)}, the library {_short(actual)}",
                    {"expected": _short(expected), "actual": _short(actual)})
        for i, (e, a) in enumerate(zip(expected, actual)):
            d = diff(e, a, oracle, f"{where}[{i}]", tol)
            if d:
                return d
        return None
    if isinstance(expected, T):
        if not isinstance(actual, T):
            return (f"{where}: {oracle} gives a tensor, the library {_short(actual)}",
                    {"expected": repr(expected), "actual": _short(actual)})
        if oracle == "torch" and expected.dtype != actual.dtype:
            return f"{where}: dtype {actual.dtype} != torch {expected.dtype}", {}
        m = mismatch(expected.array, actual.array, tol or {}, oracle=oracle, path=where, dtype=expected.dtype)
        if m:
            return f"{where}: {m['problem']} (library vs {oracle})", m
        return None
    if isinstance(expected, Raised) or isinstance(actual, Raised):
        if expected == actual:
            return None
        e = f"raises {expected.family} ({expected.name}: {expected.message[:120]})" if isinstance(expected, Raised) \
            else f"gives {_short(expected)}"
        a = f"raises {actual.family} ({actual.name}: {actual.message[:160]})" if isinstance(actual, Raised) \
            else f"gives {_short(actual)}"
        return f"{where}: {oracle} {e}; the library {a}", {"expected": _short(expected), "actual": _short(actual)}
    if isinstance(expected, float) and isinstance(actual, float):
        if np.isclose(actual, expected, rtol=1e-6, atol=1e-6, equal_nan=True):
            return None
    elif isinstance(expected, bool) == isinstance(actual, bool) and expected == actual:
        return None
    return f"{where}: {oracle} gives {_short(expected)}, the library {_short(actual)}", \
        {"expected": _short(expected), "actual": _short(actual)}


def _short(v: Any, limit: int = 300) -> str:
    r = repr(v)
    return r if len(r) <= limit else r[:limit] + "..."


# ============================================================================================
# Shared building blocks: case strategies and function families (written once for M and JAX)

SHAPES = ((), (1,), (3,), (2, 3), (3, 1), (1, 2, 3))
NONSCALAR = ((3,), (2, 3), (3, 1), (1, 2, 3))
DTYPES = ("float32", "float64")
RANGES = {"any": (-2.0, 2.0), "pos": (0.25, 2.0)}


def floats(dtype: str, kind: str = "any") -> st.SearchStrategy:
    lo, hi = RANGES[kind]
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=32 if dtype == "float32" else 64)


def arrays(dtype: str, shape: tuple[int, ...], kind: str = "any") -> st.SearchStrategy:
    return npst.arrays(np.float64, shape, elements=floats(dtype, kind))


# Elementwise functions of a namespace `n` (the module M, or the JAX shim): name -> (f, input kind).
# Some save their inputs or results for backward (sin, exp, mul...), some save nothing (add_const,
# neg_sub): torch only refuses a second backward through a freed graph when something was saved.
FUNCS: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "sin_sq": (lambda n, x: n.sin(x ** 2), "any"),                 # seed 004
    "exp_mul": (lambda n, x: n.exp(x) * x, "any"),
    "poly": (lambda n, x: x ** 3 - 2.0 * x, "any"),
    "sigmoid_cos": (lambda n, x: n.sigmoid(x) * n.cos(x), "any"),
    "tanh_sq": (lambda n, x: n.tanh(x * x), "any"),
    "log_sqrt": (lambda n, x: n.log(x) + n.sqrt(x), "pos"),
    "recip": (lambda n, x: 1.0 / (x * x + 1.0), "any"),
    "add_const": (lambda n, x: x + 1.5, "any"),
    "neg_sub": (lambda n, x: 2.0 - x, "any"),
    "mul_const": (lambda n, x: x * 3.0, "any"),
}
SMOOTH = ("sin_sq", "exp_mul", "poly", "sigmoid_cos", "tanh_sq", "log_sqrt", "recip")


def jax_ns():
    """(jax, jnp, n): n is the JAX twin of the torch namespace used by FUNCS."""
    jax, jnp = progs._jax()
    n = types.SimpleNamespace(sin=jnp.sin, cos=jnp.cos, exp=jnp.exp, log=jnp.log, sqrt=jnp.sqrt,
                              tanh=jnp.tanh, sigmoid=jax.nn.sigmoid)
    return jax, jnp, n


def J(a: Any, dtype: str) -> Any:
    """A JAX array of `a` in `dtype`."""
    _, jnp, _ = jax_ns()
    return jnp.asarray(np.asarray(a, dtype=np.float64), dtype=dt.to_numpy(dtype))


@st.composite
def func_case(draw, funcs: Iterable[str] = tuple(FUNCS), shapes=SHAPES, dtypes=DTYPES):
    """A dtype, a function name, an input x in its domain and a cotangent g of f(x)'s shape."""
    f = draw(st.sampled_from(tuple(funcs)))
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(st.sampled_from(shapes))
    x = draw(arrays(dtype, shape, FUNCS[f][1]))
    g = draw(arrays(dtype, shape))
    return {"dtype": dtype, "f": f, "x": x, "g": g}


def vjp_f(case: dict, name: str | None = None) -> Any:
    """JAX: the cotangent-weighted gradient of FUNCS[f] at x (a T)."""
    jax, jnp, n = jax_ns()
    f = FUNCS[name or case["f"]][0]
    d = case["dtype"]
    _, pull = jax.vjp(lambda x: f(n, x), J(case["x"], d))
    return obs(pull(J(case["g"], d))[0])


# ============================================================================================
# Scenarios


@dataclass(frozen=True)
class Scenario:
    name: str
    check: str                                   # grad | accumulation | retain_graph | errors | graph
    doc: str
    cases: Callable[[], st.SearchStrategy]
    body: Callable[[Any, dict], dict]
    jax: Callable[[dict, dict], dict | None] | None = None   # (case, torch observations) -> observations
    seeds: tuple[str, ...] = ()
    budget: float = 1.0                          # x the profile's examples (the 800-step loop is costly)
    tol: dict[str, tuple[float, float]] | None = None
    ref_check: Callable[[dict], str | None] | None = None  # a claim about torch's own observations
    cpu_only: str | None = None                  # why the scenario, as written, runs on CPU only

    @property
    def oracles(self) -> tuple[str, ...]:
        return ("torch", "jax") if self.jax else ("torch",)


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, check: str, cases: Callable[[], st.SearchStrategy], jax: Callable | None = None,
             seeds: tuple[str, ...] = (), budget: float = 1.0, tol: dict | None = None,
             ref_check: Callable[[dict], str | None] | None = None, cpu_only: str | None = None):
    def deco(body: Callable[[Any, dict], dict]) -> Callable[[Any, dict], dict]:
        SCENARIOS[name] = Scenario(name, check, inspect.getdoc(body) or "", cases, body, jax, seeds, budget, tol,
                                   ref_check, cpu_only)
        return body
    return deco


# --------------------------------------------------------------------------------------------
# Accumulation


@st.composite
def _accumulate_cases(draw):
    c = draw(func_case())
    c["k"] = draw(st.integers(1, 4))
    c["mode"] = draw(st.sampled_from(("retain", "rebuild")))
    return c


def accumulate_k_backward_jax(case, ref):
    g = vjp_f(case)
    return {"grads": [T(g.array * (i + 1), g.dtype) for i in range(case["k"])]}


@scenario("accumulate_k_backward", "accumulation", _accumulate_cases, jax=accumulate_k_backward_jax)
def accumulate_k_backward(M, case):
    """k backward calls add up in x.grad (one retained graph, or a new graph per call); x.grad stays
    the same tensor object and a reference held to it sees the sums."""
    f = FUNCS[case["f"]][0]
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    g = tensor(M, case["g"], case["dtype"])
    y = f(M, x)
    grads, held, same = [], None, []
    for i in range(case["k"]):
        if case["mode"] == "rebuild" and i:
            y = f(M, x)
        y.backward(g, retain_graph=case["mode"] == "retain")
        grads.append(x.grad.clone())
        if held is None:
            held = x.grad
        same.append(x.grad is held)
    return {"grads": grads, "held_ref": held, "same_object": same, "flags": flags(x)}


RESETS = ("zero_", "data_zero_", "none", "zeros_like")


@st.composite
def _reset_cases(draw):
    c = draw(func_case())
    acts = draw(st.lists(st.sampled_from(("backward",) + RESETS), min_size=1, max_size=6))
    c["actions"] = ["backward"] + acts
    return c


def _apply_reset(M, x, act):
    if act == "zero_":
        x.grad.zero_()
    elif act == "data_zero_":
        x.grad.data.zero_()
    elif act == "none":
        x.grad = None
    elif act == "zeros_like":
        x.grad = M.zeros_like(x.grad)


@scenario("grad_reset_forms", "accumulation", _reset_cases,
          jax=lambda case, ref: {"after": _reset_model(case)})
def grad_reset_forms(M, case):
    """Interleaved backward calls and resets: grad.zero_(), grad.data.zero_(), grad = None and
    grad = zeros_like(grad); after each action x.grad (None or its value), and whether the reset kept
    the same tensor object."""
    f = FUNCS[case["f"]][0]
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    g = tensor(M, case["g"], case["dtype"])
    after, kept = [], []
    for act in case["actions"]:
        if act == "backward":
            f(M, x).backward(g)
        elif x.grad is None:
            after.append("no grad to reset")
            continue
        else:
            before = x.grad
            _apply_reset(M, x, act)
            kept.append((act, x.grad is before))
        after.append(None if x.grad is None else x.grad.clone())
    return {"after": after, "kept_object": kept}


def _reset_model(case):
    """What .grad holds after each action, from JAX gradients and the documented reset rules."""
    g1 = vjp_f(case)
    cur, out = None, []
    for act in case["actions"]:
        if act == "backward":
            cur = g1.array.copy() if cur is None else cur + g1.array
        elif cur is None:
            out.append("no grad to reset")
            continue
        elif act == "none":
            cur = None
        else:
            cur = np.zeros_like(cur)
        out.append(None if cur is None else T(cur, g1.dtype))
    return out


BRANCHES = {  # expressions in a shared subgraph h = f(x) and x itself (x used twice)
    "h*h": lambda n, h, x: h * h,
    "h+x": lambda n, h, x: h + x,
    "sin(h)*x": lambda n, h, x: n.sin(h) * x,
    "x*x": lambda n, h, x: x * x,
    "h*x*h": lambda n, h, x: h * x * h,
    "exp(h)-h": lambda n, h, x: n.exp(h / 4.0) - h,
}


@st.composite
def _shared_cases(draw):
    c = draw(func_case(funcs=SMOOTH))
    c["branches"] = draw(st.lists(st.sampled_from(tuple(BRANCHES)), min_size=1, max_size=4))
    return c


def _shared_fn(n, case, x):
    h = FUNCS[case["f"]][0](n, x)
    out = 0.0
    for b in case["branches"]:
        out = out + BRANCHES[b](n, h, x)
    return out


def shared_subgraph_jax(case, ref):
    jax, jnp, n = jax_ns()
    d = case["dtype"]
    _, pull = jax.vjp(lambda x: _shared_fn(n, case, x), J(case["x"], d))
    return {"x.grad": obs(pull(J(case["g"], d))[0])}


@scenario("shared_subgraph", "accumulation", _shared_cases, jax=shared_subgraph_jax)
def shared_subgraph(M, case):
    """Gradient flowing into one node from several paths: a shared subgraph h = f(x) used by several
    branches, and x itself used twice; the contributions are summed."""
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    y = _shared_fn(M, case, x)
    y.backward(tensor(M, case["g"], case["dtype"]))
    return {"x.grad": x.grad, "y": y}


# --------------------------------------------------------------------------------------------
# retain_graph


@st.composite
def _retain_cases(draw):
    c = draw(func_case())
    c["n"] = draw(st.integers(1, 4))
    return c


def retain_graph_many_jax(case, ref):
    g = vjp_f(case)
    return {"grads": [T(g.array * (i + 1), g.dtype) for i in range(case["n"] + 1)]}


@scenario("retain_graph_many", "retain_graph", _retain_cases, jax=retain_graph_many_jax)
def retain_graph_many(M, case):
    """With retain_graph=True the graph survives any number of backward calls (gradients add up);
    the last call without it frees the graph, and one more call raises torch's error class exactly
    when the graph had saved tensors (x + 1.5 saves nothing, sin(x**2) does)."""
    f = FUNCS[case["f"]][0]
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    g = tensor(M, case["g"], case["dtype"])
    y = f(M, x)
    grads = []
    for _ in range(case["n"]):
        y.backward(g, retain_graph=True)
        grads.append(x.grad.clone())
    y.backward(g)
    grads.append(x.grad.clone())
    extra = outcome(lambda: y.backward(g))
    return {"grads": grads, "one_more": extra, "grad_after": x.grad}


@st.composite
def _second_cases(draw):
    c = draw(func_case())
    c["first"] = draw(st.sampled_from(("backward", "grad")))
    c["second"] = draw(st.sampled_from(("backward", "grad")))
    return c


@scenario("second_backward_without_retain", "retain_graph", _second_cases)
def second_backward_without_retain(M, case):
    """A second backward (or autograd.grad) through a graph freed by the first raises torch's error
    class (when the graph saved tensors; otherwise it works and gradients add up)."""
    f = FUNCS[case["f"]][0]
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    g = tensor(M, case["g"], case["dtype"])
    y = f(M, x)

    def call(kind):
        if kind == "backward":
            y.backward(g)
            return None
        return M.autograd.grad(y, x, g)[0]

    first = attempt(lambda: call(case["first"]))
    second = attempt(lambda: call(case["second"]))
    return {"first": first, "second": second, "x.grad": x.grad}


@st.composite
def _grad_vs_backward_cases(draw):
    c = draw(func_case(funcs=SMOOTH))
    c["w"] = draw(arrays(c["dtype"], c["x"].shape))
    return c


def _gvb_fn(n, case, x, w):
    return FUNCS[case["f"]][0](n, x) * w + x


def grad_vs_backward_jax(case, ref):
    jax, jnp, n = jax_ns()
    d = case["dtype"]
    _, pull = jax.vjp(lambda x, w: _gvb_fn(n, case, x, w), J(case["x"], d), J(case["w"], d))
    gx, gw = (obs(v) for v in pull(J(case["g"], d)))
    return {"grad": [gx, gw], "x.grad_after": gx, "w.grad_after": gw}


@scenario("grad_vs_backward", "retain_graph", _grad_vs_backward_cases, jax=grad_vs_backward_jax)
def grad_vs_backward(M, case):
    """autograd.grad(retain_graph=True) and then backward on the same graph: the same gradients;
    autograd.grad leaves .grad untouched (None), backward fills it."""
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    w = tensor(M, case["w"], case["dtype"], requires_grad=True)
    g = tensor(M, case["g"], case["dtype"])
    y = _gvb_fn(M, case, x, w)
    gx, gw = M.autograd.grad(y, (x, w), g, retain_graph=True)
    before = (x.grad, w.grad)
    y.backward(g)
    return {"grad": [gx, gw], "grad_flags": [flags(gx), flags(gw)], ".grad_before": before,
            "x.grad_after": x.grad, "w.grad_after": w.grad}


# --------------------------------------------------------------------------------------------
# create_graph: higher derivatives


@st.composite
def _higher_cases(draw):
    c = draw(func_case(funcs=SMOOTH, dtypes=("float64",)))
    c["y"] = draw(arrays("float64", c["x"].shape))
    return c


def higher_order_jax(case, ref):
    jax, jnp, n = jax_ns()
    f = FUNCS[case["f"]][0]
    x, y = J(case["x"], "float64"), J(case["y"], "float64")

    def s(fn):  # elementwise: d/dx of sum(fn(x)) is the elementwise derivative
        return lambda v: jnp.sum(fn(v))
    d1 = jax.grad(s(lambda v: f(n, v)))
    d2 = jax.grad(s(d1))
    d3 = jax.grad(s(d2))
    # mixed: d/dy of sum(d/dx sum(f(x) * y**2))
    mixed = jax.grad(lambda yy: jnp.sum(jax.grad(lambda xx: jnp.sum(f(n, xx) * yy ** 2))(x)))(y)
    return {"d1": obs(d1(x)), "d2": obs(d2(x)), "d3": obs(d3(x)), "mixed": obs(mixed)}


@scenario("higher_order", "grad", _higher_cases, jax=higher_order_jax)
def higher_order(M, case):
    """create_graph=True: first, second and third derivatives through autograd.grad agree with torch
    and with nested jax.grad; a mixed partial d/dy (df/dx); requires_grad of each derivative (the
    last one is taken without create_graph, so it does not require grad)."""
    f = FUNCS[case["f"]][0]
    x = tensor(M, case["x"], "float64", requires_grad=True)
    y = tensor(M, case["y"], "float64", requires_grad=True)
    (d1,) = M.autograd.grad(f(M, x).sum(), x, create_graph=True)
    (d2,) = M.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = M.autograd.grad(d2.sum(), x)
    (gx,) = M.autograd.grad((f(M, x) * y ** 2).sum(), x, create_graph=True)
    (mixed,) = M.autograd.grad(gx.sum(), y)
    return {"d1": d1, "d2": d2, "d3": d3, "mixed": mixed,
            "requires_grad": [d1.requires_grad, d2.requires_grad, d3.requires_grad, mixed.requires_grad],
            "x.grad": x.grad}


# --------------------------------------------------------------------------------------------
# Graph: non-leaf .grad, retain_grad, flags of every intermediate, grad modes


CHAIN = {  # elementwise steps for chains (a namespace n; work in torch, the library and JAX)
    "sin": lambda n, v: n.sin(v),
    "mul2": lambda n, v: v * 2.0,
    "sq": lambda n, v: v * v,
    "add1": lambda n, v: v + 1.0,
    "exp": lambda n, v: n.exp(v / 4.0),
    "tanh": lambda n, v: n.tanh(v),
}


@st.composite
def _chain_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.sampled_from(SHAPES))
    ops = draw(st.lists(st.sampled_from(tuple(CHAIN)), min_size=1, max_size=5))
    keep = draw(st.lists(st.booleans(), min_size=len(ops), max_size=len(ops)))
    return {"dtype": dtype, "x": draw(arrays(dtype, shape)), "g": draw(arrays(dtype, shape)),
            "ops": ops, "retain": keep}


def nonleaf_grad_jax(case, ref):
    jax, jnp, n = jax_ns()
    d = case["dtype"]
    vals = [J(case["x"], d)]
    for op in case["ops"]:
        vals.append(CHAIN[op](n, vals[-1]))
    out = {}
    for i, keep in enumerate(case["retain"]):
        if keep:
            def rest(v, i=i):
                for op in case["ops"][i + 1:]:
                    v = CHAIN[op](n, v)
                return v
            _, pull = jax.vjp(rest, vals[i + 1])
            out[f"h{i + 1}.grad"] = obs(pull(J(case["g"], d))[0])
    return out


@scenario("nonleaf_grad_retain_grad", "graph", _chain_cases, jax=nonleaf_grad_jax)
def nonleaf_grad_retain_grad(M, case):
    """After backward, a non-leaf's .grad is None (reading it warns, UserWarning) unless
    retain_grad() was called, then it holds d loss / d h; is_leaf, requires_grad, retains_grad and
    grad_fn of every intermediate, and the whole graph (node names, next_functions edges) match torch."""
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    hs, v = [], x
    for op, keep in zip(case["ops"], case["retain"]):
        v = CHAIN[op](M, v)
        if keep:
            v.retain_grad()
        hs.append(v)
    graph = progs.canonical_graph(v.grad_fn, {id(x): "x"})  # the whole DAG: node names, edges, sharing
    v.backward(tensor(M, case["g"], case["dtype"]))
    out = {"graph": graph, "x.grad": x.grad, "x.retains_grad": x.retains_grad}
    for i, h in enumerate(hs):
        g, warned = grad_of(h)
        out[f"h{i + 1}.grad"] = g
        out[f"h{i + 1}.warnings"] = warned
        out[f"h{i + 1}.flags"] = (flags(h), h.retains_grad)
    return out


MODES = ("no_grad", "enable_grad", "set_true", "set_false", "call_false", "call_true", "raise")


@st.composite
def _mode_cases(draw):
    return {"frames": draw(st.lists(st.sampled_from(MODES), min_size=1, max_size=5)),
            "decorated": draw(st.sampled_from(("none", "no_grad", "enable_grad", "set_false")))}


def _mode_ctx(M, kind):
    return {"no_grad": M.no_grad, "enable_grad": M.enable_grad,
            "set_true": lambda: M.set_grad_enabled(True), "set_false": lambda: M.set_grad_enabled(False)}[kind]()


@scenario("grad_mode_nesting", "graph", _mode_cases)
def grad_mode_nesting(M, case):
    """Random nestings of no_grad / enable_grad / set_grad_enabled (as context managers and as plain
    calls that switch the mode until the enclosing block exits, and an exception unwinding the stack),
    plus a decorated function: is_grad_enabled and whether ops record a graph, at every level."""
    x = M.ones(2, requires_grad=True)
    log = []

    def probe(tag):
        y = x * 2
        log.append((tag, M.is_grad_enabled(), y.requires_grad, name_of(y.grad_fn)))

    def enter(i):
        if i == len(case["frames"]):
            probe("innermost")
            return
        kind = case["frames"][i]
        if kind == "call_false":
            M.set_grad_enabled(False)
            probe(f"{i}:call_false")
            enter(i + 1)
        elif kind == "call_true":
            M.set_grad_enabled(True)
            probe(f"{i}:call_true")
            enter(i + 1)
        elif kind == "raise":
            try:
                with M.no_grad():
                    probe(f"{i}:raise-inside")
                    raise KeyError(i)
            except KeyError:
                pass
            probe(f"{i}:after-raise")
            enter(i + 1)
        else:
            with _mode_ctx(M, kind):
                probe(f"{i}:{kind}")
                enter(i + 1)
            probe(f"{i}:after-{kind}")

    try:
        enter(0)
        if case["decorated"] != "none":
            # (torch's set_grad_enabled(False) switches the mode as soon as it is constructed)
            deco = {"no_grad": M.no_grad, "enable_grad": M.enable_grad,
                    "set_false": lambda: M.set_grad_enabled(False)}[case["decorated"]]()
            after_deco = M.is_grad_enabled()
            fn = deco(lambda t: (M.is_grad_enabled(), flags(t * 3)))
            log.append(("decorated", after_deco, fn(x), M.is_grad_enabled()))
    finally:
        M.set_grad_enabled(True)
    return {"log": log}


DETACH_ACTIONS = ("detach", "detach_write", "detach_", "data_write", "data_assign", "requires_grad_", "freeze")


@st.composite
def _detach_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.sampled_from(NONSCALAR))
    return {"dtype": dtype, "x": draw(arrays(dtype, shape)), "c": draw(arrays(dtype, shape)),
            "actions": draw(st.lists(st.sampled_from(DETACH_ACTIONS), min_size=1, max_size=4)),
            "k": draw(st.sampled_from((2.0, -0.5, 10.0)))}


@scenario("detach_and_data", "grad", _detach_cases)
def detach_and_data(M, case):
    """detach() shares storage and the version counter (a write through it is seen by the graph),
    detach_() cuts a non-leaf out of the graph, writes through .data are not recorded (backward uses
    the new values), requires_grad_() turns a constant into a leaf that gets a gradient, and a frozen
    leaf (requires_grad = False) gets none."""
    d = case["dtype"]
    x = tensor(M, case["x"], d, requires_grad=True)
    c = tensor(M, case["c"], d)
    y = x * x                      # saves x
    z = M.sin(y)                   # saves y
    seen = []
    for act in case["actions"]:
        if act == "detach":
            t = y.detach()
            seen.append((act, flags(t), t._version == y._version))
        elif act == "detach_write":
            y.detach()[0] = 0.5    # shares y's version counter: z's saved y is now stale
            seen.append((act, y._version))
        elif act == "detach_":
            w = x * 3
            r = w.detach_()
            seen.append((act, r is w, flags(w)))
        elif act == "data_write":
            x.data.mul_(case["k"])  # not recorded: x's version does not move
            seen.append((act, x._version))
        elif act == "data_assign":
            x.data = x.data * case["k"]
            seen.append((act, flags(x)))
        elif act == "requires_grad_":
            c.requires_grad_()
            seen.append((act, flags(c)))
        elif act == "freeze":
            x.requires_grad = False
            seen.append((act, flags(x)))
    loss = (z * c).sum() + (y * 2).sum()
    result = attempt(lambda: loss.backward())
    return {"seen": seen, "loss_flags": flags(loss), "backward": "ok" if result is None else result,
            "x.grad": x.grad, "c.grad": c.grad, "x": x, "y": y}


@st.composite
def _frozen_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    n, h, o = (draw(st.integers(1, 3)) for _ in range(3))
    names = ("W1", "b1", "W2", "b2")
    shapes = {"W1": (n, h), "b1": (h,), "W2": (h, o), "b2": (o,)}
    return {"dtype": dtype, "x": draw(arrays(dtype, (2, n))),
            "params": {k: draw(arrays(dtype, s)) for k, s in shapes.items()},
            "frozen": {k: draw(st.sampled_from(("train", "attr", "method", "ctor"))) for k in names},
            "g": draw(arrays(dtype, (2, o)))}


def _mlp(n, x, p):
    return n.tanh(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def frozen_parameters_jax(case, ref):
    jax, jnp, n = jax_ns()
    d = case["dtype"]
    p = {k: J(v, d) for k, v in case["params"].items()}
    train = [k for k in p if case["frozen"][k] == "train"]
    if not train:
        return None

    def f(*vals):
        q = dict(p)
        q.update(zip(train, vals))
        return _mlp(n, J(case["x"], d), q)
    _, pull = jax.vjp(f, *[p[k] for k in train])
    gs = pull(J(case["g"], d))
    return {"grads": {k: (obs(gs[train.index(k)]) if k in train else None) for k in p}}


@scenario("frozen_parameters", "grad", _frozen_cases, jax=frozen_parameters_jax)
def frozen_parameters(M, case):
    """A small MLP where some parameters are frozen (requires_grad = False, requires_grad_(False), or
    created without grad): frozen ones get no gradient (None), the others the right one; with every
    parameter frozen the output does not require grad and backward raises torch's error class."""
    d = case["dtype"]
    p = {}
    for k, v in case["params"].items():
        how = case["frozen"][k]
        t = tensor(M, v, d, requires_grad=how != "ctor")
        if how == "attr":
            t.requires_grad = False
        elif how == "method":
            t.requires_grad_(False)
        p[k] = t
    out = _mlp(M, tensor(M, case["x"], d), p)
    res = attempt(lambda: out.backward(tensor(M, case["g"], d)))
    return {"out_flags": flags(out), "backward": "ok" if res is None else res,
            "grads": {k: t.grad for k, t in p.items()}, "param_flags": {k: flags(t) for k, t in p.items()}}


# --------------------------------------------------------------------------------------------
# In-place inside graphs


def _index_strategy(shape):
    """A basic index into `shape` (Python source) that selects at least one element."""
    parts = []
    for s in shape:
        parts.append(st.one_of(st.just(":"), st.integers(-s, s - 1).map(str),
                               st.integers(0, s - 1).flatmap(lambda a, s=s: st.integers(a + 1, s).map(
                                   lambda b, a=a: f"{a}:{b}"))))
    return st.tuples(*parts).map(lambda ps: ", ".join(ps))


BASES = {  # base = f(x) for in-place writes into its views; none of these saves its result
    "mul2": lambda n, x: x * 2.0,
    "sin": lambda n, x: n.sin(x),
    "sq": lambda n, x: x * x,
    "zeros": None,  # a fresh constant: the seed 001 pattern y = zeros(); y[i, j] = f(x)
}


@st.composite
def _copyslices_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.sampled_from(((3,), (2, 3), (3, 1), (1, 2, 3))))
    return {"dtype": dtype, "x": draw(arrays(dtype, shape)), "w": draw(arrays(dtype, shape)),
            "base": draw(st.sampled_from(tuple(BASES))), "idx": draw(_index_strategy(shape)),
            "write": draw(st.sampled_from(("set_fx", "set_scalar", "mul_", "add_fx"))),
            "c": draw(st.sampled_from((0.5, -2.0, 3.0)))}


def _view_index(idx: str) -> Any:
    return eval(f"np.s_[{idx}]", {"np": np})  # a basic index from the case's own source text


def copyslices_jax(case, ref):
    jax, jnp, n = jax_ns()
    d = case["dtype"]
    ix = _view_index(case["idx"])

    def f(x):
        base = jnp.zeros(x.shape, x.dtype) if case["base"] == "zeros" else BASES[case["base"]](n, x)
        src = n.sin(x[ix]) * case["c"]
        w = case["write"]
        if w == "set_fx":
            base = base.at[ix].set(src)
        elif w == "set_scalar":
            base = base.at[ix].set(case["c"])
        elif w == "mul_":
            base = base.at[ix].multiply(case["c"])
        else:
            base = base.at[ix].add(src)
        return base
    base, pull = jax.vjp(f, J(case["x"], d))
    out = {"base": obs(base)}
    if ref.get("x.grad") is not None:  # torch: None when the base ended up not depending on x
        out["x.grad"] = obs(pull(J(case["w"], d))[0])
    return out


@scenario("copyslices_view_of_nonleaf", "grad", _copyslices_cases, jax=copyslices_jax)
def copyslices_view_of_nonleaf(M, case):
    """Writes into a view of a non-leaf (or of a fresh zeros tensor, as in seed 001): base[idx] = f(x),
    base[idx] = scalar, base[idx].mul_(c), base[idx].add_(f(x)).  torch records CopySlices on the
    base (or a plain copy/fill node when the index is the whole tensor); values, gradient and the
    base's flags must match."""
    d = case["dtype"]
    x = tensor(M, case["x"], d, requires_grad=True)
    base = M.zeros(*case["x"].shape, dtype=getattr(M, d)) if case["base"] == "zeros" else BASES[case["base"]](M, x)
    ix = _view_index(case["idx"])
    src = M.sin(x[ix]) * case["c"]
    w = case["write"]
    if w == "set_fx":
        base[ix] = src
    elif w == "set_scalar":
        base[ix] = case["c"]
    elif w == "mul_":
        base[ix].mul_(case["c"])
    else:
        base[ix].add_(src)
    fl = flags(base)
    res = attempt(lambda: base.backward(tensor(M, case["w"], d)))
    return {"base": base, "flags": fl, "backward": "ok" if res is None else res, "x.grad": x.grad}


@st.composite
def _jacobian_cases(draw):
    n = draw(st.integers(2, 4))
    dtype = draw(st.sampled_from(DTYPES))
    coef = draw(st.lists(st.lists(st.sampled_from((0.0, 1.0, 2.0, 3.0, -1.0)), min_size=n, max_size=n),
                         min_size=n, max_size=n))
    power = draw(st.lists(st.lists(st.sampled_from((1, 2, 3)), min_size=n, max_size=n), min_size=n, max_size=n))
    return {"dtype": dtype, "x": draw(arrays(dtype, (1, n))), "coef": coef, "power": power}


def _row(x, coef, power, j):
    """y_j = sum_k coef[j][k] * x[0, k] ** power[j][k] (terms with coefficient 0 left out)."""
    out = None
    for k, (c, p) in enumerate(zip(coef[j], power[j])):
        if c:
            term = c * x[0, k] ** p
            out = term if out is None else out + term
    return out


def jacobian_rows_jax(case, ref):
    jax, jnp, n = jax_ns()
    d = case["dtype"]
    k = len(case["coef"])

    def f(x):
        rows = [_row(x, case["coef"], case["power"], j) for j in range(k)]
        return jnp.stack([r if r is not None else jnp.zeros((), x.dtype) for r in rows])
    x = J(case["x"], d)
    out = {"y": obs(f(x)[None, :])}
    if "J" in ref:  # torch only builds J when y requires grad (some row depends on x)
        out["J"] = obs(jax.jacobian(f)(x)[:, 0, :])
    return out


@scenario("jacobian_rows", "grad", _jacobian_cases, jax=jacobian_rows_jax, seeds=("001",))
def jacobian_rows(M, case):
    """Seed 001's Jacobian generalised: y = zeros(1, n); y[0, j] = polynomial in x's entries (in-place
    writes, CopySlices); J built row by row with y.backward(e_j, retain_graph=True) and
    x.grad = zeros_like(x.grad) between rows."""
    d = case["dtype"]
    k = len(case["coef"])
    x = tensor(M, case["x"], d, requires_grad=True)
    y = M.zeros(1, k, dtype=getattr(M, d))
    for j in range(k):
        r = _row(x, case["coef"], case["power"], j)
        if r is not None:
            y[0, j] = r
    fl = flags(y)
    Jm = M.zeros(k, k, dtype=getattr(M, d))
    if not y.requires_grad:
        return {"flags": fl, "y": y}
    for j in range(k):
        e = np.zeros((1, k))
        e[0, j] = 1.0
        y.backward(tensor(M, e, d), retain_graph=j < k - 1)
        if x.grad is not None:
            Jm[j] = x.grad[0]
            x.grad = M.zeros_like(x.grad)
    return {"flags": fl, "y": y, "J": Jm}


INPLACE_LEAF_OPS = {
    "add_": lambda M, x: x.add_(1.0),
    "mul_": lambda M, x: x.mul_(2.0),
    "zero_": lambda M, x: x.zero_(),
    "fill_": lambda M, x: x.fill_(0.5),
    "copy_": lambda M, x: x.copy_(M.ones_like(x)),
    "setitem": lambda M, x: x.__setitem__(0, 5.0),
    "iadd": lambda M, x: x.__iadd__(1.0),
    "exp_": lambda M, x: x.exp_(),
    "view_add_": lambda M, x: x[0].add_(1.0),
    "out=": lambda M, x: M.add(x, 1.0, out=x),
}


@st.composite
def _inplace_leaf_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.sampled_from(NONSCALAR))
    return {"dtype": dtype, "x": draw(arrays(dtype, shape)), "op": draw(st.sampled_from(tuple(INPLACE_LEAF_OPS))),
            "via": draw(st.sampled_from(("direct", "no_grad", "data", "detach")))}


@scenario("inplace_on_leaf", "errors", _inplace_leaf_cases)
def inplace_on_leaf(M, case):
    """In-place on a leaf that requires grad raises torch's error class and leaves it unchanged;
    the same write under no_grad, through .data or through .detach() is allowed (the first two are the
    training-loop update of seed 001); afterwards backward still gives the right gradient."""
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    op = INPLACE_LEAF_OPS[case["op"]]
    v0 = x._version
    if case["via"] == "direct":
        res = attempt(lambda: op(M, x))
    elif case["via"] == "no_grad":
        with M.no_grad():
            res = attempt(lambda: op(M, x))
    elif case["via"] == "data":
        res = attempt(lambda: op(M, x.data))
    else:
        res = attempt(lambda: op(M, x.detach()))
    res = res if isinstance(res, Raised) else "ok"
    state = {"x": x, "flags": flags(x), "version_moved": x._version != v0}
    (x * x).sum().backward()
    return {"write": res, **state, "x.grad": x.grad}


SAVING = {  # c = op(b) for b = a * 2: which tensors each op saves decides whether a later write breaks it
    "sin": lambda M, b: M.sin(b),            # saves b
    "exp": lambda M, b: M.exp(b),            # saves its result
    "mul_self": lambda M, b: b * b,          # saves b (twice)
    "mul_scalar": lambda M, b: b * 3.0,      # saves only the scalar: b may change afterwards
    "pow2": lambda M, b: b ** 2,             # saves b
    "div": lambda M, b: 1.0 / (b * b + 1.0),
    "tanh": lambda M, b: M.tanh(b),          # saves its result
    "sigmoid": lambda M, b: M.sigmoid(b),    # saves its result
    "add": lambda M, b: b + 1.0,             # saves nothing
    "sum": lambda M, b: b.sum(),             # saves nothing (sizes only)
    "neg": lambda M, b: -b,                  # saves nothing
    "clone": lambda M, b: b.clone(),         # saves nothing
    "t_view": lambda M, b: b.t() * 1.0,      # a view of b times a scalar: nothing of b saved
}
WRITES = {
    "add_": lambda t: t.add_(1.0),
    "mul_": lambda t: t.mul_(2.0),
    "zero_": lambda t: t.zero_(),
    "view_add_": lambda t: t[0].add_(1.0),
    "setitem": lambda t: t.__setitem__(0, 0.25),
}


@st.composite
def _saved_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.sampled_from(((3,), (2, 3), (3, 1))))
    return {"dtype": dtype, "a": draw(arrays(dtype, shape)), "op": draw(st.sampled_from(tuple(SAVING))),
            "target": draw(st.sampled_from(("b", "c"))), "write": draw(st.sampled_from(tuple(WRITES)))}


@scenario("inplace_saved_tensor", "errors", _saved_cases)
def inplace_saved_tensor(M, case):
    """Modifying a tensor after an op saved it for backward (its input b, or its output c) raises
    torch's error class at backward (version counter), not at the write; when nothing needed was
    saved the write is allowed and the gradient is the right one."""
    a = tensor(M, case["a"], case["dtype"], requires_grad=True)
    b = a * 2.0
    c = SAVING[case["op"]](M, b)
    t = b if case["target"] == "b" else c
    if t.dim() == 0 and case["write"] in ("view_add_", "setitem"):
        return {"skipped": "0-d target"}
    write = attempt(lambda: WRITES[case["write"]](t))
    write = write if isinstance(write, Raised) else "ok"
    res = attempt(lambda: c.sum().backward())
    return {"write": write, "backward": "ok" if res is None else res, "a.grad": a.grad,
            "versions": (b._version, c._version), "c_flags": flags(c)}


ALLOWED = {  # in-place ops on y = f(x) (f saves nothing of y) that torch differentiates through
    "add_": (lambda n, y, x: y.add_(x * 3.0), lambda n, y, x: y + x * 3.0),
    "mul_": (lambda n, y, x: y.mul_(x), lambda n, y, x: y * x),
    "sub_": (lambda n, y, x: y.sub_(n.sin(x)), lambda n, y, x: y - n.sin(x)),
    "div_": (lambda n, y, x: y.div_(2.0), lambda n, y, x: y / 2.0),
    "sin_": (lambda n, y, x: y.sin_(), lambda n, y, x: n.sin(y)),
    "exp_": (lambda n, y, x: y.exp_(), lambda n, y, x: n.exp(y)),
    "tanh_": (lambda n, y, x: y.tanh_(), lambda n, y, x: n.tanh(y)),
}
ALLOWED_BASE = {"add": lambda n, x: x + 0.5, "mul": lambda n, x: x * x, "sin": lambda n, x: n.sin(x),
                "clone": lambda n, x: x * 1.0}


@st.composite
def _allowed_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.sampled_from(SHAPES))
    ops = draw(st.lists(st.sampled_from(tuple(ALLOWED)), min_size=1, max_size=3))
    # exp_/tanh_ save their result: no further in-place after them (torch would raise at backward)
    for i, o in enumerate(ops):
        if o in ("exp_", "tanh_"):
            ops = ops[: i + 1]
            break
    return {"dtype": dtype, "x": draw(arrays(dtype, shape)), "g": draw(arrays(dtype, shape)),
            "base": draw(st.sampled_from(tuple(ALLOWED_BASE))), "ops": ops}


def inplace_allowed_jax(case, ref):
    jax, jnp, n = jax_ns()
    d = case["dtype"]

    def f(x):
        y = ALLOWED_BASE[case["base"]](n, x)
        for o in case["ops"]:
            y = ALLOWED[o][1](n, y, x)
        return y
    y, pull = jax.vjp(f, J(case["x"], d))
    return {"y": obs(y), "x.grad": obs(pull(J(case["g"], d))[0])}


@scenario("inplace_allowed", "grad", _allowed_cases, jax=inplace_allowed_jax)
def inplace_allowed(M, case):
    """In-place ops that torch allows inside a graph (on a non-leaf nobody saved): no error, the
    right values and gradient (JAX sees the functional form), grad_fn names of the in-place nodes."""
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    y = ALLOWED_BASE[case["base"]](M, x)
    names = []
    for o in case["ops"]:
        r = ALLOWED[o][0](M, y, x)
        names.append((r is y, name_of(y.grad_fn)))
    y.backward(tensor(M, case["g"], case["dtype"]))
    return {"y": y, "x.grad": x.grad, "nodes": names, "version": y._version}


# --------------------------------------------------------------------------------------------
# backward(gradient) on non-scalars


@st.composite
def _weighted_cases(draw):
    return draw(func_case(shapes=NONSCALAR))


@scenario("backward_gradient_weighted", "grad", _weighted_cases,
          jax=lambda case, ref: {"backward(g)": vjp_f(case), "sum(y*g)": vjp_f(case),
                                 "autograd.backward": vjp_f(case)})
def backward_gradient_weighted(M, case):
    """y.backward(gradient) on a non-scalar equals (y * gradient).sum().backward() and
    torch.autograd.backward(y, gradient): the vector-Jacobian product."""
    f = FUNCS[case["f"]][0]
    d = case["dtype"]
    out = {}
    for form in ("backward(g)", "sum(y*g)", "autograd.backward"):
        x = tensor(M, case["x"], d, requires_grad=True)
        g = tensor(M, case["g"], d)
        y = f(M, x)
        if form == "backward(g)":
            y.backward(g)
        elif form == "sum(y*g)":
            (y * g).sum().backward()
        else:
            M.autograd.backward(y, g)
        out[form] = x.grad
    return out


@st.composite
def _nonscalar_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.sampled_from(((), (1,), (1, 1), (0,), (2,), (2, 3), (1, 3))))
    return {"dtype": dtype, "x": draw(arrays(dtype, shape)), "how": draw(st.sampled_from(("backward", "grad")))}


@scenario("nonscalar_backward_without_gradient", "errors", _nonscalar_cases)
def nonscalar_backward_without_gradient(M, case):
    """backward() / autograd.grad without a gradient: fine for one element (0-d, (1,), (1, 1)), torch's
    error class for any other shape (including empty), and .grad stays None."""
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    y = x * 2.0
    if case["how"] == "backward":
        res = outcome(lambda: y.backward())
        return {"outcome": res, "x.grad": x.grad}
    res = attempt(lambda: M.autograd.grad(y, x)[0])
    return {"outcome": res if isinstance(res, Raised) else "ok", "grad": None if isinstance(res, Raised) else res}


# --------------------------------------------------------------------------------------------
# The seed notes' own programs


@scenario("seed001_jacobian", "grad", lambda: st.just({}), seeds=("001",),
          jax=lambda case, ref: {"J": obs(np.array([[4.0, 3.0], [2.0, 6.0]], dtype=np.float32))},
          cpu_only="the seed passes backward() a gradient made by the legacy Tensor([[1, 0]]) constructor, which "
                   "ignores the default device: on CUDA torch refuses that CPU gradient")
def seed001_jacobian(M, case):
    """Seed 001 as written: y[0, 0] = x1**2 + 3*x2, y[0, 1] = x2**2 + 2*x1 into y = zeros(1, 2);
    J row by row with retain_graph=True and x.grad = zeros_like(x.grad); J = [[4, 3], [2, 6]]
    (the JAX oracle is the closed form)."""
    x = M.tensor([[2, 3]], dtype=M.float, requires_grad=True)
    J_ = M.zeros(2, 2)
    y = M.zeros(1, 2)
    y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
    y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
    y.backward(M.Tensor([[1, 0]]), retain_graph=True)
    J_[0] = x.grad
    x.grad = M.zeros_like(x.grad)
    y.backward(M.Tensor([[0, 1]]))
    J_[1] = x.grad
    return {"J": J_, "y_flags": flags(y), "x.grad": x.grad}


@st.composite
def _loop_cases(draw):
    return {"w0": draw(st.floats(-1.5, 1.5, width=32)),
            "noise": draw(npst.arrays(np.float32, 100, elements=st.floats(0, 1, width=32, exclude_max=True)))}


def _training_loop(M, case, dtype):
    x = M.unsqueeze(M.linspace(-1, 1, 100, dtype=dtype), dim=1)
    y = 3 * x.pow(2) + 2 + 0.2 * M.tensor(case["noise"].reshape(100, 1).astype(np.float64), dtype=dtype)
    w = M.tensor([[case["w0"]]], dtype=dtype, requires_grad=True)
    b = M.zeros(1, 1, dtype=dtype, requires_grad=True)
    lr = 0.001
    for _ in range(800):
        y_pred = x.pow(2).mm(w) + b
        loss = 0.5 * (y_pred - y) ** 2
        loss = loss.sum()
        loss.backward()
        with M.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
    return {"w": w, "b": b, "loss": loss, "w_flags": flags(w), "w.grad": w.grad}


# 800 float32 steps accumulate rounding differently in a NumPy library and in torch's kernels.
LOOP_TOL = {"float32": (1e-4, 1e-5)}


@scenario("seed001_training_loop", "grad", _loop_cases, seeds=("001",), budget=0.25, tol=LOOP_TOL)
def seed001_training_loop(M, case):
    """Seed 001's loop as written: y = w·x² + b on 100 points (drawn noise and initial w), 800 steps of
    loss.backward(), the update under no_grad and grad.zero_() (float32; tolerance 1e-4 relative
    for 800 accumulated steps)."""
    return _training_loop(M, case, M.float32)


def numpy_twin(case):
    """Seed 001's hand-written NumPy twin of the loop (float64), on the same data."""
    x = np.linspace(-1, 1, 100).reshape(100, 1)
    y = 3 * np.power(x, 2) + 2 + 0.2 * case["noise"].reshape(100, 1).astype(np.float64)
    w1 = np.array([[case["w0"]]], dtype=np.float64)
    b1 = np.zeros((1, 1))
    lr = 0.001
    for _ in range(800):
        y_pred = np.power(x, 2) * w1 + b1
        grad_w = np.sum((y_pred - y) * np.power(x, 2))
        grad_b = np.sum(y_pred - y)
        w1 -= lr * grad_w
        b1 -= lr * grad_b
    return w1, b1


def _twin_claim(ref: dict) -> str | None:
    if not ref["twin_matches"]:
        return "seed 001's NumPy twin disagrees with torch's autograd loop on this data"
    return None


@scenario("seed001_numpy_twin", "grad", _loop_cases, seeds=("001",), budget=0.25, ref_check=_twin_claim)
def seed001_numpy_twin(M, case):
    """Seed 001's two versions of the loop agree: the autograd loop (float64) gives the NumPy twin's
    hand-derived w and b (checked on torch's run: the seed's claim), and the library's autograd loop
    gives torch's."""
    r = _training_loop(M, case, M.float64)
    tw, tb = numpy_twin(case)
    same = (np.allclose(r["w"].detach().cpu().numpy(), tw, rtol=1e-7, atol=1e-9)
            and np.allclose(r["b"].detach().cpu().numpy(), tb, rtol=1e-7, atol=1e-9))
    return {"w": r["w"], "b": r["b"], "loss": r["loss"], "twin_matches": bool(same)}


@st.composite
def _sin_chain_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    return {"dtype": dtype, "x": draw(arrays(dtype, draw(st.sampled_from(((2,), (3,), (2, 2))))))}


def seed004_jax(case, ref):
    jax, jnp, n = jax_ns()
    x = J(case["x"], case["dtype"])
    gz = obs(jax.grad(lambda v: jnp.sum(jnp.sin(v ** 2)))(x))
    gy = obs(jax.grad(lambda v: jnp.sum(v ** 2))(x))
    return {"z": obs(jnp.sin(x ** 2)), "grad1": gz, "grad_again": gz, "grad_from_z": gz, "grad_from_y": gy}


@scenario("seed004_sin_chain", "grad", _sin_chain_cases, jax=seed004_jax, seeds=("004",))
def seed004_sin_chain(M, case):
    """Seed 004: z = sin(x**2); z.backward(ones) gives 2x·cos(x²) (not the note's printed values);
    the note's sequence of x.grad.zero_() and repeated backward calls (with the retain_graph fix)
    and y.backward(ones) for y = x**2."""
    x = tensor(M, case["x"], case["dtype"], requires_grad=True)
    y = x ** 2
    z = M.sin(y)
    z.backward(M.ones_like(z), retain_graph=True)
    g1 = x.grad.clone()
    x.grad.zero_()
    z.backward(M.ones_like(z), retain_graph=True)
    g2 = x.grad.clone()
    z.backward(M.ones_like(z), retain_graph=True)
    x.grad.zero_()
    z.backward(M.ones_like(z), retain_graph=True)
    g3 = x.grad.clone()
    x.grad.zero_()
    y.backward(M.ones_like(y), retain_graph=True)
    x.grad.zero_()
    y.backward(M.ones_like(y))
    return {"z": z, "grad1": g1, "grad_again": g2, "grad_from_z": g3, "grad_from_y": x.grad,
            "flags": [flags(t) for t in (x, y, z)]}


# ============================================================================================
# Running: Hypothesis search -> one record


def _limits(profile: profiles.Profile) -> progs.Limits:
    return progs.Limits(max_steps={"ci": 6, "dev": 8}.get(profile.name, 10),
                        max_dims=min(profile.max_dims, 3), max_side=min(profile.max_side, 3))


#: random-program budgets, as multiples of the profile's budgets: programs are the broadest search and
#: cheap against torch (ci: 150 programs vs torch, 20 vs JAX, 100 for the graph)
PROGRAM_BUDGET = {"grad/torch": 12.5, "grad/jax": 2.5, "graph/torch": 25 / 3}


@dataclass
class _Search:
    examples: int = 0
    last: Any = None
    failure: Mismatch | None = None
    crash: str | None = None


def _time_limit(seconds: int):
    try:
        from .engine import _time_limit as tl
        return tl(seconds)
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()


def _search(prop: Callable[[Any], None], strategy: st.SearchStrategy, profile: profiles.Profile,
            max_examples: int, rseed: int, s: _Search | None = None, timeout_s: int | None = None) -> _Search:
    """Search `strategy` for a case failing `prop`; `s`: accumulate into this (strata of one record);
    timeout_s: this search's time limit (default: the profile's per-record limit)."""
    s = s or _Search()
    timeout_s = profile.record_timeout_s if timeout_s is None else timeout_s

    def body(case: Any) -> None:
        s.examples += 1
        s.last = case
        prop(case)

    test = hyp_seed(rseed)(profiles.hypothesis_settings(profile, max(1, max_examples))(given(strategy)(body)))
    try:
        with warnings.catch_warnings(), _time_limit(timeout_s):
            warnings.simplefilter("ignore")
            test()
    except Mismatch as m:
        s.failure = m
    except Flaky as e:
        inner = [x for x in getattr(e, "exceptions", ()) if isinstance(x, Mismatch)]
        if inner:
            s.failure = Mismatch("flaky: " + inner[0].message, inner[0].detail)
        else:
            s.crash = "".join(traceback.format_exception(e))[-4000:]
    except Unsatisfiable as e:
        s.crash = f"no valid example: {e}"
    except BaseException as e:  # noqa: BLE001 - harness problem or time limit
        if isinstance(e, KeyboardInterrupt):
            raise
        if type(e).__name__ == "_TimedOut":
            s.crash = f"timed out after {profile.record_timeout_s}s ({s.examples} examples)"  # the record's
        else:
            s.crash = "".join(traceback.format_exception(e))[-4000:]
    return s


def run_body(scn: Scenario, M: Any, case: dict, device: str = "cpu") -> dict:
    """The scenario's observations with module M; an exception escaping the body is an observation.
    On another device the body runs inside `with M.device(device)`: its factory calls make tensors there."""
    try:
        with warnings.catch_warnings(), (M.device(device) if device != "cpu" else contextlib.nullcontext()):
            warnings.simplefilter("ignore")
            return obs(scn.body(M, case))
    except Exception as e:  # noqa: BLE001
        tb = traceback.extract_tb(e.__traceback__)
        line = next((f"{fr.name}: {fr.line}" for fr in reversed(tb) if fr.filename == __file__), None)
        return {"__raised__": raised(e), "__where__": line}
    finally:
        reset_grad_mode(M)


def scenario_property(scn: Scenario, oracle: str, lib: Any, device: str = "cpu") -> Callable[[dict], None]:
    import torch

    def prop(case: dict) -> None:
        ref = run_body(scn, torch, case, device)
        if "__raised__" in ref:
            raise RuntimeError(f"the scenario raised in torch (harness bug): {ref['__raised__']!r} at {ref['__where__']}")
        if scn.ref_check is not None:
            claim = scn.ref_check(ref)
            if claim:
                raise Mismatch(claim, {"case": describe_case(case)})
        got = run_body(scn, lib, case, device)
        if "__raised__" in got:
            r = got["__raised__"]
            raise Mismatch(f"the library raised {r.name}: {r.message}", {"where": got["__where__"],
                                                                        "case": describe_case(case)})
        if oracle == "torch":
            d = diff(ref, got, "torch", tol=scn.tol)
            if d:
                raise Mismatch(d[0], {**d[1], "case": describe_case(case)})
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = scn.jax(case, ref)
        if expected is None:
            return
        expected = obs(expected)
        d = diff(expected, got, "jax", tol=scn.tol)
        if d:
            undeclared = diff(expected, ref, "jax", tol=scn.tol) is not None
            raise Mismatch(d[0] if not undeclared else "torch and JAX disagree: " + d[0],
                           {**d[1], "case": describe_case(case)}, undeclared_divergence=undeclared)
    return prop


def describe_case(case: Any) -> Any:
    if isinstance(case, dict):
        return {k: describe_case(v) for k, v in case.items()}
    if isinstance(case, np.ndarray):
        return {"shape": list(case.shape), "values": repr(case.tolist())[:300]}
    if isinstance(case, (list, tuple)):
        return [describe_case(v) for v in case]
    return case


def case_src(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"np.array({py_src(v.tolist())}, dtype=np.{v.dtype.name})" if v.size else \
            f"np.zeros({v.shape!r}, dtype=np.{v.dtype.name})"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {case_src(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(case_src(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(case_src(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return py_src(v)


def scenario_repro(scn: Scenario, case: dict, impl_name: str, oracle: str) -> str:
    """A runnable script: the scenario's body (its own source), the shrunk case, run in torch and in
    the library, printing every observation."""
    lines = [f"# Repro: autograd scenario {scn.name!r} (check {scn.check!r} vs {oracle}), the shrunk case.",
             f"# Source: {SPEC}; helpers (FUNCS, tensor, flags, attempt, ...) come from there.",
             "import pprint", "import numpy as np", "import torch", f"import {impl_name} as lib",
             "import conformance.autograd_scenarios as _scenarios",
             "globals().update({k: v for k, v in vars(_scenarios).items() if not k.startswith('__')})  # helpers",
             "", "",
             _strip_decorator(inspect.getsource(scn.body)), "",
             f"case = {case_src(case)}", "",
             "for m in (torch, lib):",
             "    print('---', m.__name__)",
             "    try:",
             f"        pprint.pprint(obs({scn.body.__name__}(m, case)), width=110)",
             "    except Exception as e:",
             "        print(m.__name__, 'raised', type(e).__name__, e)",
             "    finally:",
             "        m.set_grad_enabled(True)"]
    if oracle == "jax" and scn.jax is not None:
        lines += ["", "# JAX oracle for the same case (conformance/autograd_scenarios.py):",
                  f"print('--- jax')", f"pprint.pprint(SCENARIOS[{scn.name!r}].jax(case, None), width=110)"]
    return "\n".join(lines) + "\n"


def _strip_decorator(src: str) -> str:
    lines = src.splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.startswith("def "))
    return "\n".join(lines[i:])


def _record_seed(name: str, check: str, oracle: str, seed: int) -> int:
    return zlib.crc32(f"autograd|{name}|{check}|{oracle}|{seed}".encode())


def _base_record(op: str, check: str, oracle: str, seeds: Iterable[str], device: str) -> dict:
    return {"op": op, "group": GROUP, "check": check, "oracle": oracle, "dtype": None, "device": device,
            "status": "pass", "reason": None, "examples": 0, "detail": {}, "repro": None,
            "seeds": list(seeds), "spec": SPEC}


def _finish(rec: dict, s: _Search, t0: float, repro: Callable[[Any], str], gap: Any = None,
            doc: str = "") -> dict:
    rec["examples"] = s.examples
    rec["duration_s"] = round(time.perf_counter() - t0, 4)
    if doc:
        rec["detail"]["about"] = doc
    if s.crash:
        rec.update(status="error", reason=s.crash if s.crash.startswith(("timed out", "no valid")) else
                   "harness crashed: " + s.crash.strip().splitlines()[-1][:300])
        rec["detail"]["traceback"] = s.crash
        return rec
    if s.failure:
        f = s.failure
        rec["detail"].update({"message": f.message, **f.detail})
        if f.undeclared_divergence:
            rec["detail"]["hint"] = "torch and JAX disagree on this case: a scenario/oracle bug, not the library's"
        try:
            rec["repro"] = repro(s.last)
        except Exception as e:  # noqa: BLE001
            rec["repro"] = f"# could not build a repro: {type(e).__name__}: {e}\n"
        if gap is not None:
            rec.update(status="gap", reason=gap.reason)
        else:
            rec.update(status="fail", reason=f.message[:500])
        return rec
    if gap is not None:
        rec.update(status="stale", reason=f"declared gap now passes; remove it: {gap.reason}")
    return rec


def _no_device(device: str) -> str | None:
    """Why the suite cannot run on `device` here (None: it can)."""
    import torch
    if device == "cuda" and not torch.cuda.is_available():
        return "no GPU: torch.cuda.is_available() is False"
    return None


def run_scenario(scn: Scenario, oracle: str, lib: Any, impl_name: str, profile: profiles.Profile,
                 seed: int = 0, device: str = "cpu", gap: Any = None,
                 case_filter: Callable[[dict], bool] | None = None) -> dict:
    """One record: the scenario's property searched with Hypothesis against one oracle.
    case_filter: keep only cases it accepts (tests use it to step around a known divergence)."""
    t0 = time.perf_counter()
    rec = _base_record(scn.name, scn.check, oracle, scn.seeds, device)
    if _no_device(device) or (device != "cpu" and scn.cpu_only):
        rec.update(status="skip", reason=_no_device(device) or f"CPU only: {scn.cpu_only}", duration_s=0.0)
        return rec
    budget = profile.jax_examples if oracle == "jax" else profile.max_examples
    budget = max(1, int(round(budget * scn.budget)))
    cases = scn.cases() if case_filter is None else scn.cases().filter(case_filter)
    s = _search(scenario_property(scn, oracle, lib, device), cases, profile, budget,
                _record_seed(scn.name, scn.check, oracle, seed))
    return _finish(rec, s, t0, lambda case: scenario_repro(scn, case, impl_name, oracle), gap, scn.doc)


# ---- random programs

PROGRAM_RECORDS = (("random_programs", "grad", "torch"), ("random_programs", "grad", "jax"),
                   ("random_programs", "graph", "torch"))


def program_property(check: str, oracle: str, lib: Any, device: str = "cpu") -> Callable[[progs.Program], None]:
    import torch

    def prop(prog: progs.Program) -> None:
        graph = check == "graph"
        ref = progs.run_jax(prog) if oracle == "jax" else progs.run_torchlike(prog, torch, graph=graph, device=device)
        got = progs.run_torchlike(prog, lib, graph=graph, device=device)
        d = progs.compare(prog, got, ref, oracle, what=check)
        if d:
            undeclared = False
            if oracle == "jax":
                tr = progs.run_torchlike(prog, torch, device=device)
                undeclared = not tr.error and progs.compare(prog, tr, ref, "jax") is not None
            raise Mismatch(("torch and JAX disagree: " if undeclared else "") + d[0],
                           {**d[1], "program": prog.summary()}, undeclared_divergence=undeclared)
    return prop


def run_programs(check: str, oracle: str, lib: Any, impl_name: str, profile: profiles.Profile,
                 seed: int = 0, device: str = "cpu", gap: Any = None, max_examples: int | None = None,
                 case_filter: Callable[[progs.Program], bool] | None = None) -> dict:
    """One record: random programs vs one oracle (check "grad": values and leaf gradients; "graph":
    flags of every value and the loss's DAG).  case_filter: keep only programs it accepts."""
    t0 = time.perf_counter()
    rec = _base_record("random_programs", check, oracle, ("001", "004"), device)
    if _no_device(device):
        rec.update(status="skip", reason=_no_device(device), duration_s=0.0)
        return rec
    base = profile.jax_examples if oracle == "jax" else profile.max_examples
    n = max_examples or max(1, int(round(base * PROGRAM_BUDGET[f"{check}/{oracle}"])))
    # Stratified: every op variant (op and surface form, progs.VARIANTS) is the focus of the programs of
    # one stratum, each stratum its own Hypothesis search (so a failure shrinks within its stratum), so
    # coverage does not depend on the seed's luck.  A budget too small for all variants (ci's JAX
    # record) covers a seed-dependent share of them.
    rseed = _record_seed("random_programs", check, oracle, seed)
    prop = program_property(check, oracle, lib, device)
    s = _Search()
    for k, (focus, budget) in enumerate(progs.strata(n, rotate=rseed)):
        strategy = progs.programs(_limits(profile), focus=focus)
        if case_filter is not None:
            strategy = strategy.filter(case_filter)
        left = profile.record_timeout_s - (time.perf_counter() - t0)
        if left < 1:
            s.crash = f"timed out after {profile.record_timeout_s}s ({s.examples} examples)"
            break
        _search(prop, strategy, profile, budget, zlib.crc32(f"{rseed}|{k}".encode()), s, int(math.ceil(left)))
        if s.failure or s.crash:
            break
    doc = ("Random programs (conformance/programs.py): a DAG of pointwise ops, reductions, matmul, views "
           "and legal in-place writes over a few leaves, with broadcasting; " +
           ("the graph of every value (requires_grad, is_leaf, grad_fn) and the loss's whole DAG vs torch"
            if check == "graph" else f"every output and every leaf gradient vs {oracle}"))
    return _finish(rec, s, t0, lambda prog: prog.source(impl_name, with_jax=oracle == "jax"), gap, doc)


# ---- the CLI entry point

def all_cases() -> list[tuple[str, str, str]]:
    """(op, check, oracle) of every record run_autograd_checks writes, in order."""
    out = [(s.name, s.check, o) for s in SCENARIOS.values() for o in s.oracles]
    return out + list(PROGRAM_RECORDS)


def run_autograd_checks(impl_name: str, profile: str | profiles.Profile, writer: Any, *, seed: int = 0,
                        device: str = "cpu", only: Iterable[str] | None = None, module: Any = None,
                        gaps: Iterable[Any] = (), progress: Callable[[dict], None] | None = None) -> list[dict]:
    """Run every autograd scenario and the random-program checks against `impl_name`; write one
    record per scenario x oracle through `writer` (a ResultWriter, or anything with .write(dict));
    return the records.

    only: what to run: scenario names and/or "random_programs", or single records as "op/check/oracle";
    module: a module object to test instead of importing impl_name (planted-bug tests); gaps:
    catalog.Gap entries (op = scenario name) to apply.
    """
    prof = profiles.get(profile) if isinstance(profile, str) else profile
    lib = module if module is not None else importlib.import_module(impl_name)
    wanted = set(only) if only is not None else None
    gaps = list(gaps)

    def selected(op, check, oracle):
        return wanted is None or op in wanted or f"{op}/{check}/{oracle}" in wanted

    def gap_for(op, check, oracle):
        return next((g for g in gaps if g.applies(op, check, oracle, None, impl_name)), None)

    records = []

    def emit(rec):
        writer.write(rec)
        records.append(rec)
        if progress:
            progress(rec)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for scn in SCENARIOS.values():
            for oracle in scn.oracles:
                if selected(scn.name, scn.check, oracle):
                    emit(run_scenario(scn, oracle, lib, impl_name, prof, seed, device,
                                      gap_for(scn.name, scn.check, oracle)))
        for op, check, oracle in PROGRAM_RECORDS:
            if selected(op, check, oracle):
                emit(run_programs(check, oracle, lib, impl_name, prof, seed, device, gap_for(op, check, oracle)))
    return records
