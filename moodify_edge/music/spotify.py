"""Spotify backend: mood recommendations from the Web API still open to new apps, and playback on the
kiosk's own Spotify Connect receiver (raspotify/librespot).

Every public method spends one time budget (``spotify.timeout_seconds``, 2 s by default) across all
the requests it makes, so no caller waits longer: each request runs on a small pool of threads and the
caller stops waiting when the budget is spent, however slowly a server trickles its answer. spotipy
runs with ``retries=0`` and a ``status_forcelist`` without 429, so a 429 reaches us with its
``Retry-After``; we then answer "rate limited" at once, without a request, until that time has passed.
5xx answers and timeouts are retried once while the budget allows. A 401 refreshes the token once; a second 401 asks for a login.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import math
import random
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
import spotipy
from spotipy.exceptions import SpotifyException

from ..config import Config
from . import MusicError, PlayerState, Recommendations, Track
from .auth import SpotifyAuth, login_required
from .catalogue import OfflineMusic
from .recommender import Recommender

log = logging.getLogger(__name__)

PAGE = 10  # search returns at most 10 items a page for development-mode apps
PLAYLIST_PAGE = 50
MIN_REQUEST_SECONDS = 0.05  # below this, a request cannot succeed: give up instead
RETRY_PAUSE_SECONDS = 0.1
QUOTA_SECONDS = 600  # a Retry-After this long is a spent quota, not a burst
RECEIVER_RESTART_EVERY = 60.0
REQUEST_THREADS = 8
# A source of recommendations failing for these reasons means the others will fail too.
STOP_CODES = frozenset({"rate_limited", "login_required"})


class _Budget(threading.local):
    """The deadline of the operation running on this thread, and the token its requests used."""

    deadline: float = math.inf
    token: str = ""

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class _Api(spotipy.Spotify):
    """spotipy's client whose request timeout is what is left of the calling operation's budget."""

    def __init__(self, budget: _Budget, **kwargs: Any) -> None:
        self._budget = budget
        super().__init__(**kwargs)

    @property
    def requests_timeout(self) -> float:
        return max(min(self._max_timeout, self._budget.remaining()), MIN_REQUEST_SECONDS)

    @requests_timeout.setter
    def requests_timeout(self, value: float) -> None:
        self._max_timeout = value


class _Tokens:
    """What spotipy asks for a bearer token: our login, never spotipy's prompting auth managers."""

    def __init__(self, auth: SpotifyAuth, budget: _Budget) -> None:
        self._auth = auth
        self._budget = budget

    def get_access_token(self, as_dict: bool = False) -> str:
        self._budget.token = self._auth.access_token(self._budget.remaining())
        return self._budget.token


def _out_of_time() -> MusicError:
    return MusicError("Spotify did not answer in time. Try again.", status=504, code="spotify_unavailable")


def _id(uri: str) -> str:
    return uri.rsplit(":", 1)[-1]


def _kind(uri: str) -> str:
    parts = uri.split(":")
    return parts[1] if len(parts) >= 3 and parts[0] == "spotify" else ""


def _artwork(images: list[dict[str, Any]] | None) -> str:
    """The image nearest 300 px wide (Spotify lists them largest first)."""
    if not images:
        return ""
    return min(images, key=lambda i: abs((i.get("width") or 300) - 300)).get("url") or ""


def track_from_api(item: dict[str, Any] | None, album_images: list[dict[str, Any]] | None = None) -> Track | None:
    """A :class:`Track` from a Web API track object; None for null, local, episode or unplayable items."""
    if not item or item.get("type", "track") != "track" or item.get("is_local") or not item.get("uri"):
        return None
    if item.get("is_playable") is False:
        return None
    album = item.get("album") or {}
    return Track(
        title=item.get("name") or "",
        artists=[a.get("name", "") for a in item.get("artists") or [] if a],
        uri=item["uri"],
        artwork_url=_artwork(album.get("images") or album_images),
        duration_ms=int(item.get("duration_ms") or 0),
    )


