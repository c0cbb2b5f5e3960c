"""Seed examples: every script in examples/seeds/ must print the same with the library under
test as with real torch.

Each script is the seed note's code with ``import torch`` as written (fixes needed to run in real
torch are marked ``# fix:`` in the script).  The test runs it twice in subprocesses through
``tests/seeds/run_seed.py``: once with real torch, once with ``torch`` resolved to the library
(``CONFORMANCE_IMPL``, default ``impl``), and asserts identical stdout and exit status 0.

Output normalisation: only object addresses (``0x7f...`` in ``<PowBackward0 object at 0x...>``)
are masked.  Everything else, including ``torch.float32`` / ``torch.Size`` spelling, is compared
character for character.

Header markers (comment lines at the top of a script):

``# conformance: random``
    The script draws random numbers.  The torch run records every draw (rand, randn, randint,
    randperm, normal, *_like, Tensor.uniform_/normal_/random_) and the library run replays those
    values in call order instead of its own draws, so the remaining logic is compared exactly.
    The library's RNG itself (distribution, determinism under manual_seed) is tested elsewhere.

``# conformance: needs A, B.c, Tensor.d``
    The script uses ops beyond the first slice.  Each name is looked up on the library module
    (dotted paths allowed: ``nn.Linear``, ``Tensor.scatter_``).  If any is missing, the test is
    ``xfail(strict=True)`` with the missing names as the reason: it must fail now, and an XPASS
    (the script passing although an op is still missing) fails the run, so stale markers surface.
    Once every named op exists the test runs normally and must pass.

``# conformance: skip <reason>``
    Not run at all (reserved for scripts that cannot run in this environment; none today).
"""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

from tests.helpers import LIB_NAME, missing_ops

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "seeds"
RUNNER = pathlib.Path(__file__).with_name("run_seed.py")
TIMEOUT = 180


def header(path):
    """The ``# conformance: ...`` directives of a script, as {key: value}."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s*conformance:\s*(\w[\w-]*)\s*(.*)$", line.strip())
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def scripts():
    params = []
    for path in sorted(EXAMPLES.glob("*.py")):
        h = header(path)
        marks = []
        if "skip" in h:
            marks.append(pytest.mark.skip(reason=h["skip"]))
        if "needs" in h:
            missing = missing_ops([n.strip() for n in h["needs"].split(",") if n.strip()])
            if missing:
                marks.append(pytest.mark.xfail(strict=True, reason=f"{LIB_NAME} lacks: {', '.join(missing)}"))
        params.append(pytest.param(path, marks=marks, id=path.stem))
    return params


def normalise(text):
    return re.sub(r"0x[0-9a-fA-F]+", "0x?", text)


def run(module, path, extra=()):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONHASHSEED"] = "0"
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.run([sys.executable, str(RUNNER), module, str(path), *extra], cwd=str(path.parent),
                          capture_output=True, text=True, timeout=TIMEOUT, env=env)
    return proc


@pytest.mark.parametrize("path", scripts())
def test_seed_example_matches_torch(path, tmp_path):
    random = "random" in header(path)
    rec = tmp_path / "random.pkl"
    ref = run("torch", path, ("--record", str(rec)) if random else ())
    assert ref.returncode == 0, f"the script fails in real torch (fix the transcription):\n{ref.stderr[-3000:]}"
    got = run(LIB_NAME, path, ("--replay", str(rec)) if random else ())
    assert got.returncode == 0, (
        f"script fails with {LIB_NAME}:\n{got.stderr[-3000:]}\n--- stdout so far ---\n{got.stdout[-2000:]}")
    expected, actual = normalise(ref.stdout), normalise(got.stdout)
    if expected != actual:
        import difflib
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                              "torch", LIB_NAME, lineterm="", n=2))
        pytest.fail(f"stdout differs from torch:\n{diff[:6000]}")


def test_every_script_has_a_known_seed_prefix():
    names = [p.stem for p in EXAMPLES.glob("*.py")]
    assert names, "no seed example scripts found"
    for n in names:
        assert re.fullmatch(r"00[0-4]_[a-z0-9_]+", n), n
    seeds = {n[:3] for n in names}
    assert seeds == {"000", "001", "002", "003", "004"}
