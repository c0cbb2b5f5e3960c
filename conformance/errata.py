"""The seed errata: claims in the seed notes that real torch contradicts, each checked live.

CATALOG.md's last section lists them. Each erratum here is one small function that runs real torch
to show what it actually does instead of what the seed says, then checks that the library under test
does what torch does. Nothing is pasted from a torch run: the only numbers written here are the
seed's own claims, the thing under test.

    check(erratum_id, lib)          -> one result record (the report's "errata" group)
    evaluate(erratum_id, lib)       -> the facts behind it (tests/seeds/test_errata.py asserts on them)
    run_errata(impl_name, writer)   -> runs every erratum and writes its record (for `conformance run`)

A record: group "errata", op = the erratum id ("004-grad-accumulation"), check "erratum", oracle
"torch", dtype None.  Status:

- pass: torch contradicts the seed's claim (every torch-side fact holds) and the library matches
  torch on the corrected behaviour (every library-side fact holds);
- fail: a torch-side fact does not hold (the erratum itself is wrong for this torch: fix CATALOG)
  or the library does not match torch;
- skip: every fact that could be decided holds, but one could not be decided this run (the
  uninitialised-memory witness for ``Tensor(1)`` depends on the allocator);
- error: the check itself crashed while running torch.

``detail`` holds ``seed_claim`` (what the seed says), ``torch_actual`` (what torch does, printed
from this run), ``library_actual`` and ``facts`` (each fact: side, what, holds, shown).
"""
from __future__ import annotations

import importlib
import time
import traceback
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

import numpy as np

from .results import ERRATA_GROUP

CHECK = "erratum"
ORACLE = "torch"


@dataclass
class Fact:
    side: str              # "torch": the seed's claim is contradicted; "library": the library matches torch
    what: str
    holds: bool | None     # None: could not be decided this run
    shown: str = ""        # what was observed

    def as_dict(self) -> dict[str, Any]:
        return {"side": self.side, "what": self.what, "holds": self.holds, "shown": self.shown}


def _name(obj: Any) -> str:
    return type(obj).__name__


def _repr(v: Any, limit: int = 400) -> str:
    try:
        s = repr(v)
    except Exception as e:  # noqa: BLE001 - a broken repr in the library must not hide the result
        s = f"<repr failed: {_name(e)}: {e}>"
    return s if len(s) <= limit else s[:limit] + "…"


def _builtin_base(exc_type: type) -> type:
    """torch raises subclasses (torch.OutOfMemoryError, _LinAlgError...): compare built-in bases."""
    for k in exc_type.__mro__:
        if k.__module__ == "builtins":
            return k
    return Exception


def _dotted(mod: Any, path: str) -> bool:
    obj = mod
    for part in path.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


