"""The machine catches planted memory bugs with the default (ci) settings, with a runnable repro.

Each fake library (tests/memory/fakes.py) is torch with one method broken; the machine, pointed at it,
must fail, Hypothesis must shrink the sequence, and the repro must run in torch and in the fake.  The
same machine passes torch through the same wrapping (no false alarms from the harness).
"""
from __future__ import annotations

import contextlib
import io

import pytest

from conformance import memory_machine as mm
from tests.memory import fakes

# bug -> (machine mode, what the failure must mention)
BUGS = {
    "view_copies": ("view", "share storage"),
    "stride_off_by_one": ("view", ".stride differs"),
    "offset_ignored": ("view", ".storage_offset differs"),
    "write_lost": ("inplace", "values of"),
    "dirty_error": ("errors", "raised in both, but it changed"),
}
# Detection uses the ci budget unchanged; only the time spent *shrinking* the found failure is cut.
SHRINK = {"shrink_s": 5, "minimize_s": 3}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_planted_bug_is_caught(bug):
    mode, mentions = BUGS[bug]
    mod = fakes.fake(f"planted_{bug}", fakes.PLANTED[bug])
    o = mm.run_machine(mod, mode, "ci", **SHRINK)
    assert o.crash is None, o.crash
    assert o.failure is not None, f"the {mode} machine missed the planted bug {bug!r} ({o.examples} runs)"
    f = o.failure
    assert mentions in f.message, f.message
    assert len(f.steps) <= 6, [s.code for s in f.steps]  # shrunk: a handful of steps
    snippet = f.repro()
    assert f"import {mod.__name__} as lib" in snippet and "import torch" in snippet
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, f"<repro {bug}>", "exec"), {})  # noqa: S102
    text = out.getvalue()
    assert "--- torch" in text and f"--- {mod.__name__}" in text


@pytest.mark.parametrize("mode", mm.MODES)
def test_torch_through_the_fake_wrapping_passes(mode):
    """torch against itself through a Tensor subclass: no failure may come from the harness."""
    mod = fakes.fake("planted_clean", fakes.Clean)
    o = mm.run_machine(mod, mode, "ci", max_examples=12)
    assert o.crash is None, o.crash
    assert o.failure is None, str(o.failure)


def test_directed_checks_pass_for_torch():
    """The directed checks against torch itself (through the wrapping): all pass."""
    mod = fakes.fake("planted_clean_directed", fakes.Clean)
    bad = []
    for d in mm.DIRECTED:
        o = mm.run_directed(d, mod, "ci", max_examples=4)
        if o.crash or o.failure:
            bad.append((d.op, o.crash or o.failure.message))
    assert not bad, bad


def test_directed_check_catches_a_view_that_copies():
    mod = fakes.fake("planted_view_copies_directed", fakes.ViewCopies)
    d = mm.DIRECTED_BY_KEY[("indexing and views allocate nothing", "view")]
    o = mm.run_directed(d, mod, "ci", max_examples=50)
    assert o.failure is not None
    assert any(k in o.failure.message for k in ("shares_storage", "data_ptr_offset_bytes", "r:", "x:")), o.failure.message
