"""Errors: python-mpd2's exceptions translated into :class:`~moodify_edge.music.MusicError` at the boundary.

MPD answers a failed command with ``ACK [code@index] {command} message``; the code says what went wrong
(3: wrong password, 4: permission, 50: no such file or playlist). A lost connection, a refused one and a
timeout all mean MPD cannot be reached right now.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import mpd

from ...contract import ErrorCode
from .. import MusicError

ACK_PASSWORD = 3
ACK_PERMISSION = 4
ACK_UNKNOWN = 5  # what MPD answers a play that failed to start its file with
ACK_NO_EXIST = 50
ACK_SYSTEM = 52  # MPD could not open the file (deleted, unreadable)
_ACK = re.compile(r"^\[(\d+)@\d+\] \{([^}]*)\} ?(.*)$")


def ack_code(exc: mpd.CommandError) -> int:
    """The ACK code of a failed command (0 when the text does not say)."""
    match = _ACK.match(str(exc))
    return int(match.group(1)) if match else 0


def ack_text(exc: mpd.CommandError) -> str:
    match = _ACK.match(str(exc))
    return match.group(3) if match else str(exc)


def ack_command(exc: mpd.CommandError) -> str:
    """The command that failed (``play`` in ``[5@3] {play} Failed to decode …``), "" when the text does not say."""
    match = _ACK.match(str(exc))
    return match.group(2) if match else ""


def unreachable(where: str, exc: BaseException) -> MusicError:
    detail = "it did not answer in time" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
    return MusicError(
        ErrorCode.MPD_UNAVAILABLE, f"The music player (MPD at {where}) cannot be reached: {detail}. Retrying."
    )


def translate(exc: BaseException, where: str) -> MusicError:
    """The :class:`MusicError` for a python-mpd2 or socket error while talking to MPD at ``where``."""
    if isinstance(exc, mpd.CommandError):
        code = ack_code(exc)
        if code in (ACK_PASSWORD, ACK_PERMISSION):
            return MusicError(ErrorCode.MPD_PASSWORD, f"MPD refused the password (mpd.password): {ack_text(exc)}.")
        if code == ACK_NO_EXIST:
            return MusicError(ErrorCode.UNKNOWN_TRACK, f"MPD does not have that: {ack_text(exc)}.")
        return MusicError(ErrorCode.MPD_ERROR, f"MPD refused: {ack_text(exc)}.")
    if isinstance(exc, mpd.ConnectionError | OSError):
        return unreachable(where, exc)
    return MusicError(ErrorCode.MPD_ERROR, f"MPD answered something unexpected: {exc}.")


def player_error(text: str) -> MusicError:
    """MPD's status ``error`` (a file it could not open or decode) as a :class:`MusicError`."""
    return MusicError(ErrorCode.TRACK_UNREADABLE, f"MPD could not play a file: {text}")


class PlaybackErrors:
    """MPD's playback errors, each reported once to ``on_error`` by whoever sees it first.

    MPD's status ``error`` lasts only until the next song starts: when a file fails and the queue has more,
    MPD moves on at once and the error is gone. So the player looks straight after its own commands (and
    before playing a file, whether MPD can open it), and the idle watcher after every change it is told of;
    both report through one instance, so an error seen by both appears once. Thread-safe.
    """

    def __init__(self, on_error: Callable[[MusicError], object]) -> None:
        self._on_error = on_error
        self._lock = threading.Lock()
        self._last: str | None = None

    def seen(self, error: str | None) -> None:
        """MPD's status ``error`` as just read (None or "" when there is none)."""
        with self._lock:
            new = bool(error) and error != self._last
            self._last = error or None
        if error and new:
            self._on_error(player_error(error))

    def report(self, error: MusicError) -> None:
        """A playback failure found otherwise (a file MPD cannot open, refused before it was queued)."""
        self._on_error(error)