def _playlist_entry(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    # GET /playlists/{id}/items names the object "item"; older answers (and /tracks) call it "track".
    if not entry:
        return None
    return entry.get("item") or entry.get("track")


class SpotifyMusic:
    """The :class:`~moodify_edge.music.Music` backend on the Spotify Web API. Thread-safe."""

    def __init__(self, config: Config, rng: random.Random | None = None) -> None:
        self._config = config
        self._spotify = config.spotify
        self.auth = SpotifyAuth(config)
        self._budget = _Budget()
        self._api = _Api(
            self._budget,
            auth_manager=_Tokens(self.auth, self._budget),
            requests_timeout=self._spotify.timeout_seconds,
            retries=0,
            status_forcelist=[599],  # any list without 429: spotipy then keeps Retry-After for us
        )
        self._api.prefix = self._spotify.api_url.rstrip("/") + "/"
        self._recommender = Recommender(config.music.items, config.music.avoid_recent, rng)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._queue: list[str] = []  # track URIs of the last recommendations, played as one queue
        self._blocked_until = 0.0
        self._blocked_message = ""
        self._user: str | None = None
        self._receiver_restarted = -math.inf
        self._requests = concurrent.futures.ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix="spotify")
        self._catalogue = OfflineMusic(config, reason="fallback")  # its list only; it never plays here

    # ----------------------------------------------------------------- login (for the web app)
    def login_url(self) -> str:
        return self.auth.login_url()

    def finish_login(self, redirected_url: str) -> None:
        with self._operation():
            self._bounded(self.auth.finish_login, redirected_url)
            self._user = None
            try:
                self._load_user()
            except MusicError as exc:
                log.info("logged in; the account name is not known yet: %s", exc.message)

    def logout(self) -> None:
        self.auth.logout()
        self._user = None

    def account(self) -> dict[str, Any]:
        logged_in = self.auth.logged_in
        if not logged_in:
            message: str | None = "Log in to Spotify to play music."
        elif time.monotonic() < self._blocked_until:
            message = self._blocked_message
        else:
            message = None
        return {
            "backend": "spotify",
            "configured": True,
            "logged_in": logged_in,
            "user": self._user if logged_in else None,
            "device": self._spotify.device_name,
            "message": message,
        }

    # ----------------------------------------------------------------- calling the API
    @contextmanager
    def _operation(self) -> Iterator[None]:
        """One budget for everything the enclosed code asks of Spotify (nested calls share it)."""
        outer = self._budget.deadline
        if outer == math.inf:
            self._budget.deadline = time.monotonic() + self._spotify.timeout_seconds
        try:
            yield
        finally:
            self._budget.deadline = outer

    def _bounded(self, request: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``request(*args, **kwargs)`` on the request pool, waited for no longer than the budget has left.
        The budget (a thread-local) travels with it: spotipy's timeouts and token refreshes read it."""
        deadline = self._budget.deadline
        used: dict[str, str] = {}

        def on_pool_thread() -> Any:
            self._budget.deadline = deadline
            try:
                return request(*args, **kwargs)
            finally:
                used["token"] = self._budget.token
                self._budget.deadline, self._budget.token = math.inf, ""

        future = self._requests.submit(on_pool_thread)
        try:
            return future.result(timeout=max(self._budget.remaining(), 0.0))
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise _out_of_time() from None
        finally:
            self._budget.token = used.get("token", self._budget.token)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One Web API call through spotipy, with our handling of 401, 429, 5xx and timeouts."""
        refreshed = retried = False
        while True:
            if time.monotonic() < self._blocked_until:
                raise MusicError(self._blocked_message, status=429, code="rate_limited")
            remaining = self._budget.remaining()
            if remaining < MIN_REQUEST_SECONDS:
                raise _out_of_time()
            try:
                return self._bounded(getattr(self._api, method), *args, **kwargs)
            except SpotifyException as exc:
                status = exc.http_status
                if status == 401 and not refreshed:
                    refreshed = True
                    self._bounded(self.auth.refresh, self._budget.remaining(), stale={"access_token": self._budget.token})
                    continue
                if status >= 500 and not retried and self._budget.remaining() > RETRY_PAUSE_SECONDS + 0.2:
                    retried = True
                    time.sleep(RETRY_PAUSE_SECONDS)
                    continue
                raise self._error(exc) from None
            except requests.RequestException as exc:  # timeouts, refused connections, broken answers
                if not retried and self._budget.remaining() > RETRY_PAUSE_SECONDS + 0.2:
                    retried = True
                    time.sleep(RETRY_PAUSE_SECONDS)
                    continue
                raise MusicError(
                    f"Spotify is not reachable right now ({type(exc).__name__}). Try again.",
                    status=504,
                    code="spotify_unavailable",
                ) from None

    def _error(self, exc: SpotifyException) -> MusicError:
        status, reason = exc.http_status, exc.reason or ""
        text = str(exc.msg or "").split(":\n", 1)[-1].strip()  # spotipy prefixes the URL
        if status == 401:
            return login_required("Spotify no longer accepts this login. Log in again.")
        if status == 429:
            return self._rate_limited(exc.headers or {})
        if status == 403:
            if reason == "PREMIUM_REQUIRED" or "premium" in text.lower():
                return MusicError(
                    "Spotify Premium is needed to play music on this device.", status=403, code="premium_required"
                )
            if "registered" in text.lower():  # "...the user may not be registered." (not on the allow-list)
                return MusicError(
                    "This Spotify account is not on the app's user list (Developer Dashboard → User Management).",
                    status=403,
                    code="user_not_allowed",
                )
            return MusicError(f"Spotify refused this: {text}", status=403, code="spotify_refused")
        if status == 404:
            if reason == "NO_ACTIVE_DEVICE" or "no active device" in text.lower():
                return MusicError(
                    "No active Spotify device: the speaker is not playing. Press play again.",
                    status=404,
                    code="no_active_device",
                )
            if "device not found" in text.lower():
                return self._device_missing()
            return MusicError("Spotify could not find that item.", status=404, code="not_found")
        if status >= 500:
            return MusicError(f"Spotify is having trouble (HTTP {status}). Try again soon.", status=502, code="spotify_unavailable")
        return MusicError(f"Spotify answered HTTP {status}.", status=502, code="spotify_error")

    def _rate_limited(self, headers: Any) -> MusicError:
        try:
            wait = max(int(headers.get("Retry-After", "30")), 1)
        except (TypeError, ValueError):
            wait = 30
        if wait >= QUOTA_SECONDS:
            hours, minutes = divmod(math.ceil(wait / 60), 60)
            span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
            message = f"Spotify's request quota for this app is used up. Music is back in about {span}."
        else:
            message = f"Spotify asked us to slow down. Try again in {wait} s."
        self._blocked_until = time.monotonic() + wait
        self._blocked_message = message
        log.warning("Spotify rate limit: no requests for %d s", wait)
        return MusicError(message, status=429, code="rate_limited")

    # ----------------------------------------------------------------- recommendations
    def recommend(self, emotion: str) -> Recommendations:
        """Spotify's music for this mood; when Spotify cannot give any (no login, rate limit, no answer),
        the offline catalogue's, with the reason as its notice, so a visitor never gets an empty list."""
        try:
            return self._recommend_from_spotify(emotion)
        except MusicError as exc:
            if exc.code == "unknown_emotion":
                raise
            log.info("recommendations from the offline catalogue: %s", exc.message)
            return dataclasses.replace(self._catalogue.recommend(emotion), notice=exc.message)

    def _recommend_from_spotify(self, emotion: str) -> Recommendations:
        profile = self._config.music.moods.get(emotion)
        if profile is None:
            raise MusicError(f"No music for the emotion {emotion!r}.", status=400, code="unknown_emotion")
        market = self._spotify.market or "from_token"
        sources: list[Callable[[], list[list[Track]]]] = [
            lambda: [self._curated(profile.uris, market)],
            lambda: self._matching_playlists(profile.playlist_keywords, market),
            *[(lambda q=q: [self._search(q, market, len(profile.queries))]) for q in profile.queries],
        ]
        pools: list[list[Track]] = []
        failure: MusicError | None = None
        with self._operation():
            for source in sources:
                try:
                    pools += source()
                except MusicError as exc:
                    failure = exc
                    if exc.code in STOP_CODES or self._budget.remaining() < MIN_REQUEST_SECONDS:
                        break
                    log.info("recommendations: one source failed, trying the next: %s", exc.message)
            if self._user is None and self._budget.remaining() > 0.5:
                try:
                    self._load_user()
                except MusicError:
                    pass
        tracks = self._recommender.pick(pools, profile.policy)
        if not tracks:
            raise failure or MusicError("Spotify found no music for this mood.", status=404, code="no_music")
        with self._lock:
            self._queue = [t.uri for t in tracks if t.kind == "track"]
        return Recommendations(emotion=emotion, policy=profile.policy, source="spotify", tracks=tracks)

    def _curated(self, uris: list[str], market: str) -> list[Track]:
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
        kind = _kind(uri)
        if kind == "track":
            track = track_from_api(self._call("track", _id(uri), market=market))
            return [track] if track else []
        if kind == "playlist":
            return self._playlist_tracks(_id(uri), market)
        if kind == "album":
            album = self._call("album", _id(uri), market=market) or {}
            items = (album.get("tracks") or {}).get("items") or []
            return [t for t in (track_from_api(i, album.get("images")) for i in items) if t]
        log.warning("ignoring curated URI %r (tracks, playlists and albums are supported)", uri)
        return []

    def _matching_playlists(self, keywords: list[str], market: str) -> list[list[Track]]:
        """The user's own playlists whose names contain a keyword (at most two, picked at random)."""
        if not keywords:
            return []
        words = [k.casefold() for k in keywords]
        found = []
        page = self._call("current_user_playlists", limit=PLAYLIST_PAGE, offset=0) or {}
        for playlist in page.get("items") or []:
            name = (playlist or {}).get("name") or ""
            if any(w in name.casefold() for w in words):
                found.append(playlist["id"])
        chosen = self._rng.sample(found, min(2, len(found)))
        return [self._playlist_tracks(pid, market) for pid in chosen]

    def _playlist_tracks(self, playlist_id: str, market: str) -> list[Track]:
        page = self._call(
            "playlist_items", playlist_id, limit=PLAYLIST_PAGE, market=market, additional_types=("track",)
        ) or {}
        return [t for t in (track_from_api(_playlist_entry(e)) for e in page.get("items") or []) if t]

    def _search(self, query: str, market: str, queries: int) -> list[Track]:
        """Enough results of one query for its share of the list over the runs that must not repeat
        (10 a page, 1 to 3 pages)."""
        music = self._config.music
        wanted = min(max(math.ceil(music.items * (music.avoid_recent + 1) / max(queries, 1)), PAGE), 3 * PAGE)
        tracks: list[Track] = []
        offset = 0
        while len(tracks) < wanted:
            result = (self._call("search", q=query, limit=PAGE, offset=offset, type="track", market=market) or {})
            page = result.get("tracks") or {}
            tracks += [t for t in (track_from_api(i) for i in page.get("items") or []) if t]
            if not page.get("next"):
                break
            offset += PAGE
        return tracks

    def _load_user(self) -> None:
        me = self._call("me") or {}
        self._user = me.get("display_name") or me.get("id")

    # ----------------------------------------------------------------- playback
    def _device(self) -> dict[str, Any]:
        """Our Connect receiver, looked up by name every time (its id changes, and it drops out)."""
        name = self._spotify.device_name.casefold().strip()
        devices = (self._call("devices") or {}).get("devices") or []
        for device in devices:
            if (device.get("name") or "").casefold().strip() == name and device.get("id"):
                return device
        raise self._device_missing()

    def find_device(self) -> str:
        """The name of our Connect receiver as Spotify lists it now (for ``doctor``); MusicError when it is
        missing, or when there is no login."""
        if not self.auth.logged_in:
            raise MusicError("Log in to Spotify first.", status=401, code="login_required")
        with self._operation():
            return self._device()["name"]

    def _device_missing(self) -> MusicError:
        message = (
            f"The speaker \u201c{self._spotify.device_name}\u201d is not visible to Spotify. "
            "Check that raspotify is running and logged in (sudo systemctl restart raspotify)."
        )
        unit = self._spotify.receiver_unit
        now = time.monotonic()
        if unit and now - self._receiver_restarted >= RECEIVER_RESTART_EVERY:
            self._receiver_restarted = now
            try:
                done = subprocess.run(
                    ["systemctl", "restart", "--no-block", unit],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=max(min(1.0, self._budget.remaining()), 0.1),
                )
                if done.returncode == 0:
                    message = (
                        f"The speaker \u201c{self._spotify.device_name}\u201d was not visible to Spotify; "
                        f"restarting {unit}. Try again in a few seconds."
                    )
                else:
                    log.warning("systemctl restart %s failed: %s", unit, done.stderr.strip())
            except (OSError, subprocess.TimeoutExpired) as exc:
                log.warning("could not restart %s: %s", unit, exc)
        return MusicError(message, status=503, code="device_missing")

    def play(self, uri: str | None = None) -> PlayerState:
        with self._operation():
            device = self._device()
            if not device.get("is_active"):
                self._call("transfer_playback", device["id"], force_play=False)
            if uri is None:
                self._call("start_playback", device_id=device["id"])
            elif _kind(uri) == "track":
                with self._lock:
                    queue = self._queue if uri in self._queue else [uri]
                offset = {"uri": uri} if len(queue) > 1 else None
                self._call("start_playback", device_id=device["id"], uris=queue, offset=offset)
            elif _kind(uri) in ("playlist", "album", "artist"):
                self._call("start_playback", device_id=device["id"], context_uri=uri)
            else:
                raise MusicError("That is not a playable Spotify URI.", status=400, code="bad_uri")
            return self._confirm(device, uri)

    def _confirm(self, device: dict[str, Any], uri: str | None) -> PlayerState:
        """The player API does not promise to act in order: ask until it shows our device playing."""
        while True:
            state = self._state()
            ok = state.device == device.get("name") and state.playing and (
                uri is None or _kind(uri) != "track" or (state.track is not None and state.track.uri == uri)
            )
            if ok or self._budget.remaining() < 0.4:
                break
            time.sleep(0.15)
        if ok:
            return state
        return PlayerState(
            available=True,
            playing=state.playing,
            track=state.track,
            volume=state.volume,
            device=state.device,
            message=f"Sent to \u201c{device.get('name')}\u201d; Spotify has not confirmed playback yet.",
        )

    def _control(self, method: str, *args: Any) -> PlayerState:
        with self._operation():
            device = self._device()
            self._call(method, *args, device_id=device["id"])
            return self._state()

    def pause(self) -> PlayerState:
        return self._control("pause_playback")

    def next(self) -> PlayerState:
        return self._control("next_track")

    def previous(self) -> PlayerState:
        return self._control("previous_track")

    def set_volume(self, percent: int) -> PlayerState:
        if not isinstance(percent, int) or not 0 <= percent <= 100:
            raise MusicError("Volume must be a whole number between 0 and 100.", status=400, code="bad_volume")
        return self._control("volume", percent)

    def player_state(self) -> PlayerState:
        if not self.auth.logged_in:
            return PlayerState(available=False, message="Log in to Spotify to play music.")
        with self._operation():
            return self._state()

    def _state(self) -> PlayerState:
        playback = self._call("current_playback", market=self._spotify.market or "from_token")
        if not playback:  # 204: nothing is playing anywhere
            return PlayerState(available=True, message="Nothing is playing.")
        device = playback.get("device") or {}
        name = device.get("name")
        message = None
        if name and name.casefold().strip() != self._spotify.device_name.casefold().strip():
            message = f"Playing on \u201c{name}\u201d, not on this kiosk's speaker."
        return PlayerState(
            available=True,
            playing=bool(playback.get("is_playing")),
            track=track_from_api(playback.get("item")),
            volume=device.get("volume_percent"),
            device=name,
            message=message,
        )
