"""The kiosk's vocabulary: its states, run outcomes, event types and error codes, and the one error class.

Everything the screens, the API, the LED and systemd agree on is named here once, as ``StrEnum`` members
(they compare equal to, and serialise as, their plain string values). The browser side of this contract,
``kiosk/static/contract.js``, is generated from this module (``python -m moodify_edge.contract``) so the
page cannot drift from the server; a test checks that every event type has a handler on the page and
every error code has English and Korean text.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any


class KioskState(StrEnum):
    """What the kiosk is doing: waiting, reading a face, or showing a result."""

    IDLE = "idle"
    DETECTING = "detecting"
    RESULT = "result"


class RunOutcome(StrEnum):
    """How a detection run ended."""

    EMOTION = "emotion"
    NO_FACE = "no_face"
    CANCELLED = "cancelled"


class TriggerOrigin(StrEnum):
    """Who started a detection run."""

    SCREEN = "screen"
    WEB = "web"
    BUTTON = "button"
    MQTT = "mqtt"


class EventType(StrEnum):
    """The type of every event on the bus, and of every Server-Sent Event the page receives."""

    SNAPSHOT = "snapshot"  # sent to a live client first: everything needed to draw the screen
    STATE = "state"
    FRAME = "frame"
    RESULT = "result"
    RECOMMENDATIONS = "recommendations"
    PLAYER = "player"
    CAMERA = "camera"
    ACCOUNT = "account"
    ERROR = "error"
    PAIRING = "pairing"
    PAIRING_ALARM = "pairing_alarm"  # someone on the LAN is guessing the pairing code (or stopped)


class ErrorSource(StrEnum):
    """The part of the kiosk an error event comes from."""

    MUSIC = "music"
    DETECTION = "detection"


class MusicBackendName(StrEnum):
    """Which music backend answered."""

    SPOTIFY = "spotify"
    OFFLINE = "offline"
    MPD = "mpd"


class ErrorCode(StrEnum):
    """Stable, machine-readable names of every failure the API answers or the screen shows.
    Each has a default HTTP status (:attr:`status`)."""

    # requests
    BAD_REQUEST = "bad_request"
    BAD_JSON = "bad_json"
    BAD_URI = "bad_uri"
    BAD_URL = "bad_url"
    BAD_VOLUME = "bad_volume"
    TOO_LARGE = "too_large"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"
    INTERNAL_ERROR = "internal_error"
    # access
    PAIRING_REQUIRED = "pairing_required"
    CSRF = "csrf"
    KIOSK_ONLY = "kiosk_only"
    BAD_CODE = "bad_code"
    WRONG_CODE = "wrong_code"
    RATE_LIMITED = "rate_limited"
    OWNER_REQUIRED = "owner_required"  # an owner action: the PIN on the kiosk screen, or an owner's phone
    WRONG_PIN = "wrong_pin"
    NO_PIN = "no_pin"  # no [kiosk] owner_pin: owner actions only from an owner's phone
    PAIRING_CLOSED = "pairing_closed"  # visitor pairing is off and the owner has not unlocked the kiosk
    # detection
    BUSY = "busy"
    NO_RESULT = "no_result"
    NO_RECOMMENDATIONS = "no_recommendations"
    CAMERA_UNAVAILABLE = "camera_unavailable"
    DETECTION_FAILED = "detection_failed"
    # music
    MUSIC_FAILED = "music_failed"
    NO_MUSIC = "no_music"
    UNKNOWN_EMOTION = "unknown_emotion"
    UNKNOWN_TRACK = "unknown_track"
    NOTHING_TO_PLAY = "nothing_to_play"
    SPOTIFY_NOT_CONFIGURED = "spotify_not_configured"
    LOGIN_REQUIRED = "login_required"
    LOGIN_STATE = "login_state"
    LOGIN_DENIED = "login_denied"
    LOGIN_FAILED = "login_failed"
    PREMIUM_REQUIRED = "premium_required"
    USER_NOT_ALLOWED = "user_not_allowed"
    SPOTIFY_REFUSED = "spotify_refused"
    SPOTIFY_UNAVAILABLE = "spotify_unavailable"
    SPOTIFY_ERROR = "spotify_error"
    NO_ACTIVE_DEVICE = "no_active_device"
    DEVICE_MISSING = "device_missing"
    MPD_UNAVAILABLE = "mpd_unavailable"
    MPD_PASSWORD = "mpd_password"
    MPD_ERROR = "mpd_error"
    TRACK_UNREADABLE = "track_unreadable"
    RECEIVER_LOGIN_NEEDED = "receiver_login_needed"  # the Connect receiver has no login of its own
    PLAYLIST_UNAVAILABLE = "playlist_unavailable"  # saving a playlist: off, or not a Spotify backend
    PLAYLIST_PERMISSION = "playlist_permission"  # the Spotify login lacks playlist-modify-private

    @property
    def status(self) -> int:
        """The HTTP status the API answers this error with, unless the raiser says otherwise."""
        return _STATUS.get(self, 400)


_STATUS: dict[ErrorCode, int] = {
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.HTTP_ERROR: 500,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.PAIRING_REQUIRED: 403,
    ErrorCode.CSRF: 403,
    ErrorCode.KIOSK_ONLY: 403,
    ErrorCode.WRONG_CODE: 403,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.OWNER_REQUIRED: 403,
    ErrorCode.WRONG_PIN: 403,
    ErrorCode.NO_PIN: 409,
    ErrorCode.PAIRING_CLOSED: 403,
    ErrorCode.BUSY: 409,
    ErrorCode.NO_RESULT: 404,
    ErrorCode.NO_RECOMMENDATIONS: 404,
    ErrorCode.CAMERA_UNAVAILABLE: 503,
    ErrorCode.DETECTION_FAILED: 500,
    ErrorCode.MUSIC_FAILED: 502,
    ErrorCode.NO_MUSIC: 404,
    ErrorCode.UNKNOWN_TRACK: 404,
    ErrorCode.NOTHING_TO_PLAY: 409,
    ErrorCode.SPOTIFY_NOT_CONFIGURED: 409,
    ErrorCode.LOGIN_REQUIRED: 401,
    ErrorCode.LOGIN_FAILED: 502,
    ErrorCode.PREMIUM_REQUIRED: 403,
    ErrorCode.USER_NOT_ALLOWED: 403,
    ErrorCode.SPOTIFY_REFUSED: 403,
    ErrorCode.SPOTIFY_UNAVAILABLE: 504,
    ErrorCode.SPOTIFY_ERROR: 502,
    ErrorCode.NO_ACTIVE_DEVICE: 404,
    ErrorCode.DEVICE_MISSING: 503,
    ErrorCode.MPD_UNAVAILABLE: 503,
    ErrorCode.MPD_PASSWORD: 502,
    ErrorCode.MPD_ERROR: 502,
    ErrorCode.TRACK_UNREADABLE: 502,
    ErrorCode.RECEIVER_LOGIN_NEEDED: 503,
    ErrorCode.PLAYLIST_UNAVAILABLE: 409,
    ErrorCode.PLAYLIST_PERMISSION: 403,
}


class KioskError(Exception):
    """A failure to show a person: a stable ``code``, a ``message`` for the screen (English; the page
    translates by code), the HTTP ``status`` the API answers with, and extra response ``headers``.

    Subclasses say where it comes from (music, camera, web request); wrap library errors with
    ``raise KioskError(...) from exc`` so the cause stays in the log."""

    def __init__(
        self, code: ErrorCode, message: str, *, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or code.status
        self.headers = headers or {}

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "code": str(self.code), "message": self.message}


def browser_contract() -> str:
    """``kiosk/static/contract.js``: the enums above as frozen JavaScript objects for the page."""
    tables = {
        "STATE": KioskState,
        "OUTCOME": RunOutcome,
        "EVENT": EventType,
        "ERROR": ErrorCode,
        "BACKEND": MusicBackendName,
    }
    lines = [
        "/* Generated from moodify_edge/contract.py by `python -m moodify_edge.contract`: do not edit. */",
    ]
    for name, enum in tables.items():
        members = {member.name: member.value for member in enum}
        lines.append(f"export const {name} = Object.freeze({json.dumps(members, indent=2)});")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(browser_contract(), end="")
