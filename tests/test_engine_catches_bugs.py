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

import numpy as np
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


RARE = 0.123456789  # an input no search draws


def jax_exp_but_at_rare(x):
    """A planted JAX oracle that disagrees with torch at one input only."""
    import jax.numpy as jnp

    return jnp.where(x == RARE, 0.0, jnp.exp(x))


def test_divergence_witness_shows_a_rare_divergence_or_goes_stale(cat: catalog.Catalog, tmp_path) -> None:
    """A witness is tried when the search does not diverge: it must diverge, else the declaration is
    stale; a library that is wrong on the witness fails."""
    def run(witness, lib=torch, name="torch"):
        div = catalog.Divergence("jax", "planted: JAX differs at one input", ("forward",), ("float64",), witness)
        ops = dict(cat.ops)
        ops["exp"] = dataclasses.replace(ops["exp"], jax=f"{__name__}.jax_exp_but_at_rare", divergences=(div,))
        env = engine.Env(catalog.Catalog(ops, cat.gaps), name, FAST, impl_module=lib)
        return engine.run_record(env, ops["exp"], REGISTRY["forward"], "jax", "float64")

    rec = run({"x": [1.0, RARE]})
    assert rec["status"] == "divergence" and rec["detail"]["example"]["x"]["shape"] == [2], rec
    assert run({"x": [1.0]})["status"] == "stale"
    assert run(None)["status"] == "stale"  # no witness: the search alone never finds it
    # a witness on which torch and JAX agree but the library does not: a failure, with a repro
    wrong = planted("planted_exp_wrong_at_3", exp=lambda x, **kw: torch.exp(x, **kw) * (1 + (x == 3.0)))
    rec = run({"x": [3.0]}, wrong, wrong.__name__)
    assert rec["status"] == "fail" and rec["repro"] and "values differ" in rec["reason"], rec
    (tmp_path / "g.toml").write_text('[x]\ntorch = "torch.exp"\njax = "jax.numpy.exp"\n'
                                     'args = [{name = "x", kind = "tensor"}]\n'
                                     'divergences = [{reason = "r", witness = {y = [1]}}]\n')
    with pytest.raises(catalog.SpecError, match="witness"):
        catalog.load(tmp_path)


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
    "expand narrow select getitem detach "
    # a representative of each engine feature added with the full catalog
    "index_select gather scatter getitem_mask cat stack equal max_dim topk topk_unsorted median_dim "
    "svd inverse addmm cross item size T numpy rand randint randperm uniform_ resize_").split()


@pytest.mark.parametrize("group", ["creation", "pointwise", "reductions", "linalg", "attributes", "views",
                                   "indexing", "comparison", "joining", "random"])
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


# ---------------------------------------------------------------------------------------------
# Planted bugs for the engine features of the full catalog: tuple results (values + indices, ties,
# svd's sign freedom, out= tuples), Python-value results, property access, random ops, tensor
# lists, numpy() sharing, and the errors check on every dtype bucket.  Each bug must be reported as
# "fail" for the check named; each "harmless" variant (a legal answer torch happens not to give)
# must pass.

def _topk_wrong_indices(x, k, dim=-1, largest=True, sorted=True, **kw):
    v, i = torch.topk(x, k, dim, largest, sorted, **kw)
    return torch.return_types.topk((v, i.flip(dim) if i.numel() > 1 else i + 1))


def _max_last_index(x, *args, **kw):
    """max(x, dim) returning the LAST maximal index (torch documents the first)."""
    if not args and "dim" not in kw:
        return torch.max(x, **kw)
    dim = args[0] if args else kw.pop("dim")
    keepdim = args[1] if len(args) > 1 else kw.pop("keepdim", False)
    if isinstance(dim, torch.Tensor):
        return torch.max(x, dim, **kw)
    v, i = torch.max(x.flip(dim), dim, keepdim)
    return torch.return_types.max((v, x.shape[dim] - 1 - i if x.dim() else i))


def _topk_other_tie(x, k, dim=-1, largest=True, sorted=True, **kw):
    """Among tied values, pick the last occurrence: legal (topk leaves ties unspecified)."""
    if x.dim() == 0 or x.dtype == torch.bool:
        return torch.topk(x, k, dim, largest, sorted, **kw)
    n = x.shape[dim]
    v, i = torch.topk(x.flip(dim), k, dim, largest, sorted, **kw)
    return torch.return_types.topk((v, n - 1 - i))


def _topk_values_grad_doubled(x, k, dim=-1, largest=True, sorted=True, **kw):
    v, i = torch.topk(x, k, dim, largest, sorted, **kw)
    return torch.return_types.topk((v * 2 - v.detach(), i))


