#!/usr/bin/env bash
# The test command: set up (idempotent), then run the whole suite, the dev evaluation sets included.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python -m pytest -q "$@"
