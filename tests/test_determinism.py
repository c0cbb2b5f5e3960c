"""A seed must pin the examples: they may not depend on which project modules a process has imported.

Hypothesis mixes numeric literals of imported local modules into its draws; conformance/profiles.py
empties that pool. Here a module with new literals is imported between two draws with the same seed.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from hypothesis import Phase, given, seed, settings, strategies as st
from hypothesis.internal.conjecture import providers

from conformance import profiles


def _draws() -> list[int]:
    seen: list[int] = []

    @seed(20261124)
    @settings(max_examples=300, database=None, phases=[Phase.generate], deadline=None, derandomize=False)
    @given(st.integers(0, 10**6))
    def probe(x: int) -> None:
        seen.append(x)

    probe()
    return seen


def _import_new_literals(where: Path, name: str, base: int) -> None:
    literals = ", ".join(str(base + 7 * i) for i in range(400))  # many, so some are drawn
    (where / f"{name}.py").write_text(f"VALUES = [{literals}]\n")
    sys.path.insert(0, str(where))
    try:
        importlib.import_module(name)
    finally:
        sys.path.remove(str(where))


@pytest.fixture
def lib_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("libsrc")  # not a "test" directory: Hypothesis counts it as local code


def test_the_same_seed_draws_the_same_examples_whatever_was_imported(lib_dir: Path) -> None:
    before = _draws()
    _import_new_literals(lib_dir, "det_probe_a", 600_001)
    assert _draws() == before


def test_without_the_pin_imports_change_the_examples(lib_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The problem the pin solves exists: with Hypothesis' own pool the same seed draws other values."""
    assert profiles.ORIGINAL_LOCAL_CONSTANTS is not None
    monkeypatch.setattr(providers, "_get_local_constants", profiles.ORIGINAL_LOCAL_CONSTANTS)
    providers.CONSTANTS_CACHE.cache.clear()
    before = _draws()
    _import_new_literals(lib_dir, "det_probe_b", 700_001)
    after = _draws()
    providers.CONSTANTS_CACHE.cache.clear()
    assert after != before
    new = {700_001 + 7 * i for i in range(400)}
    assert new & set(after)  # the new module's literals were drawn