class Facts:
    """What one erratum established: torch-side facts, library-side facts, and the two summaries."""

    def __init__(self, lib: ModuleType, lib_name: str | None = None) -> None:
        import torch

        self.torch = torch
        self.lib = lib
        self.lib_name = lib_name or getattr(lib, "__name__", "library")
        self.items: list[Fact] = []
        self.torch_actual = ""
        self.library_actual = ""

    # ---- torch side: the seed's claim against real torch
    def refutes(self, what: str, holds: bool | None, shown: Any = "") -> bool | None:
        """A torch-side fact (computed by the caller with real torch)."""
        self.items.append(Fact("torch", what, None if holds is None else bool(holds),
                               shown if isinstance(shown, str) else _repr(shown)))
        return holds

    # ---- library side: the library against torch on the corrected behaviour
    def show_library(self, fn: Callable[[], str]) -> None:
        """Set ``library_actual`` from ``fn()``; a library exception is shown, not raised."""
        try:
            self.library_actual = fn()
        except Exception as e:  # noqa: BLE001
            self.library_actual = f"raises {_name(e)}: {str(e)[:200]}"

    def library(self, what: str, fn: Callable[[], Any]) -> bool:
        """A library-side fact: ``fn()`` returns truthy (or ``(ok, shown)``); raising counts as not holding."""
        try:
            out = fn()
            ok, shown = out if isinstance(out, tuple) else (out, "")
        except Exception as e:  # noqa: BLE001 - the library's exception is the finding
            ok, shown = False, f"{_name(e)}: {e}"
        self.items.append(Fact("library", what, bool(ok), shown if isinstance(shown, str) else _repr(shown)))
        return bool(ok)

    def same(self, what: str, build: Callable[[ModuleType], Any]) -> bool:
        """``build(M)`` run with the library and with torch must agree: tensors in dtype, shape and
        values (torch's assert_close tolerances), other values by ==, exceptions by built-in class."""
        return self.library(what, lambda: self._compare(build))

    def _compare(self, build: Callable[[ModuleType], Any]) -> tuple[bool, str]:
        def outcome(M: ModuleType) -> tuple[str, Any]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    return "ok", build(M)
                except Exception as e:  # noqa: BLE001
                    return "raise", e

        (tk, tv), (lk, lv) = outcome(self.torch), outcome(self.lib)
        if tk == "raise":
            want = _builtin_base(type(tv))
            if lk != "raise":
                return False, f"torch raises {_name(tv)}: {tv}; {self.lib_name} returned {_repr(lv)}"
            ok = isinstance(lv, want)
            return ok, f"torch raises {_name(tv)}; {self.lib_name} raises {_name(lv)}: {str(lv)[:200]}"
        if lk == "raise":
            return False, f"torch returns {_repr(tv)}; {self.lib_name} raises {_name(lv)}: {lv}"
        ok, why = self._equal(lv, tv)
        return ok, f"torch: {_repr(tv)}\n{self.lib_name}: {_repr(lv)}" + (f"\n{why}" if why else "")

    def _equal(self, a: Any, b: Any) -> tuple[bool, str]:
        torch = self.torch
        if isinstance(b, (tuple, list)) and not isinstance(b, torch.Size):
            if not isinstance(a, (tuple, list)) or len(a) != len(b):
                return False, "different structure"
            for x, y in zip(a, b):
                ok, why = self._equal(x, y)
                if not ok:
                    return False, why
            return True, ""
        if isinstance(b, torch.Tensor):
            if not isinstance(a, getattr(self.lib, "Tensor", ())):
                return False, f"{self.lib_name} returned a {_name(a)}, not a tensor"
            ad, bd = str(a.dtype).split(".")[-1], str(b.dtype).split(".")[-1]
            if ad != bd:
                return False, f"dtype {ad} != torch {bd}"
            if tuple(a.shape) != tuple(b.shape):
                return False, f"shape {tuple(a.shape)} != torch {tuple(b.shape)}"
            actual = torch.from_numpy(np.array(a.detach().numpy(), copy=True))
            try:
                torch.testing.assert_close(actual, b.detach().cpu(), equal_nan=True, check_device=False)
            except AssertionError as e:
                return False, str(e).splitlines()[0]
            return True, ""
        try:
            return bool(a == b), ""
        except Exception as e:  # noqa: BLE001
            return False, f"cannot compare: {_name(e)}"


@dataclass(frozen=True)
class Erratum:
    id: str                      # "<seed>-<short name>", the record's op
    seed: str                    # the seed note's prefix
    claim: str                   # what the seed says (paraphrased)
    truth: str                   # what torch does instead
    ops: tuple[str, ...]         # the torch names involved
    run: Callable[[Facts], None] = field(compare=False)
    repro: str = ""              # a few lines that show torch's behaviour


#: Every erratum, in CATALOG.md order.
ERRATA: dict[str, Erratum] = {}


def erratum(id: str, seed: str, claim: str, truth: str, ops: tuple[str, ...] = (), repro: str = ""):
    def register(fn: Callable[[Facts], None]) -> Callable[[Facts], None]:
        if id in ERRATA:
            raise ValueError(f"duplicate erratum id {id!r}")
        ERRATA[id] = Erratum(id, seed, claim, truth, ops, fn, repro.strip() + "\n" if repro else "")
        return fn
    return register


# ================================================================================ 004: sin(x**2)

CLAIMED_004 = [1.6830, 1.8186]      # the seed's printed x.grad, "because of accumulation"
CORRECTED_004 = [1.0806, -2.6144]   # the seed's own hand derivation, as quoted in CATALOG.md
CLAIMED_Z_004 = [0.8415, 0.9093]    # the seed's printed z = sin(x**2)


def _sin_chain(M: Any, backward_calls: int = 1) -> tuple[Any, Any]:
    x = M.tensor([1.0, 2.0], requires_grad=True)
    z = M.sin(x ** 2)
    for i in range(backward_calls):
        z.backward(M.ones_like(z), retain_graph=i + 1 < backward_calls)
    return x, z


