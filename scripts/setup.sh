#!/usr/bin/env bash
# Set up a virtualenv in .venv with FilingQA and its dev tools. Safe to run again: it only adds
# what is missing. torch is installed first and pinned, so pip takes the local CPU wheel instead of
# resolving an unpinned torch (through sentence-transformers) to a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[dev]"
# The browser tests drive Debian's chromium (Playwright cannot download browsers here).
if [ "${FILINGQA_SKIP_BROWSER:-}" != "1" ] && [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "setup: could not install chromium; browser tests will be skipped" >&2
fi
