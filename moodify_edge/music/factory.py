"""Factory: picks the music backend for a configuration (Spotify, or the offline catalogue)."""

from __future__ import annotations

from ..config import Config
from . import MusicBackend


def create_music(config: Config) -> MusicBackend:
    """The offline catalogue in demo mode or when ``spotify.client_id`` is empty, else Spotify."""
    if config.service.demo or not config.spotify.client_id:
        from .catalogue import OfflineMusic

        offline = OfflineMusic(config, demo=config.service.demo)
        return MusicBackend(source=offline, player=offline, account=offline)
    from .spotify import SpotifyMusic

    spotify = SpotifyMusic(config)
    return MusicBackend(source=spotify, player=spotify, account=spotify)
