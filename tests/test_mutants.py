"""Mutation testing of the suite (conformance/mutants.py): each check must kill the mutants of torch
aimed at it; a mutation that changes nothing is told apart from one the suite misses."""
from __future__ import annotations

import pytest

from conformance import catalog, cli, mutants, profiles

# one op per kind of target: module function, method, operator, property, in-place method, out=, errors
SAMPLE = ["exp", "transpose", "sum", "mm", "index_select", "getitem", "T", "item", "copy_", "max_dim", "cat"]


@pytest.fixture(scope="module")
def cat() -> catalog.Catalog:
    return catalog.load()


@pytest.mark.parametrize("op", SAMPLE)
def test_every_mutant_of_a_sample_op_is_killed(op: str, cat: catalog.Catalog) -> None:
    outcomes = mutants.run(cat, [cat.ops[op]], profiles.get("ci"))
    assert outcomes, f"no mutant applies to {op}"
    bad = [(o.mutation, o.status, o.reason) for o in outcomes if o.status != "killed"]
    assert not bad, bad


def test_mutants_cover_every_check_they_target(cat: catalog.Catalog) -> None:
    reached = {m.check for op in SAMPLE for m in mutants.mutants_for(cat.ops[op])}
    assert reached == {m.check for m in mutants.MUTATIONS}


def test_a_mutation_that_changes_nothing_is_unexercised_not_survived(cat: catalog.Catalog) -> None:
    # sign's gradient is 0 everywhere: scaling it by 1.5 changes nothing, so nothing can catch it
    o = mutants.run_one(cat, cat.ops["sign"], mutants.BY_NAME["grad_scaled"], profiles.get("ci"))
    assert o.status == "unexercised", o
    # a bool result cannot be widened from float32
    o = mutants.run_one(cat, cat.ops["eq"], mutants.BY_NAME["float32_widened"], profiles.get("ci"))
    assert o.status == "unexercised", o


def test_mutate_command(tmp_path, capsys) -> None:
    code = cli.main(["mutate", "--ops", "neg", "--mutations", "values_off,grad_scaled", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "mutation score: 100.0%" in out and (tmp_path / "mutation.jsonl").read_text().count("killed") == 2
    html = (tmp_path / "mutation.html").read_text()
    assert "100.0%" in html and "values_off" in html and "Every applicable mutant was killed" in html
    assert cli.main(["mutate", "--mutations", "nonsense", "--out", str(tmp_path)]) == 2


def test_mutation_page_lists_survivors_escaped(tmp_path) -> None:
    from conformance.report.mutation import render_mutation

    outcomes = [{"op": "<script>x</script>", "mutation": "values_off", "check": "forward", "dtype": "float32",
                 "status": "survived", "reason": "3 changed results went unnoticed", "seconds": 1.0, "repro": None},
                {"op": "exp", "mutation": "grad_scaled", "check": "grad", "dtype": "float32", "status": "killed",
                 "reason": "", "seconds": 0.5, "repro": None}]
    render_mutation(outcomes, tmp_path / "m.html", planned=3)
    html = (tmp_path / "m.html").read_text()
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "Not killed (1)" in html and "50.0%" in html and "INCOMPLETE RUN" in html
