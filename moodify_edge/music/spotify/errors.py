"""Errors: what Spotify's answers and failures mean for the person at the kiosk, as :class:`MusicError`.

spotipy raises :class:`SpotifyException` for Web API answers, :class:`SpotifyOauthError` for the accounts
service, and lets ``requests`` errors (timeouts, refused connections) through. Each becomes a
:class:`MusicError` with an :class:`ErrorCode`; callers raise it ``from`` the original so the log keeps
the cause. A 429 also starts a :class:`RateLimit`: no requests until its ``Retry-After`` has passed, kept in the state
directory so that a restart honours it too. The accounts service's answers to a refresh have their own
messages (:func:`accounts_error`): only ``invalid_grant`` means the login is gone.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests
from spotipy.exceptions import SpotifyException, SpotifyOauthError

from ...contract import ErrorCode
from ...state_file import write_atomic
from .. import MusicError

log = logging.getLogger(__name__)


def copied(exc: MusicError) -> MusicError:
    """A fresh copy of ``exc`` to raise on another thread (one error object raised twice would mix tracebacks)."""
    return MusicError(exc.code, exc.message, status=exc.status, headers=dict(exc.headers))


QUOTA_SECONDS = 600  # a Retry-After this long is a spent quota, not a burst
DEFAULT_RETRY_AFTER = 30
LONGEST_BLOCK = 2 * 24 * 3600  # a stored limit further away than this is a clock that jumped: ignored
RATE_LIMIT_FILE = "spotify_rate_limit.json"
KEPT = "The login is kept."
LOGIN_PROMPT = "Log in to Spotify to play music."


def login_required(reason: str = LOGIN_PROMPT) -> MusicError:
    return MusicError(ErrorCode.LOGIN_REQUIRED, reason)


def out_of_time() -> MusicError:
    return MusicError(ErrorCode.SPOTIFY_UNAVAILABLE, "Spotify did not answer in time. Try again.")


def unreachable(exc: requests.RequestException) -> MusicError:
    """The Web API could not be asked: a timeout, a refused connection, a broken answer."""
    return MusicError(
        ErrorCode.SPOTIFY_UNAVAILABLE, f"Spotify is not reachable right now ({type(exc).__name__}). Try again."
    )


def login_unreachable(exc: requests.RequestException) -> MusicError:
    """The accounts service could not be asked."""
    return MusicError(ErrorCode.SPOTIFY_UNAVAILABLE, f"Spotify's login service did not answer ({type(exc).__name__}).")


def revoked() -> MusicError:
    return login_required("Spotify no longer accepts this login (it was revoked or expired). Log in again.")


def retry_after(headers: Mapping[str, str]) -> int:
    """The seconds of a 429's ``Retry-After`` (at least 1; a default when it is missing or not a number)."""
    try:
        return max(int(headers.get("Retry-After", str(DEFAULT_RETRY_AFTER))), 1)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def _text(value: Any) -> str:
    """A string Spotify sent as a reason, or "" for anything else (never a raw dict on screen)."""
    return value.strip() if isinstance(value, str) else ""


def from_oauth(exc: SpotifyOauthError) -> MusicError:
    """The accounts service refused a login code."""
    if exc.error == "invalid_grant":
        return revoked()
    reason = _text(exc.error_description) or _text(exc.error) or "no reason given"
    return MusicError(ErrorCode.LOGIN_FAILED, f"Spotify refused the login: {reason}.")


def accounts_error(status: int, body: Any, headers: Mapping[str, str]) -> MusicError:
    """The accounts service's answer to a refresh that was not a success. Only ``invalid_grant`` loses the
    login; a 429 (with its ``Retry-After`` as the error's header) and a 5xx say the login is kept."""
    body = body if isinstance(body, dict) else {}
    if body.get("error") == "invalid_grant":
        return revoked()
    if status == 429:
        wait = retry_after(headers)
        return MusicError(
            ErrorCode.RATE_LIMITED,
            f"Spotify's login service asked us to wait. Reconnecting in {wait} s. {KEPT}",
            headers={"Retry-After": str(wait)},
        )
    if status >= 500:
        return MusicError(
            ErrorCode.SPOTIFY_UNAVAILABLE,
            f"Spotify's login service is having trouble (HTTP {status}). Reconnecting soon. {KEPT}",
            status=502,
        )
    reason = _text(body.get("error_description")) or _text(body.get("error")) or f"HTTP {status}"
    return MusicError(ErrorCode.LOGIN_FAILED, f"Spotify refused the login: {reason}.")


