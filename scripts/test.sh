#!/usr/bin/env bash
# One command for a fresh Linux machine: set up and run the whole test suite. As root on Debian it installs
# what the tests drive for real: Chromium (browser tests), shellcheck (installer), systemd-analyze (units),
# curl (kiosk launcher), mosquitto (the MQTT tests' broker). The train extra (Keras, TensorFlow) is installed so the training script is tested too.
# The quality gates run first: ruff (lint and format) and mypy, configured in pyproject.toml.
# Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_apt chromium shellcheck systemd curl mosquitto mpd flac
bootstrap_venv "test,train"
cd "$ROOT"
"$PY" -m ruff check .
"$PY" -m ruff format --check .
"$PY" -m mypy
exec "$PY" -m pytest "$@"
