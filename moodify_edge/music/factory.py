"""Factory: picks the music backend for a configuration (Spotify, or the offline catalogue)."""

from __future__ import annotations

from ..config import Config
from ..events import AccountChanged, EventBus, PlayerChanged
from . import MusicBackend


def create_music(config: Config, bus: EventBus | None = None) -> MusicBackend:
    """The offline catalogue in demo mode or when ``spotify.client_id`` is empty, else Spotify. With a
    ``bus``, what changes on its own (a login Spotify revoked, a slow player action that completed
    after its caller stopped waiting) is published there as :class:`AccountChanged` / :class:`PlayerChanged`."""
    if config.service.demo or not config.spotify.client_id:
        from .catalogue import OfflineMusic

        offline = OfflineMusic(config, demo=config.service.demo)
        return MusicBackend(source=offline, player=offline, account=offline)
    from .spotify import spotify_backend

    if bus is None:
        return spotify_backend(config)
    return spotify_backend(
        config,
        on_account_change=lambda account: bus.publish(AccountChanged(account)),
        on_player_change=lambda player: bus.publish(PlayerChanged(player)),
    )
