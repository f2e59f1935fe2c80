"""MPD: music from the owner's own library, played on the kiosk's speaker by the Music Player Daemon.

``mpd_backend(config)`` builds the backend's parts over one request connection (:mod:`.connection`):
:class:`~.library.MpdLibrary` (recommendations from the mood profiles' folders, playlists and genres),
:class:`~.player.MpdPlayer` (MPD's queue), :class:`~.account.MpdAccount` (no login; whether MPD answers) and
:class:`~.cover.MpdArtwork`. With ``on_player_change``, an :class:`~.watcher.IdleWatcher` thread reports
every change MPD makes on its own (the next song, a pause from another client, MPD going away).
"""

from __future__ import annotations

from collections.abc import Callable

from ...config import Config
from .. import MusicBackend, MusicError, PlayerState
from .account import MpdAccount
from .connection import MpdConnection
from .cover import MpdArtwork
from .errors import PlaybackErrors
from .library import MpdLibrary
from .player import MpdPlayer
from .watcher import IdleWatcher

__all__ = ["MpdAccount", "MpdArtwork", "MpdConnection", "MpdLibrary", "MpdPlayer", "mpd_backend"]


def mpd_backend(
    config: Config,
    on_player_change: Callable[[PlayerState], object] | None = None,
    on_error: Callable[[MusicError], object] | None = None,
) -> MusicBackend:
    """The MPD backend for ``config.mpd``; watching MPD's idle events when ``on_player_change`` is given."""
    settings = config.mpd
    connection = MpdConnection(settings.host, settings.port, settings.password, settings.timeout_seconds)
    library = MpdLibrary(config, connection)
    errors = PlaybackErrors(on_error or (lambda error: None))
    player = MpdPlayer(connection, library, errors)
    watcher: IdleWatcher | None = None
    if on_player_change is not None:
        watcher = IdleWatcher(
            settings.host,
            settings.port,
            settings.password,
            settings.timeout_seconds,
            player.device,
            on_player_change,
            errors,
        ).start()

    def problem() -> str | None:
        if connection.last_error is not None:
            return connection.last_error.message
        return watcher.problem if watcher is not None else None

    def close() -> None:
        if watcher is not None:
            watcher.close()
        connection.close()

    return MusicBackend(
        source=library,
        player=player,
        account=MpdAccount(player.device, problem),
        artwork=MpdArtwork(connection),
        close=close,
    )