class RateLimit:
    """Spotify's last 429: until its ``Retry-After`` has passed, every call is answered "rate limited" at
    once, without a request. With a ``path`` the limit and its expiry (wall-clock time) are kept there."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._until = 0.0  # time.time() when requests may be sent again
        self.message = ""
        if path is not None:
            self._load(path)

    @property
    def active(self) -> bool:
        return time.time() < self._until

    def check(self) -> None:
        """Raise the rate-limit error while the limit lasts."""
        if self.active:
            raise MusicError(ErrorCode.RATE_LIMITED, self.message)

    def start(self, headers: Mapping[str, str]) -> MusicError:
        """Begin a limit from a 429's headers; the error to show for it."""
        wait = retry_after(headers)
        if wait >= QUOTA_SECONDS:
            hours, minutes = divmod(math.ceil(wait / 60), 60)
            span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
            message = f"Spotify's request quota for this app is used up. Music is back in about {span}."
        else:
            message = f"Spotify asked us to slow down. Try again in {wait} s."
        self._until = time.time() + wait
        self.message = message
        log.warning("Spotify rate limit: no requests for %d s", wait)
        self._save()
        return MusicError(ErrorCode.RATE_LIMITED, message)

    def _save(self) -> None:
        if self._path is None:
            return
        try:
            write_atomic(self._path, json.dumps({"until": self._until, "message": self.message}).encode("utf-8"))
        except OSError as exc:  # the limit still holds until a restart
            log.warning("could not keep the Spotify rate limit in %s: %s", self._path, exc)

    def _load(self, path: Path) -> None:
        try:
            kept = json.loads(path.read_bytes())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable Spotify rate limit file %s: %s", path, exc)
            return
        until = kept.get("until") if isinstance(kept, dict) else None
        message = kept.get("message") if isinstance(kept, dict) else None
        if isinstance(until, int | float) and isinstance(message, str) and until - time.time() < LONGEST_BLOCK:
            self._until, self.message = float(until), message
            if self.active:
                log.warning("Spotify rate limit from before the restart: no requests for %d s", until - time.time())


def from_web_api(exc: SpotifyException, rate_limit: RateLimit, device_missing: Callable[[], MusicError]) -> MusicError:
    """The error for a Web API answer that was not a success (after any retry). A 429 starts
    ``rate_limit``; "Device not found" is ``device_missing()`` (which may restart the receiver)."""
    status, reason = exc.http_status, exc.reason or ""
    text = str(exc.msg or "").split(":\n", 1)[-1].strip()  # spotipy prefixes the URL
    if status == 401:
        return login_required("Spotify no longer accepts this login. Log in again.")
    if status == 429:
        return rate_limit.start(exc.headers or {})
    if status == 403:
        if reason == "PREMIUM_REQUIRED" or "premium" in text.lower():
            return MusicError(ErrorCode.PREMIUM_REQUIRED, "Spotify Premium is needed to play music on this device.")
        if "registered" in text.lower():  # "...the user may not be registered." (not on the allow-list)
            return MusicError(
                ErrorCode.USER_NOT_ALLOWED,
                "This Spotify account is not on the app's user list (Developer Dashboard → User Management).",
            )
        return MusicError(ErrorCode.SPOTIFY_REFUSED, f"Spotify refused this: {text}")
    if status == 404:
        if reason == "NO_ACTIVE_DEVICE" or "no active device" in text.lower():
            return MusicError(
                ErrorCode.NO_ACTIVE_DEVICE, "No active Spotify device: the speaker is not playing. Press play again."
            )
        if "device not found" in text.lower():
            return device_missing()
        return MusicError(ErrorCode.NOT_FOUND, "Spotify could not find that item.")
    if status >= 500:
        return MusicError(
            ErrorCode.SPOTIFY_UNAVAILABLE, f"Spotify is having trouble (HTTP {status}). Try again soon.", status=502
        )
    return MusicError(ErrorCode.SPOTIFY_ERROR, f"Spotify answered HTTP {status}.")
