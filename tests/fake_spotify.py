"""A local stand-in for Spotify's accounts service and Web API, for tests.

A real HTTP server (ThreadingHTTPServer on 127.0.0.1, port 0) answering the endpoints Moodify Edge calls
with the documented shapes and status codes: PKCE authorization codes and rotating refresh tokens,
search (10 a page), the user's playlists (paged) and their items (served to their owner only: 403 to
anyone else), tracks, and the player (devices, transfer, play, pause, next, previous, volume, state).
``refresh_delay`` makes the accounts service slow to answer a refresh: the refresh token is rotated when
the request arrives, so a client that stops waiting has lost the new token, as with the real service.
``registered = False`` is a development-mode app whose allow-list lacks the user: the login itself works,
and every Web API call answers 403 "the user may not be registered", as Spotify does.
Tests point spotipy at it through ``spotify.api_url`` and ``spotify.accounts_url`` and script failures
per path with :meth:`FakeSpotify.fail`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlparse

ERRORS = {
    400: {"error": {"status": 400, "message": "Bad request"}},
    401: {"error": {"status": 401, "message": "The access token expired"}},
    403: {"error": {"status": 403, "message": "Player command failed: Premium required", "reason": "PREMIUM_REQUIRED"}},
    404: {
        "error": {
            "status": 404,
            "message": "Player command failed: No active device found",
            "reason": "NO_ACTIVE_DEVICE",
        }
    },
    429: {"error": {"status": 429, "message": "API rate limit exceeded"}},
    500: {"error": {"status": 500, "message": "Server error"}},
    502: {"error": {"status": 502, "message": "Bad gateway."}},
    503: {"error": {"status": 503, "message": "Service unavailable"}},
}
DEVICE_NOT_FOUND = {"error": {"status": 404, "message": "Device not found"}}
USER_ID = "kiosk-user"
NOT_YOURS = {"error": {"status": 403, "message": "Forbidden"}}
INSUFFICIENT_SCOPE = {"error": {"status": 403, "message": "Insufficient client scope"}}
PLAYLIST_SCOPES = ("playlist-modify-private", "playlist-modify-public")
NOT_REGISTERED = {
    "error": {
        "status": 403,
        "message": "Check settings on developer.spotify.com/dashboard, the user may not be registered.",
    }
}


@dataclass
class Failure:
    method: str
    path: str
    status: int | None  # None: answer normally, after ``delay``
    body: Any
    headers: dict[str, str]
    delay: float
    times: int
    trickle: float = 0.0  # seconds between the bytes of the body: a server that answers, but slowly


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    token: str


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 (a free port) for a fake: :meth:`serve` it, then :meth:`start`."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"


@dataclass
class FakeSpotify(LocalServer):
    client_id: str = "test-client"
    premium: bool = True
    scope: str = ""  # scope granted to new tokens; "" = whatever was asked for
    tracks: dict[str, dict[str, Any]] = field(default_factory=dict)
    playlists: dict[str, dict[str, Any]] = field(default_factory=dict)
    albums: dict[str, dict[str, Any]] = field(default_factory=dict)
    devices: list[dict[str, Any]] = field(default_factory=list)
    search_size: int = 25  # results per query when a query has no scripted results
    search_results: dict[str, list[str | None]] = field(default_factory=dict)
    refresh_delay: float = 0.0  # seconds the accounts service takes to answer a refresh (after rotating)
    registered: bool = True  # False: the user is not on the development-mode app's allow-list

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.failures: list[Failure] = []
        self.requests: list[Seen] = []
        self.codes: dict[str, dict[str, str]] = {}
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.granted: dict[str, str] = {}  # refresh token -> its scope
        self.token_scopes: dict[str, str] = {}  # access token -> its scope
        self.issued: list[str] = []  # every token ever handed out (for the no-secrets-in-logs test)
        self.queue: list[str] = []
        self.index = 0
        self.playing = False
        self.active_device: str | None = None
        self.deny_authorize = False
        self._ids = itertools.count(1)
        self.serve(_handler(self))

    @property
    def api_url(self) -> str:
        return self.url + "/v1/"

    # ----------------------------------------------------------------- scripting
    def fail(
        self,
        method: str,
        path: str,
        status: int | None,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        times: int = 1,
        trickle: float = 0.0,
    ) -> None:
        """The next ``times`` requests to ``method path`` answer ``status`` (with Spotify's documented body
        unless ``body`` is given), after ``delay`` seconds, sending the body a byte every ``trickle`` s."""
        if body is None and status is not None:
            body = ERRORS.get(status, {"error": {"status": status, "message": "error"}})
        with self.lock:
            self.failures.append(Failure(method, path, status, body, headers or {}, delay, times, trickle))

    def add_track(self, name: str, artist: str = "Test Artist", track_id: str | None = None) -> dict[str, Any]:
        track_id = track_id or f"t{next(self._ids):021d}"
        track = {
            "type": "track",
            "id": track_id,
            "uri": f"spotify:track:{track_id}",
            "name": name,
            "artists": [{"name": artist, "id": "a1", "type": "artist"}],
            "album": {
                "name": f"{name} (album)",
                "images": [
                    {"url": f"https://i.scdn.co/image/{track_id}-640", "width": 640, "height": 640},
                    {"url": f"https://i.scdn.co/image/{track_id}-300", "width": 300, "height": 300},
                    {"url": f"https://i.scdn.co/image/{track_id}-64", "width": 64, "height": 64},
                ],
            },
            "duration_ms": 200000,
            "is_local": False,
        }
        self.tracks[track_id] = track
        return track

    def add_playlist(self, name: str, track_ids: list[str | None], owner: str = USER_ID) -> str:
        playlist_id = f"p{next(self._ids):021d}"
        self.playlists[playlist_id] = {"name": name, "tracks": track_ids, "owner": owner}
        return playlist_id

    def add_album(self, name: str, track_ids: list[str]) -> str:
        album_id = f"b{next(self._ids):021d}"
        self.albums[album_id] = {
            "name": name,
            "tracks": track_ids,
            "images": [{"url": f"https://i.scdn.co/image/{album_id}", "width": 300, "height": 300}],
        }
        return album_id

    def add_device(self, name: str, active: bool = False) -> dict[str, Any]:
        device = {
            "id": f"d{next(self._ids):039d}",
            "name": name,
            "type": "Speaker",
            "is_active": active,
            "is_private_session": False,
            "is_restricted": False,
            "volume_percent": 60,
            "supports_volume": True,
        }
        self.devices.append(device)
        if active:
            self.active_device = device["id"]
        return device

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def revoke(self) -> None:
        with self.lock:
            self.access_tokens.clear()
            self.refresh_tokens.clear()

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [
                r for r in self.requests if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    # ----------------------------------------------------------------- behaviour
    def _scripted(self, method: str, path: str) -> Failure | None:
        with self.lock:
            for failure in self.failures:
                if failure.method == method and failure.path == path:
                    failure.times -= 1
                    if failure.times <= 0:
                        self.failures.remove(failure)
                    return failure
        return None

    def _issue(self, scope: str) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        self.granted[refresh] = self.scope or scope
        self.token_scopes[access] = self.granted[refresh]
        return {
            "access_token": access,
            "token_type": "Bearer",
            "scope": self.granted[refresh],
            "expires_in": 3600,
            "refresh_token": refresh,
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or query.get("code_challenge_method") != "S256":
            return 400, {}, {"error": "invalid_request"}
        if self.deny_authorize:
            params = {"error": "access_denied"}
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "challenge": query["code_challenge"],
                "redirect_uri": redirect,
                "scope": query.get("scope", ""),
            }
            params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        return 302, {"Location": f"{redirect}?{urlencode(params)}"}, None

    def token(self, form: dict[str, str]) -> tuple[int, Any]:
        bad = {"error": "invalid_grant", "error_description": "Invalid authorization code"}
        if form.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client", "error_description": "Invalid client"}
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    return 400, bad
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).decode().rstrip("=") != grant["challenge"]:
                    return 400, {"error": "invalid_grant", "error_description": "code_verifier was incorrect"}
                return 200, self._issue(grant["scope"])
            if form.get("grant_type") == "refresh_token":
                old = form.get("refresh_token", "")
                if old not in self.refresh_tokens:
                    return 400, {"error": "invalid_grant", "error_description": "Refresh token revoked"}
                self.refresh_tokens.discard(old)  # rotation: each refresh token works once
                return 200, self._issue(self.granted.pop(old, ""))
        return 400, {"error": "unsupported_grant_type"}

    def _page(self, items: list[Any], query: dict[str, str], base: str, limit_max: int) -> tuple[int, Any]:
        limit = int(query.get("limit", "20"))
        offset = int(query.get("offset", "0"))
        if not 0 < limit <= limit_max:
            return 400, {"error": {"status": 400, "message": "Invalid limit"}}
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        return 200, {
            "href": f"{self.api_url}{base}?offset={offset}&limit={limit}",
            "items": page,
            "limit": limit,
            "offset": offset,
            "total": len(items),
            "next": f"{self.api_url}{base}?offset={offset + limit}&limit={limit}" if more else None,
            "previous": None,
        }

    def _search_items(self, q: str) -> list[Any]:
        if q not in self.search_results:
            ids = [self.add_track(f"{q} #{n}", f"{q} band")["id"] for n in range(1, self.search_size + 1)]
            self.search_results[q] = ids
        return [self.tracks[i] if i else None for i in self.search_results[q]]

    def _device(self, device_id: str | None) -> dict[str, Any] | None:
        return next((d for d in self.devices if d["id"] == device_id), None)

    def _playback(self) -> dict[str, Any] | None:
        device = self._device(self.active_device)
        if device is None or not self.queue:
            return None
        return {
            "device": device,
            "is_playing": self.playing,
            "progress_ms": 1000,
            "currently_playing_type": "track",
            "item": self.tracks.get(self.queue[self.index]),
            "shuffle_state": False,
            "repeat_state": "off",
        }

    def _player_target(self, query: dict[str, str]) -> tuple[int, Any] | None:
        if not self.premium:
            return 403, ERRORS[403]
        device_id = query.get("device_id")
        if device_id and self._device(device_id) is None:
            return 404, DEVICE_NOT_FOUND
        if device_id:
            self._activate(device_id)
        elif self.active_device is None:
            return 404, ERRORS[404]
        return None

    def _activate(self, device_id: str) -> None:
        self.active_device = device_id
        for d in self.devices:
            d["is_active"] = d["id"] == device_id

    def api(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        route = path[len("/v1") :].rstrip("/")
        if method == "POST" and (route == "/me/playlists" or re.fullmatch(r"/playlists/\w+/items", route)):
            return self._playlist_write(route, body)
        if method == "GET" and route == "/me":
            return 200, {"id": USER_ID, "display_name": "Kiosk User", "type": "user"}
        if method == "GET" and route == "/search":
            if query.get("type") != "track":
                return 400, ERRORS[400]
            status, page = self._page(self._search_items(query.get("q", "")), query, "search", 10)
            return status, {"tracks": page} if status == 200 else page
        if method == "GET" and route == "/me/playlists":
            items = [
                {
                    "id": pid,
                    "name": p["name"],
                    "uri": f"spotify:playlist:{pid}",
                    "owner": {"id": p["owner"], "type": "user", "display_name": p["owner"]},
                    "tracks": None,
                    "items": {"href": f"{self.api_url}playlists/{pid}/items", "total": len(p["tracks"])},
                }
                for pid, p in self.playlists.items()
            ]
            return self._page(items, query, "me/playlists", 50)
        if m := re.fullmatch(r"/playlists/(\w+)/items", route):
            playlist = self.playlists.get(m[1])
            if method != "GET" or playlist is None:
                return 404, {"error": {"status": 404, "message": "Resource not found"}}
            if playlist["owner"] != USER_ID:
                return 403, NOT_YOURS
            entries = [
                {"added_at": "2026-01-01T00:00:00Z", "is_local": False, "item": self.tracks.get(t) if t else None}
                for t in playlist["tracks"]
            ]
            return self._page(entries, query, f"playlists/{m[1]}/items", 50)
        if method == "GET" and (m := re.fullmatch(r"/albums/(\w+)", route)):
            album = self.albums.get(m[1])
            if album is None:
                return 404, {"error": {"status": 404, "message": "Resource not found"}}
            simplified = [{k: v for k, v in self.tracks[t].items() if k != "album"} for t in album["tracks"]]
            return 200, {
                "id": m[1],
                "name": album["name"],
                "images": album["images"],
                "tracks": {"items": simplified, "next": None, "total": len(simplified)},
            }
        if method == "GET" and (m := re.fullmatch(r"/tracks/(\w+)", route)):
            track = self.tracks.get(m[1])
            return (200, track) if track else (404, {"error": {"status": 404, "message": "Resource not found"}})
        if method == "GET" and route == "/me/player/devices":
            return 200, {"devices": self.devices}
        if method == "GET" and route == "/me/player":
            playback = self._playback()
            return (200, playback) if playback else (204, None)
        if method == "PUT" and route == "/me/player":
            device_id = (body or {}).get("device_ids", [None])[0]
            if not self.premium:
                return 403, ERRORS[403]
            if self._device(device_id) is None:
                return 404, DEVICE_NOT_FOUND
            self._activate(device_id)
            self.playing = bool((body or {}).get("play")) and self.playing
            return 204, None
        if method == "PUT" and route == "/me/player/play":
            if problem := self._player_target(query):
                return problem
            body = body or {}
            if "uris" in body:
                self.queue = [u.rsplit(":", 1)[-1] for u in body["uris"]]
                offset = body.get("offset") or {}
                self.index = (
                    self.queue.index(offset["uri"].rsplit(":", 1)[-1]) if "uri" in offset else offset.get("position", 0)
                )
            elif "context_uri" in body:
                playlist = self.playlists.get(body["context_uri"].rsplit(":", 1)[-1])
                if playlist is None:
                    return 404, {"error": {"status": 404, "message": "Context not found"}}
                self.queue, self.index = [t for t in playlist["tracks"] if t], 0
            elif not self.queue:
                return 404, ERRORS[404]
            self.playing = True
            return 204, None
        if method == "PUT" and route == "/me/player/pause":
            if problem := self._player_target(query):
                return problem
            self.playing = False
            return 204, None
        if method == "POST" and route in ("/me/player/next", "/me/player/previous"):
            if problem := self._player_target(query):
                return problem
            if self.queue:
                step = 1 if route.endswith("next") else -1
                self.index = min(max(self.index + step, 0), len(self.queue) - 1)
            return 204, None
        if method == "PUT" and route == "/me/player/volume":
            if problem := self._player_target(query):
                return problem
            self._device(self.active_device)["volume_percent"] = int(query["volume_percent"])
            return 204, None
        return 404, {"error": {"status": 404, "message": "Service not found"}}

    # ----------------------------------------------------------------- writing playlists
    def _scope_refusal(self, method: str, path: str, token: str) -> tuple[int, Any] | None:
        """403 "Insufficient client scope" for a playlist write with a token lacking playlist-modify-*."""
        route = path[len("/v1") :].rstrip("/")
        writes = method == "POST" and (route == "/me/playlists" or re.fullmatch(r"/playlists/\w+/items", route))
        granted = set(self.token_scopes.get(token, "").split())
        return (403, INSUFFICIENT_SCOPE) if writes and not granted.intersection(PLAYLIST_SCOPES) else None

    def _playlist_write(self, route: str, body: Any) -> tuple[int, Any]:
        """Create a playlist for the user (201, its object), or add track URIs to one of theirs (201, a snapshot)."""
        if route == "/me/playlists":
            if not isinstance(body, dict) or not body.get("name"):
                return 400, ERRORS[400]
            playlist_id = self.add_playlist(body["name"], [])
            self.playlists[playlist_id].update(public=body.get("public", True), description=body.get("description", ""))
            return 201, {
                "id": playlist_id,
                "name": body["name"],
                "public": self.playlists[playlist_id]["public"],
                "uri": f"spotify:playlist:{playlist_id}",
                "owner": {"id": USER_ID, "type": "user"},
                "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist_id}"},
            }
        playlist = self.playlists.get(route.split("/")[2])
        if playlist is None:
            return 404, {"error": {"status": 404, "message": "Resource not found"}}
        if playlist["owner"] != USER_ID:
            return 403, NOT_YOURS
        uris = body.get("uris") if isinstance(body, dict) else body
        if not isinstance(uris, list) or not 0 < len(uris) <= 100:
            return 400, ERRORS[400]
        ids = [u.removeprefix("spotify:track:") for u in uris if isinstance(u, str) and u.startswith("spotify:track:")]
        if len(ids) != len(uris):
            return 400, {"error": {"status": 400, "message": "Invalid track uri"}}
        playlist["tracks"].extend(ids)
        return 201, {"snapshot_id": secrets.token_urlsafe(12)}


def _handler(fake: FakeSpotify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None, trickle: float = 0.0) -> None:
            data = b"" if body is None or status == 204 else json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not trickle:
                self.wfile.write(data)
            for byte in data if trickle else b"":
                time.sleep(trickle)
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:  # the client gave up
                    return

        def _handle(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                body: Any = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            else:
                body = json.loads(raw) if raw else None
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            with fake.lock:
                fake.requests.append(Seen(self.command, url.path, query, body, token))
            scripted = fake._scripted(self.command, url.path)
            if scripted and scripted.delay:
                time.sleep(scripted.delay)
            if scripted and scripted.status is not None:
                return self._answer(scripted.status, scripted.body, scripted.headers, scripted.trickle)
            if url.path == "/authorize" and self.command == "GET":
                status, headers, payload = fake.authorize(query)
                return self._answer(status, payload, headers)
            if url.path == "/api/token" and self.command == "POST":
                answer = fake.token(body or {})  # a refresh token is rotated now, however slow the answer
                if (body or {}).get("grant_type") == "refresh_token":
                    time.sleep(fake.refresh_delay)
                try:
                    return self._answer(*answer)
                except OSError:  # the client stopped waiting
                    return None
            if not url.path.startswith("/v1/"):
                return self._answer(404, {"error": {"status": 404, "message": "Not found"}})
            if token not in fake.access_tokens:
                return self._answer(401, ERRORS[401])
            if not fake.registered:
                return self._answer(403, NOT_REGISTERED)
            with fake.lock:
                refused = fake._scope_refusal(self.command, url.path, token)
                status, payload = refused or fake.api(self.command, url.path, query, body)
            return self._answer(status, payload)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

    return Handler
