"""The conformance engine must catch planted bugs (with a runnable repro) and pass real torch.

Each planted module wraps torch and breaks one thing; the engine, pointed at it, must report "fail"
for the matching check.  Then torch against itself must give no fail/stale/error on the catalog.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import sys
import types

import pytest
import torch

from conformance import catalog, engine, profiles, strategies
from conformance.checks import REGISTRY

# Small budgets: these tests prove the machinery, the CLI run proves the catalog.
FAST = dataclasses.replace(profiles.get("ci"), max_examples=6, jax_examples=3, stale_examples=40)


def planted(name: str, **overrides) -> types.ModuleType:
    """A torch-like module: torch's namespace with some functions replaced."""
    mod = types.ModuleType(name)
    mod.__getattr__ = lambda attr: getattr(torch, attr)  # PEP 562: everything else is torch
    for k, v in overrides.items():
        setattr(mod, k, v)
    sys.modules[name] = mod  # so the repro's `import <name> as lib` works
    return mod


class _WrongExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = torch.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * 1.5  # planted: d/dx exp(x) is exp(x)


def _unsqueeze_bad_stride(x, dim):
    y = torch.unsqueeze(x, dim)
    d = dim % y.dim()
    stride = list(y.stride())
    stride[d] += 1  # planted: the new size-1 dim's stride is off by one (values unaffected)
    return y.as_strided(y.shape, stride, y.storage_offset())


BUGS = {
    # name: (overrides, op, check)
    "wrong_grad": ({"exp": lambda x, **kw: _WrongExp.apply(x)}, "exp", "grad"),
    "view_copies": ({"transpose": lambda x, a, b: torch.transpose(x, a, b).clone()}, "transpose", "view"),
    "wrong_dtype": ({"neg": lambda x, **kw: torch.neg(x, **kw).to(torch.float64)
                     if x.dtype == torch.float32 and not kw else torch.neg(x, **kw)}, "neg", "dtype"),
    "stride_off_by_one": ({"unsqueeze": _unsqueeze_bad_stride}, "unsqueeze", "view"),
}


@pytest.fixture(scope="module")
def cat() -> catalog.Catalog:
    return catalog.load()


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_planted_bug_is_caught(bug: str, cat: catalog.Catalog) -> None:
    overrides, op_name, check_name = BUGS[bug]
    mod = planted(f"planted_{bug}", **overrides)
    env = engine.Env(cat, mod.__name__, FAST, impl_module=mod)
    op, check = cat.ops[op_name], REGISTRY[check_name]
    dtype = "float32"
    rec = engine.run_record(env, op, check, "torch", dtype)
    assert rec["status"] == "fail", rec
    assert rec["reason"] and rec["detail"]["example"]
    snippet = rec["repro"]
    assert f"import {mod.__name__} as lib" in snippet and "import torch" in snippet
    # the repro is copy-paste runnable and shows both libraries
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, f"<repro {bug}>", "exec"), {})
    text = out.getvalue()
    assert "--- torch" in text and f"--- {mod.__name__}" in text


def test_planted_bug_fails_against_jax_too(cat: catalog.Catalog) -> None:
    mod = planted("planted_wrong_grad_jax", exp=lambda x, **kw: _WrongExp.apply(x))
    env = engine.Env(cat, mod.__name__, FAST, impl_module=mod)
    rec = engine.run_record(env, cat.ops["exp"], REGISTRY["grad"], "jax", "float64")
    assert rec["status"] == "fail" and "jax" in rec["repro"], rec


def test_declared_gap_reports_gap_then_stale(cat: catalog.Catalog) -> None:
    gap = catalog.Gap("transpose", "view", "torch", "planted: transpose copies", "planted_gap", None)
    cat2 = catalog.Catalog(cat.ops, (gap,))
    bad = planted("planted_gap", transpose=lambda x, a, b: torch.transpose(x, a, b).clone())
    rec = engine.run_record(engine.Env(cat2, "planted_gap", FAST, impl_module=bad), cat.ops["transpose"],
                            REGISTRY["view"], "torch", "float32")
    assert rec["status"] == "gap", rec
    good = planted("planted_gap_fixed")
    gap_fixed = dataclasses.replace(gap, impl="planted_gap_fixed")
    rec = engine.run_record(engine.Env(catalog.Catalog(cat.ops, (gap_fixed,)), "planted_gap_fixed", FAST,
                                       impl_module=good), cat.ops["transpose"], REGISTRY["view"], "torch", "float32")
    assert rec["status"] == "stale", rec


def test_catalog_kinds_are_implemented() -> None:
    assert set(catalog.KINDS) - {"broadcast_tensor", "matrix"} <= strategies.IMPLEMENTED_KINDS


def test_spec_errors_are_clear(tmp_path) -> None:
    (tmp_path / "g.toml").write_text('[x]\ntorch = "torch.x"\njax_reason = "n/a"\nargs = [{kind = "tensr"}]\n')
    with pytest.raises(catalog.SpecError, match="unknown argument kind 'tensr'"):
        catalog.load(tmp_path)
    (tmp_path / "g.toml").write_text('[x]\ntorch = "torch.x"\njax = "jax.numpy.x"\n'
                                     'divergences = [{oracle = "jax"}]\n')
    with pytest.raises(catalog.SpecError, match="needs a 'reason'"):
        catalog.load(tmp_path)


FIRST_SLICE = (
    "tensor zeros ones full empty arange linspace zeros_like ones_like from_numpy "
    "add sub mul div neg pow exp log sin cos sqrt sigmoid tanh abs sum mean mm matmul "
    "clone copy_ zero_ contiguous view reshape flatten flatten_range t transpose permute unsqueeze squeeze "
    "expand narrow select getitem detach").split()


@pytest.mark.parametrize("group", ["creation", "pointwise", "reductions", "linalg", "attributes", "views"])
def test_torch_against_itself_has_no_failures(group: str, cat: catalog.Catalog) -> None:
    """The suite's sanity check: real torch as the library under test conforms (declared divergences
    allowed).  One dtype bucket per check keeps it fast; `python -m conformance run --impl torch`
    sweeps every dtype."""
    env = engine.Env(cat, "torch", dataclasses.replace(FAST, max_examples=4, jax_examples=3))
    bad = []
    for op in cat.ops.values():
        if op.group != group or op.name not in FIRST_SLICE:
            continue
        for check, oracle in engine.cases(op):
            buckets = check.buckets(op)
            rec = engine.run_record(env, op, check, oracle, "float32" if "float32" in buckets else buckets[0])
            if rec["status"] in ("fail", "stale", "error"):
                bad.append((rec["op"], rec["check"], rec["oracle"], rec["dtype"], rec["reason"]))
    assert not bad, bad
