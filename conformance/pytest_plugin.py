"""pytest integration: one test per op x check x oracle (e.g. ``test_conformance[add-forward-torch]``).

Each test runs every dtype bucket through the engine, streams the records to a results file and maps
the outcome: fail/stale/error -> failed; declared gap/divergence only -> xfailed (with the reason);
nothing applicable -> skipped (with the reason); else passed.  As in `conformance run`, the first failing
example of a record is rerun once: a check that fails and then passes on the same example is an error
with reason "flaky: ..." and ``detail.flaky = true``.  A test that crashes its process is reported by
pytest-xdist ("worker crashed"; the worker is replaced); `conformance run` records such crashes, hangs
and memory exhaustion per record (see conformance/workers.py).  Options (or environment variables):
  --conformance-impl      CONFORMANCE_IMPL      module under test (default impl)
  --conformance-profile   CONFORMANCE_PROFILE   ci | dev | thorough (default ci)
  --conformance-ops       CONFORMANCE_OPS       comma-separated ops/groups (default all)
  --conformance-results   CONFORMANCE_RESULTS   results file (default reports/pytest/results.jsonl;
                                                xdist workers add -gwN)
  --conformance-device    CONFORMANCE_DEVICE    cpu | cuda (default cpu)
  --conformance-seed      CONFORMANCE_SEED      base seed (default 0)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

_OPTS = {  # option -> (env var, default)
    "impl": ("CONFORMANCE_IMPL", "impl"),
    "profile": ("CONFORMANCE_PROFILE", "ci"),
    "ops": ("CONFORMANCE_OPS", ""),
    "results": ("CONFORMANCE_RESULTS", "reports/pytest/results.jsonl"),
    "device": ("CONFORMANCE_DEVICE", "cpu"),
    "seed": ("CONFORMANCE_SEED", "0"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "differential conformance catalog")
    for name, (env, default) in _OPTS.items():
        group.addoption(f"--conformance-{name}", default=None, help=f"(env {env}, default {default!r})")


def _opt(config: pytest.Config, name: str) -> str:
    env, default = _OPTS[name]
    value = config.getoption(f"--conformance-{name}", default=None)
    return str(value if value is not None else os.environ.get(env, default))


def _cases(config: pytest.Config) -> list[tuple[str, str, str]]:
    from . import catalog, engine
    cat = catalog.load()
    ops = cat.select([o for o in _opt(config, "ops").split(",") if o])
    device = _opt(config, "device")
    return [(op.name, check.name, oracle) for op in ops for check, oracle in engine.cases(op, device)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_case" in metafunc.fixturenames:
        cases = _cases(metafunc.config)
        metafunc.parametrize("conformance_case", cases, ids=["-".join(c) for c in cases])


class _Session:
    """Lazily built engine Env and results writer, shared by every conformance test of a session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.env: Any = None
        self.writer: Any = None

    def start(self) -> None:
        if self.env is not None:
            return
        import sys
        import warnings

        from . import catalog, engine, profiles
        from .results import ResultWriter, collect_versions
        warnings.simplefilter("ignore")
        device = _opt(self.config, "device")
        if device == "cuda":
            import torch
            if not torch.cuda.is_available():
                pytest.skip("skipped: no GPU")
        prof = profiles.get(_opt(self.config, "profile"))
        self.env = engine.Env(catalog.load(), _opt(self.config, "impl"), prof, device, int(_opt(self.config, "seed")))
        path = Path(_opt(self.config, "results"))
        worker = getattr(self.config, "workerinput", {}).get("workerid")
        if worker:
            path = path.with_name(f"{path.stem}-{worker}{path.suffix}")
        self.writer = ResultWriter(path, {"versions": collect_versions(), "seed": self.env.seed,
                                          "profile": prof.name, "device": device, "impl": self.env.impl_name,
                                          "argv": list(sys.argv), "runner": "pytest"})
        self.writer.__enter__()

    def close(self, failed: bool) -> None:
        if self.writer is not None:
            exc = (RuntimeError, RuntimeError("pytest session failed"), None) if failed else (None, None, None)
            self.writer.__exit__(*exc)
            self.writer = None


_KEY = pytest.StashKey[_Session]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_KEY] = _Session(config)


def pytest_report_header(config: pytest.Config) -> str:
    """The conformance seed and profile, so a failing CI run can be rerun with the same examples."""
    return (f"conformance: impl={_opt(config, 'impl')} profile={_opt(config, 'profile')} "
            f"seed={_opt(config, 'seed')} (--conformance-seed) results={_opt(config, 'results')}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    sess = session.config.stash.get(_KEY, None)
    if sess is not None:
        # "complete" means the run was not interrupted; failing tests still make a complete run
        sess.close(failed=exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR))


@pytest.fixture
def conformance_run(request: pytest.FixtureRequest):
    """Run one op x check x oracle over its dtype buckets, record, and translate to a pytest outcome."""
    from .checks import REGISTRY
    from .workers import OpRunner

    sess = request.config.stash[_KEY]
    sess.start()

    def run(case: tuple[str, str, str]) -> list[dict[str, Any]]:
        op_name, check_name, oracle = case
        env = sess.env
        op, check = env.catalog.ops[op_name], REGISTRY[check_name]
        # OpRunner.run_record = engine.run_record + the flaky rerun (no worker: no crash isolation here)
        runner = OpRunner(env, [check_name], lambda msg: None, announce=False)
        recs = [runner.run_record(op, check, oracle, d) for d in check.buckets(op)]
        for r in recs:
            sess.writer.write(r)
        bad = [r for r in recs if r["status"] in ("fail", "stale", "error")]
        if bad:
            first = bad[0]
            pytest.fail("\n".join(f"{r['status']} [{r['dtype']}]: {r['reason']}" for r in bad)
                        + f"\n\nrepro of the first:\n{first.get('repro') or first.get('detail')}", pytrace=False)
        if all(r["status"] == "skip" for r in recs):
            pytest.skip("; ".join(sorted({r["reason"] for r in recs})))
        expected = [r for r in recs if r["status"] in ("gap", "divergence")]
        if expected:
            pytest.xfail("; ".join(sorted({f"{r['status']}: {r['reason']}" for r in expected})))
        return recs

    return run
