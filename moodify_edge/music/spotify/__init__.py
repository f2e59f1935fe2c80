"""Spotify backend: mood recommendations from the Web API still open to new apps, and playback on the
kiosk's own Spotify Connect receiver (raspotify/librespot).

One file a thing: :mod:`.tokens` (the token file and the refresh request), :mod:`.auth` (the PKCE login
and the background refresh), :mod:`.client` (spotipy within a time budget per action), :mod:`.errors`
(Spotify's failures as :class:`~moodify_edge.music.MusicError`), :mod:`.tracks` (URIs and track objects),
:mod:`.sources` (candidate pools), :mod:`.device` (the Connect receiver), and the three roles of a music
backend: :class:`SpotifyAccount`, :class:`SpotifyPlayer` and :class:`SpotifyRecommendations`.
:func:`spotify_backend` builds the three around one shared client and play queue.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ...config import Config
from .. import AccountStatus, MusicBackend, PlayerState
from .account import SpotifyAccount
from .client import SpotifyClient
from .player import PlayQueue, SpotifyPlayer
from .recommendations import SpotifyRecommendations

__all__ = ["SpotifyAccount", "SpotifyClient", "SpotifyPlayer", "SpotifyRecommendations", "spotify_backend"]


def spotify_backend(
    config: Config,
    rng: random.Random | None = None,
    *,
    on_account_change: Callable[[AccountStatus], object] | None = None,
    on_player_change: Callable[[PlayerState], object] | None = None,
) -> MusicBackend:
    """The music backend on Spotify: account, player and source over one client (one login, one rate
    limit, one request pool) and one play queue (what the source recommends last, the player plays).

    ``on_account_change`` hears of a login Spotify revoked (the settings panel must stop showing it);
    ``on_player_change`` hears how a player action that outlasted its caller's budget ended."""
    client = SpotifyClient(config)
    queue = PlayQueue()
    account = SpotifyAccount(client, config.spotify)
    if on_account_change is not None:
        client.auth.on_revoked = lambda: on_account_change(account.status())
    player = SpotifyPlayer(client, config.spotify, queue, on_change=on_player_change)
    source = SpotifyRecommendations(config, client, account, queue, rng)
    return MusicBackend(source=source, player=player, account=account)
