"""Player: playback on the kiosk's speaker through MPD's queue (the backend's :class:`MusicPlayer`).

Playing a recommended track puts the whole recommended list in MPD's queue and starts at that track, so the
music continues with the rest. A URI must be a file in MPD's database (never a stream URL or a local path
from outside the library). Every call is one bounded action on the shared connection.

A file MPD cannot play (deleted since the database was updated, or unreadable) is a playback error, reported
through :class:`~.errors.PlaybackErrors` (an error event on screen), not a refusal of the request: a file
that cannot be opened is left out of the queue before playing, and a failure MPD reports while starting a
file (in the command's answer or its status) is reported as it is seen, while MPD moves on to the next file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpd

from ...contract import ErrorCode
from .. import MusicError, PlayerState
from .connection import MpdConnection
from .errors import ACK_NO_EXIST, ACK_SYSTEM, ACK_UNKNOWN, PlaybackErrors, ack_code, ack_command, ack_text
from .library import MpdLibrary
from .tracks import player_state

NOTHING_YET = "Nothing to play yet: detect an emotion first."
PLAYBACK_COMMANDS = frozenset({"play", "playid", "next", "previous", "pause"})


def check_uri(uri: str) -> None:
    """Refuse what is not a path inside the library: URLs (``http://``, ``file://``) and absolute paths."""
    if "://" in uri or uri.startswith("/") or "\x00" in uri or "\n" in uri:
        raise MusicError(ErrorCode.BAD_URI, "Only files from the music library can be played.")


def _known(client: mpd.MPDClient, uri: str) -> bool:
    return bool(client.find("file", uri))


def unopenable(client: mpd.MPDClient, uri: str) -> MusicError | None:
    """Why MPD cannot open the file now (``readcomments`` opens it), or None when it can."""
    try:
        client.readcomments(uri)
    except mpd.CommandError as exc:
        if ack_code(exc) not in (ACK_NO_EXIST, ACK_SYSTEM):
            raise
        return MusicError(ErrorCode.TRACK_UNREADABLE, f"MPD could not play {uri}: {ack_text(exc)}")
    return None


def read_state(client: mpd.MPDClient, device: str, errors: PlaybackErrors) -> PlayerState:
    """What MPD is playing now, reporting a playback error its status carries (once, through ``errors``)."""
    status = client.status()
    errors.seen(status.get("error"))
    return player_state(status, client.currentsong(), device)


class MpdPlayer:
    """MPD's player. Thread-safe (the connection serialises the calls)."""

    def __init__(self, connection: MpdConnection, library: MpdLibrary, errors: PlaybackErrors) -> None:
        self._connection = connection
        self._library = library
        self._errors = errors
        self.device = f"MPD at {connection.where}"

    def _state(self, client: mpd.MPDClient) -> PlayerState:
        return read_state(client, self.device, self._errors)

    def _playing(self, client: mpd.MPDClient, commands: Callable[[], object]) -> PlayerState:
        """Run playback ``commands``, then the state; MPD failing to start a file is reported, not raised."""
        try:
            commands()
        except mpd.CommandError as exc:
            if ack_command(exc) not in PLAYBACK_COMMANDS or ack_code(exc) not in (ACK_UNKNOWN, ACK_SYSTEM):
                raise
            self._errors.seen(ack_text(exc))  # the same text as the status error the watcher may also see
        return self._state(client)

    def play(self, uri: str | None = None) -> PlayerState:
        if uri is None:
            return self._connection.run(self._resume)
        check_uri(uri)
        queue = [t.uri for t in self._library.latest()]

        def start(client: mpd.MPDClient) -> PlayerState:
            files = queue if uri in queue else [uri]
            if uri not in queue and not _known(client, uri):
                raise MusicError(ErrorCode.UNKNOWN_TRACK, "That track is not in MPD's music library.")
            position = files.index(uri)
            problem = unopenable(client, uri)
            if problem is not None:
                files = [file for file in files if file != uri]
                if not files:
                    raise problem
                self._errors.report(problem)  # and the music moves on to the next file of the list
                position %= len(files)

            def commands() -> None:
                client.command_list_ok_begin()
                client.clear()
                for file in files:
                    client.add(file)
                client.play(position)
                client.command_list_end()

            return self._playing(client, commands)

        return self._connection.run(start)

    def _resume(self, client: mpd.MPDClient) -> PlayerState:
        status: dict[str, Any] = client.status()
        if status.get("state") == "pause":
            return self._playing(client, lambda: client.pause(0))
        if status.get("state") == "stop":
            if not int(status.get("playlistlength", 0)):
                raise MusicError(ErrorCode.NOTHING_TO_PLAY, NOTHING_YET)
            return self._playing(client, client.play)
        return self._state(client)

    def pause(self) -> PlayerState:
        def pause(client: mpd.MPDClient) -> PlayerState:
            client.pause(1)
            return self._state(client)

        return self._connection.run(pause)

    def _step(self, command: str) -> PlayerState:
        def step(client: mpd.MPDClient) -> PlayerState:
            status = client.status()
            if not int(status.get("playlistlength", 0)):
                raise MusicError(ErrorCode.NOTHING_TO_PLAY, NOTHING_YET)

            def commands() -> None:
                if status.get("state") == "stop":
                    client.play()
                getattr(client, command)()

            return self._playing(client, commands)

        return self._connection.run(step)

    def next(self) -> PlayerState:
        return self._step("next")

    def previous(self) -> PlayerState:
        return self._step("previous")

    def set_volume(self, percent: int) -> PlayerState:
        if not 0 <= percent <= 100:
            raise MusicError(ErrorCode.BAD_VOLUME, "Volume must be between 0 and 100.")

        def volume(client: mpd.MPDClient) -> PlayerState:
            client.setvol(percent)
            return self._state(client)

        return self._connection.run(volume)

    def state(self) -> PlayerState:
        return self._connection.run(self._state)
