#!/usr/bin/env bash
# One command for a fresh Linux machine: set up and run Moodify Edge in demo mode (sample faces as the
# camera, offline music, no GPIO) at http://127.0.0.1:5000. Extra arguments go to `moodify-edge run`.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_venv ""
echo "Moodify Edge demo: open http://127.0.0.1:5000 (Ctrl-C stops it)"
exec "$VENV/bin/moodify-edge" run --demo "$@"
