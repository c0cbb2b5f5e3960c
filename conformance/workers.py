"""Crash-proof execution of the catalog: worker processes that may die, hang or run out of memory.

The parent (``cli.py``) hands ops to workers one at a time; a worker runs every record of its op and
streams messages back as they happen::

    ready   worker is up (pid, memory limit)           plan    the records this op will produce
    rec     a record starts                            ex      an example starts (its inputs + repro)
    x       that example ended                         record  a finished result record
    opdone  the op is finished                         fatal   the worker cannot start (impl import)

Because the parent knows, at every moment, which record and which example each worker is on, it can
turn whatever happens to a worker into a result record instead of losing it:

* **crash** (segfault, ``os._exit``, abort): the worker's process ends; the record in flight becomes
  ``status: error, reason: "crashed: ..."`` with the example's inputs, its repro and the tail of the
  worker's stderr (``faulthandler`` prints the Python stack of a segfault there).  The op is resumed in
  a fresh worker at the next record; after ``MAX_CRASHES_PER_OP`` crashes its remaining records are
  recorded as errors ("not run") and the run goes on with the next op.
* **hang**: an example that runs longer than ``example_timeout`` gets SIGUSR1, which raises
  :class:`ExampleTimedOut` in the worker (``timed out: ...``, the worker goes on).  A worker stuck in
  native code that ignores it is killed a grace period later (half the timeout, 1 to 5 s; after a
  SIGUSR2 stack dump to its log) and replaced.  Outside examples the engine's per-record SIGALRM limit applies, and the parent kills
  a worker that sends nothing for ``record_timeout_s + 60`` s.
* **memory**: each worker runs under ``RLIMIT_AS`` = its footprint after start-up + ``memory_limit``
  bytes, so a runaway allocation fails instead of taking the machine down.  A framework call that
  fails for lack of memory (MemoryError, torch's allocator RuntimeError, XLA RESOURCE_EXHAUSTED) is
  recorded as ``out of memory: ...`` rather than compared as if it were the op's exception.
* **growth**: after each op a worker trims its heap and, past 1 GiB resident, drops JAX's compilation
  caches; one still above ``RECYCLE_RSS_GIB`` (env ``CONFORMANCE_RECYCLE_RSS_GIB``; 0: never) or near
  its address-space limit is stopped and replaced by a fresh one.
* **flaky**: the first failing example of a record is run once more on a copy of the same inputs; if
  it then passes, the record becomes ``status: error, reason: "flaky: ..."`` with ``detail.flaky =
  true`` (so is a record whose failure Hypothesis itself could not reproduce).

IPC: workers are plain ``subprocess`` children (``python -m conformance.workers FD``) in their own
session, so a terminal Ctrl-C reaches only the parent, and with ``PR_SET_PDEATHSIG`` (plus a
parent-watching thread), so ``kill -9`` of the parent does not leave them running.  Commands go to the
worker's stdin and messages come back on a pipe, both as JSON lines: nothing is pickled, and nothing
read from disk is ever unpickled or eval'd (the parent only reads the workers' stderr logs as text).
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

MAX_CRASHES_PER_OP = 3      # then the op's remaining records are recorded as "not run" errors
KILL_GRACE_S = 5.0          # after the SIGUSR1 interrupt, the longest a hung example has before SIGKILL
STARTUP_TIMEOUT_S = 300.0   # spawn + imports (torch, JAX) on a loaded machine
MAX_STARTUP_FAILURES = 3    # consecutive workers that die before "ready": give up
STDERR_TAIL = 3000          # characters of a dead worker's stderr kept in its error record
LOG_READ = 1 << 16          # bytes of the log read to find them (condensed by condense_log)
DEFAULT_EXAMPLE_TIMEOUT_S = 60.0
DEFAULT_MEMORY_LIMIT_GIB = 8.0
RECYCLE_RSS_GIB = 2.0       # a worker above this resident size after an op is replaced by a fresh one

_ROOT = Path(__file__).resolve().parent.parent
SUITE_KEY = ("suite", "self", None)  # the one "record" the parent knows of a suite (for a crash)


class ExampleTimedOut(BaseException):
    """Raised in a worker by SIGUSR1 when one example overran; a BaseException so neither Hypothesis
    nor the engine treats it as a test failure (it propagates out of ``engine.run_record``)."""


class OutOfMemory(BaseException):
    """A framework call failed for lack of memory: not the op's behaviour, a resource limit."""


# ============================================================================ shared helpers

_OOM_TEXT = re.compile(r"not enough memory|can't allocate memory|cannot allocate memory|out of memory|"
                       r"std::bad_alloc|RESOURCE_EXHAUSTED|failed to allocate", re.I)


def is_oom(exc: BaseException | None) -> bool:
    """True for exceptions that mean "no memory left", whichever framework raised them."""
    if exc is None:
        return False
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, RuntimeError) and bool(_OOM_TEXT.search(str(exc)[:2000]))


