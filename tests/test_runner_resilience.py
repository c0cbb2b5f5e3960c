"""The runner never loses results: crashes, hangs, runaway memory and flaky checks become error records,
kill -9 / Ctrl-C leave a readable, renderable partial run, shards merge, seeds reproduce.

Everything runs `python -m conformance run` as a subprocess on a tiny torch-like module with planted
misbehaviour (`fakelib`, written below) and a specs directory of our own, `--checks forward` only.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from conformance import cli, profiles
from conformance.results import read_results

ROOT = Path(__file__).resolve().parent.parent
LINUX = sys.platform.startswith("linux")

FAKELIB = '''
"""A torch-like module: torch, plus ops that misbehave on purpose."""
import ctypes, os, time
import numpy as np
import torch

if os.environ.get("FAKELIB_PIDFILE"):  # only workers import this module: record their pids
    with open(os.environ["FAKELIB_PIDFILE"], "a") as f:
        f.write(f"{os.getpid()}\\n")

def __getattr__(name):
    return getattr(torch, name)

def hang_neg(x, **kw):          # hangs in Python: the interrupt stops it, the worker goes on
    while True:
        time.sleep(0.05)

def stubborn_neg(x, **kw):      # hangs and swallows the interrupt: the worker must be killed
    while True:
        try:
            time.sleep(0.05)
        except BaseException:
            pass

def exit_abs(x, **kw):          # takes the process down without a word
    os._exit(7)

def segv_abs(x, **kw):          # segmentation fault
    ctypes.string_at(0)

def hog_exp(x, **kw):           # allocates without bound (address space; untouched pages)
    hog = []
    while True:
        hog.append(np.zeros(1 << 27))

_calls = [0]
def flaky_sin(x, **kw):         # wrong on every other call: fails, then passes on the same example
    _calls[0] += 1
    y = torch.sin(x)
    return y + 1 if _calls[0] % 2 else y

def wrong_abs(x, **kw):         # deterministically wrong for |x| > 1
    y = torch.abs(x)
    return torch.where(y > 1, y + 1, y)

def slow_neg(x, **kw):
    time.sleep(float(os.environ.get("FAKELIB_SLOW", "0.1")))
    return torch.neg(x)
'''

HEAD = '''[defaults]
dtypes = ["float32"]
jax_reason = "runner test: torch only"
args = [{name = "x", kind = "tensor", domain = "moderate"}]
'''

PLANTED = {  # op -> impl function; torch path is the real op
    "good_neg": ("torch.neg", None), "hang": ("torch.neg", "hang_neg"), "stubborn": ("torch.neg", "stubborn_neg"),
    "exits": ("torch.abs", "exit_abs"), "segv": ("torch.abs", "segv_abs"), "hog": ("torch.exp", "hog_exp"),
    "flaky": ("torch.sin", "flaky_sin"), "wrong": ("torch.abs", "wrong_abs"), "good_abs": ("torch.abs", None),
}


def _spec(ops: dict[str, tuple[str, str | None]]) -> str:
    out = [HEAD]
    for name, (torch_path, impl) in ops.items():
        out.append(f'[{name}]\ntorch = "{torch_path}"\n' + (f'impl = "torch.{impl}"\n' if impl else ""))
    return "\n".join(out)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("runner")
    (d / "fakelib.py").write_text(textwrap.dedent(FAKELIB))
    (d / "planted").mkdir()
    (d / "planted" / "planted.toml").write_text(_spec(PLANTED))
    (d / "slow").mkdir()
    (d / "slow" / "slow.toml").write_text(_spec({f"slow{i}": ("torch.neg", "slow_neg") for i in range(1, 9)}))
    return d


def _env(lab: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(lab), str(ROOT)])
    env.update(extra)
    return env


def _cmd(lab: Path, specs: str, out: Path, *more: str) -> list[str]:
    ops = [] if "--ops" in more else ["--ops", specs]  # the spec file's group: no repository suites
    return [sys.executable, "-m", "conformance", "run", "--impl", "fakelib", "--specs", str(lab / specs),
            "--checks", "forward", "--out", str(out), *ops, *more]


def _run(lab: Path, specs: str, out: Path, *more: str, timeout: float = 120, **env: str):
    return subprocess.run(_cmd(lab, specs, out, *more), cwd=lab, env=_env(lab, **env), capture_output=True,
                          text=True, timeout=timeout)


def _by_op(path: Path) -> dict[str, dict]:
    return {r["op"]: r for r in read_results(path).records if r["oracle"] == "torch"}


def _wait_for_records(path: Path, proc: subprocess.Popen, n: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and len(path.read_bytes().splitlines()) >= 1 + n:
            return
        assert proc.poll() is None, f"the run ended early: {proc.communicate()}"
        time.sleep(0.1)
    raise AssertionError(f"no {n} records in {path} after {timeout}s")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


# ------------------------------------------------------------------------------------------ tests

@pytest.mark.skipif(not LINUX, reason="RLIMIT_AS and the crash signals are tested on Linux")
def test_misbehaving_ops_become_error_records_and_the_run_goes_on(lab: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    t0 = time.monotonic()
    # 3 s: long for a hang, short for the run; a good op's first example in a fresh worker on a loaded CI machine fits
    p = _run(lab, "planted", out, "--ops", ",".join(PLANTED), "--jobs", "2", "--example-timeout", "3",
             "--memory-limit", "1")
    took = time.monotonic() - t0
    print(p.stdout, p.stderr[-3000:], sep="\n")  # shown by pytest when an assertion below fails
    assert p.returncode == 1, p.stdout + p.stderr  # errors and a failure make the run red
    rs = read_results(out / "results.jsonl")
    assert rs.complete, "every op ran: the run is complete despite the crashes"
    recs = _by_op(out / "results.jsonl")
    assert list(recs) == list(PLANTED), p.stdout  # all there, put back in catalog order after the run
    expect = {
        "hang": "timed out: example 1 ran longer than 3s (interrupted",
        "stubborn": "timed out: example 1 ran longer than 3s and did not respond",
        "exits": "crashed: the worker process exited with status 7",
        "segv": "crashed: segmentation fault (SIGSEGV)",
        "hog": "out of memory: example 1 exhausted the worker's memory limit",
        "flaky": "flaky: values differ from torch",
    }
    for op, reason in expect.items():
        r = recs[op]
        assert r["status"] == "error" and r["reason"].startswith(reason), (op, r["status"], r["reason"])
        assert r["detail"]["example"]["x"]["dtype"] == "float32", (op, r["detail"])  # the inputs, as far as known
        assert r["repro"] and "import fakelib as lib" in r["repro"], op
    assert "segv_abs" in recs["segv"]["detail"]["stderr"]  # faulthandler's stack of the segfault
    assert recs["exits"]["detail"]["worker"]["exit_code"] == 7
    assert recs["flaky"]["detail"]["flaky"] is True
    assert recs["wrong"]["status"] == "fail", recs["wrong"]  # deterministic: not flaky, shrunk
    assert recs["good_neg"]["status"] == recs["good_abs"]["status"] == "pass", (recs["good_neg"], recs["good_abs"])
    html = (out / "index.html").read_text()
    assert "segmentation fault" in html and "INCOMPLETE RUN" not in html
    assert "worker replaced" in p.stdout and "2 crashed, 2 timed out" in p.stdout, p.stdout
    assert "0 replaced after growing" in p.stdout, p.stdout
    print(f"planted run: {took:.1f}s")


def _in_process(lab: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> str:
    """``python -m conformance ...`` in this process (``--jobs 0`` runs need no worker start-up)."""
    monkeypatch.syspath_prepend(str(lab))
    with warnings.catch_warnings():  # the run silences warnings; keep that out of the other tests
        code = cli.main(list(args))
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return out


def test_seed_is_stored_shown_and_reproduces(lab: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    assert profiles.get("ci").derandomize  # ci: seed 0 unless --seed, every run draws the same examples
    base = ["run", "--impl", "fakelib", "--specs", str(lab / "planted"), "--checks", "forward",
            "--ops", "wrong,good_abs", "--jobs", "0"]
    a = _in_process(lab, monkeypatch, capsys, *base, "--out", str(tmp_path / "a"))
    b = _in_process(lab, monkeypatch, capsys, *base, "--out", str(tmp_path / "b"), "--profile", "dev", "--seed", "12345")
    c = _in_process(lab, monkeypatch, capsys, *base, "--out", str(tmp_path / "c"), "--profile", "dev", "--seed", "12345")
    d = _in_process(lab, monkeypatch, capsys, *base, "--out", str(tmp_path / "d"))
    assert "seed=0" in a and "--seed 0" in a  # printed, with the command that reruns it
    assert "seed=12345" in b and "--seed 12345" in c
    heads = [read_results(tmp_path / x / "results.jsonl").runs[0].header for x in "abcd"]
    assert [h["seed"] for h in heads] == [0, 12345, 12345, 0]
    assert "12345" in (tmp_path / "b" / "index.html").read_text()  # shown in the report
    recs = [_by_op(tmp_path / x / "results.jsonl")["wrong"] for x in "abcd"]
    assert all(r["status"] == "fail" for r in recs)
    for r1, r2 in ((recs[0], recs[3]), (recs[1], recs[2])):  # same seed: same examples, same shrunk input
        assert (r1["detail"]["example"], r1["examples"], r1["repro"]) == (r2["detail"]["example"], r2["examples"],
                                                                         r2["repro"])


def test_shards_split_deterministically_and_merge(lab: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    ops = list(range(10))
    shards = [cli._shard(f"{i}/3", ops)[0] for i in (1, 2, 3)]
    assert sorted(sum(shards, [])) == ops and shards[0] == [0, 3, 6, 9]  # no overlap, no gap
    for bad in ("4/3", "0/2", "x"):
        with pytest.raises(SystemExit):
            cli._shard(bad, ops)
    names = "good_neg,wrong,good_abs"
    for i in (1, 2):
        _in_process(lab, monkeypatch, capsys, "run", "--impl", "fakelib", "--specs", str(lab / "planted"),
                    "--checks", "forward", "--ops", names, "--shard", f"{i}/2", "--jobs", "0", "--no-html",
                    "--out", str(tmp_path / f"s{i}"))
    h1, h2 = (read_results(tmp_path / f"s{i}" / "results.jsonl").runs[0].header for i in (1, 2))
    assert (h1["shard"], h2["shard"]) == ("1/2", "2/2")
    assert (h1["ops"], h2["ops"]) == (["good_neg", "good_abs"], ["wrong"])  # catalog order, every 2nd
    merged = tmp_path / "merged"
    _in_process(lab, monkeypatch, capsys, "report", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(merged))
    rs = read_results([tmp_path / "s1", tmp_path / "s2"])
    assert rs.complete and {r["op"] for r in rs.records} == set(names.split(","))
    html = (merged / "index.html").read_text()
    assert "INCOMPLETE RUN" not in html and "good_neg" in html and "wrong" in html


def test_kill_9_leaves_a_readable_partial_run(lab: Path, tmp_path: Path) -> None:
    out, pids = tmp_path / "out", tmp_path / "pids"
    proc = subprocess.Popen(_cmd(lab, "slow", out, "--jobs", "1", "--no-html"), cwd=lab,
                            env=_env(lab, FAKELIB_SLOW="0.1", FAKELIB_PIDFILE=str(pids)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_records(out / "results.jsonl", proc, 2)
        proc.kill()  # SIGKILL: no chance to write a footer
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    rs = read_results(out / "results.jsonl")
    assert not rs.complete and len(rs.records) >= 2
    assert "killed" in rs.runs[0].incomplete_reason
    report = tmp_path / "report"
    p = subprocess.run([sys.executable, "-m", "conformance", "report", str(out), "--out", str(report)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "INCOMPLETE RUN" in p.stdout, p.stdout + p.stderr
    assert "INCOMPLETE RUN" in (report / "index.html").read_text()
    # The workers die with the parent (PR_SET_PDEATHSIG / parent watch), they do not run on.
    worker_pids = [int(x) for x in pids.read_text().split()]
    assert worker_pids
    end = time.monotonic() + 10
    while any(_alive(pid) for pid in worker_pids) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in worker_pids), "orphaned workers still running"


def test_sigterm_and_sighup_stop_like_ctrl_c() -> None:
    """SIGTERM/SIGHUP take the SIGINT path below (one handler); here only the wiring, in this process."""
    for sig, code in ((signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)):
        before = signal.getsignal(sig)
        if before is signal.SIG_IGN:  # started under nohup: SIGHUP must stay ignored (not sent: it would be)
            with cli._Stop():
                assert signal.getsignal(sig) is signal.SIG_IGN
            continue
        with cli._Stop() as stop:
            assert not stop()
            os.kill(os.getpid(), sig)
            time.sleep(0.05)  # the handler runs in the main thread at the next bytecode
            assert stop() and stop.signum == sig and cli._STOP_SIGNALS[sig] == code
            with pytest.raises(KeyboardInterrupt):  # a second signal stops right away
                os.kill(os.getpid(), sig)
                time.sleep(0.05)
        assert signal.getsignal(sig) == before


def test_ctrl_c_writes_partial_results_and_report(lab: Path, tmp_path: Path) -> None:
    sig, code = signal.SIGINT, 130
    out = tmp_path / "out"
    proc = subprocess.Popen(_cmd(lab, "slow", out, "--jobs", "1"), cwd=lab, env=_env(lab, FAKELIB_SLOW="0.1"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for_records(out / "results.jsonl", proc, 2)
        proc.send_signal(sig)
        stdout, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stdout
    assert "INTERRUPTED" in stdout and "index.html" in stdout and "results.jsonl" in stdout
    rs = read_results(out / "results.jsonl")
    assert not rs.complete and rs.runs[0].footer is not None  # a clean footer, marked incomplete
    assert signal.Signals(sig).name in rs.runs[0].incomplete_reason
    assert rs.runs[0].bad_lines == 0 and not rs.runs[0].truncated
    html = (out / "index.html").read_text()
    assert "INCOMPLETE RUN" in html


def test_flaky_rerun_copy_keeps_aliasing_and_sentinels() -> None:
    """The rerun's copy must be the same example: an input passed twice (out= aliasing x) stays one
    object, OMIT stays OMIT, buffers are fresh (a library writing into them cannot change the rerun)."""
    import numpy as np

    from conformance import layouts, strategies, workers

    base = np.arange(6.0).reshape(2, 3)
    x = strategies.TensorArg(base, base, layouts.CONTIGUOUS, "float64")
    ex = strategies.Example(op=object(), dtype="float64", values={"x": x, "alpha": strategies.OMIT, "n": 3},
                            extra={"out": x, "seed": 7})
    c = workers._copy_example(ex)
    assert c.op is ex.op and c.values["alpha"] is strategies.OMIT and c.values["n"] == 3
    assert c.extra["out"] is c.values["x"] and c.values["x"] is not x  # aliasing kept, object fresh
    assert c.values["x"].array is c.values["x"].base and not np.shares_memory(c.values["x"].base, base)
    base[0, 0] = 100.0
    assert c.values["x"].array[0, 0] == 0.0


def test_grown_workers_are_recycled_between_ops() -> None:
    """JAX's caches make long-lived workers grow: after an op, a worker above the resident budget, or
    near its RLIMIT_AS, is replaced (checked on the decision; the stop path is the normal one)."""
    from conformance import workers

    pool = workers.WorkerPool.__new__(workers.WorkerPool)  # the decision only: no processes
    pool.recycle_rss = 2 * 2**30
    w = type("W", (), {"memory_limit": 10 * 2**30, "vm_ready": 2 * 2**30})()  # 8 GiB of headroom
    assert not pool._too_big(w, {"rss": 2**30, "vm": 5 * 2**30})
    assert pool._too_big(w, {"rss": 3 * 2**30, "vm": 5 * 2**30})       # resident budget
    assert pool._too_big(w, {"rss": 2**30, "vm": 8.5 * 2**30})         # 3/4 of the headroom used
    small = type("W", (), {"memory_limit": 3 * 2**30, "vm_ready": 2 * 2**30})()  # --memory-limit 1
    assert not pool._too_big(small, {"rss": 2**29, "vm": 2.5 * 2**30})
    w.memory_limit = None
    assert not pool._too_big(w, {"rss": 2**30, "vm": 50 * 2**30})


def test_crash_log_keeps_the_innermost_frames_of_a_long_stack() -> None:
    """A segfault's record keeps the op's own frame even when paths are long (CI checks out under a deeper
    directory than a laptop): a plain 3000-character tail had kept faulthandler's module list instead."""
    from conformance.workers import STDERR_TAIL, condense_log

    deep = "/" + "d" * 120 + "/site-packages"
    frames = "\n".join(f'  File "{deep}/mod{i}.py", line {i} in f{i}' for i in range(60))
    log = ("warning printed earlier by the op\n" * 50 + "Fatal Python error: Segmentation fault\n\n"
           "Current thread 0x01 (most recent call first):\n"
           f'  File "{deep}/fakelib.py", line 29 in segv_abs\n{frames}\n\n'
           "Extension modules: " + ", ".join(f"numpy.m{i}" for i in range(400)) + " (total: 400)\n")
    got = condense_log(log)
    assert len(got) <= STDERR_TAIL + 40, len(got)
    assert got.startswith("Fatal Python error: Segmentation fault") and "in segv_abs" in got
    assert "characters cut" in got and "in f59" in got  # the middle goes, both ends stay
    assert "Extension modules" not in got
    short = "Fatal Python error: Aborted\n  File \"x.py\", line 1 in f\n"
    assert condense_log(short) == short  # a short log is kept whole
