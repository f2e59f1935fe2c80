"""Recommendations: Spotify's music for a mood, and the offline catalogue's when Spotify cannot give any."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
from collections.abc import Callable

from ...config import Config
from ...contract import ErrorCode, MusicBackendName
from ...mood import Policy
from .. import MusicError, Recommendations, Track, mood_profile
from ..catalogue import OfflineMusic
from ..recommender import Recommender
from .account import SpotifyAccount
from .client import MIN_REQUEST_SECONDS, SpotifyClient
from .player import PlayQueue
from .sources import STOP_CODES, Sources

log = logging.getLogger(__name__)

USER_LOOKUP_SECONDS = 0.5  # ask for the account's name on the side only when this much budget is left


class SpotifyRecommendations:
    """A :class:`~moodify_edge.music.MusicSource` on Spotify, falling back to the offline catalogue.
    Each list also becomes the player's queue. Thread-safe."""

    def __init__(
        self,
        config: Config,
        client: SpotifyClient,
        account: SpotifyAccount,
        queue: PlayQueue,
        rng: random.Random | None = None,
    ) -> None:
        self._moods = config.music.moods
        self._market = config.spotify.market or "from_token"
        self._client = client
        self._account = account
        self._queue = queue
        self._recommender = Recommender(config.music.items, config.music.avoid_recent, rng)
        self._sources = Sources(client, config.music, rng or random.Random(), account.owner_id)
        self._catalogue = OfflineMusic(config, demo=False)  # its list only; it never plays here

    def recommend(self, emotion: str, policy: Policy | None = None) -> Recommendations:
        """Spotify's music for this mood; when Spotify cannot give any (no login, rate limit, no answer),
        the offline catalogue's, with the reason as its notice, so a visitor never gets an empty list."""
        try:
            return self._from_spotify(emotion, policy)
        except MusicError as exc:
            if exc.code == ErrorCode.UNKNOWN_EMOTION:
                raise
            log.info("recommendations from the offline catalogue: %s", exc.message)
            return dataclasses.replace(self._catalogue.recommend(emotion, policy), notice=exc.message)

    def _from_spotify(self, emotion: str, goal: Policy | None) -> Recommendations:
        profile = mood_profile(self._moods, emotion)
        market, queries = self._market, profile.queries
        sources: list[Callable[[], list[list[Track]]]] = [
            lambda: [self._sources.curated(profile.uris, market)],
            lambda: self._sources.matching_playlists(profile.playlist_keywords, market),
            *[(lambda q=q: [self._sources.search(q, market, len(queries))]) for q in queries],
        ]
        pools: list[list[Track]] = []
        failure: MusicError | None = None
        with self._client.operation():
            for source in sources:
                try:
                    pools += source()
                except MusicError as exc:
                    failure = exc
                    if exc.code in STOP_CODES or self._client.remaining() < MIN_REQUEST_SECONDS:
                        break
                    log.info("recommendations: one source failed, trying the next: %s", exc.message)
            self._learn_user()
        policy = profile.policy_for(goal)
        tracks = self._recommender.pick(pools, policy)
        if not tracks:
            raise failure or MusicError(ErrorCode.NO_MUSIC, "Spotify found no music for this mood.")
        self._queue.replace([t.uri for t in tracks if t.kind == "track"])
        return Recommendations(emotion=emotion, policy=policy, source=MusicBackendName.SPOTIFY, tracks=tracks)

    def _learn_user(self) -> None:
        """The account's name, asked on the side while budget is left (the settings panel shows it)."""
        if self._account.user is None and self._client.remaining() > USER_LOOKUP_SECONDS:
            with contextlib.suppress(MusicError):  # it is asked again next time
                self._account.load_user()