@erratum("004-grad-accumulation", "004",
         claim="after z = sin(x**2), z.backward(ones) gives x.grad = [1.6830, 1.8186] "
               "\"because PyTorch accumulates gradients\"",
         truth="x.grad = 2x·cos(x²) = [1.0806, -2.6146] on a fresh x; accumulating k passes gives k times "
               "that, never the claimed values (which are 2·sin(x)); a second backward without "
               "retain_graph raises",
         ops=("sin", "pow", "Tensor.backward"),
         repro="""
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
z = torch.sin(x ** 2)
z.backward(torch.ones_like(z))
print(x.grad)   # seed: tensor([1.6830, 1.8186])
""")
def _e004_grad(f: Facts) -> None:
    torch = f.torch
    x, _ = _sin_chain(torch)
    got = x.grad
    f.torch_actual = f"x.grad = {_repr(got)}"
    f.refutes("x.grad is not the claimed [1.6830, 1.8186]",
              not torch.allclose(got, torch.tensor(CLAIMED_004), atol=1e-4), got)
    xv = torch.tensor([1.0, 2.0])
    chain = 2 * xv * torch.cos(xv ** 2)
    f.refutes("x.grad is the chain rule 2x·cos(x²)", torch.allclose(got, chain), chain)
    # CATALOG's corrected value agrees to 3 decimals: the seed's hand calculation rounded cos(4)
    # to -0.6536 first, torch prints -2.6146 (4*cos(4) = -2.61457...).
    f.refutes("x.grad is CATALOG's corrected [1.0806, -2.6144] (to 1e-3)",
              torch.allclose(got, torch.tensor(CORRECTED_004), atol=1e-3, rtol=0), got)
    acc = []
    for k in (1, 2, 3):
        xk, _ = _sin_chain(torch, backward_calls=k)
        acc.append(xk.grad)
    f.refutes("accumulating k = 1, 2, 3 backward passes gives k·[1.0806, -2.6144], never the claim",
              all(torch.allclose(g, k * torch.tensor(CORRECTED_004), atol=1e-3, rtol=0)
                  and not torch.allclose(g, torch.tensor(CLAIMED_004), atol=1e-3)
                  for k, g in zip((1, 2, 3), acc)),
              "; ".join(f"k={k}: {_repr(g)}" for k, g in zip((1, 2, 3), acc)))
    two_sin = 2 * torch.sin(xv)
    f.refutes("the claimed numbers are 2·sin(x): twice the (wrong) printed z, not a gradient of sin(x²)",
              torch.allclose(two_sin, torch.tensor(CLAIMED_004), atol=1e-4, rtol=0), two_sin)
    x, z = _sin_chain(torch)
    x.grad.zero_()
    try:
        z.backward(torch.ones_like(z))
        second = None
    except RuntimeError as e:
        second = e
    f.refutes("the seed's x.grad.zero_(); z.backward(...) after a first backward raises "
              "(graph freed, no retain_graph)",
              second is not None and "backward through the graph a second time" in str(second),
              f"{_name(second)}: {str(second).splitlines()[0]}" if second else "no error")

    f.show_library(lambda: f"x.grad = {_repr(_sin_chain(f.lib)[0].grad)}")
    for k in (1, 2):
        f.same(f"z and x.grad after {k} backward pass{'es' if k > 1 else ''} (retain_graph) match torch",
               lambda M, k=k: (lambda xz: (xz[1].detach(), xz[0].grad))(_sin_chain(M, k)))

    def second_backward(M: Any) -> None:
        x, z = _sin_chain(M)
        x.grad.zero_()
        z.backward(M.ones_like(z))
    f.same("a second backward without retain_graph raises like torch", second_backward)


@erratum("004-printed-z", "004",
         claim="z = sin(x**2) for x = [1., 2.] prints [0.8415, 0.9093] (and the hand derivation says "
               "sin(4.0) = 0.9093)",
         truth="z = [sin 1, sin 4] = [0.8415, -0.7568]; the printed values are sin(x) = [sin 1, sin 2] "
               "(not in CATALOG.md's list: found while checking the 004 erratum)",
         ops=("sin", "pow"),
         repro="""
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
print(torch.sin(x ** 2))   # seed: [0.8415, 0.9093]
""")
def _e004_z(f: Facts) -> None:
    torch = f.torch
    _, z = _sin_chain(torch)
    f.torch_actual = f"z = {_repr(z)}"
    f.refutes("z is not the claimed [0.8415, 0.9093]",
              not torch.allclose(z.detach(), torch.tensor(CLAIMED_Z_004), atol=1e-3), z)
    sx = torch.sin(torch.tensor([1.0, 2.0]))
    f.refutes("the claimed values are sin(x), not sin(x²)",
              torch.allclose(sx, torch.tensor(CLAIMED_Z_004), atol=1e-4, rtol=0), sx)
    f.show_library(lambda: f"z = {_repr(_sin_chain(f.lib)[1])}")
    f.same("z = sin(x**2) matches torch", lambda M: _sin_chain(M)[1].detach())


