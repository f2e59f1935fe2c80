#!/usr/bin/env bash
# Shared set-up for scripts/demo.sh and scripts/test.sh: a virtual environment in .venv with Moodify Edge
# installed (editable) and, when running as root on Debian, the Debian packages the tests use.
# Safe to run again: every step checks first. Sourced, not run: it leaves $PY pointing at the venv's python.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MOODIFY_VENV:-$ROOT/.venv}
PY=$VENV/bin/python

bootstrap_apt() {
    # $@: Debian packages wanted; each is installed only when missing.
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "bootstrap: installing Debian packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
        echo "bootstrap: install them with: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
}

bootstrap_venv() {
    # $1: the pip extra to install ("" for runtime only, "test", ...).
    local extra=${1:-}
    if ! "$PY" -m pip --version >/dev/null 2>&1; then
        # Debian ships venv's pip bootstrap (ensurepip) separately; without it a venv is left half made,
        # which --clear then replaces.
        python3 -c 'import ensurepip' 2>/dev/null || bootstrap_apt python3-venv
        echo "bootstrap: creating $VENV"
        python3 -m venv --clear "$VENV"
    fi
    local spec="$ROOT"
    [[ -n $extra ]] && spec="${ROOT}[$extra]"
    local stamp="$VENV/.moodify-installed-$extra"
    if [[ ! -e $stamp || $ROOT/pyproject.toml -nt $stamp ]]; then
        echo "bootstrap: installing Python packages ($spec)"
        "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
        "$PY" -m pip install -q --disable-pip-version-check -e "$spec"
        touch "$stamp"
    fi
}
