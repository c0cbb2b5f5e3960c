"""Every record also runs one "typical example": a deterministic, non-degenerate input (sides >= 2,
values spread over the domain) that the ci profile's dozen Hypothesis draws, biased towards empty,
all-zero and size-1 inputs, may never produce.  A bug that shows only on such inputs must fail the
record on the ci profile, with a shrunk, runnable repro; an op whose spec allows no such input falls back
to the search alone and says so."""
from __future__ import annotations

import contextlib
import dataclasses
import io

import pytest
import torch
from hypothesis import given, seed, settings

from conformance import catalog, engine, profiles, strategies
from conformance.checks import REGISTRY

from .test_engine_catches_bugs import planted

CI = profiles.get("ci")


def _prod(shape) -> int:
    out = 1
    for n in shape:
        out *= n
    return out


def _nonzero_empty_on_float16(x, *args, **kw):
    """Planted: float16 inputs with more than one nonzero element find none (an empty result)."""
    out = torch.nonzero(x, *args, **kw)
    if x.dtype == torch.float16 and out.shape[0] > 1:
        return out[:0]
    return out


@pytest.fixture(scope="module")
def cat() -> catalog.Catalog:
    return catalog.load()


def _run(cat, mod, op="nonzero", check="forward", oracle="torch", dtype="float16", prof=CI, ops=None):
    env = engine.Env(catalog.Catalog(ops or cat.ops, cat.gaps), mod.__name__, prof, impl_module=mod)
    return engine.run_record(env, (ops or cat.ops)[op], REGISTRY[check], oracle, dtype)


def test_a_bug_only_typical_inputs_show_fails_at_ci_with_a_repro(cat: catalog.Catalog) -> None:
    mod = planted("planted_nonzero_f16", nonzero=_nonzero_empty_on_float16)
    rec = _run(cat, mod)
    assert rec["status"] == "fail", rec
    # found on the typical example (2 x 3); then the ordinary search, given the stale budget, may reach a
    # smaller failing input, which becomes the repro (Hypothesis-shrunk like any other)
    assert rec["detail"]["found_by"].startswith("typical example"), rec["detail"]
    shape = rec["detail"]["example"]["x"]["shape"]
    assert 2 <= _prod(shape) <= 6, shape
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(rec["repro"], "<repro typical>", "exec"), {})
    assert "--- torch" in out.getvalue() and f"--- {mod.__name__}" in out.getvalue()
    # the other buckets are not affected by the planted bug: they pass, typical example included
    rec32 = _run(cat, mod, dtype="float32")
    assert rec32["status"] == "pass" and rec32["typical"]["built"], rec32


def test_the_repro_is_the_typical_example_when_the_search_finds_nothing_smaller(cat: catalog.Catalog) -> None:
    mod = planted("planted_nonzero_f16_typical_repro", nonzero=_nonzero_empty_on_float16)
    rec = _run(cat, mod, prof=dataclasses.replace(CI, stale_examples=1))
    assert rec["status"] == "fail" and rec["detail"]["found_by"] == "typical example", rec["detail"]
    assert rec["detail"]["example"]["x"]["shape"] == [2, 3]
    assert rec["typical"]["failed"] is True


def test_without_the_typical_example_the_ci_search_misses_it(cat: catalog.Catalog, monkeypatch) -> None:
    """The problem exists: the ci search alone draws no float16 input with two nonzeros."""
    mod = planted("planted_nonzero_f16_search_only", nonzero=_nonzero_empty_on_float16)
    monkeypatch.setattr(engine, "_typical", lambda *a, **k: (None, {"built": False, "reason": "off"}))
    assert _run(cat, mod)["status"] == "pass"


def _typical_draw(op, check, oracle, dtype, salt):
    """The typical example of a record (without an Env: engine.typical_strategy's first mode)."""
    got = []
    modes = engine.modes_for(op, check, oracle, dtype)
    strat = strategies.example(op, dtype, CI, dataclasses.replace(modes[0], typical=salt), check.extra(op))

    @seed(0)
    @settings(profiles.hypothesis_settings(CI, 1))
    @given(strat)
    def draw(ex):
        got.append(ex)

    draw()
    return got[0]