def _svd_flipped(a, some=True, **kw):
    """Singular vectors with flipped signs: U diag(S) V^T is unchanged, so this must pass."""
    u, s, v = torch.svd(a, some, **kw)
    return torch.return_types.svd((-u, s, -v))


def _svd_wrong_s(a, some=True, **kw):
    u, s, v = torch.svd(a, some, **kw)
    return torch.return_types.svd((u, s * 1.01, v))


def _max_ignores_out(x, *args, out=None, **kw):
    r = torch.max(x, *args, **kw)
    return r  # planted: out= is ignored (nothing written, a new tuple returned)


class _TTensor(torch.Tensor):
    """A tensor whose .T property forgets to transpose."""
    @property
    def T(self):
        return self[...]  # planted: a view, but not transposed


class _NumpyCopies(torch.Tensor):
    def numpy(self, *a, **kw):
        return torch.Tensor.numpy(self, *a, **kw).copy()  # planted: numpy() copies instead of sharing


class _FillOverflows(torch.Tensor):
    """A tensor whose fill_ converts the number unchecked: a float16 fill_(1e6) silently gives inf."""
    def fill_(self, value):
        if isinstance(value, torch.Tensor):
            return torch.Tensor.fill_(self, value)
        # planted: through a float64 0-d tensor (a copy, never range-checked) instead of c10::checked_convert
        return torch.Tensor.fill_(self, torch.tensor(value, dtype=torch.float64))


def _subclass_tensor(cls):
    return lambda *a, **kw: torch.tensor(*a, **kw).as_subclass(cls)


_fresh = torch.Generator()


def _rand_ignores_seed(*size, **kw):
    _fresh.seed()  # planted: draws from its own freshly seeded generator, not the global one
    return torch.rand(*size, generator=_fresh, **kw)


def _randn_wide(*size, **kw):
    return torch.randn(*size, **kw) * 1.2  # planted: std 1.2


def _randint_inclusive(low, high=None, size=None, **kw):
    if size is None:
        low, high, size = 0, low, high
    return torch.randint(low, high + 1, size, **kw)  # planted: high is included


def _randperm_sorted(n, **kw):
    torch.randperm(n)  # advance the stream as the real one would
    return torch.arange(n, **kw)  # planted: not shuffled


def _rand_restarts(*size, **kw):
    torch.manual_seed(0)  # planted: reseeds on every call, the stream never advances
    return torch.rand(*size, **kw)


def _index_select_clamps(x, dim, index, **kw):
    if x.dtype == torch.float64 and index.dtype in (torch.int64, torch.int32) and x.dim():
        index = index.clamp(0, max(x.shape[dim] - 1, 0))  # planted: out-of-range clamped, float64 only
    return torch.index_select(x, dim, index, **kw)


def _add_wrong_class(x, other, **kw):
    try:
        return torch.add(x, other, **kw)
    except (RuntimeError, TypeError) as e:
        raise ValueError(str(e)) from None  # planted: torch's RuntimeError / TypeError becomes a ValueError


def _add_mutates_first(x, other, **kw):
    if isinstance(x, torch.Tensor):
        with torch.no_grad():
            try:
                x.add_(1)  # planted: writes into its input before it checks the shapes
            except RuntimeError:
                pass  # an expanded x cannot be written: that example shows nothing
    return torch.add(x, other, **kw)


def _add_no_message(x, other, **kw):
    try:
        return torch.add(x, other, **kw)
    except (RuntimeError, TypeError) as e:
        raise type(e)() from None  # planted: the right class, but nothing says what went wrong


def _exp_numpy_warns(x, **kw):
    with np.errstate(over="warn"):  # planted: NumPy's overflow warning reaches the caller
        np.float32(3e38) * np.float32(10)
    return torch.exp(x, **kw)


def _cat_no_promotion(tensors, dim=0, **kw):
    tensors = list(tensors)
    return torch.cat([t.to(tensors[0].dtype) for t in tensors], dim, **kw) if tensors else torch.cat(tensors, dim, **kw)


