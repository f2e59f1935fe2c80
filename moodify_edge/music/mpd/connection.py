"""Connection: one python-mpd2 client to MPD, shared by the request threads, bounded by a time budget.

Every action gets ``timeout_seconds`` in all: waiting for the lock, (re)connecting, the password and the
commands together. A connection that failed (MPD restarted, or it closed an idle client) is dropped and
made again once within the same budget, so the kiosk reconnects by itself.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import mpd

from ...contract import ErrorCode
from .. import MusicError
from .errors import translate

log = logging.getLogger(__name__)
T = TypeVar("T")
BINARY_LIMIT = 1 << 20  # artwork comes in chunks this large (fewer round trips than MPD's 8 KiB default)


def describe(host: str, port: int) -> str:
    """``host:port``, or the socket path."""
    return host if host.startswith("/") else f"{host}:{port}"


def open_client(host: str, port: int, password: str, timeout: float) -> mpd.MPDClient:
    """A new client, connected and authenticated within ``timeout`` seconds (raises python-mpd2's errors)."""
    client = mpd.MPDClient()
    client.timeout = timeout
    client.connect(host, port)
    try:
        if password:
            client.password(password)
        with contextlib.suppress(mpd.CommandError):  # MPD before 0.22.4: the default chunk size
            client.binarylimit(BINARY_LIMIT)
    except BaseException:
        client.disconnect()
        raise
    return client


class MpdConnection:
    """The request threads' connection. Thread-safe: one action at a time."""

    def __init__(self, host: str, port: int, password: str, timeout: float) -> None:
        self.host, self.port, self.password, self.timeout = host, port, password, timeout
        self.where = describe(host, port)
        self._lock = threading.Lock()
        self._client: mpd.MPDClient | None = None
        self.last_error: MusicError | None = None  # the last action's failure, None after a success

    def run(self, action: Callable[[mpd.MPDClient], T]) -> T:
        """``action(client)`` within the budget; MPD's errors come out as :class:`MusicError`."""
        deadline = time.monotonic() + self.timeout
        if not self._lock.acquire(timeout=self.timeout):
            raise MusicError(ErrorCode.MPD_UNAVAILABLE, "The music player is busy with another request; try again.")
        try:
            result = self._attempt(action, deadline)
        except MusicError as exc:
            self.last_error = exc
            raise
        finally:
            self._lock.release()
        self.last_error = None
        return result

    def _attempt(self, action: Callable[[mpd.MPDClient], T], deadline: float) -> T:
        for retry in (False, True):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                if self._client is None:
                    self._client = open_client(self.host, self.port, self.password, left)
                self._client.timeout = left
                return action(self._client)
            except mpd.CommandError as exc:
                raise translate(exc, self.where) from exc
            except (mpd.ConnectionError, mpd.ProtocolError, OSError) as exc:
                self.close()  # its state is unknown now: a fresh one next time
                if retry or isinstance(exc, TimeoutError):
                    raise translate(exc, self.where) from exc
                log.info("MPD connection lost (%s); reconnecting", exc)
        raise translate(TimeoutError(), self.where)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(mpd.ConnectionError, OSError):
                client.disconnect()
