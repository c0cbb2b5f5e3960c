"""The cross-device check (impl on the run's device vs impl on CPU): planned on cuda runs only, and able to
fail. Without a GPU both sides run on CPU, so a backend bug is simulated by a runner that perturbs one side."""
from __future__ import annotations

import pytest

from conformance import catalog, engine, profiles
from conformance.checks import REGISTRY, cross_device
from conformance.runners import TorchLikeRunner

CHECK = REGISTRY["cross_device"]


@pytest.fixture(scope="module")
def cat() -> catalog.Catalog:
    return catalog.load()


def test_planned_on_cuda_runs_only(cat: catalog.Catalog) -> None:
    op = cat.ops["add"]
    assert ("cross_device", "impl-cpu") in [(c.name, o) for c, o in engine.cases(op, "cuda")]
    assert "cross_device" not in [c.name for c, _ in engine.cases(op, "cpu")]
    # an op whose answer names the device is not compared across devices
    assert "cross_device" not in [c.name for c, _ in engine.cases(cat.ops["device"], "cuda")]


@pytest.mark.parametrize("op", ["add", "sum", "transpose", "matmul", "max_dim", "getitem_int"])
def test_the_same_backend_agrees_with_itself(cat: catalog.Catalog, op: str) -> None:
    env = engine.Env(cat, "impl", profiles.get("ci"))
    rec = engine.run_record(env, cat.ops[op], CHECK, "impl-cpu", cat.ops[op].dtypes[0])
    assert rec["status"] == "pass", rec


class _OffByOnePercent(TorchLikeRunner):
    """The 'cpu' side of the check computing 1% more: what a GPU kernel bug looks like from the check."""

    def call(self, path, built, **extra):
        out = super().call(path, built, **extra)
        if (self.name == "impl on cpu" and not out.raised and self.is_tensor(out.value)
                and out.value.dtype.is_floating_point):
            out.value = out.value * 1.01
        return out


class _TorchToo(_OffByOnePercent):
    """...and torch's CPU side likewise: a difference torch shares is its semantics."""

    def call(self, path, built, **extra):
        self.name, name = "impl on cpu", self.name
        try:
            return super().call(path, built, **extra)
        finally:
            self.name = name


def test_a_difference_torch_shares_passes(cat: catalog.Catalog, monkeypatch) -> None:
    monkeypatch.setattr(cross_device, "TorchLikeRunner", _TorchToo)
    env = engine.Env(cat, "impl", profiles.get("ci"))
    assert engine.run_record(env, cat.ops["exp"], CHECK, "impl-cpu", "float64")["status"] == "pass"


def test_a_backend_that_differs_fails_with_the_values(cat: catalog.Catalog, monkeypatch) -> None:
    monkeypatch.setattr(cross_device, "TorchLikeRunner", _OffByOnePercent)
    env = engine.Env(cat, "impl", profiles.get("ci"))
    rec = engine.run_record(env, cat.ops["exp"], CHECK, "impl-cpu", "float64")
    assert rec["status"] == "fail" and "values differ (torch: alike)" in rec["reason"], rec
    assert rec["repro"]
