#!/usr/bin/env bash
# Install Debian's chromium for tests/test_report_browser.py (the HTML report driven in a real
# browser over the DevTools pipe: no Selenium, no chromedriver, nothing downloaded by the tests).
# Idempotent and quiet: does nothing when a chromium is already on PATH.  Needs root or sudo and
# an apt mirror.  Without chromium the browser tests skip with a reason instead of failing.
#
#   bash scripts/ci-browser.sh            # install if missing, print the version
#   CHROMIUM_FONTS=1 bash scripts/ci-browser.sh   # also CJK fonts (seed titles in screenshots)
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
for exe in chromium chromium-browser; do
  if have "$exe"; then
    echo "ci-browser: $("$exe" --version 2>/dev/null || echo "$exe") already installed"
    exit 0
  fi
done

if ! have apt-get; then
  echo "ci-browser: no apt-get here; install chromium yourself (the browser tests skip without it)" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if have sudo; then SUDO="sudo -n"; else
    echo "ci-browser: need root or sudo to apt-get install chromium" >&2
    exit 1
  fi
fi

packages=(chromium)
if [ "${CHROMIUM_FONTS:-0}" = "1" ]; then packages+=(fonts-noto-cjk); fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "ci-browser: installed $(chromium --version 2>/dev/null || echo chromium) in $(( $(date +%s) - start )) s"
