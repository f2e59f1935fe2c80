"""Spotify backend: mood recommendations from the Web API still open to new apps, and playback on the
kiosk's own Spotify Connect receiver (raspotify/librespot).

One file a thing: :mod:`.auth` (the PKCE login and its token file), :mod:`.client` (spotipy within a
time budget per action), :mod:`.errors` (Spotify's failures as :class:`~moodify_edge.music.MusicError`),
:mod:`.tracks` (URIs and track objects), :mod:`.sources` (candidate pools), :mod:`.device` (the Connect
receiver), and the three roles of a music backend: :class:`SpotifyAccount`, :class:`SpotifyPlayer` and
:class:`SpotifyRecommendations`. :class:`SpotifyMusic` is all three at once, sharing one client.
"""

from __future__ import annotations

import random

from ...config import Config
from .account import SpotifyAccount
from .client import SpotifyClient
from .player import PlayQueue, SpotifyPlayer
from .recommendations import SpotifyRecommendations

__all__ = ["SpotifyAccount", "SpotifyClient", "SpotifyMusic", "SpotifyPlayer", "SpotifyRecommendations"]


class SpotifyMusic(SpotifyAccount, SpotifyPlayer, SpotifyRecommendations):
    """The music backend on Spotify: account, player and source in one object, over one client (one
    login, one rate limit, one request pool). Thread-safe."""

    def __init__(self, config: Config, rng: random.Random | None = None) -> None:
        self.client = SpotifyClient(config)
        queue = PlayQueue()  # what the source recommends last, the player plays as a queue
        SpotifyAccount.__init__(self, self.client, config.spotify)
        SpotifyPlayer.__init__(self, self.client, config.spotify, queue)
        SpotifyRecommendations.__init__(self, config, self.client, self, queue, rng)
