"""Watcher: a thread on its own MPD connection that waits in ``idle`` and reports every player change.

Each change of the player, the mixer, the queue or the outputs is reported as a fresh
:class:`PlayerState`; a new error in MPD's status (a file it could not open or decode, say one deleted
mid-play) also through :class:`~.errors.PlaybackErrors` (which the player shares: MPD clears the error as
soon as it moves on to the next file, so whoever sees it first reports it). When MPD goes away it reports
the player unavailable once and reconnects by itself, waiting a little longer after each failure (up to
``MAX_BACKOFF`` seconds). The thread blocks in ``idle`` (no polling); :meth:`IdleWatcher.close` wakes it by
shutting its socket down.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable

import mpd

from .. import PlayerState
from .connection import describe, open_client
from .errors import PlaybackErrors, translate
from .player import read_state

log = logging.getLogger(__name__)
SUBSYSTEMS = ("player", "mixer", "playlist", "output", "options")
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 10.0


class IdleWatcher:
    """Reports MPD's changes to ``on_state`` (and new playback errors to ``errors``) until :meth:`close`."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        timeout: float,
        device: str,
        on_state: Callable[[PlayerState], object],
        errors: PlaybackErrors,
    ) -> None:
        self._address = (host, port, password, timeout)
        self._device = device
        self._on_state = on_state
        self._errors = errors
        self._stop = threading.Event()
        self._client: mpd.MPDClient | None = None  # the connection in use, for close() to shut down
        self._client_lock = threading.Lock()
        self.problem: str | None = None  # why it cannot connect, while it cannot
        self._thread = threading.Thread(target=self._loop, name="mpd-idle", daemon=True)

    def start(self) -> IdleWatcher:
        self._thread.start()
        return self

    def _report(self, client: mpd.MPDClient) -> None:
        self._on_state(read_state(client, self._device, self._errors))

    def _loop(self) -> None:
        backoff = FIRST_BACKOFF
        reported_down = False
        while not self._stop.is_set():
            host, port, password, timeout = self._address
            try:
                client = open_client(host, port, password, timeout)
            except (mpd.MPDError, OSError) as exc:
                self.problem = translate(exc, describe(host, port)).message
                if not reported_down:
                    reported_down = True
                    self._on_state(PlayerState(available=False, device=self._device, message=self.problem))
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff, reported_down, self.problem = FIRST_BACKOFF, False, None
            with self._client_lock:
                self._client = client
            try:
                self._watch(client)
            except (mpd.MPDError, OSError) as exc:
                if not self._stop.is_set():
                    log.info("MPD idle connection lost: %s", exc)
            finally:
                with self._client_lock:
                    self._client = None
                with contextlib.suppress(mpd.MPDError, OSError):
                    client.disconnect()

    def _watch(self, client: mpd.MPDClient) -> None:
        client.idletimeout = None  # idle waits as long as nothing changes; other commands keep the budget
        self._report(client)  # the state as it is on (re)connection
        while not self._stop.is_set():
            client.idle(*SUBSYSTEMS)
            self._report(client)

    def close(self) -> None:
        """Stop the thread (it wakes at once: its socket is shut down under it) and wait for it."""
        self._stop.set()
        with self._client_lock:
            if self._client is not None:
                with contextlib.suppress(OSError, mpd.ConnectionError):
                    # python-mpd2's blocking client has no noidle: shut the shared socket down through a
                    # duplicate of its descriptor, so the thread's read ends at once.
                    duplicate = socket.socket(fileno=os.dup(self._client.fileno()))
                    duplicate.shutdown(socket.SHUT_RDWR)
                    duplicate.close()
        if self._thread.is_alive():
            self._thread.join(self._address[3] + 1)
