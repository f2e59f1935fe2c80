"""The state directory: where tokens and pairings are kept, chosen for the machine it runs on.

A directory the service cannot use (a file in its place, not writable, a state file that is a directory or
unreadable) is a :class:`~.errors.ConfigError` naming the path, found when the service starts.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError

SERVICE_STATE_DIR = Path("/var/lib/moodify-edge")  # the unit's StateDirectory
KEY = "service.state_dir"


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
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{KEY}: {path} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(f"{KEY}: cannot use {path} as the state directory: {exc.strerror or exc}") from exc
    return path


def check_state_dir(path: Path) -> None:
    """Refuse a state directory the service could not keep its files in: not writable, or one of its state
    files (every ``*.json`` there) a directory or unreadable. Raises :class:`~.errors.ConfigError` naming the
    path."""
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{KEY}: the state directory {path} is not writable by this user")
    for file in sorted(path.glob("*.json")):
        if file.is_dir():
            raise ConfigError(f"{KEY}: {file} is a directory, not a state file; remove it")
        if not os.access(file, os.R_OK | os.W_OK):
            raise ConfigError(f"{KEY}: {file} cannot be read and written by this user")
