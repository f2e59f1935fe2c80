"""Sources: where candidate tracks for a mood come from, each as one or more *pools* for the recommender.

Three sources, in profile order: the curated URIs (tracks, playlists, albums), the user's own playlists
whose names contain a keyword (owned by the user: the items of a followed playlist are not served to new
apps; one failing playlist is skipped, not the source), and one search per query. Only Web API endpoints
still open to new apps are used (search, playlists, albums, tracks).
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from typing import Any

from ...config import MusicConfig
from ...contract import ErrorCode
from .. import MusicError, Track
from .client import SpotifyClient
from .tracks import playlist_entry, track_from_api, tracks_from_api, uri_id, uri_kind

log = logging.getLogger(__name__)

PAGE = 10  # search returns at most 10 items a page for development-mode apps
PLAYLIST_PAGE = 50
MAX_PLAYLIST_PAGES = 5  # the first 250 of the user's playlists
MAX_SEARCH_PAGES = 3
MATCHING_PLAYLISTS = 2
# A source failing for these reasons means the others will fail too.
STOP_CODES = frozenset({ErrorCode.RATE_LIMITED, ErrorCode.LOGIN_REQUIRED})


class Sources:
    """The candidate pools for one mood's profile, asked of Spotify within the caller's operation."""

    def __init__(
        self, client: SpotifyClient, music: MusicConfig, rng: random.Random, owner: Callable[[], str | None]
    ) -> None:
        self._client = client
        self._owner = owner  # the account's Spotify id
        self._api = client.api
        self._music = music
        self._rng = rng

    def curated(self, uris: list[str], market: str) -> list[Track]:
        """The tracks of the curated URIs, as one pool; a URI Spotify cannot find is skipped."""
        tracks: list[Track] = []
        for uri in uris:
            try:
                tracks += self._curated_item(uri, market)
            except MusicError as exc:
                if exc.code in STOP_CODES:
                    raise
                # Spotify's own editorial playlists now answer 404 to new apps: one dead URI, not a dead list.
                log.warning("curated %s skipped: %s", uri, exc.message)
        return tracks

    def _curated_item(self, uri: str, market: str) -> list[Track]:
        """The tracks of one curated URI: a track, a playlist or an album."""
        kind = uri_kind(uri)
        if kind == "track":
            track = track_from_api(self._client.call(self._api.track, uri_id(uri), market=market))
            return [track] if track else []
        if kind == "playlist":
            return self._playlist_tracks(uri_id(uri), market)
        if kind == "album":
            album = self._client.call(self._api.album, uri_id(uri), market=market) or {}
            return tracks_from_api((album.get("tracks") or {}).get("items") or [], album.get("images"))
        log.warning("ignoring curated URI %r (tracks, playlists and albums are supported)", uri)
        return []

    def matching_playlists(self, keywords: list[str], market: str) -> list[list[Track]]:
        """The user's own playlists whose names contain a keyword (at most two, picked at random), a pool
        each. A playlist Spotify will not serve is skipped for the next match."""
        if not keywords:
            return []
        words = [k.casefold() for k in keywords]
        owner = self._owner()
        found = [
            playlist["id"]
            for playlist in self._own_playlists()
            if (playlist.get("owner") or {}).get("id") == owner
            and playlist.get("id")
            and any(w in (playlist.get("name") or "").casefold() for w in words)
        ]
        pools: list[list[Track]] = []
        for playlist_id in self._rng.sample(found, len(found)):
            try:
                pools.append(self._playlist_tracks(playlist_id, market))
            except MusicError as exc:
                if exc.code in STOP_CODES:
                    raise
                log.info("playlist %s skipped: %s", playlist_id, exc.message)
            if len(pools) == MATCHING_PLAYLISTS:
                break
        return pools

    def _own_playlists(self) -> list[dict[str, Any]]:
        """The user's playlists (``/me/playlists``, page by page)."""
        playlists: list[dict[str, Any]] = []
        for page_number in range(MAX_PLAYLIST_PAGES):
            page = (
                self._client.call(
                    self._api.current_user_playlists, limit=PLAYLIST_PAGE, offset=page_number * PLAYLIST_PAGE
                )
                or {}
            )
            playlists += [p for p in page.get("items") or [] if p]
            if not page.get("next"):
                break
        return playlists

    def _playlist_tracks(self, playlist_id: str, market: str) -> list[Track]:
        page = (
            self._client.call(
                self._api.playlist_items, playlist_id, limit=PLAYLIST_PAGE, market=market, additional_types=("track",)
            )
            or {}
        )
        return tracks_from_api([playlist_entry(e) for e in page.get("items") or []])

    def search(self, query: str, market: str, queries: int) -> list[Track]:
        """Enough results of one query, as one pool, for its share of the list over the runs that must not
        repeat (10 a page, 1 to 3 pages)."""
        share = math.ceil(self._music.items * (self._music.avoid_recent + 1) / max(queries, 1))
        wanted = min(max(share, PAGE), MAX_SEARCH_PAGES * PAGE)
        tracks: list[Track] = []
        offset = 0
        while len(tracks) < wanted:
            result = (
                self._client.call(self._api.search, q=query, limit=PAGE, offset=offset, type="track", market=market)
                or {}
            )
            page = result.get("tracks") or {}
            tracks += tracks_from_api(page.get("items") or [])
            if not page.get("next"):
                break
            offset += PAGE
        return tracks