NEW_BUGS = {
    # name: (overrides, op, check, dtype, oracle)
    "topk_wrong_indices": ({"topk": _topk_wrong_indices}, "topk", "forward", "float32", "torch"),
    "max_dim_last_tie": ({"max": _max_last_index}, "max_dim", "forward", "bool", "torch"),
    "topk_values_grad": ({"topk": _topk_values_grad_doubled}, "topk", "grad", "float32", "torch"),
    "svd_wrong_singular_values": ({"svd": _svd_wrong_s}, "svd", "forward", "float64", "torch"),
    "max_dim_ignores_out": ({"max": _max_ignores_out}, "max_dim", "out", "float32", "torch"),
    "equal_always_true": ({"equal": lambda a, b: True}, "equal", "forward", "int64", "torch"),
    "equal_returns_tensor": ({"equal": lambda a, b: torch.tensor(torch.equal(a, b))}, "equal", "dtype", "int64", "torch"),
    "item_int_as_float": ({"tensor": _subclass_tensor(type("_ItemF", (torch.Tensor,), {
        "item": lambda self: float(torch.Tensor.item(self))}))}, "item", "forward", "int64", "torch"),
    "T_does_not_transpose": ({"tensor": _subclass_tensor(_TTensor)}, "T", "forward", "float32", "torch"),
    "numpy_copies": ({"tensor": _subclass_tensor(_NumpyCopies)}, "numpy", "view", "float32", "torch"),
    "rand_ignores_manual_seed": ({"rand": _rand_ignores_seed}, "rand", "determinism", "float32", "self"),
    "rand_stream_restarts": ({"rand": _rand_restarts}, "rand", "determinism", "float32", "self"),
    "randn_wrong_std": ({"randn": _randn_wide}, "randn", "distribution", "float32", "self"),
    "rand_outside_range": ({"rand": lambda *size, **kw: torch.rand(*size, **kw) * 2}, "rand", "range", "float32", "self"),
    "randint_includes_high": ({"randint": _randint_inclusive}, "randint", "distribution", "int64", "self"),
    "randperm_not_shuffled": ({"randperm": _randperm_sorted}, "randperm", "distribution", "int64", "self"),
    "rand_other_stream": ({"rand": _rand_ignores_seed}, "rand", "stream", "float32", "torch"),
    "errors_in_one_dtype": ({"index_select": _index_select_clamps}, "index_select", "errors", "float64", "torch"),
    "errors_wrong_class": ({"add": _add_wrong_class}, "add", "errors", "float32", "torch"),
    "errors_mutates_input": ({"add": _add_mutates_first}, "add", "errors", "float32", "torch"),
    "errors_no_message": ({"add": _add_no_message}, "add", "errors", "float32", "torch"),
    "cat_no_promotion": ({"cat": _cat_no_promotion}, "cat", "dtype", "int16", "torch"),
    "numpy_warning_leaks": ({"exp": _exp_numpy_warns}, "exp", "forward", "float32", "torch"),
    # a new result laid out row-major where torch follows the input's layout (exp(x.t()) is (1, n))
    "exp_result_row_major": ({"exp": lambda x, **kw: torch.exp(x, **kw).contiguous()}, "exp", "shape", "float32",
                             "torch"),
    "fill_overflow_silent": ({"tensor": _subclass_tensor(_FillOverflows)}, "fill_", "errors", "float16", "torch"),
}

HARMLESS = {
    # legal answers that differ from torch's: the engine must not report them
    "topk_other_tie": ({"topk": _topk_other_tie}, "topk", "forward", "int64", "torch"),
    "svd_flipped_signs": ({"svd": _svd_flipped}, "svd", "forward", "float64", "torch"),
    "svd_flipped_signs_grad": ({"svd": _svd_flipped}, "svd", "grad", "float64", "torch"),
}


# Some of these bugs need a tie, a 3-d input or an out-of-range draw to show: a few more examples.
WIDER = dataclasses.replace(FAST, max_examples=30)


def _record(cat: catalog.Catalog, name: str, spec: tuple) -> tuple[dict, types.ModuleType]:
    overrides, op_name, check_name, dtype, oracle = spec
    mod = planted(f"planted_{name}", **overrides)
    env = engine.Env(cat, mod.__name__, WIDER, impl_module=mod)
    return engine.run_record(env, cat.ops[op_name], REGISTRY[check_name], oracle, dtype), mod


@pytest.mark.parametrize("bug", sorted(NEW_BUGS))
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # numpy_warning_leaks' repro, run here
def test_new_feature_planted_bug_is_caught(bug: str, cat: catalog.Catalog) -> None:
    rec, mod = _record(cat, bug, NEW_BUGS[bug])
    assert rec["status"] == "fail", rec
    assert rec["reason"] and rec["repro"] and f"import {mod.__name__} as lib" in rec["repro"]
    if NEW_BUGS[bug][2] in ("distribution",):
        return  # its repro imports conformance.checks.random: runnable from the repository root only
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(rec["repro"], f"<repro {bug}>", "exec"), {})
    assert "--- torch" in out.getvalue() and f"--- {mod.__name__}" in out.getvalue()