# ================================================================================ 000: names

def _no_such_name(f: Facts, wrong: str, right: str, lib_build: Callable[[Any], Any] | None,
                  lib_what: str) -> None:
    torch = f.torch
    f.torch_actual = (f"torch.{wrong}: {'exists' if _dotted(torch, wrong) else 'AttributeError'}; "
                      f"torch.{right}: {'exists' if _dotted(torch, right) else 'missing'}")
    f.refutes(f"torch.{wrong} does not exist", not _dotted(torch, wrong), f.torch_actual)
    f.refutes(f"torch.{right} does (the correct name)", _dotted(torch, right))
    last = wrong.split(".")[-1]
    f.library_actual = (f"{f.lib_name}.{wrong}: {'exists' if _dotted(f.lib, wrong) else 'missing'}; "
                        f"{f.lib_name}.{right}: {'exists' if _dotted(f.lib, right) else 'missing'}")
    f.library(f"the library does not invent {last} either (module or Tensor)",
              lambda: (not hasattr(f.lib, last) and not hasattr(getattr(f.lib, "Tensor", None), last),
                       f.library_actual))
    if lib_build is not None:
        f.same(lib_what, lib_build)


@erratum("000-uniform", "000", claim="torch.uniform() draws from a uniform distribution",
         truth="there is no torch.uniform; the op is the in-place method Tensor.uniform_(a, b) "
               "(or torch.rand for [0, 1))",
         ops=("Tensor.uniform_",),
         repro="""
import torch
print(hasattr(torch, "uniform"))          # False
print(torch.empty(3).uniform_(-2, 3))
""")
def _e000_uniform(f: Facts) -> None:
    _no_such_name(f, "uniform", "Tensor.uniform_", None, "")

    def draws(M: Any) -> tuple[bool, str]:
        M.manual_seed(0)
        t = M.empty(1000).uniform_(-2, 3)
        v = np.asarray(t.numpy())
        ok = (str(t.dtype).split(".")[-1] == "float32" and tuple(t.shape) == (1000,)
              and v.min() >= -2 and v.max() < 3 and abs(v.mean() - 0.5) < 0.2)
        return ok, f"float32 [1000] in [{v.min():.3f}, {v.max():.3f}], mean {v.mean():.3f}"
    ok_t, shown_t = draws(f.torch)
    f.refutes("torch's Tensor.uniform_(-2, 3) fills float32 values in [-2, 3)", ok_t, shown_t)
    f.library("the library's Tensor.uniform_(-2, 3) fills float32 values in [-2, 3) like torch",
              lambda: draws(f.lib))


@erratum("000-non_zero", "000", claim="torch.non_zero(x) gives the indices of non-zero elements",
         truth="the function is torch.nonzero; torch.non_zero does not exist",
         ops=("nonzero",),
         repro="""
import torch
print(hasattr(torch, "non_zero"))         # False
print(torch.nonzero(torch.tensor([[0.0, 1.5], [2.0, 0.0]])))
""")
def _e000_non_zero(f: Facts) -> None:
    _no_such_name(f, "non_zero", "nonzero",
                  lambda M: M.nonzero(M.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])),
                  "the library's nonzero matches torch")


