"""Random autograd programs (conformance/programs.py): generated DAGs of ops over a few leaves, run in
the library, torch and JAX; every output and leaf gradient must agree, and the graph (flags of every
value, the loss's whole DAG of node names) must be torch's.  Also: the generator's coverage and
validity, and the repro (the program as a runnable script)."""
from __future__ import annotations

import collections
import contextlib
import io

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, seed, settings

from conformance import autograd_scenarios as A
from conformance import profiles
from conformance import programs as P
from tests.autograd.known import KNOWN_PROGRAMS, avoid_known_programs
from tests.helpers import LIB_NAME, lib

CI = profiles.get("ci")


@pytest.mark.parametrize("check,oracle", [("grad", "torch"), ("grad", "jax"), ("graph", "torch")])
def test_random_programs(check, oracle):
    rec = A.run_programs(check, oracle, lib, LIB_NAME, CI,
                         case_filter=avoid_known_programs if LIB_NAME == "impl" else None)
    assert rec["status"] == "pass", f"{rec['reason']}\n{rec['detail']}\n{rec['repro']}"
    assert rec["examples"] >= 20


def _known_params():
    """Strict xfail for impl: an XPASS means impl was fixed; remove the entry from known.py."""
    return [pytest.param(k, id=k.id, marks=[pytest.mark.xfail(strict=True, reason=k.reason)]
                         if LIB_NAME == "impl" else []) for k in KNOWN_PROGRAMS]


# Defined only while impl has declared divergences (none today): an empty parameter set would show
# up as a confusing skip.
if KNOWN_PROGRAMS:
    @pytest.mark.parametrize("k", _known_params())
    def test_known_impl_program_divergence(k):
        ref = A.attempt(lambda: A.obs(k.run(torch)))
        got = A.attempt(lambda: A.obs(k.run(lib)))
        d = A.diff(ref, got, "torch")
        assert d is None, f"{k.reason}\n{d[0]}"


def test_known_program_tags_exist():
    assert {k.tag for k in KNOWN_PROGRAMS} <= set(P.TAGS)


def _sample(n: int, limits: P.Limits = P.Limits()) -> list[P.Program]:
    out = []

    @seed(1234)
    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(P.programs(limits))
    def collect(prog):
        out.append(prog)

    collect()
    return out


@pytest.fixture(scope="module")
def sample():
    return _sample(300)


def test_generator_covers_every_op_and_inplace_kind(sample):
    ops = collections.Counter(s.op for p in sample for s in p.steps)
    missing = [o for o in P.OPS if o not in ops and o not in ("inplace", "setitem", "zeros_setitem")]
    assert not missing, f"never generated: {missing}"
    assert {"setitem", "zeros_setitem"} <= set(ops), ops
    assert {"add_", "sub_", "mul_", "div_"} & set(ops), ops
    assert any(s.op.endswith("_") and s.op[:-1] in P.UNARY for p in sample for s in p.steps)
    assert any(len(p.steps) >= 5 for p in sample)
    assert any(p.dtype == "float32" for p in sample) and any(p.dtype == "float64" for p in sample)
    assert any(not lf.requires_grad for p in sample for lf in p.leaves)  # constants too


def test_generated_programs_are_valid_in_torch_and_jax(sample):
    """The generator only emits programs torch accepts (no error, finite values) and whose functional
    form JAX evaluates to the same values and gradients: an oracle disagreement is a generator bug."""
    for prog in sample[:60]:
        rt = P.run_torchlike(prog, torch, graph=True)
        assert rt.error is None, (rt.error, rt.where, prog.function_source())
        for a, _ in rt.outputs:
            assert np.isfinite(a).all(), prog.function_source()
    for prog in sample[:12]:
        rt, rj = P.run_torchlike(prog, torch), P.run_jax(prog)
        assert P.compare(prog, rt, rj, "jax") is None, prog.source("torch", with_jax=True)


def test_program_source_is_a_runnable_script(sample):
    """The repro is the program itself: a script that runs it in torch and in the library (and JAX)."""
    prog = next(p for p in sample if len(p.steps) >= 4 and any(s.op in ("setitem", "zeros_setitem") for s in p.steps))
    src = prog.source(LIB_NAME, with_jax=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(src, "<program repro>", "exec"), {"__name__": "__main__"})
    text = out.getvalue()
    assert "--- torch" in text and f"--- {lib.__name__}" in text and "--- jax" in text
    for lf in prog.leaves:
        assert f"{lf.name}.grad" in text
    # what runs is exactly what the repro shows
    assert prog.function_source() in src


