"""Music: the contract between the kiosk and any music backend (Spotify, MPD, the offline catalogue).

A backend provides three things, each a small protocol: a :class:`MusicSource` (recommendations for an
emotion), a :class:`MusicPlayer` (playback on the device) and a :class:`MusicAccount` (login and its
status). :class:`MusicBackend` bundles them; the controller sees the source and the player, the web app
the account (and the cover images of a backend that serves them itself: :class:`MusicArtwork`). Every method
returns quickly: a backend that talks to the network bounds each call (2 s at most) and raises
:class:`MusicError` with a code, a message for the screen and an HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ..contract import ErrorCode, KioskError, MusicBackendName
from ..mood import MoodProfile, Policy


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
    policy: Policy
    source: MusicBackendName
    tracks: list[Track] = field(default_factory=list)
    notice: str | None = None  # why the offline list stands in for Spotify's

    def to_dict(self) -> dict[str, Any]:
        return {
            "emotion": self.emotion,
            "policy": str(self.policy),
            "source": str(self.source),
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


@dataclass(frozen=True)
class AccountStatus:
    """The music account as the settings panel and ``doctor`` show it."""

    backend: MusicBackendName
    configured: bool
    logged_in: bool = False
    user: str | None = None
    device: str | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"backend": str(self.backend)}


class MusicError(KioskError):
    """A music failure to show on screen (and to answer an API call with)."""


def mood_profile(moods: Mapping[str, MoodProfile], emotion: str) -> MoodProfile:
    """The mood profile of ``emotion``; :class:`MusicError` ``unknown_emotion`` when there is none."""
    profile = moods.get(emotion)
    if profile is None:
        raise MusicError(ErrorCode.UNKNOWN_EMOTION, f"No music for the emotion {emotion!r}.")
    return profile


class MusicSource(Protocol):
    """Recommendations for an emotion, by ``policy`` (the visitor's goal), or by the emotion's profile when None."""

    def recommend(self, emotion: str, policy: Policy | None = None) -> Recommendations: ...


class MusicPlayer(Protocol):
    """Playback on the kiosk's own speaker. Thread-safe; each call returns within about 2 s."""

    def play(self, uri: str | None = None) -> PlayerState:
        """Play ``uri`` on the device, or resume when None."""
        ...

    def pause(self) -> PlayerState: ...

    def next(self) -> PlayerState: ...

    def previous(self) -> PlayerState: ...

    def set_volume(self, percent: int) -> PlayerState: ...

    def state(self) -> PlayerState: ...


class MusicAccount(Protocol):
    """The account the music comes from, and the login flow the web app drives."""

    def status(self) -> AccountStatus: ...

    def login_url(self) -> str: ...

    def finish_login(self, redirected_url: str) -> AccountStatus: ...

    def logout(self) -> AccountStatus: ...


class NoLogin:
    """The login half of a :class:`MusicAccount` for a backend that has none (the offline catalogue, MPD):
    the login flow is refused with ``NO_LOGIN`` on screen, and logging out only reports the status."""

    NO_LOGIN = "This music backend has no login."

    def status(self) -> AccountStatus:
        raise NotImplementedError

    def login_url(self) -> str:
        raise MusicError(ErrorCode.SPOTIFY_NOT_CONFIGURED, self.NO_LOGIN)

    def finish_login(self, redirected_url: str) -> AccountStatus:
        raise MusicError(ErrorCode.SPOTIFY_NOT_CONFIGURED, self.NO_LOGIN)

    def logout(self) -> AccountStatus:
        return self.status()


class MusicArtwork(Protocol):
    """Cover images a backend serves through the kiosk (MPD's are inside the files, not on the web)."""

    def artwork(self, uri: str) -> bytes:
        """A JPEG for the track ``uri`` (a generated tile when it has none)."""
        ...


def _nothing_to_close() -> None:
    return None


@dataclass(frozen=True)
class MusicBackend:
    """One backend's three parts (often one object playing all three roles), its artwork if it serves any,
    and ``close`` to stop what it runs in the background."""

    source: MusicSource
    player: MusicPlayer
    account: MusicAccount
    artwork: MusicArtwork | None = None
    close: Callable[[], None] = _nothing_to_close