@erratum("000-add-output-keyword", "000", claim="torch.add(x, y, output=z) writes the sum into z",
         truth="the keyword is out=: torch.add(x, y, output=z) raises TypeError; torch.add(x, y, out=z) "
               "writes into z and returns it",
         ops=("add",),
         repro="""
import torch
x, y, z = torch.ones(2), torch.ones(2), torch.empty(2)
torch.add(x, y, out=z); print(z)          # tensor([2., 2.])
torch.add(x, y, output=z)                 # TypeError
""")
def _e000_add_output(f: Facts) -> None:
    torch = f.torch
    x, y, z = torch.ones(2), torch.ones(2), torch.empty(2)
    try:
        torch.add(x, y, output=z)
        err = None
    except TypeError as e:
        err = e
    f.refutes("torch.add(x, y, output=z) raises TypeError", err is not None,
              f"TypeError: {str(err).splitlines()[0][:160]}" if err else "no error")
    r = torch.add(x, y, out=z)
    f.torch_actual = f"output= raises TypeError; out=z gives z = {_repr(z)}"
    f.refutes("torch.add(x, y, out=z) writes into z and returns z", r is z and z.tolist() == [2.0, 2.0], z)
    f.same("output= raises like torch", lambda M: M.add(M.ones(2), M.ones(2), output=M.empty(2)))

    def out_is_z() -> tuple[bool, str]:
        zl = f.lib.empty(2)
        r = f.lib.add(f.lib.ones(2), f.lib.ones(2), out=zl)
        f.library_actual = f"out=z gives z = {_repr(zl)}"
        return r is zl, f"returns out: {r is zl}"
    f.library("the library's add(x, y, out=z) returns z itself", out_is_z)
    f.same("out=z values match torch",
           lambda M: (lambda z: (M.add(M.ones(2), M.ones(2), out=z), z)[1])(M.empty(2)))


@erratum("000-badbmm", "000", claim="x.badbmm() is a batched matrix op (listed with addmm, addbmm, addmv, addr)",
         truth="the op is baddbmm (torch.baddbmm / Tensor.baddbmm); badbmm does not exist",
         ops=("baddbmm",),
         repro="""
import torch
print(hasattr(torch, "badbmm"), hasattr(torch.Tensor, "badbmm"))   # False False
print(torch.baddbmm(torch.ones(2, 3, 3), torch.ones(2, 3, 2), torch.ones(2, 2, 3)).shape)
""")
def _e000_badbmm(f: Facts) -> None:
    torch = f.torch
    f.refutes("Tensor.badbmm does not exist either", not _dotted(torch, "Tensor.badbmm"))

    def run(M: Any) -> Any:
        b1 = M.tensor(np.arange(12.0).reshape(2, 3, 2))
        b2 = M.tensor(np.arange(12.0).reshape(2, 2, 3))
        return M.baddbmm(M.ones(2, 3, 3, dtype=M.float64), b1, b2, beta=0.5, alpha=2)
    _no_such_name(f, "badbmm", "baddbmm", run, "the library's baddbmm(beta=0.5, alpha=2) matches torch")


# ================================================================================ 001

@erratum("001-longspace", "001", claim="longspace(start, end, steps) gives steps points from 10^start to 10^end",
         truth="the function is torch.logspace; torch.longspace does not exist",
         ops=("logspace",),
         repro="""
import torch
print(hasattr(torch, "longspace"))        # False
print(torch.logspace(0, 2, 3))            # tensor([  1.,  10., 100.])
""")
def _e001_longspace(f: Facts) -> None:
    torch = f.torch
    _no_such_name(f, "longspace", "logspace", None, "")
    lp = torch.logspace(0, 2, 3)
    f.refutes("torch.logspace(0, 2, 3) is [1, 10, 100] (the seed's meaning)", lp.tolist() == [1.0, 10.0, 100.0], lp)
    for args, kw in (((0, 2, 3), {}), ((-1, 1, 5), {}), ((0, 3, 4), {}), ((0, 3, 4), {"base": 2})):
        f.same(f"logspace{args}{', base=2' if kw else ''} matches torch",
               lambda M, args=args, kw=kw: M.logspace(*args, **kw))


def _addcdiv_args(M: Any) -> tuple[Any, Any, Any]:
    return (M.tensor([[1.0, 2.0, 3.0]]), M.tensor([[0.5], [1.0], [2.0]]), M.tensor([[2.0, -4.0, 8.0]]))