def test_the_typical_example_is_deterministic_and_follows_the_spec(cat: catalog.Catalog) -> None:
    for name, check in [("nonzero", "forward"), ("matmul", "forward"), ("index_select", "forward"),
                        ("inverse", "forward"), ("cat", "forward"), ("gather", "forward")]:
        op = cat.ops[name]
        dtype = "float32"
        a = _typical_draw(op, REGISTRY[check], "torch", dtype, 1234)
        b = _typical_draw(op, REGISTRY[check], "torch", dtype, 1234)
        assert engine.describe(a) == engine.describe(b)
        assert engine.degenerate(a) is None, (name, engine.describe(a))
        for t in a.tensor_args().values():
            assert min(t.shape) >= 2, (name, engine.describe(a))
    # spec constraints: matmul's operands chain, index_select's indices are in range and not all one,
    # inverse's matrix is square and invertible, values inside the domain with a zero and a negative
    ex = _typical_draw(cat.ops["matmul"], REGISTRY["forward"], "torch", "float32", 7)
    assert ex.values["x"].shape[-1] == ex.values["y"].shape[-2]
    ex = _typical_draw(cat.ops["index_select"], REGISTRY["forward"], "torch", "float32", 7)
    size = ex.values["x"].shape[ex.values["dim"]]
    idx = ex.values["index"].array
    assert idx.min() >= 0 and idx.max() < size and len(set(idx.tolist())) > 1
    ex = _typical_draw(cat.ops["inverse"], REGISTRY["forward"], "torch", "float64", 7)
    x = ex.values["x"].array
    assert x.shape[-1] == x.shape[-2] and abs(float(torch.linalg.det(torch.tensor(x)).min())) > 0.5
    x = _typical_draw(cat.ops["nonzero"], REGISTRY["forward"], "torch", "float32", 7).values["x"].array
    assert (x == 0).any() and (x < 0).any() and (x > 0).any()
    other = _typical_draw(cat.ops["nonzero"], REGISTRY["forward"], "torch", "float32", 8).values["x"].array
    assert (other != x).any()  # another record seed: other values


def test_no_typical_example_is_recorded_and_the_record_still_runs(cat: catalog.Catalog) -> None:
    """A spec that allows only 0-d inputs has no non-degenerate example: the record says so and passes."""
    op = cat.ops["exp"]
    x = dataclasses.replace(op.args[0], params={**op.args[0].params, "max_dims": 0})
    ops = {**cat.ops, "exp": dataclasses.replace(op, args=(x,) + tuple(op.args[1:]))}
    rec = _run(cat, planted("planted_exp_ok"), op="exp", dtype="float32", ops=ops)
    assert rec["status"] == "pass", rec
    assert rec["typical"]["built"] is False and "degenerate" in rec["typical"]["reason"], rec["typical"]
    assert rec["examples"] > 0


def test_every_spec_builds_a_typical_example_or_says_why(cat: catalog.Catalog) -> None:
    """Drawing the typical example never crashes, for every op's forward (or first) check."""
    built = total = 0
    not_built = []
    for op in cat.ops.values():
        for check, oracle in engine.cases(op):
            if check.name != "forward":
                continue
            dtype = check.buckets(op)[0]
            if not engine.modes_for(op, check, oracle, dtype):
                continue
            ex = _typical_draw(op, check, oracle, dtype, 99)
            total += 1
            why = engine.degenerate(ex)
            built += why is None
            if why:
                not_built.append((op.name, oracle, why))
    print(f"typical examples: {built} of {total}; not built: {not_built}")
    assert total > 100 and built / total > 0.8, (built, total, not_built)


def test_a_hang_on_the_typical_example_is_an_error(cat: catalog.Catalog) -> None:
    import time

    def slow_on_big(x, *args, **kw):
        if x.numel() >= 4:
            time.sleep(3)  # planted: hangs on ordinary inputs
        return torch.nonzero(x, *args, **kw)

    mod = planted("planted_nonzero_slow", nonzero=slow_on_big)
    rec = _run(cat, mod, prof=dataclasses.replace(CI, record_timeout_s=1))
    assert rec["status"] == "error" and rec["reason"].startswith("timed out"), rec
    assert rec["typical"] == {"built": True, "timed_out": True}
