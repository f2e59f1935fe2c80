"""Offline catalogue: the music backend used with no Spotify account (or in demo mode).

Recommendations come from ``catalogue.json`` shipped in this package (real songs per emotion, in
stages for the lift policy), chosen by the same :mod:`recommender` as Spotify's. Each track's artwork is a
tile generated for its mood (an SVG data URI in the emotion's colour with a simple motif; nothing is
downloaded). The player is a demo player: it keeps its state in memory and says on screen that it plays no
audio.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from functools import cache
from importlib import resources

from ..config import Config
from ..contract import ErrorCode, MusicBackendName
from ..emotions import by_key
from ..mood import Policy
from . import AccountStatus, MusicError, NoLogin, PlayerState, Recommendations, Track
from .recommender import Recommender

DEMO_MESSAGE = "Demo player without audio: Spotify is not in use, so nothing plays aloud."


# One white motif per mood on a 100×100 tile (plain shapes: no fonts, so it looks the same everywhere).
_MOTIFS = {
    "angry": '<path d="M56 14 30 54h17l-8 32 31-44H52z"/>',  # a lightning bolt
    "disgust": (  # a leaf
        '<path d="M24 76C24 40 46 22 78 22c0 34-20 54-54 54z"/>'
        '<path d="M28 72 62 38" stroke="#000" stroke-opacity=".3" stroke-width="3"/>'
    ),
    "fear": '<path d="M62 18a34 34 0 1 0 20 56 28 28 0 1 1-20-56z"/>',  # a crescent moon
    "happy": (  # a sun with rays
        '<circle cx="50" cy="50" r="17"/><g stroke="#fff" stroke-width="6" stroke-linecap="round">'
        '<path d="M50 12v12M50 76v12M12 50h12M76 50h12M23 23l8 8M69 69l8 8M77 23l-8 8M31 69l-8 8"/></g>'
    ),
    "sad": '<path d="M50 16C40 36 30 48 30 62a20 20 0 0 0 40 0c0-14-10-26-20-46z"/>',  # a raindrop
    "surprise": '<path d="M50 10l9 27 29-2-23 18 10 28-25-17-25 17 10-28-23-18 29 2z"/>',  # a burst
    "neutral": '<g fill="none" stroke="#fff" stroke-width="5"><circle cx="50" cy="50" r="30"/>'
    '<circle cx="50" cy="50" r="16"/></g><circle cx="50" cy="50" r="4"/>',  # a record's rings
}


@cache
def mood_artwork(emotion: str) -> str:
    """The generated tile for a mood's offline tracks: an SVG data URI in the emotion's colour (base64, so it
    survives the page's ``encodeURI`` unchanged)."""
    colour = by_key(emotion).colour
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="{colour}"/>'
        f'<stop offset="1" stop-color="{colour}" stop-opacity=".55"/></linearGradient></defs>'
        '<rect width="100" height="100" fill="#1b1f24"/><rect width="100" height="100" fill="url(#g)"/>'
        f'<g fill="#fff" fill-opacity=".9">{_MOTIFS[emotion]}</g></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _track(entry: dict[str, str], emotion: str) -> Track:
    if entry.get("track_id"):
        uri = f"spotify:track:{entry['track_id']}"
    else:
        uri = "spotify:search:" + urllib.parse.quote(f"{entry['artist']} {entry['title']}")
    return Track(title=entry["title"], artists=[entry["artist"]], uri=uri, artwork_url=mood_artwork(emotion))


@cache
def catalogue() -> dict[str, list[list[Track]]]:
    """Emotion key → its stages (lists of tracks), in order."""
    data = json.loads(resources.files(__package__).joinpath("catalogue.json").read_text(encoding="utf-8"))
    return {
        emotion: [[_track(e, emotion) for e in entries] for entries in stages.values()]
        for emotion, stages in data["moods"].items()
    }


class OfflineMusic(NoLogin):
    """The music backend without a network: catalogue, demo player and an account with no login."""

    NO_LOGIN = "Spotify is not in use: set spotify.client_id in the configuration (and leave demo mode) to log in."

    def __init__(self, config: Config, *, demo: bool = True) -> None:
        self._moods = config.music.moods
        self._recommender = Recommender(config.music.items, config.music.avoid_recent)
        self._demo = demo
        self._lock = threading.Lock()
        self._queue: list[Track] = []
        self._index = -1
        self._playing = False
        self._volume = 50

    def recommend(self, emotion: str, policy: Policy | None = None) -> Recommendations:
        stages = catalogue().get(emotion)
        if stages is None:
            raise MusicError(ErrorCode.UNKNOWN_EMOTION, f"No music for the emotion {emotion!r}.")
        policy = self._moods[emotion].policy_for(policy)
        tracks = self._recommender.pick(stages, policy)
        with self._lock:
            self._queue = list(tracks)
        return Recommendations(emotion=emotion, policy=policy, source=MusicBackendName.OFFLINE, tracks=tracks)

    def _state(self) -> PlayerState:
        track = self._queue[self._index] if 0 <= self._index < len(self._queue) else None
        return PlayerState(
            available=True,
            playing=self._playing and track is not None,
            track=track,
            volume=self._volume,
            device="Demo player",
            message=DEMO_MESSAGE,
        )

    def play(self, uri: str | None = None) -> PlayerState:
        with self._lock:
            if uri is not None:
                index = next((i for i, t in enumerate(self._queue) if t.uri == uri), None)
                if index is None:
                    known = next(
                        (t for stages in catalogue().values() for s in stages for t in s if t.uri == uri), None
                    )
                    if known is None:
                        raise MusicError(ErrorCode.UNKNOWN_TRACK, "That track is not in the offline catalogue.")
                    self._queue = [known]
                    index = 0
                self._index = index
            elif self._index < 0:
                if not self._queue:
                    raise MusicError(ErrorCode.NOTHING_TO_PLAY, "Nothing to play yet: detect an emotion first.")
                self._index = 0
            self._playing = True
            return self._state()

    def pause(self) -> PlayerState:
        with self._lock:
            self._playing = False
            return self._state()

    def _step(self, delta: int) -> PlayerState:
        with self._lock:
            if not self._queue:
                raise MusicError(ErrorCode.NOTHING_TO_PLAY, "Nothing to play yet: detect an emotion first.")
            self._index = (max(self._index, 0) + delta) % len(self._queue)
            self._playing = True
            return self._state()

    def next(self) -> PlayerState:
        return self._step(1)

    def previous(self) -> PlayerState:
        return self._step(-1)

    def set_volume(self, percent: int) -> PlayerState:
        if not 0 <= percent <= 100:
            raise MusicError(ErrorCode.BAD_VOLUME, "Volume must be between 0 and 100.")
        with self._lock:
            self._volume = percent
            return self._state()

    def state(self) -> PlayerState:
        with self._lock:
            return self._state()

    # The account: there is nothing to log in to (NoLogin refuses the login flow).
    def status(self) -> AccountStatus:
        message = (
            "Demo mode: music comes from the built-in catalogue."
            if self._demo
            else "Spotify is not set up (spotify.client_id is empty): music comes from the built-in catalogue."
        )
        return AccountStatus(backend=MusicBackendName.OFFLINE, configured=False, device="Demo player", message=message)
