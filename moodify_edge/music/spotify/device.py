"""The receiver: the kiosk's own Spotify Connect device (raspotify/librespot), found by its name.

Its id changes, and it drops out of Spotify's device list when librespot loses its session, so it is
looked up by name for every command. When it is missing, its systemd unit (``spotify.receiver_unit``)
is restarted, at most once a minute, and the screen says so.
"""

from __future__ import annotations

import logging
import math
import subprocess
import time
from collections.abc import Callable
from typing import Any

from ...config import SpotifyConfig
from ...contract import ErrorCode
from .. import MusicError

log = logging.getLogger(__name__)

RESTART_EVERY = 60.0
RESTART_SECONDS = 1.0  # systemctl --no-block returns at once; never wait longer than this


def _folded(name: str) -> str:
    return name.casefold().strip()


class Receiver:
    """The Connect receiver named ``spotify.device_name``. ``remaining`` tells how much of the calling
    operation's time budget is left (a restart never waits longer)."""

    def __init__(self, spotify: SpotifyConfig, remaining: Callable[[], float]) -> None:
        self.name = spotify.device_name
        self._unit = spotify.receiver_unit
        self._remaining = remaining
        self._restarted = -math.inf

    def is_named(self, name: str) -> bool:
        return _folded(name) == _folded(self.name)

    def find(self, devices: list[dict[str, Any]]) -> dict[str, Any]:
        """Our receiver in Spotify's device list; :meth:`missing`'s error when it is not there."""
        for device in devices:
            if self.is_named(device.get("name") or "") and device.get("id"):
                return device
        raise self.missing()

    def missing(self) -> MusicError:
        """The error for a receiver Spotify does not list, after restarting its unit (when configured
        and not restarted within the last minute)."""
        message = (
            f"The speaker \u201c{self.name}\u201d is not visible to Spotify. "
            "Check that raspotify is running and logged in (sudo systemctl restart raspotify)."
        )
        now = time.monotonic()
        if self._unit and now - self._restarted >= RESTART_EVERY:
            self._restarted = now
            if self._restart():
                message = (
                    f"The speaker \u201c{self.name}\u201d was not visible to Spotify; "
                    f"restarting {self._unit}. Try again in a few seconds."
                )
        return MusicError(ErrorCode.DEVICE_MISSING, message)

    def _restart(self) -> bool:
        try:
            done = subprocess.run(
                ["systemctl", "restart", "--no-block", self._unit],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=max(min(RESTART_SECONDS, self._remaining()), 0.1),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("could not restart %s: %s", self._unit, exc)
            return False
        if done.returncode != 0:
            log.warning("systemctl restart %s failed: %s", self._unit, done.stderr.strip())
        return done.returncode == 0
