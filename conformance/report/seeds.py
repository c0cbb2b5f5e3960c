"""Seed id -> title, read at report time from the seed notes when they are there.

The seed notes (five PyTorch study notes, file names ``000_<hash>.txt`` … ``004_<hash>.txt``) live
outside the repository, in ``../shared/seeds`` relative to the repository root.  Only their first
line is read, as the title; no seed text is stored in the repository.  Without the directory the
report falls back to the bare ids.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Where the seed notes are expected: next to the repository (``CONFORMANCE_SEEDS_DIR`` overrides).
DEFAULT_DIR = REPO.parent / "shared" / "seeds"
TITLE_MAX = 100
_NAME = re.compile(r"^(\d{3})[_.-]")


def seeds_dir() -> Path | None:
    d = Path(os.environ.get("CONFORMANCE_SEEDS_DIR") or DEFAULT_DIR)
    return d if d.is_dir() else None


def _first_line(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8192).decode("utf-8", errors="replace")
    for line in head.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= TITLE_MAX else line[:TITLE_MAX - 1] + "…"
    return ""


def seed_titles(directory: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    """``{"000": {"title": <first line>, "file": "000_….txt"}, …}`` for the seed files found;
    ``{}`` when there is no seeds directory."""
    d = Path(directory) if directory is not None else seeds_dir()
    if d is None or not d.is_dir():
        return {}
    out: dict[str, dict[str, str]] = {}
    for p in sorted(d.iterdir()):
        m = _NAME.match(p.name)
        if m and p.is_file() and m.group(1) not in out:
            try:
                title = _first_line(p)
            except OSError:
                title = ""
            out[m.group(1)] = {"title": title or m.group(1), "file": p.name}
    return out
