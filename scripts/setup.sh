#!/usr/bin/env bash
# Create .venv (once) and install the pinned requirements into it. Idempotent and quick when up to date.
# torch is pinned as torch==2.13.0: the machines here carry that CPU wheel; any other spelling would pull
# several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing requirements.txt into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
  echo "$want" > "$stamp"
fi
# In CI, also install Debian's chromium so the report's real-browser tests run (they skip, with the
# reason, where it is missing). Idempotent; quick when already installed.
if [ "${CI:-}" = "true" ]; then
  bash scripts/ci-browser.sh || echo "setup: chromium could not be installed; the browser tests will skip"
fi
