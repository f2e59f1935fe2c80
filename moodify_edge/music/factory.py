"""Factory: picks the music backend for a configuration (Spotify, MPD, or the offline catalogue)."""

from __future__ import annotations

from ..config import Config
from ..contract import ErrorSource
from ..events import AccountChanged, ErrorRaised, EventBus, PlayerChanged
from . import MusicBackend


def backend_name(config: Config) -> str:
    """``music.backend``, with "auto" resolved: Spotify when ``spotify.client_id`` is set outside demo mode.

    A backend named explicitly is used in demo mode too (the demo stays offline unless configured): demo mode
    with ``backend = "mpd"`` plays the local library through MPD. ``backend = "spotify"`` without a client ID
    never gets here: the configuration refuses it (``spotify.client_id``, exit 78)."""
    if config.music.backend != "auto":
        return config.music.backend
    return "offline" if config.service.demo or not config.spotify.client_id else "spotify"


def create_music(config: Config, bus: EventBus | None = None) -> MusicBackend:
    """The backend ``music.backend`` names ("auto": the offline catalogue in demo mode or when
    ``spotify.client_id`` is empty, else Spotify). With a ``bus``, what changes on its own (a login Spotify
    revoked, a slow player action that completed after its caller stopped waiting, MPD's idle events and
    playback errors) is published there as :class:`AccountChanged` / :class:`PlayerChanged` /
    :class:`ErrorRaised`."""
    name = backend_name(config)
    player_changed = None if bus is None else (lambda player: bus.publish(PlayerChanged(player)))
    if name == "mpd":
        from .mpd import mpd_backend

        errors = (
            None
            if bus is None
            else (lambda error: bus.publish(ErrorRaised(ErrorSource.MUSIC, error.code, error.message)))
        )
        return mpd_backend(config, on_player_change=player_changed, on_error=errors)
    if name == "offline":
        from .catalogue import OfflineMusic

        offline = OfflineMusic(config, demo=config.service.demo)
        return MusicBackend(source=offline, player=offline, account=offline)
    from .spotify import spotify_backend

    account_changed = None if bus is None else (lambda account: bus.publish(AccountChanged(account)))
    return spotify_backend(config, on_account_change=account_changed, on_player_change=player_changed)
