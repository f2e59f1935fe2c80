"""The state directory: where tokens and pairings are kept, chosen for the machine it runs on."""

from __future__ import annotations

import os
from pathlib import Path

SERVICE_STATE_DIR = Path("/var/lib/moodify-edge")  # the unit's StateDirectory


def locate_state_dir(configured: str) -> Path:
    """``configured`` (``service.state_dir``) if set, else $STATE_DIRECTORY (set by systemd), else the
    installed service's directory when writable, else the XDG state home."""
    if configured:
        return Path(configured)
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    if SERVICE_STATE_DIR.is_dir() and os.access(SERVICE_STATE_DIR, os.W_OK):
        # The installed service's own directory: `doctor` run by hand as the service user sees its login.
        return SERVICE_STATE_DIR
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "moodify-edge"


def state_directory(configured: str) -> Path:
    """The state directory (see :func:`locate_state_dir`), created private (0700) on first use."""
    path = locate_state_dir(configured)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