@erratum("001-addcdiv-positional-value", "001",
         claim="addcdiv(t, v, t1, t2) computes t + v·(t1/t2), called as torch.addcdiv(t, 0.1, t1, t2)",
         truth="that positional-value overload is deprecated (torch warns and computes the same); "
               "the documented form is addcdiv(t, t1, t2, value=0.1). CATALOG.md calls it removed: "
               "torch still accepts it",
         ops=("addcdiv",),
         repro="""
import torch, warnings
t, t1, t2 = torch.tensor([[1., 2., 3.]]), torch.tensor([[.5], [1.], [2.]]), torch.tensor([[2., -4., 8.]])
warnings.simplefilter("always")
print(torch.addcdiv(t, 0.1, t1, t2))      # UserWarning: This overload of addcdiv is deprecated
print(torch.addcdiv(t, t1, t2, value=0.1))
""")
def _e001_addcdiv(f: Facts) -> None:
    torch = f.torch
    t, t1, t2 = _addcdiv_args(torch)

    def old_form(M: Any) -> tuple[Any, list[str]]:
        # torch warns once per process unless warn_always is on: turn it on for this call only
        always = torch.is_warn_always_enabled()
        torch.set_warn_always(True)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = M.addcdiv(*(lambda a: (a[0], 0.1, a[1], a[2]))(_addcdiv_args(M)))
        finally:
            torch.set_warn_always(always)
        return out, [f"{w.category.__name__}: {w.message}" for w in caught
                     if issubclass(w.category, UserWarning) and "deprecated" in str(w.message)]
    old, warned = old_form(torch)
    f.refutes("torch.addcdiv(t, 0.1, t1, t2) warns that the overload is deprecated", bool(warned),
              warned[0][:200] if warned else "no deprecation warning")
    new = torch.addcdiv(t, t1, t2, value=0.1)
    f.torch_actual = f"deprecated, still computed: {_repr(old)}" if warned else _repr(old)
    f.refutes("it computes the same as addcdiv(t, t1, t2, value=0.1)", torch.allclose(old, new), new)
    f.refutes("which is t + 0.1·(t1/t2), the seed's stated meaning", torch.allclose(new, t + 0.1 * (t1 / t2)))

    def lib_warns() -> tuple[bool, str]:
        out, w = old_form(f.lib)
        f.library_actual = _repr(out)
        return bool(w), (w[0][:200] if w else "no deprecation warning")
    f.library("the library warns on the deprecated overload like torch", lib_warns)
    f.same("the deprecated positional form matches torch",
           lambda M: (lambda a: M.addcdiv(a[0], 0.1, a[1], a[2]))(_addcdiv_args(M)))
    f.same("addcdiv(t, t1, t2, value=0.1) matches torch", lambda M: M.addcdiv(*_addcdiv_args(M), value=0.1))


def _gather_inputs(M: Any) -> tuple[Any, Any]:
    x = M.tensor([[0.3607, -0.2859, -0.3938], [0.2429, -1.3833, -2.3134]])
    index = M.tensor([[0, 1, 1], [1, 0, 1]])
    return x, index


@erratum("001-gather-dim0-formula", "001",
         claim="for dim 0, gather computes out[i][j] = input[index[i][j][j]]",
         truth="out[i][j] = input[index[i][j]][j]; the seed's expression cannot even be evaluated "
               "(index[i][j] is one number: a third subscript raises IndexError). The dim 1 formula "
               "out[i][j] = input[i][index[i][j]] is right",
         ops=("gather",),
         repro="""
import torch
x = torch.tensor([[0.3607, -0.2859, -0.3938], [0.2429, -1.3833, -2.3134]])
index = torch.tensor([[0, 1, 1], [1, 0, 1]])
out = torch.gather(x, 0, index)
print(out[0][1] == x[index[0][1]][1])     # tensor(True)
x[index[0][1][1]]                         # IndexError
""")
def _e001_gather(f: Facts) -> None:
    torch = f.torch
    x, index = _gather_inputs(torch)
    out = torch.gather(x, 0, index)
    f.torch_actual = f"gather(x, 0, index) = {_repr(out)}"
    rows, cols = index.shape
    f.refutes("dim 0: out[i][j] == input[index[i][j]][j] for every i, j",
              all(bool(out[i][j] == x[index[i][j]][j]) for i in range(rows) for j in range(cols)), out)
    raised = []
    for i in range(rows):
        for j in range(cols):
            try:
                x[index[i][j][j]]
            except IndexError as e:
                raised.append(e)
    f.refutes("the seed's input[index[i][j][j]] raises IndexError for every i, j", len(raised) == rows * cols,
              f"IndexError: {raised[0]}" if raised else "no error")
    out1 = torch.gather(x, 1, index)
    f.refutes("dim 1: the seed's out[i][j] == input[i][index[i][j]] is right",
              all(bool(out1[i][j] == x[i][index[i][j]]) for i in range(rows) for j in range(cols)), out1)
    f.show_library(lambda: "gather(x, 0, index) = " + _repr(f.lib.gather(*(lambda a: (a[0], 0, a[1]))(
        _gather_inputs(f.lib)))))
    for dim in (0, 1):
        f.same(f"the library's gather(x, {dim}, index) matches torch",
               lambda M, dim=dim: (lambda a: M.gather(a[0], dim, a[1]))(_gather_inputs(M)))


