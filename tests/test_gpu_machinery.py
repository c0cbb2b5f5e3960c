"""The GPU run's machinery, tested where there is no GPU: what a CUDA fault does to a record and to its
worker, repros that build on the run's device, the default-device context the suites run in, and the
run's skip without a GPU. (The GPU itself is exercised by `tox -e gpu`; see the README.)"""
from __future__ import annotations

import types

import numpy as np
import pytest
import torch

import impl
from conformance import catalog, cli, engine, layouts, profiles, repro, strategies, workers
from conformance.checks import REGISTRY

FAULT = "AcceleratorError: CUDA error: device-side assert triggered"


@pytest.fixture(scope="module")
def cat() -> catalog.Catalog:
    return catalog.load()


def _fake_record(op, check, oracle, dtype):
    return {"op": op.name, "group": op.group, "check": check.name, "oracle": oracle, "dtype": dtype,
            "device": "cuda", "status": "pass", "reason": None, "examples": 3, "detail": {}, "repro": "# r",
            "seeds": [], "spec": op.name, "duration_s": 0.1}


def _records_of_add_on_cuda(cat, monkeypatch, fault: str | None) -> list:
    """The records an in-process cuda OpRunner sends for `add` when synchronising reports `fault`."""
    monkeypatch.setattr(workers, "cuda_fault", lambda: fault)
    sent: list = []
    runner = workers.OpRunner(types.SimpleNamespace(device="cuda", catalog=cat), ["forward"], sent.append,
                              announce=False)
    monkeypatch.setattr(runner, "run_record", _fake_record)
    runner.run_op("add")
    return [m["rec"] for m in sent if m["t"] == "record"]


def test_a_cuda_fault_after_a_record_makes_it_an_error_in_process(cat, monkeypatch) -> None:
    recs = _records_of_add_on_cuda(cat, monkeypatch, FAULT)
    assert recs and all(r["status"] == "error" and r["reason"].startswith("CUDA fault") and FAULT in r["reason"]
                        for r in recs)
    assert recs[0]["repro"] == "# r"  # the record's repro is kept: it is the input that faulted


def test_without_a_fault_the_record_stands(cat, monkeypatch) -> None:
    recs = _records_of_add_on_cuda(cat, monkeypatch, None)
    assert recs and all(r["status"] == "pass" for r in recs)


def test_a_worker_that_exits_for_a_cuda_fault_is_recorded_as_one() -> None:
    w = types.SimpleNamespace(proc=types.SimpleNamespace(returncode=workers.EXIT_CUDA_FAULT), pid=1,
                              killed_for=None, log_mark=0, stderr_tail=lambda mark=0: "CUDA fault after this record")
    pool = object.__new__(workers.WorkerPool)
    reason, info = pool._death_reason(w)
    assert reason.startswith(workers.CUDA_FAULT_REASON) and "replaced" in reason
    assert info["exit_code"] == workers.EXIT_CUDA_FAULT


def test_cuda_fault_is_none_while_torch_can_synchronise(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: None)
    assert workers.cuda_fault() is None

    def poisoned():
        raise RuntimeError("CUDA error: device-side assert triggered\nCUDA kernel errors might be ...")
    monkeypatch.setattr(torch.cuda, "synchronize", poisoned)
    assert workers.cuda_fault() == "RuntimeError: CUDA error: device-side assert triggered"


def test_a_cuda_repro_builds_its_tensors_on_the_device(cat) -> None:
    op = cat.ops["add"]
    ex = strategies.Example(op, "float32", {
        "x": strategies.TensorArg(np.ones(2, np.float32), np.ones(2, np.float32), layouts.Layout("contiguous"),
                                  "float32"),
        "other": strategies.TensorArg(np.ones(2, np.float32), np.ones(2, np.float32),
                                      layouts.Layout("contiguous"), "float32"),
        "alpha": strategies.OMIT})
    cpu = repro.snippet(ex, "forward", "torch", "impl", ["r = x + other"])
    gpu = repro.snippet(ex, "forward", "torch", "impl", ["r = x + other"], device="cuda")
    assert "DEVICE" not in cpu and "device=" not in cpu
    assert "DEVICE = 'cuda'" in gpu and gpu.count("device=DEVICE") == 2
    compile(gpu, "<repro>", "exec")


@pytest.mark.parametrize("lib", [impl, torch], ids=["impl", "torch"])
def test_the_default_device_context_reaches_the_factory_functions(lib) -> None:
    assert str(lib.get_default_device()) == "cpu"
    with lib.device("cpu"):
        for t in (lib.zeros(2), lib.tensor([1.0]), lib.rand(2), lib.arange(3), lib.full((1,), 2.0)):
            assert t.device.type == "cpu"
    lib.set_default_device("cpu")
    try:
        assert lib.ones(1).device.type == "cpu"
    finally:
        lib.set_default_device(None)
    assert str(lib.get_default_device()) == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_a_cuda_run_without_a_gpu_skips_with_the_reason(capsys) -> None:
    assert cli.main(["run", "--device", "cuda", "--ops", "add"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("skipped: no GPU (") and "is_available() is False" in out


def test_a_cuda_skip_applies_on_cuda_runs_only(cat) -> None:
    topk = cat.ops["topk"]
    assert "forward" in topk.cuda_skip
    env = engine.Env(cat, "impl", profiles.get("ci"))
    assert engine.run_record(env, topk, REGISTRY["forward"], "torch", "float32")["status"] == "pass"
    env.device = "cuda"  # (the record is skipped before anything touches the device)
    rec = engine.run_record(env, topk, REGISTRY["forward"], "torch", "float32")
    assert rec["status"] == "skip" and rec["reason"] == "on CUDA: " + topk.cuda_skip["forward"]
