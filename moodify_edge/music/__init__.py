"""Music: the contract between the kiosk and any music backend (Spotify or the offline catalogue).

The controller and the web app only see :class:`Music`. Every method returns quickly: a backend that
talks to the network bounds each call (2 s at most) and raises :class:`MusicError` with a message
for the screen and an HTTP-like status for the API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Track:
    """One recommendation: a track, album or playlist that can be played by its URI."""

    title: str
    artists: list[str]
    uri: str
    artwork_url: str = ""
    duration_ms: int = 0
    kind: str = "track"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Recommendations:
    emotion: str
    policy: str
    source: str  # "spotify" or "offline"
    tracks: list[Track] = field(default_factory=list)
    notice: str | None = None  # why the offline list stands in for Spotify's

    def to_dict(self) -> dict[str, Any]:
        return {
            "emotion": self.emotion,
            "policy": self.policy,
            "source": self.source,
            "tracks": [t.to_dict() for t in self.tracks],
            "notice": self.notice,
        }


@dataclass(frozen=True)
class PlayerState:
    """What the now-playing bar shows."""

    available: bool  # a player exists (Spotify logged in with its device, or the demo player)
    playing: bool = False
    track: Track | None = None
    volume: int | None = None
    device: str | None = None
    message: str | None = None  # shown on screen: why nothing plays, or a demo notice

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["track"] = self.track.to_dict() if self.track else None
        return data


class MusicError(Exception):
    """A failure to show on screen. ``status`` is the HTTP status the web API answers with;
    ``code`` a stable machine-readable name (e.g. "premium_required", "device_missing", "rate_limited")."""

    def __init__(self, message: str, status: int = 502, code: str = "music_error") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class Music(Protocol):
    """A music backend. All methods are thread-safe and return within about 2 s."""

    def recommend(self, emotion: str) -> Recommendations: ...

    def play(self, uri: str | None = None) -> PlayerState:
        """Play ``uri`` on the device, or resume when None."""

    def pause(self) -> PlayerState: ...

    def next(self) -> PlayerState: ...

    def previous(self) -> PlayerState: ...

    def set_volume(self, percent: int) -> PlayerState: ...

    def player_state(self) -> PlayerState: ...

    def account(self) -> dict[str, Any]:
        """{"backend": "spotify"|"offline", "configured": bool, "logged_in": bool, "user": str|None,
        "device": str|None, "message": str|None} for the screen and ``doctor``."""

from .factory import create_music as create_music  # noqa: E402  (re-export; the factory needs the contract above)
