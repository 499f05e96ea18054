#!/usr/bin/env bash
# Set up, ingest the bundled sample filing, and serve the chat UI and API on 127.0.0.1:7860.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
.venv/bin/filingqa ingest samples/immunogen-8k-2005-02-03.txt
exec .venv/bin/filingqa serve "$@"