def test_compare_flags_a_wrong_gradient_and_a_wrong_graph():
    """compare() itself: a perturbed leaf gradient or grad_fn name is reported."""
    prog = next(p for p in _sample(30) if any(lf.requires_grad for lf in p.leaves) and p.grad_outputs)
    rt = P.run_torchlike(prog, torch, graph=True)
    bad = P.Result(outputs=rt.outputs, grads=dict(rt.grads), flags=dict(rt.flags), graph=rt.graph)
    name = next(n for n, g in rt.grads.items() if g is not None)
    a, d = rt.grads[name]
    bad.grads[name] = (a + 1.0, d)
    msg, _ = P.compare(prog, bad, rt, "torch")
    assert f"{name}.grad" in msg
    last = prog.names[-1]
    rg, leaf, fn = rt.flags[last]
    bad.flags[last] = (rg, leaf, "SomethingElseBackward0")
    msg, _ = P.compare(prog, bad, rt, "torch", what="graph")
    assert last in msg


def test_canonical_graph_keeps_sharing():
    """A node reached twice appears once in the canonical DAG (the nested form would duplicate it)."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = torch.sin(x)
    y = (h * h + h).sum()
    g = P.canonical_graph(y.grad_fn, {id(x): "x"})
    names = [n[0] for n in g]
    assert names.count("SinBackward0") == 1 and names.count("AccumulateGrad") == 1
    assert g[names.index("AccumulateGrad")][1] == "x"


def _record_programs(monkeypatch, check, oracle, seed):
    """The programs random_programs draws for one record at ci (generated only, not run)."""
    seen = []
    monkeypatch.setattr(A, "program_property", lambda check, oracle, lib, device="cpu": seen.append)
    rec = A.run_programs(check, oracle, torch, "torch", CI, seed=seed)
    assert rec["status"] == "pass", rec["reason"]
    return seen


@pytest.mark.parametrize("seed", [0, 3])
def test_every_op_variant_is_exercised_at_ci_on_any_seed(monkeypatch, seed):
    """Coverage is by construction (strata of focus variants), not by the seed's luck: at ci every op in
    every surface form (m.sin(x), x.sin(), x.sin_(), ...) is in some program of the torch records, and
    every program contains its stratum's focus."""
    assert set(P.OPS) == {v.partition(":")[0] for v in P.VARIANTS}
    for check in ("grad", "graph"):
        progs = _record_programs(monkeypatch, check, "torch", seed)
        seen = collections.Counter(v for p in progs for v in {s.variant for s in p.steps})
        missing = [v for v in P.VARIANTS if not seen[v]]
        assert not missing, f"{check}/torch seed {seed}: never drawn: {missing}"
        assert set(seen) - {"zeros"} <= set(P.VARIANTS), set(seen) - set(P.VARIANTS)  # zeros: zeros_setitem's base
    # the JAX record's budget (20 at ci) is below the variant count: a seed-dependent share, each
    # focus still in every program of its stratum
    rseed = A._record_seed("random_programs", "grad", "jax", seed)
    plan = P.strata(round(CI.jax_examples * A.PROGRAM_BUDGET["grad/jax"]), rotate=rseed)
    progs = _record_programs(monkeypatch, "grad", "jax", seed)
    i = 0
    for focus, n in plan:
        for prog in progs[i:i + n]:
            assert set(focus) <= {s.variant for s in prog.steps}, (focus, prog.summary())
        i += n
    assert i == len(progs) and len({v for f, _ in plan for v in f}) >= 30


def test_strata_split_the_budget():
    for n in (1, 20, 100, 150, 1000):
        plan = P.strata(n, rotate=7)
        assert sum(k for _, k in plan) == n and all(1 <= len(f) <= 3 for f, _ in plan)
        covered = [v for f, _ in plan for v in f]
        assert len(covered) == len(set(covered))
        if n // 2 * 3 >= len(P.VARIANTS):
            assert set(covered) == set(P.VARIANTS)