def test_errors_failure_shows_both_messages(cat: catalog.Catalog) -> None:
    """The report's expected/actual panes hold torch's and the library's exceptions with their text."""
    rec, _ = _record(cat, "errors_wrong_class", NEW_BUGS["errors_wrong_class"])
    d = rec["detail"]
    cls = d["torch_class"]
    assert rec["status"] == "fail" and cls in ("RuntimeError", "TypeError") and d["impl_class"] == "ValueError", rec
    assert d["expected"].startswith(cls + ": ") and d["actual"].startswith("ValueError: "), d
    assert d["expected"].split(": ", 1)[1] == d["actual"].split(": ", 1)[1]  # same text, other class
    rec, _ = _record(cat, "errors_no_message", NEW_BUGS["errors_no_message"])
    assert "no message" in rec["reason"] and rec["detail"]["actual"].endswith(": (no message)"), rec


def test_every_op_declares_errors_or_a_skip(cat: catalog.Catalog) -> None:
    """The report's errors column is complete: each op draws bad input, or says why none exists."""
    silent = [n for n, op in cat.ops.items() if not op.errors and "errors" not in op.skip]
    assert not silent, f"ops with neither `errors` nor `skip = {{errors = \"reason\"}}`: {silent}"
    both = [n for n, op in cat.ops.items() if op.errors and "errors" in op.skip]
    assert not both, f"ops with error cases that also skip the errors check: {both}"
    check = REGISTRY["errors"]
    assert all(check.applies(op) for op in cat.ops.values())


def test_error_case_fields_are_validated(tmp_path) -> None:
    head = '[x]\ntorch = "torch.x"\njax_reason = "n/a"\nargs = [{name = "a", kind = "tensor"}]\n'
    for bad, match in [('errors = [{arg = "a", how = "sideways", reason = "r"}]', "unknown how"),
                       ('errors = [{arg = "a", how = "dtype", reason = "r"}]', "go together"),
                       ('errors = [{arg = "a", how = "uncastable", reason = "r"}]', "inplace"),
                       ('errors = [{arg = "a", how = "bucket", reason = "r"}]', "needs dtypes"),
                       ('errors = [{arg = "a", colour = "red", reason = "r"}]', "unknown field")]:
        (tmp_path / "g.toml").write_text(head + bad + "\n")
        with pytest.raises(catalog.SpecError, match=match):
            catalog.load(tmp_path)


@pytest.mark.parametrize("case", sorted(HARMLESS))
def test_legal_difference_is_not_a_failure(case: str, cat: catalog.Catalog) -> None:
    rec, _ = _record(cat, case, HARMLESS[case])
    assert rec["status"] == "pass", rec


def test_statistics_have_the_stated_false_alarm_rate() -> None:
    """The KS and moment tests accept correct samples and reject clearly wrong ones."""
    import numpy as np
    from conformance.checks import random as cr

    rng = np.random.default_rng(7)
    alarms = sum(bool(cr.distribution_failures("normal", rng.standard_normal(cr.SAMPLE_N),
                                               {"mean": 0.0, "std": 1.0})) for _ in range(200))
    assert alarms == 0
    assert not cr.distribution_failures("uniform", rng.uniform(2, 5, cr.SAMPLE_N), {"low": 2, "high": 5})
    assert not cr.distribution_failures("randint", rng.integers(-3, 4, cr.SAMPLE_N), {"low": -3, "high": 4})
    assert not cr.distribution_failures("permutation", rng.permutation(cr.SAMPLE_N), {})
    assert cr.distribution_failures("normal", 1.2 * rng.standard_normal(cr.SAMPLE_N), {"mean": 0.0, "std": 1.0})
    assert cr.distribution_failures("uniform", rng.uniform(2, 5.3, cr.SAMPLE_N), {"low": 2, "high": 5})
    assert cr.distribution_failures("randint", rng.integers(-3, 5, cr.SAMPLE_N), {"low": -3, "high": 4})
    assert cr.distribution_failures("permutation", np.arange(cr.SAMPLE_N), {})


def test_grad_layout_contract_bug_is_caught(cat: catalog.Catalog, monkeypatch) -> None:
    """AccumulateGrad that keeps any gradient as it is (ignoring the leaf's layout) must turn the
    accumulation check red: t's gradient reaches the leaf transposed. (Planted in impl itself: torch's
    AccumulateGrad enforces the contract, so a torch-based planted module cannot break it.)"""
    import impl
    from impl.autograd import engine as impl_engine

    monkeypatch.setattr(impl_engine, "_obeys_layout", lambda g, t: True)
    env = engine.Env(cat, "impl", WIDER, impl_module=impl)
    rec = engine.run_record(env, cat.ops["t"], REGISTRY["accumulation"], "torch", "float32")
    assert rec["status"] == "fail", rec
    assert "strides" in rec["reason"] and rec["repro"]
