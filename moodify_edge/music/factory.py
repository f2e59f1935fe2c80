"""Factory: picks the music backend for a configuration (Spotify, or the offline catalogue)."""

from __future__ import annotations

from ..config import Config
from . import Music


def create_music(config: Config) -> Music:
    """The offline catalogue in demo mode or when ``spotify.client_id`` is empty, else Spotify."""
    if config.service.demo or not config.spotify.client_id:
        from .catalogue import OfflineMusic

        return OfflineMusic(config, reason="demo" if config.service.demo else "no_client_id")
    from .spotify import SpotifyMusic

    return SpotifyMusic(config)
