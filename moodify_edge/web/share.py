"""Take the music home: a short-lived, read-only share page for one result, reached from the QR code on the
kiosk's result screen.

Each list of recommendations gets its own token (:func:`secrets.token_urlsafe`, 22 URL-safe characters) that
opens ``/share/<token>`` for ``[share] minutes``: the emotion, its colour, the goal used and the tracks, each a
link to Spotify's own page (``https://open.spotify.com/track/<id>``) or, from a local library, its title only.
An unpaired phone on the LAN reaches nothing else with it: the page is rendered from the share alone (no state,
no session, no CSRF token, no script, no form or button; a Content-Security-Policy forbids scripts and forms
too), an unknown or expired token is a 404, and each address may open only :data:`PAGES_PER_MINUTE` pages a
minute. The QR code and link (``GET /api/share``, and ``share`` in ``GET /api/recommendations``) carry the
kiosk's LAN address, never loopback; with the LAN off there is no link at all.

With ``[share] playlist`` on and the Spotify backend, the owner (:func:`.owner.require_owner`: the kiosk unlocked
with the PIN, or an owner's phone; the list goes into the owner's own account) may save the result on screen as a
new private playlist (``POST /api/share/playlist``; pressed twice, the same playlist is answered, not a second
one). Otherwise that answers ``playlist_unavailable``; the share page itself never offers it.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from werkzeug.wrappers import Response

from ..config import Config
from ..contract import ErrorCode, KioskState
from ..controller import Controller
from ..emotions import by_key
from ..events import Event, RecommendationsReady, StateChanged
from ..music import Recommendations
from .errors import ApiError
from .owner import phone_host, require_owner
from .pairing import _link, _qr

EXTENSION = "moodify.shares"
TOKEN_BYTES = 16  # 22 URL-safe characters
KEPT = 16  # shares remembered at most (older ones end early)
PAGES_PER_MINUTE = 20  # share pages one address may open per minute (guessing is pointless, and also slow)
SPOTIFY_TRACK = re.compile(r"spotify:track:([0-9A-Za-z]{1,64})")
TOKEN = re.compile(r"[0-9A-Za-z_-]{16,64}")
DESCRIPTION = "Saved from Moodify Edge."
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

bp = Blueprint("share", __name__)


@runtime_checkable
class PlaylistSaver(Protocol):
    """A music account that can save a list as a playlist (Spotify's)."""

    def save_playlist(self, name: str, description: str, uris: Sequence[str]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Share:
    """One result's share: its token, when it ends (``time.monotonic()``) and the list as it was."""

    token: str
    until: float
    recommendations: Recommendations


def spotify_link(uri: str) -> str | None:
    """``spotify:track:<id>`` → Spotify's web page for that track; None for anything else (a local file)."""
    match = SPOTIFY_TRACK.fullmatch(uri)
    return f"https://open.spotify.com/track/{match.group(1)}" if match else None


class ShareBoard:
    """The live shares and the one for the result on screen; each address's page budget. Thread-safe."""

    def __init__(self, minutes: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = minutes * 60
        self._clock = clock
        self._lock = threading.Lock()
        self._shares: dict[str, Share] = {}
        self._current: Share | None = None
        self._opened: dict[str, deque[float]] = {}
        self._saving = threading.Lock()  # one playlist save at a time
        self._saved: dict[str, dict[str, Any]] = {}  # share token → the playlist saved from it

    def add(self, recommendations: Recommendations) -> Share:
        share = Share(secrets.token_urlsafe(TOKEN_BYTES), self._clock() + self.seconds, recommendations)
        with self._lock:
            self._drop_expired()
            while len(self._shares) >= KEPT:
                del self._shares[next(iter(self._shares))]
            self._shares[share.token] = share
            self._current = share
        return share

    def _drop_expired(self) -> None:
        now = self._clock()
        for token in [t for t, s in self._shares.items() if s.until <= now]:
            del self._shares[token]
        for token in [t for t in self._saved if t not in self._shares]:
            del self._saved[token]
        if self._current is not None and self._current.until <= now:
            self._current = None

    def find(self, token: str) -> Share | None:
        with self._lock:
            self._drop_expired()
            return self._shares.get(token)

    def current(self) -> Share | None:
        """The share of the result on screen, while it lasts."""
        with self._lock:
            self._drop_expired()
            return self._current

    def allow(self, address: str) -> bool:
        """Whether ``address`` may open one more page this minute."""
        now = self._clock()
        with self._lock:
            for quiet in [a for a, times in self._opened.items() if times[-1] <= now - 60]:
                del self._opened[quiet]  # forgets addresses quiet for a minute
            opened = self._opened.setdefault(address, deque(maxlen=PAGES_PER_MINUTE))
            if len(opened) == PAGES_PER_MINUTE and opened[0] > now - 60:
                return False
            opened.append(now)
            return True

    def save_once(self, share: Share, save: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The playlist saved from ``share``: ``save()``'s answer, asked for once (one save at a time)."""
        with self._saving:
            with self._lock:
                saved = self._saved.get(share.token)
            if saved is None:
                saved = save()
                with self._lock:
                    self._saved[share.token] = saved
            return saved

    def listen(self, event: Event) -> None:
        """The bus listener: new recommendations get a share; a new run takes the last one off the screen."""
        if isinstance(event, RecommendationsReady) and event.recommendations.tracks:
            self.add(event.recommendations)
        elif isinstance(event, StateChanged) and event.state == KioskState.DETECTING:
            with self._lock:
                self._current = None


def board() -> ShareBoard:
    shares: ShareBoard = current_app.extensions[EXTENSION]
    return shares


def link_info() -> dict[str, Any] | None:
    """The result on screen's share link for the kiosk: ``url``, ``qr_svg``, ``expires_in`` (seconds); ``lan``
    false (and no link) while phones cannot reach the kiosk; None when there is no share."""
    share = board().current()
    if share is None:
        return None
    left = max(0, round(share.until - time.monotonic()))
    host = phone_host()
    if host is None:
        return {"lan": False, "expires_in": left}
    url = _link(host, f"/share/{share.token}")
    return {"lan": True, "url": url, "qr_svg": _qr(url), "expires_in": left}


@bp.get("/api/share")
def current_share() -> Response:
    info = link_info()
    if info is None:
        raise ApiError(ErrorCode.NO_RECOMMENDATIONS, "Nothing to share: no recommendations for the result on screen.")
    return jsonify(info)


def _playlist_name(recommendations: Recommendations) -> str:
    emotion = by_key(recommendations.emotion)
    return f"Moodify \u00b7 {emotion.label} \u00b7 {time.strftime('%Y-%m-%d %H:%M')}"


@bp.post("/api/share/playlist")
def save_playlist() -> Response:
    """The owner saves the result on screen as a new private playlist in the kiosk's Spotify account."""
    require_owner()
    account = current_app.extensions["moodify.account"]
    if not current_app.config["MOODIFY"].share.playlist or not isinstance(account, PlaylistSaver):
        raise ApiError(
            ErrorCode.PLAYLIST_UNAVAILABLE,
            "Saving a playlist needs the Spotify backend and [share] playlist = true.",
        )
    shares = board()
    share = shares.current()
    if share is None:
        raise ApiError(ErrorCode.NO_RECOMMENDATIONS, "Nothing to save: no recommendations for the result on screen.")
    recommendations = share.recommendations
    uris = [t.uri for t in recommendations.tracks]
    return jsonify(
        shares.save_once(share, lambda: account.save_playlist(_playlist_name(recommendations), DESCRIPTION, uris))
    )


def _tracks(recommendations: Recommendations) -> list[dict[str, Any]]:
    return [
        {"title": t.title, "artists": ", ".join(t.artists), "link": spotify_link(t.uri)} for t in recommendations.tracks
    ]


@bp.get("/share/<token>")
def page(token: str) -> Response:
    """The share page: the result's music, read-only; 404 for a token that is unknown or has expired."""
    from .pages import language, strings  # pages imports the API, which imports this module

    if not board().allow(request.remote_addr or "?"):
        raise ApiError(
            ErrorCode.RATE_LIMITED, "Too many share pages; try again in a minute.", headers={"Retry-After": "60"}
        )
    share = board().find(token) if TOKEN.fullmatch(token) else None
    t = strings()[language()]
    if share is None:
        body, status = render_template("share.html", t=t, lang=language(), share=None), 404
    else:
        recommendations = share.recommendations
        emotion = by_key(recommendations.emotion)
        body = render_template(
            "share.html",
            t=t,
            lang=language(),
            share=share,
            label=emotion.label_ko if language() == "ko" else emotion.label,
            colour=emotion.colour,
            goal=t[f"goal_used_{recommendations.policy}"],
            tracks=_tracks(recommendations),
        )
        status = 200
    response = current_app.make_response((body, status))
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask, controller: Controller, config: Config) -> None:
    """The share board, fed by the controller's events, and its routes."""
    shares = ShareBoard(config.share.minutes)
    app.extensions[EXTENSION] = shares
    controller.bus.listen(shares.listen)
    playlist = config.share.playlist and isinstance(controller.music.account, PlaylistSaver)
    app.context_processor(lambda: {"share_playlist": playlist})
    app.register_blueprint(bp)
