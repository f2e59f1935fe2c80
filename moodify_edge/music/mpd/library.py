"""Library: recommendations from the owner's own music through MPD (the backend's :class:`MusicSource`).

Each mood profile names ``library`` entries (folders in MPD's music directory, or stored playlists) and
``genres``; each entry and each genre is one pool, in profile order (so *lift* moves from the first folder
to the last). The shared :mod:`..recommender` de-duplicates, varies and avoids the last runs' tracks.
"""

from __future__ import annotations

import threading

import mpd

from ...config import Config
from ...contract import ErrorCode, MusicBackendName
from ...mood import MoodProfile, Policy
from .. import MusicError, Recommendations, Track, mood_profile
from ..recommender import Recommender
from .connection import MpdConnection
from .errors import ACK_NO_EXIST, ack_code
from .tracks import Song, songs, track


def entry_songs(client: mpd.MPDClient, entry: str) -> list[Song] | None:
    """The songs of a folder (with its subfolders) or else of a stored playlist; None when neither exists."""
    try:
        return songs(client.find("base", entry))
    except mpd.CommandError as exc:
        if ack_code(exc) != ACK_NO_EXIST:
            raise
    try:
        return songs(client.listplaylistinfo(entry))
    except mpd.CommandError as exc:
        if ack_code(exc) != ACK_NO_EXIST:
            raise
    return None


def profile_pools(client: mpd.MPDClient, profile: MoodProfile) -> tuple[list[list[Track]], list[str]]:
    """One pool per library entry and per genre, in profile order, and the entries MPD does not have."""
    pools, missing = [], []
    for entry in profile.library:
        found = entry_songs(client, entry)
        if found is None:
            missing.append(entry)
        pools.append([track(song) for song in found or []])
    for genre in profile.genres:
        pools.append([track(song) for song in songs(client.search("genre", genre))])
    return pools, missing


def nothing_found(emotion: str, profile: MoodProfile, missing: list[str]) -> MusicError:
    wanted = ", ".join(repr(x) for x in profile.library) or "none"
    detail = f" ({', '.join(repr(m) for m in missing)} not found)" if missing else ""
    genres = f" or the genres {', '.join(profile.genres)}" if profile.genres else ""
    return MusicError(
        ErrorCode.NO_MUSIC,
        f"No music for {emotion}: MPD has no songs in its library entries {wanted}{detail}{genres}. "
        "Put music in that folder and update MPD's database.",
    )


class MpdLibrary:
    """Recommendations from MPD's library; remembers the latest list (the player queues it). Thread-safe."""

    def __init__(self, config: Config, connection: MpdConnection) -> None:
        self._moods = config.music.moods
        self._connection = connection
        self._recommender = Recommender(config.music.items, config.music.avoid_recent)
        self._lock = threading.Lock()
        self._latest: list[Track] = []

    def recommend(self, emotion: str, policy: Policy | None = None) -> Recommendations:
        profile = mood_profile(self._moods, emotion)
        pools, missing = self._connection.run(lambda client: profile_pools(client, profile))
        if not any(pools):
            raise nothing_found(emotion, profile, missing)
        chosen = profile.policy_for(policy)
        tracks = self._recommender.pick(pools, chosen)
        with self._lock:
            self._latest = list(tracks)
        return Recommendations(emotion=emotion, policy=chosen, source=MusicBackendName.MPD, tracks=tracks)

    def latest(self) -> list[Track]:
        """The last list recommended (the order the queue follows)."""
        with self._lock:
            return list(self._latest)