def mark_flaky(rec: dict[str, Any], rerun: dict[str, Any] | None = None) -> dict[str, Any]:
    """Make a flaky record visible: ``status: error``, reason ``flaky: ...``, ``detail.flaky = true``.

    ``rerun``: what the worker saw when it reran the first failing example (it failed, then passed).
    Without it, a record is flaky when Hypothesis reported that it could not reproduce a failure
    (the engine's reason or message then starts with ``flaky:``)."""
    detail = rec.setdefault("detail", {}) if isinstance(rec.get("detail"), dict) else {}
    msg = str(detail.get("message") or "")
    if rerun is None and not (str(rec.get("reason") or "").startswith("flaky:") or msg.startswith("flaky:")):
        return rec
    if rec.get("status") not in ("fail", "gap", "divergence", "stale", "error"):
        return rec  # a pass stays a pass: flakiness is only reported when something failed
    if rerun is not None:
        reason = (f"flaky: {rerun['message']} -- but the same example passed when it was rerun "
                  "(the check fails and passes on identical inputs)")
        detail["flaky_example"] = rerun.get("example")
        detail["flaky_first_message"] = rerun["message"]
    else:
        base = str(rec.get("reason") or msg)
        reason = base if base.startswith("flaky:") else "flaky: " + (msg[len("flaky:"):].strip() or base)
        reason += " (Hypothesis could not reproduce the failure on the same example)"
    if rec.get("status") != "error":
        detail["status_before_flaky"] = rec.get("status")
    detail["flaky"] = True
    rec["detail"] = detail
    rec["status"] = "error"
    rec["reason"] = reason
    return rec


def _error_record(base: dict[str, Any], reason: str, detail: dict[str, Any], repro: str | None = None,
                  examples: int = 0, duration: float = 0.0) -> dict[str, Any]:
    return {**base, "status": "error", "reason": reason, "examples": examples, "detail": detail,
            "repro": repro, "duration_s": round(duration, 4)}