@erratum("001-from-numpy-int64", "001",
         claim="torch.from_numpy(np.arange(0, 40, 10).reshape(4, 1)) prints dtype=torch.int32",
         truth="from_numpy keeps the array's dtype: NumPy's default integer is int64 on Linux, so the "
               "tensor is int64 (the seed ran on Windows, where it was int32)",
         ops=("from_numpy",),
         repro="""
import numpy as np, torch
a = np.arange(0, 40, 10).reshape(4, 1)
print(a.dtype, torch.from_numpy(a).dtype)  # int64 torch.int64 (on Linux)
""")
def _e001_from_numpy(f: Facts) -> None:
    torch = f.torch
    a = np.arange(0, 40, 10).reshape(4, 1)
    ta = torch.from_numpy(a)
    f.torch_actual = f"np.arange(...).dtype = {a.dtype}; from_numpy(...).dtype = {ta.dtype}"
    f.refutes("NumPy's default integer here is int64 (the seed's platform used int32)", a.dtype == np.int64, a.dtype)
    f.refutes("torch.from_numpy of it is int64, not the printed int32", ta.dtype == torch.int64, ta.dtype)
    f.refutes("the dtype follows the array: an int32 array gives int32",
              torch.from_numpy(a.astype(np.int32)).dtype == torch.int32)
    f.show_library(lambda: f"from_numpy(...).dtype = {f.lib.from_numpy(a).dtype}")
    f.same("from_numpy of the int64 array matches torch", lambda M: M.from_numpy(np.arange(0, 40, 10).reshape(4, 1)))
    f.same("from_numpy of an int32 array matches torch", lambda M: M.from_numpy(np.arange(3, dtype=np.int32)))
    f.same("the seed's broadcast sum A1 + B1 matches torch",
           lambda M: M.from_numpy(np.arange(0, 40, 10).reshape(4, 1)) + M.from_numpy(np.arange(0, 3)))


@erratum("001-Tensor-1-uninitialised", "001",
         claim="torch.Tensor(1) prints tensor([0.]), as if the legacy constructor zero-filled",
         truth="Tensor(n) allocates n float32 elements without initialising them: the contents are whatever "
               "the memory held (shape [1], torch.FloatTensor); use torch.zeros(1) for a zero",
         ops=("Tensor",),
         repro="""
import torch
for _ in range(50):
    filler = torch.full((64,), 7.25); del filler
    t = torch.Tensor(64)                   # reuses the freed block: 7.25 shows through
    if (t == 7.25).any(): print("uninitialised:", t[:4]); break
""")
def _e001_tensor_1(f: Facts) -> None:
    torch = f.torch
    t1 = torch.Tensor(1)
    f.refutes("torch.Tensor(1) is shape [1], float32, type() 'torch.FloatTensor'",
              tuple(t1.shape) == (1,) and t1.dtype == torch.float32 and t1.type() == "torch.FloatTensor",
              f"shape {tuple(t1.shape)}, {t1.dtype}, {t1.type()}")
    # A witness: fill memory with a pattern, free it, and let torch.Tensor(n) reuse it.  The CPU
    # allocator typically hands the same block back, so the pattern shows through.
    witness = None
    for _ in range(50):
        filler = torch.full((64,), 7.25)
        del filler
        t = torch.Tensor(64)
        if (t == 7.25).any():
            witness = t
            break
    f.refutes("its contents are not initialised: a freed block's 7.25 pattern shows through torch.Tensor(64)",
              True if witness is not None else None,
              f"torch.Tensor(64)[:4] = {_repr(witness[:4])}" if witness is not None
              else "not witnessed this run (the allocator returned fresh pages)")
    f.torch_actual = ("uninitialised: torch.Tensor(64) showed a freed block's 7.25" if witness is not None
                      else "shape [1] float32 (uninitialised memory not witnessed this run)")

    def lib_meta() -> tuple[bool, str]:
        tl = f.lib.Tensor(1)
        f.library_actual = f"shape {tuple(tl.shape)}, {tl.dtype}, {tl.type()}"
        return (tuple(tl.shape) == (1,) and str(tl.dtype).split(".")[-1] == "float32"
                and tl.type() == t1.type()), f.library_actual
    f.library("the library's Tensor(1) has torch's shape, dtype and type()", lib_meta)


