#!/usr/bin/env bash
# One command for a fresh Linux machine: set up and run Moodify Edge in demo mode (sample faces as the
# camera, offline music, no GPIO) at http://127.0.0.1:5000. Extra arguments go to `moodify-edge run`:
#   scripts/demo.sh --port 5300          another port (or web.port in the config file)
#   scripts/demo.sh --config my.toml     another config file
# The address printed is the one the service really uses (its --port, else the config's web.port).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_venv ""
url=$("$PY" -c 'import sys; from moodify_edge.cli import run_url; print(run_url(sys.argv[1:]))' "$@" 2>/dev/null || true)
if [[ -n $url ]]; then
    echo "Moodify Edge demo: open $url (Ctrl-C stops it)"
fi
exec "$VENV/bin/moodify-edge" run --demo "$@"