def _signame(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def _vm_size(field: str = "VmSize") -> int:
    """Virtual memory size (what RLIMIT_AS limits; or ``VmRSS``) of this process in bytes; 0 if unknown
    (no /proc: then no memory limit is set, as macOS does not enforce RLIMIT_AS anyway)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# ============================================================================ worker side


@dataclass
class _ExState:
    """What the worker is doing right now (read by the SIGUSR1 handler and the error paths)."""
    example_timeout: float = DEFAULT_EXAMPLE_TIMEOUT_S
    in_example: bool = False
    ex_t0: float = 0.0
    examples: int = 0                     # examples started in the current record
    example: dict[str, Any] | None = None  # describe() of the current example
    repro: str | None = None
    rerun_done: bool = False
    flaky: dict[str, Any] | None = None


class _Channel:
    """JSON-lines messages to the parent on one pipe; signals are blocked while a line is written so
    an interrupt can never tear a message."""

    _BLOCK = {signal.SIGALRM, signal.SIGUSR1}

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, msg: dict[str, Any]) -> None:
        from .results import jsonsafe
        data = (json.dumps(jsonsafe(msg), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
        old = signal.pthread_sigmask(signal.SIG_BLOCK, self._BLOCK)
        try:
            view = memoryview(data)
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _die_with_parent(parent: int) -> None:
    """SIGKILL this worker when the parent dies (Linux prctl), and, everywhere, a thread that notices
    the parent is gone (re-parented) and exits: a killed run must not leave workers running."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux
        pass
    if os.getppid() != parent:
        os._exit(70)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(70)

    threading.Thread(target=watch, name="conformance-parent-watch", daemon=True).start()


def _install_oom_hook() -> None:
    """Make a framework call that fails for lack of memory raise :class:`OutOfMemory` (instead of
    being recorded as the op's exception).  The runners turn every exception of a framework call into
    an ``Outcome(exc=...)`` and reading errors into ``ReadError``: both constructors are wrapped here,
    in the worker process only.  (An engine hook "on framework exception" would make this cleaner.)"""
    from .runners import base

    def wrap(cls: type, get_exc: Callable[[Any], BaseException | None]) -> None:
        orig = cls.__init__
        if getattr(orig, "_conformance_oom_hook", False):
            return

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            orig(self, *args, **kwargs)
            exc = get_exc(self)
            if is_oom(exc):
                raise OutOfMemory(f"{type(exc).__module__}.{type(exc).__qualname__}: "
                                  f"{str(exc).strip()[:500]}") from exc

        __init__._conformance_oom_hook = True  # type: ignore[attr-defined]
        cls.__init__ = __init__  # type: ignore[method-assign]

    wrap(base.Outcome, lambda o: o.exc)
    wrap(base.ReadError, lambda e: e.exc)


_LIBC: Any = None
CLEAR_CACHES_RSS = 2**30  # after an op, above this resident size: drop JAX's compilation caches


def _relieve_memory() -> None:
    """Between ops.  A worker's resident size grows op after op, mostly JAX's compiled executables
    kept by glibc's heap (8 pointwise ops: 0.23 -> 1.46 GiB; after jax.clear_caches() + malloc_trim:
    0.46 GiB).  Clearing on every op costs recompiles (20-50% slower here), so: trim always (cheap),
    clear JAX's caches only past CLEAR_CACHES_RSS; the parent recycles a worker still above its budget."""
    big = _vm_size("VmRSS") > CLEAR_CACHES_RSS
    if big and "jax" in sys.modules:
        try:
            sys.modules["jax"].clear_caches()
        except Exception:  # noqa: BLE001 - best effort
            pass
    if big or _past_half_headroom():
        # An op that ran out of memory leaves its allocations in reference cycles (exception -> traceback
        # -> frames); only a collection frees them, else the parent recycles a worker that is not big.
        import gc
        gc.collect()
    _trim_heap()


_LIMIT: tuple[int, int] | None = None  # (address space at start-up, RLIMIT_AS) when a limit is set


def _past_half_headroom() -> bool:
    if _LIMIT is None:
        return False
    start, limit = _LIMIT
    return _vm_size() - start > 0.5 * (limit - start)


def _trim_heap() -> None:
    """Give freed heap memory back to the OS (glibc ``malloc_trim``); a no-op without glibc."""
    global _LIBC
    if _LIBC is False:
        return
    try:
        if _LIBC is None:
            import ctypes
            _LIBC = ctypes.CDLL("libc.so.6")
        _LIBC.malloc_trim(0)
    except (OSError, AttributeError):  # no glibc (macOS, musl)
        _LIBC = False


def _set_memory_limit(extra: int) -> int | None:
    """RLIMIT_AS = current address space + ``extra`` bytes (``extra`` <= 0: no limit).  Relative to
    the start-up footprint because torch's and XLA's thread pools reserve address space per core."""
    now = _vm_size()
    if extra <= 0 or now <= 0:
        return None
    import resource
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = now + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    global _LIMIT
    _LIMIT = (now, limit)
    return limit


EXIT_CUDA_FAULT = 70
CUDA_FAULT_REASON = ("CUDA fault: during this record torch reported an asynchronous device-side error (an in-kernel "
                     "check, such as an out-of-range index, fails this way on CUDA) and the process's CUDA context "
                     "became unusable")


def cuda_fault() -> str | None:
    """None while the process's CUDA context works; else what torch says when asked to synchronize."""
    try:
        import torch
        torch.cuda.synchronize()
        return None
    except Exception as e:  # noqa: BLE001 - AcceleratorError on torch >= 2.8, RuntimeError before
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"


class OpRunner:
    """Runs the records of one op in this process, reporting through ``send`` (the worker's channel,
    or a plain callback in-process).  Wraps each check's ``run`` to announce every example before it
    runs, to time it, and to rerun the first failing example once (flaky detection)."""

    def __init__(self, env: Any, checks: list[str], send: Callable[[dict[str, Any]], None],
                 state: _ExState | None = None, announce: bool = True, exit_on_cuda_fault: bool = False) -> None:
        self.env = env
        self.checks = checks
        self.send = send
        self.state = state or _ExState()
        self.announce = announce
        self.exit_on_cuda_fault = exit_on_cuda_fault  # a worker process: the parent replaces it

    def plan(self, op: Any) -> list[tuple[Any, str, str | None]]:
        from . import engine
        return [(check, oracle, dtype) for check, oracle in engine.cases(op, self.env.device)
                if not self.checks or check.name in self.checks for dtype in check.buckets(op)]

    def run_op(self, name: str, skip: set[tuple[str, str, str | None]] = frozenset()) -> None:  # type: ignore[assignment]
        env = self.env
        op = env.catalog.ops[name]
        t0 = time.perf_counter()
        plan = self.plan(op)
        self.send({"t": "plan", "op": name, "group": op.group, "seeds": list(op.seeds),
                   "keys": [[c.name, o, d] for c, o, d in plan]})
        for check, oracle, dtype in plan:
            key = (check.name, oracle, dtype)
            if key in skip:
                continue
            self.send({"t": "rec", "key": list(key)})
            rec = self.run_record(op, check, oracle, dtype)
            fault = cuda_fault() if env.device == "cuda" else None
            if fault:
                if self.exit_on_cuda_fault:
                    # Every later CUDA call in this process would fail: the parent records this record as
                    # the CUDA fault (with this stderr line) and resumes the op in a fresh worker.
                    print(f"CUDA fault after this record: {fault}", file=sys.stderr, flush=True)
                    os._exit(EXIT_CUDA_FAULT)
                rec = _error_record({k: rec.get(k) for k in ("op", "group", "check", "oracle", "dtype", "device",
                                                             "seeds", "spec")},
                                    f"{CUDA_FAULT_REASON} ({fault})", {"traceback": fault}, rec.get("repro"),
                                    rec.get("examples") or 0, rec.get("duration_s") or 0.0)
            self.send({"t": "record", "rec": rec})
        _relieve_memory()
        self.send({"t": "opdone", "op": name, "secs": time.perf_counter() - t0,
                   "rss": _vm_size("VmRSS"), "vm": _vm_size()})

    def run_suite(self, name: str, impl: str, profile: str, seed: int, device: str) -> None:
        """A suite (cli.SUITES, looked up by name: nothing is eval'd) streams its records as it writes
        them; the parent knows only the suite, so a crash is one error record for the whole suite."""
        from .cli import SUITES
        t0 = time.perf_counter()
        self.send({"t": "plan", "op": name, "group": name, "seeds": [], "keys": [SUITE_KEY], "suite": True})
        send = self.send

        class Writer:
            def write(self, rec: dict[str, Any]) -> None:
                send({"t": "record", "rec": rec})

        try:
            SUITES[name](impl, profile, seed, device, Writer())
        except BaseException as e:  # noqa: BLE001 - one error record instead of losing the worker
            reason = ("out of memory: " if isinstance(e, (MemoryError, OutOfMemory)) else
                      "harness crashed: ") + f"the {name} suite raised {type(e).__name__}: {str(e)[:300]}"
            send({"t": "record", "rec": _error_record(
                {"op": name, "group": name, "check": SUITE_KEY[0], "oracle": SUITE_KEY[1], "dtype": None,
                 "device": device, "seeds": [], "spec": None}, reason,
                {"traceback": traceback.format_exc()[-4000:]}, duration=time.perf_counter() - t0)})
        _relieve_memory()
        self.send({"t": "opdone", "op": name, "secs": time.perf_counter() - t0,
                   "rss": _vm_size("VmRSS"), "vm": _vm_size()})

    def run_record(self, op: Any, check: Any, oracle: str, dtype: str | None) -> dict[str, Any]:
        from . import engine
        st = self.state
        st.examples, st.example, st.repro, st.rerun_done, st.flaky = 0, None, None, False, None
        base = {"op": op.name, "group": op.group, "check": check.name, "oracle": oracle, "dtype": dtype,
                "device": self.env.device, "seeds": list(op.seeds), "spec": op.name}
        t0 = time.perf_counter()
        wrapped = dataclasses.replace(check, run=self._wrap(check, oracle))
        try:
            rec = engine.run_record(self.env, op, wrapped, oracle, dtype)
        except ExampleTimedOut:
            return _error_record(
                base, f"timed out: example {st.examples} ran longer than {st.example_timeout:g}s "
                      "(interrupted; the run went on)",
                {"example": st.example, "example_number": st.examples,
                 "traceback": traceback.format_exc()[-4000:]}, st.repro, st.examples, time.perf_counter() - t0)
        except OutOfMemory as e:
            return _error_record(
                base, f"out of memory: example {st.examples} exhausted the worker's memory limit ({e})",
                {"example": st.example, "example_number": st.examples,
                 "traceback": traceback.format_exc()[-4000:]}, st.repro, st.examples, time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - an engine bug must not lose the other records
            return _error_record(base, "harness crashed: engine.run_record raised",
                                 {"traceback": traceback.format_exc()[-4000:], "example": st.example},
                                 st.repro, st.examples, time.perf_counter() - t0)
        finally:
            st.in_example = False
        if rec.get("status") == "error" and "MemoryError" in str((rec.get("detail") or {}).get("traceback", "")):
            rec["reason"] = "out of memory: " + str(rec.get("reason") or "")
        return mark_flaky(rec, st.flaky)

    def _wrap(self, check: Any, oracle: str) -> Callable[[Any, Any], Any]:
        from .checks import Mismatch
        run, st = check.run, self.state

        def announce(ctx: Any, ex: Any, rerun: bool = False) -> None:
            st.examples += not rerun
            if self.announce:
                st.example = _safe(lambda: _describe(ex))
                st.repro = _safe(lambda: _repro(self.env, check, oracle, ctx, ex))
                self.send({"t": "ex", "n": st.examples, "rerun": rerun, "example": st.example,
                           "repro": st.repro})
            st.ex_t0 = time.monotonic()
            st.in_example = True

        def wrapped(ctx: Any, ex: Any) -> Any:
            pristine = None if st.rerun_done else _copy_example(ex)
            announce(ctx, ex)
            try:
                try:
                    return run(ctx, ex)
                except Mismatch as first:
                    if st.rerun_done or pristine is None:
                        raise
                    st.rerun_done = True
                    st.in_example = False
                    announce(ctx, pristine, rerun=True)
                    again: BaseException | None = None
                    try:
                        run(ctx, pristine)
                    except Exception as e:  # noqa: BLE001 - fails again (or differently): not flaky
                        again = e
                    if again is None:
                        st.flaky = {"message": first.message, "example": _safe(lambda: _describe(ex))}
                    # Re-raise the first failure exactly as it was: Hypothesis tells failures apart by
                    # their exception chain, so the rerun's exception must not become its __context__.
                    first.__context__ = None
                    raise first
            finally:
                st.in_example = False
                if self.announce:
                    self.send({"t": "x"})

        return wrapped


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - a description must never break the run
        return f"(could not describe: {type(e).__name__}: {e})"


def _describe(ex: Any) -> Any:
    from . import engine
    return engine.describe(ex)


def _repro(env: Any, check: Any, oracle: str, ctx: Any, ex: Any) -> str:
    """The engine's repro snippet for one example (same recipe as engine.run_record's)."""
    from . import repro
    from .checks.base import diff_inputs
    names = frozenset(diff_inputs(ex)) if check.grad_inputs else frozenset()
    return repro.snippet(ex, check.name, oracle, env.impl_name, check.repro(ctx, ex), names,
                         with_jax=oracle == "jax", device=env.device)


def _copy_example(ex: Any) -> Any:
    """A copy of an example for the flaky rerun, so a library that writes into its inputs cannot
    change the rerun.  Only NumPy buffers are copied (a third of the cost of a deepcopy); everything
    else is an immutable value or a sentinel compared with ``is``; the op spec is shared.  Identity is
    preserved: an argument that appears twice (``out=`` aliasing an input) is still one object."""
    try:
        import numpy as np

        from .strategies import NdArray, TensorArg

        memo: dict[int, Any] = {}

        def dup(v: Any) -> Any:
            if id(v) in memo:
                return memo[id(v)]
            if isinstance(v, TensorArg):
                c = dataclasses.replace(v, array=dup(v.array), base=dup(v.base))
            elif isinstance(v, NdArray):
                c = dataclasses.replace(v, array=dup(v.array))
            elif isinstance(v, list):
                c = [dup(x) for x in v]
            elif isinstance(v, tuple):
                c = tuple(dup(x) for x in v)
            elif isinstance(v, dict):
                c = {k: dup(x) for k, x in v.items()}
            elif isinstance(v, np.ndarray):
                c = v.copy()
            else:
                return v  # plain values, dtypes, and sentinels such as OMIT (compared with `is`)
            memo[id(v)] = c
            return c

        return dataclasses.replace(ex, values=dup(ex.values), jax_values=dup(ex.jax_values), extra=dup(ex.extra))
    except Exception:  # noqa: BLE001 - an uncopyable example is simply not rerun
        return None


def worker_main(fd: int) -> int:
    """Entry point of ``python -m conformance.workers FD``."""
    import faulthandler
    import warnings

    parent = os.getppid()
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    faulthandler.enable(file=sys.stderr, all_threads=True)  # a segfault prints the Python stack
    faulthandler.register(signal.SIGUSR2, file=sys.stderr, all_threads=True)  # parent: "where are you?"
    chan = _Channel(fd)
    cfg = json.loads(sys.stdin.buffer.readline().decode("utf-8"))
    sys.path[:] = [p for p in cfg["sys_path"] if isinstance(p, str)]
    warnings.simplefilter("ignore")  # torch/NumPy warnings on edge inputs are expected noise here
    try:
        from . import catalog, engine, profiles
        cat = catalog.load(cfg["specs"]) if cfg.get("specs") else catalog.load()
        env = engine.Env(cat, cfg["impl"], profiles.get(cfg["profile"]), cfg["device"], int(cfg["seed"]))
        ops = [cat.ops[n] for n in cfg.get("ops", []) if n in cat.ops]
        limit_bytes = int(cfg.get("memory_limit_bytes") or 0)
        if limit_bytes > 0:
            # Start-up allocations (JAX's client and thread pools, CUDA contexts) before the limit.
            from .checks import REGISTRY
            if any(o.jax for o in ops) and (not cfg["checks"] or any(
                    "jax" in REGISTRY[c].oracles for c in cfg["checks"] if c in REGISTRY)):
                import numpy as np
                from .runners.jaxrunner import _jax_modules
                _jax_modules()[1].asarray(np.ones(2)).block_until_ready()
            if cfg["device"] == "cuda":
                import torch
                torch.ones(1, device="cuda")
        limit = _set_memory_limit(limit_bytes)
        _install_oom_hook()
    except BaseException as e:  # noqa: BLE001 - tell the parent why, then give up
        chan.send({"t": "fatal", "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()[-4000:]})
        return 3

    state = _ExState(example_timeout=float(cfg.get("example_timeout") or DEFAULT_EXAMPLE_TIMEOUT_S))

    def on_usr1(signum: int, frame: Any) -> None:  # noqa: ARG001
        # The parent asks "is that example still running?": only then interrupt it (no races).
        if state.in_example and time.monotonic() - state.ex_t0 >= state.example_timeout - 0.25:
            state.in_example = False
            raise ExampleTimedOut(f"example ran longer than {state.example_timeout:g}s")

    signal.signal(signal.SIGUSR1, on_usr1)
    runner = OpRunner(env, list(cfg.get("checks") or []), chan.send, state, exit_on_cuda_fault=True)
    chan.send({"t": "ready", "pid": os.getpid(), "memory_limit": limit, "vm_size": _vm_size()})
    for line in iter(sys.stdin.buffer.readline, b""):
        cmd = json.loads(line.decode("utf-8"))
        if cmd.get("t") == "stop":
            break
        if cmd.get("t") == "op":
            try:
                runner.run_op(cmd["op"], {tuple(k) for k in cmd.get("skip", [])})  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - the parent records what is missing as errors
                chan.send({"t": "opfail", "op": cmd["op"], "traceback": traceback.format_exc()[-4000:]})
        elif cmd.get("t") == "suite":
            runner.run_suite(cmd["op"], cfg["impl"], cfg["profile"], int(cfg["seed"]), cfg["device"])
            sys.stdout.flush()
            sys.stderr.flush()
    return 0


# ============================================================================ parent side


@dataclass
class Config:
    impl: str
    profile: str
    device: str
    seed: int
    specs: str | None
    checks: list[str]
    ops: list[str]
    example_timeout: float = DEFAULT_EXAMPLE_TIMEOUT_S
    memory_limit_gib: float = DEFAULT_MEMORY_LIMIT_GIB
    record_timeout: float = 120.0
    suites: list[str] = field(default_factory=list)

    def worker_cfg(self) -> dict[str, Any]:
        return {"impl": self.impl, "profile": self.profile, "device": self.device, "seed": self.seed,
                "specs": self.specs, "checks": self.checks, "ops": self.ops,
                "example_timeout": self.example_timeout,
                "memory_limit_bytes": int(self.memory_limit_gib * 2**30) if self.memory_limit_gib > 0 else 0,
                "sys_path": [os.path.abspath(p) if p else os.getcwd() for p in sys.path]}


@dataclass
class Event:
    """What the pool tells the CLI: ``record`` (write it), ``op`` (an op finished: name, secs, counts),
    ``note`` (a line for the user: a worker crashed, hung, was replaced), ``fatal`` (cannot go on)."""
    kind: str
    record: dict[str, Any] | None = None
    op: str | None = None
    secs: float = 0.0
    counts: Counter = field(default_factory=Counter)
    text: str = ""


@dataclass
class _OpState:
    name: str
    t0: float
    counts: Counter = field(default_factory=Counter)
    meta: dict[str, Any] = field(default_factory=dict)       # group, seeds
    plan: list[tuple[str, str, str | None]] | None = None
    done: set[tuple[str, str, str | None]] = field(default_factory=set)
    crashes: int = 0


class _Worker:
    def __init__(self, pool: "WorkerPool", serial: int) -> None:
        self.serial = serial
        self.log_path = pool.logdir / f"worker-{serial}.log"
        r, w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        # Several workers share one GPU: JAX must not grab 75% of its memory each at start-up.
        env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "conformance.workers", str(w)], stdin=subprocess.PIPE, stdout=log,
                stderr=log, pass_fds=(w,), start_new_session=True, env=env, cwd=os.getcwd())
        os.close(w)
        self.fd = r
        os.set_blocking(r, False)
        self.buf = b""
        self.eof = False
        self.t_start = time.monotonic()
        self.last_msg = self.t_start
        self.ready = False
        self.retiring = False  # asked to stop between ops (grown too big); replaced when it exits
        self.memory_limit: int | None = None
        self.vm_ready = 0  # address space when it became ready (the limit leaves it that much headroom)
        self.op: str | None = None
        self.current: tuple[str, str, str | None] | None = None
        self.rec_t0 = 0.0
        self.in_example = False
        self.ex_t0 = 0.0
        self.examples = 0
        self.example: Any = None
        self.repro: str | None = None
        self.soft_sent: float | None = None
        self.log_mark = 0  # size of the log when the current record started: its stderr starts there
        self.killed_for: str | None = None
        self.dead = False
        self.send(pool.cfg.worker_cfg())

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, msg: dict[str, Any]) -> bool:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(msg) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def read(self) -> list[dict[str, Any]]:
        """Every complete message available now (non-blocking); sets ``eof`` when the pipe closed."""
        out = []
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self.eof = True
                break
            self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            try:
                msg = json.loads(line.decode("utf-8", errors="replace"))
            except ValueError:
                continue  # a torn line can only come from a dying worker
            if isinstance(msg, dict):
                out.append(msg)
        return out

    def kill(self, why: str | None = None, dump_stack: bool = False) -> None:
        if self.proc.poll() is not None:
            return
        if why and not self.killed_for:
            self.killed_for = why
        try:
            if dump_stack:
                os.kill(self.pid, signal.SIGUSR2)  # faulthandler: all threads' stacks to the log
                time.sleep(0.3)
            self.proc.kill()
        except (ProcessLookupError, OSError):
            pass

    def close(self) -> None:
        for f in (self.proc.stdin,):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        try:
            os.close(self.fd)
        except OSError:
            pass

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def stderr_tail(self, since: int = 0) -> str:
        """What the worker wrote (stdout + stderr) since byte ``since``, read as text only and condensed to
        about ``STDERR_TAIL`` characters by :func:`condense_log`."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(since, self.log_size() - LOG_READ))
                data = f.read(LOG_READ)
        except OSError:
            return ""
        return condense_log(data.decode("utf-8", errors="replace"))


def condense_log(text: str, limit: int = STDERR_TAIL) -> str:
    """A dead worker's log cut to ``limit`` characters without losing what tells why it died.

    faulthandler ends a crash with one very long "Extension modules:" line; a plain tail of the log then
    kept that list and lost the innermost frames (the op's own), which faulthandler prints first.  So: drop
    that line, start at the "Fatal Python error" header when there is one, and cut the middle, not the ends."""
    text = "\n".join(line for line in text.split("\n") if not line.startswith("Extension modules:"))
    if len(text) <= limit:
        return text
    start = text.rfind("Fatal Python error")
    if start > 0:
        text = text[start:]
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    cut = len(text) - limit
    return f"{text[:head]}\n[... {cut} characters cut ...]\n{text[head + cut:]}"


class WorkerPool:
    """Runs ops in ``jobs`` worker processes and yields :class:`Event`s as things happen.

    ``busy()`` describes what is in flight (for a Ctrl-C message); ``close()`` kills the workers."""

    def __init__(self, cfg: Config, jobs: int, should_stop: Callable[[], bool] = lambda: False,
                 logdir: str | os.PathLike | None = None) -> None:
        self.cfg = cfg
        self.jobs = max(1, jobs)
        self.should_stop = should_stop
        # Workers' stdout/stderr (faulthandler stacks); removed by close(), left behind by a kill -9.
        if logdir is None:
            self.logdir = Path(tempfile.mkdtemp(prefix="conformance-workers-"))
        else:
            self.logdir = Path(logdir)
            self.logdir.mkdir(parents=True, exist_ok=True)
        self.grace = min(KILL_GRACE_S, max(1.0, cfg.example_timeout / 2))
        self.workers: list[_Worker] = []
        self.sel = selectors.DefaultSelector()
        self.serial = 0
        self.startup_failures = 0
        self.ops: dict[str, _OpState] = {}
        self.record_backstop = cfg.record_timeout + 60.0
        self.suite_names: set[str] = set()
        self.crashes = 0
        self.timeouts = 0
        self.recycled = 0
        self.recycle_rss = int(float(os.environ.get("CONFORMANCE_RECYCLE_RSS_GIB", RECYCLE_RSS_GIB)) * 2**30)

    # ------------------------------------------------------------------ lifecycle
    def _spawn(self) -> _Worker:
        self.serial += 1
        w = _Worker(self, self.serial)
        self.workers.append(w)
        self.sel.register(w.fd, selectors.EVENT_READ, w)
        return w

    def _retire(self, w: _Worker) -> None:
        try:
            self.sel.unregister(w.fd)
        except (KeyError, ValueError):
            pass
        w.close()
        if w in self.workers:
            self.workers.remove(w)

    def close(self) -> None:
        """Stop every worker now (politely if idle, SIGKILL otherwise) and remove the logs."""
        for w in list(self.workers):
            if w.op is None and w.ready:
                w.send({"t": "stop"})
        deadline = time.monotonic() + 2.0
        for w in list(self.workers):
            try:
                w.proc.wait(timeout=max(0.0, deadline - time.monotonic()) if w.op is None else 0)
            except subprocess.TimeoutExpired:
                pass
            w.kill()
            try:
                w.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._retire(w)
        self.sel.close()
        for p in self.logdir.glob("*"):
            try:
                p.unlink()
            except OSError:
                pass
        try:
            self.logdir.rmdir()
        except OSError:
            pass

    def busy(self) -> list[str]:
        now = time.monotonic()
        out = []
        for w in self.workers:
            if w.op is None:
                continue
            where = "/".join(str(x) for x in w.current) if w.current else "(starting)"
            ex = f", example {w.examples} for {now - w.ex_t0:.1f}s" if w.in_example else ""
            out.append(f"{w.op} {where}{ex} (worker pid {w.pid})")
        return out

    # ------------------------------------------------------------------ main loop
    def events(self, names: list[str], suites: list[str] = ()) -> Iterator[Event]:  # type: ignore[assignment]
        """Ops, then suites, handed to idle workers one at a time (a crashed op is resumed first)."""
        self.suite_names = set(suites)
        pending: deque[tuple[str, set]] = deque((n, set()) for n in list(names) + list(suites))
        while pending or any(w.op is not None for w in self.workers):
            if self.should_stop():
                return
            # Enough workers for the work left; idle ready workers get the next op.
            want = min(self.jobs, len(pending) + sum(w.op is not None for w in self.workers))
            while sum(not w.retiring for w in self.workers) < want:
                self._spawn()
            for w in self.workers:
                if w.ready and not w.retiring and w.op is None and pending:
                    name, skip = pending.popleft()
                    self.ops.setdefault(name, _OpState(name, time.perf_counter()))
                    w.op, w.current, w.last_msg = name, None, time.monotonic()
                    kind = "suite" if name in self.suite_names else "op"
                    if not w.send({"t": kind, "op": name, "skip": [list(k) for k in skip]}):
                        w.kill("crashed")
            for key, _ in self.sel.select(timeout=0.2):
                w = key.data
                for msg in w.read():
                    yield from self._on_message(w, msg, pending)
            now = time.monotonic()
            for w in list(self.workers):
                if w.eof or w.proc.poll() is not None:
                    for msg in w.read():  # whatever it managed to say before dying
                        yield from self._on_message(w, msg, pending)
                    try:
                        w.proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        w.kill()
                        w.proc.wait()
                    yield from self._on_death(w, pending)
                    continue
                self._watchdog(w, now)

    def _on_message(self, w: _Worker, msg: dict[str, Any], pending: deque) -> Iterator[Event]:
        w.last_msg = time.monotonic()
        t = msg.get("t")
        if t == "ready":
            w.ready = True
            w.memory_limit = msg.get("memory_limit")
            w.vm_ready = int(msg.get("vm_size") or 0)
            self.startup_failures = 0
        elif t == "fatal":
            yield Event("fatal", text=str(msg.get("error")), record={"traceback": msg.get("traceback")})
        elif t == "plan" and w.op:
            st = self.ops[w.op]
            st.meta = {"group": msg.get("group"), "seeds": msg.get("seeds") or []}
            st.plan = [tuple(k) for k in msg.get("keys", [])]  # type: ignore[misc]
        elif t == "rec":
            w.current = tuple(msg["key"])  # type: ignore[assignment]
            w.rec_t0 = time.monotonic()
            w.log_mark = w.log_size()
            w.examples, w.example, w.repro, w.in_example = 0, None, None, False
        elif t == "ex":
            if not msg.get("rerun"):
                w.examples = int(msg.get("n") or w.examples + 1)
            w.example, w.repro = msg.get("example"), msg.get("repro")
            w.in_example, w.ex_t0, w.soft_sent = True, time.monotonic(), None
        elif t == "x":
            w.in_example, w.soft_sent = False, None
        elif t == "record" and w.op:
            rec = msg["rec"]
            st = self.ops[w.op]
            st.done.add((rec.get("check"), rec.get("oracle"), rec.get("dtype")))
            st.counts[rec.get("status")] += 1
            w.current, w.in_example, w.soft_sent = None, False, None
            if str(rec.get("reason") or "").startswith(("timed out", "out of memory", "flaky")):
                self.timeouts += str(rec.get("reason")).startswith("timed out")
                yield Event("note", text=f"{w.op}/{rec.get('check')}/{rec.get('oracle')}/{rec.get('dtype')}: "
                                         f"{str(rec.get('reason'))[:200]}")
            yield Event("record", record=rec)
        elif t in ("opdone", "opfail") and w.op:
            st = self.ops[w.op]
            if t == "opfail":
                yield from self._not_run(st, f"harness crashed while running the op in the worker",
                                         {"traceback": msg.get("traceback")})
            w.op, w.current = None, None
            if self._too_big(w, msg):
                # Long-lived workers grow (JAX's compilation caches, allocator fragmentation): start a
                # fresh one rather than let an innocent op hit the memory limit later.
                w.retiring = True
                self.recycled += 1
                if not w.send({"t": "stop"}):
                    w.kill()
            yield Event("op", op=st.name, secs=time.perf_counter() - st.t0, counts=st.counts)

    def _too_big(self, w: _Worker, msg: dict[str, Any]) -> bool:
        """After an op: recycle a worker whose resident memory passed ``recycle_rss`` bytes, or that
        has used three quarters of the address-space headroom its RLIMIT_AS left it at start-up."""
        rss, vm = int(msg.get("rss") or 0), int(msg.get("vm") or 0)
        if self.recycle_rss and rss > self.recycle_rss:
            return True
        if not (w.memory_limit and vm and w.vm_ready):
            return False
        return vm - w.vm_ready > 0.75 * (int(w.memory_limit) - w.vm_ready)

    def _base(self, st: _OpState, key: tuple[str, str, str | None]) -> dict[str, Any]:
        return {"op": st.name, "group": st.meta.get("group") or "ungrouped", "check": key[0], "oracle": key[1],
                "dtype": key[2], "device": self.cfg.device, "seeds": st.meta.get("seeds") or [], "spec": st.name}

    def _not_run(self, st: _OpState, why: str, detail: dict[str, Any]) -> Iterator[Event]:
        for key in st.plan or [("harness", "self", None)]:
            if key in st.done:
                continue
            st.done.add(key)
            st.counts["error"] += 1
            yield Event("record", record=_error_record(self._base(st, key), f"not run: {why}", dict(detail)))

    def _death_reason(self, w: _Worker) -> tuple[str, dict[str, Any]]:
        code = w.proc.returncode
        tail = w.stderr_tail(w.log_mark)
        info: dict[str, Any] = {"exit_code": code, "worker_pid": w.pid}
        if code is not None and code < 0:
            info["signal"] = _signame(-code)
        if w.killed_for == "timeout-example":
            return (f"timed out: example {w.examples} ran longer than {self.cfg.example_timeout:g}s and did not "
                    f"respond to the interrupt; the worker was killed and replaced", info)
        if w.killed_for == "timeout-record":
            return (f"timed out: no progress for {self.record_backstop:g}s outside an example; the worker was "
                    "killed and replaced", info)
        oom = bool(re.search(r"MemoryError|std::bad_alloc|out of memory|Cannot allocate memory", tail))
        if code is not None and code < 0:
            how = {"SIGSEGV": "segmentation fault (SIGSEGV)", "SIGBUS": "bus error (SIGBUS)",
                   "SIGABRT": "abort (SIGABRT)", "SIGFPE": "floating point exception (SIGFPE)",
                   "SIGILL": "illegal instruction (SIGILL)"}.get(info["signal"], f"killed by {info['signal']}")
            if info["signal"] == "SIGKILL":
                how += " from outside the run (possibly the kernel's out-of-memory killer)"
        elif code == EXIT_CUDA_FAULT:
            return CUDA_FAULT_REASON + "; the worker was replaced", info
        else:
            how = f"the worker process exited with status {code} (os._exit / exit from inside the op?)"
        return (("out of memory: " if oom else "crashed: ") + how, info)

    def _on_death(self, w: _Worker, pending: deque) -> Iterator[Event]:
        self._retire(w)
        w.dead = True
        if not w.ready:
            self.startup_failures += 1
            tail = w.stderr_tail()
            yield Event("note", text=f"worker {w.pid} died while starting (exit {w.proc.returncode})")
            if self.startup_failures >= MAX_STARTUP_FAILURES:
                yield Event("fatal", text=f"{MAX_STARTUP_FAILURES} workers in a row died while starting "
                                          f"(last exit status {w.proc.returncode})", record={"stderr": tail})
            return
        if w.op is None:
            return  # idle worker ended (stopped, or died between ops): nothing lost
        st = self.ops[w.op]
        reason, info = self._death_reason(w)
        if w.killed_for and w.killed_for.startswith("timeout"):
            self.timeouts += 1
        else:
            self.crashes += 1
        st.crashes += 1
        tail = w.stderr_tail(w.log_mark)
        key = w.current
        if key is None:  # died outside a record: blame the next record it would have run
            key = next((k for k in (st.plan or []) if k not in st.done), None)
            w.example, w.repro, w.examples = None, None, 0
        detail = {"example": w.example, "example_number": w.examples, "worker": info,
                  "stderr": tail or "(empty)"}
        where = "/".join(map(str, key)) if key else "(before planning)"
        yield Event("note", text=f"{st.name} {where}: {reason} [example {w.examples}]; worker replaced")
        if key is not None:
            st.done.add(key)
            st.counts["error"] += 1
            yield Event("record", record=_error_record(
                self._base(st, key), reason, detail, w.repro if w.example is not None else None,
                w.examples, time.monotonic() - w.rec_t0 if w.current else 0.0))
        left = st.plan is None or any(k not in st.done for k in st.plan)
        if st.name in self.suite_names:
            left = False  # a suite cannot resume where it died: its crash record stands for the rest
        if left and st.crashes < MAX_CRASHES_PER_OP:
            pending.appendleft((st.name, set(st.done)))
            return
        if left:
            yield from self._not_run(st, f"the worker died {st.crashes} times on this op (last: {reason})",
                                     {"worker": info})
        yield Event("op", op=st.name, secs=time.perf_counter() - st.t0, counts=st.counts)

    def _watchdog(self, w: _Worker, now: float) -> None:
        if not w.ready:
            if now - w.t_start > STARTUP_TIMEOUT_S:
                w.kill("timeout-startup")
            return
        if w.op is None:
            return
        if w.in_example:
            over = now - w.ex_t0 - self.cfg.example_timeout
            if over >= 0 and w.soft_sent is None:
                w.soft_sent = now
                try:
                    os.kill(w.pid, signal.SIGUSR1)
                except ProcessLookupError:
                    pass
            elif w.soft_sent is not None and now - w.soft_sent > self.grace:
                w.kill("timeout-example", dump_stack=True)
        elif now - w.last_msg > self.record_backstop:
            w.kill("timeout-record", dump_stack=True)


def run_in_process(cfg: Config, names: list[str], suites: list[str] = ()) -> Iterator[Event]:  # type: ignore[assignment]
    """``--jobs 0``: no worker processes (for a debugger); no crash isolation, only the engine's
    per-record time limit."""
    import warnings

    from . import catalog, engine, profiles
    warnings.simplefilter("ignore")
    cat = catalog.load(cfg.specs) if cfg.specs else catalog.load()
    env = engine.Env(cat, cfg.impl, profiles.get(cfg.profile), cfg.device, cfg.seed)
    box: list[dict[str, Any]] = []
    runner = OpRunner(env, cfg.checks, box.append, announce=False)
    for name in names:
        t0 = time.perf_counter()
        counts: Counter = Counter()
        for check, oracle, dtype in runner.plan(cat.ops[name]):
            rec = runner.run_record(cat.ops[name], check, oracle, dtype)
            counts[rec["status"]] += 1
            yield Event("record", record=rec)
        yield Event("op", op=name, secs=time.perf_counter() - t0, counts=counts)
    for name in suites:
        box.clear()
        t0 = time.perf_counter()
        runner.run_suite(name, cfg.impl, cfg.profile, cfg.seed, cfg.device)
        counts = Counter()
        for msg in box:
            if msg.get("t") == "record":
                counts[msg["rec"]["status"]] += 1
                yield Event("record", record=msg["rec"])
        yield Event("op", op=name, secs=time.perf_counter() - t0, counts=counts)


if __name__ == "__main__":
    sys.exit(worker_main(int(sys.argv[1])))