# ================================================================================ running

@dataclass
class Outcome:
    erratum: Erratum
    facts: list[Fact]
    torch_actual: str
    library_actual: str
    crash: str | None = None     # traceback when the check itself crashed (torch side)

    def side(self, side: str) -> list[Fact]:
        return [x for x in self.facts if x.side == side]

    @property
    def status(self) -> str:
        if self.crash:
            return "error"
        if any(x.holds is False for x in self.facts):
            return "fail"
        if any(x.holds is None for x in self.facts):
            return "skip"
        return "pass"


def evaluate(erratum_id: str, lib: ModuleType, lib_name: str | None = None) -> Outcome:
    """Run one erratum against torch and ``lib``; never raises (a crash is in ``Outcome.crash``)."""
    e = ERRATA[erratum_id]
    f = Facts(lib, lib_name)
    crash = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e.run(f)
    except Exception:  # noqa: BLE001 - recorded as an error record, with the traceback
        crash = traceback.format_exc()[-4000:]
    return Outcome(e, f.items, f.torch_actual, f.library_actual, crash)


def record(out: Outcome, device: str = "cpu", duration_s: float = 0.0) -> dict[str, Any]:
    """The result record for an outcome (see the module docstring)."""
    e, status = out.erratum, out.status
    if status == "pass":
        reason = f"torch contradicts the seed: {e.truth}"
    elif status == "error":
        reason = "the erratum check crashed: " + out.crash.strip().splitlines()[-1][:300]
    elif status == "skip":
        undecided = [x.what for x in out.facts if x.holds is None]
        reason = "could not be decided this run: " + "; ".join(undecided)
    else:
        bad = [x for x in out.facts if x.holds is False]
        who = "torch does not contradict the seed here (fix the erratum)" if any(
            x.side == "torch" for x in bad) else "the library does not match torch"
        reason = f"{who}: {bad[0].what}" + (f" — {bad[0].shown.splitlines()[0][:200]}" if bad[0].shown else "")
    detail: dict[str, Any] = {"seed_claim": e.claim, "torch_actual": out.torch_actual or "–",
                              "library_actual": out.library_actual or "–", "correction": e.truth,
                              "facts": [x.as_dict() for x in out.facts]}
    if out.crash:
        detail["traceback"] = out.crash
    return {"op": e.id, "group": ERRATA_GROUP, "check": CHECK, "oracle": ORACLE, "dtype": None,
            "device": device, "status": status, "reason": reason, "examples": len(out.facts),
            "detail": detail, "repro": e.repro or None, "seeds": [e.seed], "spec": "conformance/errata.py",
            "ops": list(e.ops), "duration_s": round(duration_s, 4)}


def check(erratum_id: str, lib: ModuleType, lib_name: str | None = None, device: str = "cpu") -> dict[str, Any]:
    """One erratum as a result record."""
    t0 = time.perf_counter()
    out = evaluate(erratum_id, lib, lib_name)
    return record(out, device, time.perf_counter() - t0)


def run_errata(impl_name: str, writer: Any = None, device: str = "cpu") -> list[dict[str, Any]]:
    """Check every erratum against torch and the library ``impl_name``; write each record with
    ``writer.write`` (a :class:`~conformance.results.ResultWriter`) when given; return the records.

    The errata run on the CPU whatever ``device`` says (they are about documented semantics, not
    kernels); ``device`` only labels the records so they sit in that run's column.
    """
    try:
        lib = importlib.import_module(impl_name)
    except Exception:  # noqa: BLE001 - one error record instead of a crash
        recs = [{"op": "(errata)", "group": ERRATA_GROUP, "check": CHECK, "oracle": ORACLE, "dtype": None,
                 "device": device, "status": "error", "reason": f"cannot import {impl_name!r}",
                 "examples": 0, "detail": {"traceback": traceback.format_exc()[-4000:]}, "repro": None,
                 "seeds": [], "spec": "conformance/errata.py", "duration_s": 0.0}]
    else:
        recs = [check(eid, lib, impl_name, device) for eid in ERRATA]
    if writer is not None:
        for r in recs:
            writer.write(r)
    return recs
