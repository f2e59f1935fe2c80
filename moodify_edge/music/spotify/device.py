"""The receiver: the kiosk's own Spotify Connect device (raspotify/librespot), found by its name.

Its id changes, and it drops out of Spotify's device list when librespot loses its session or has been idle,
so it is looked up by name for every command. When it is missing, :meth:`Receiver.locate` tries, within the
calling action's budget, to get it back before the visitor notices:

1. look at the device list again a few times (a receiver re-registering shows up within a second or two);
2. where the receiver has a local control API (``spotify.receiver_api_url``, go-librespot): ask it whether it
   is logged in at all, and wake it by playing on it directly, then wait for it in the device list;
3. restart its systemd unit (``spotify.receiver_unit``), at most once a minute, and say so.

A receiver with no login of its own (its API says so, or raspotify's credentials cache has no
``credentials.json``) is not restarted, which would not help: the screen asks for its login instead
(``receiver_login_needed``: pick it once in the Spotify app on a phone on the same network).
"""

from __future__ import annotations

import logging
import math
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...config import SpotifyConfig
from ...contract import ErrorCode
from .. import MusicError
from .receiver_api import ReceiverApi

log = logging.getLogger(__name__)

RESTART_EVERY = 60.0
RESTART_SECONDS = 1.0  # systemctl --no-block returns at once; never wait longer than this
RECHECKS = 3  # looks at the device list after the first one found no receiver
RECHECK_PAUSE = 0.3
RECHECK_MARGIN = 0.3  # budget kept for what the action still has to do after a re-check
API_SECONDS = 1.0  # longest wait for the receiver's local API
# Where raspotify's librespot caches the credentials it received (Zeroconf) or logged in with (OAuth).
CREDENTIALS = Path("/var/cache/raspotify/credentials.json")

Devices = list[dict[str, Any]]


def _folded(name: str) -> str:
    return name.casefold().strip()


class Receiver:
    """The Connect receiver named ``spotify.device_name``. ``remaining`` tells how much of the calling
    operation's time budget is left (nothing here waits longer). :attr:`needs_login` is whether the last
    look found it without a login of its own."""

    def __init__(self, spotify: SpotifyConfig, remaining: Callable[[], float]) -> None:
        self.name = spotify.device_name
        self._unit = spotify.receiver_unit
        self._api = ReceiverApi(spotify.receiver_api_url) if spotify.receiver_api_url else None
        self._remaining = remaining
        self._restarted = -math.inf
        self.needs_login = False

    def is_named(self, name: str) -> bool:
        return _folded(name) == _folded(self.name)

    def locate(self, listed: Callable[[], Devices], wake: str | None = None) -> dict[str, Any]:
        """Our receiver in the device list ``listed()`` gives, re-found or woken when it has dropped out (see
        the module's steps; ``wake`` is the URI to play on it through its local API)."""
        found = self._named(listed()) or self._refind(listed, wake)
        self.needs_login = False
        return found

    def login_message(self) -> str:
        return (
            f"The speaker \u201c{self.name}\u201d is not logged in to Spotify. On a phone on the same Wi-Fi, "
            f"open the Spotify app, tap the devices icon and choose \u201c{self.name}\u201d once: "
            "it remembers the login."
        )

    def login_needed(self) -> MusicError:
        self.needs_login = True
        return MusicError(ErrorCode.RECEIVER_LOGIN_NEEDED, self.login_message())

    def missing(self) -> MusicError:
        """The error for a receiver Spotify does not list, after restarting its unit (when configured
        and not restarted within the last minute)."""
        message = (
            f"The speaker \u201c{self.name}\u201d is not visible to Spotify. "
            "Check that raspotify is running (sudo systemctl restart raspotify); if it has never been logged in, "
            "choose it once in the Spotify app on a phone on the same Wi-Fi."
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

    # ----------------------------------------------------------------- getting it back
    def _named(self, devices: Devices) -> dict[str, Any] | None:
        for device in devices:
            if self.is_named(device.get("name") or "") and device.get("id"):
                return device
        return None

    def _refind(self, listed: Callable[[], Devices], wake: str | None) -> dict[str, Any]:
        for _ in range(RECHECKS):
            if not self._pause():
                break
            if found := self._named(listed()):
                return found
        if self._api is not None:
            logged_in = self._api.logged_in(min(API_SECONDS, self._remaining() - RECHECK_MARGIN))
            if logged_in is False:
                raise self.login_needed()
            if logged_in and wake and self._api.play(wake, min(API_SECONDS, self._remaining() - RECHECK_MARGIN)):
                log.info("woke the receiver %s through its local API", self.name)
                while self._pause():
                    if found := self._named(listed()):
                        return found
        elif self._has_credentials() is False:
            raise self.login_needed()
        raise self.missing()

    def _pause(self) -> bool:
        """Pause before another look when the budget has room for it (and what follows); whether it did."""
        if self._remaining() < RECHECK_PAUSE + RECHECK_MARGIN:
            return False
        time.sleep(RECHECK_PAUSE)
        return True

    def _has_credentials(self) -> bool | None:
        """Whether raspotify's librespot has cached credentials; None when that cannot be told (another
        receiver, or a cache directory this service may not look into)."""
        if "raspotify" not in self._unit:
            return None
        folder = CREDENTIALS.parent
        if not folder.is_dir() or not os.access(folder, os.R_OK | os.X_OK):
            return None
        return CREDENTIALS.exists()

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
