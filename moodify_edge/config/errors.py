"""The configuration error and its exit status, shared by validation and the start-up checks of files."""

from __future__ import annotations

EX_CONFIG = 78  # sysexits EX_CONFIG: the unit's RestartPreventExitStatus, so systemd does not restart-loop


class ConfigError(Exception):
    """A configuration problem, phrased for the person who wrote the file: one line naming the file or key."""
