"""A local stand-in for go-librespot's local control API, for tests.

A real HTTP server on 127.0.0.1 answering the two calls Moodify Edge makes when the receiver has dropped out
of Spotify's device list: ``GET /status`` (204 while it has no Spotify session, else its status with the
``username``) and ``POST /player/play`` with ``{"uri": …}``. ``on_play`` is what playing does elsewhere:
tests use it to make the device reappear in :class:`fake_spotify.FakeSpotify`'s list, as a woken receiver does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_spotify import LocalServer


class FakeReceiver(LocalServer):
    def __init__(self, name: str, *, logged_in: bool = True, on_play: Callable[[str], object] | None = None) -> None:
        self.name = name
        self.logged_in = logged_in
        self.on_play = on_play
        self.requests: list[tuple[str, str, Any]] = []
        self.serve(_handler(self))

    def status(self) -> tuple[int, Any]:
        if not self.logged_in:
            return 204, None
        return 200, {
            "username": "kiosk-user",
            "device_id": "0123456789abcdef",
            "device_type": "computer",
            "device_name": self.name,
            "play_origin": "go-librespot",
            "stopped": True,
            "paused": False,
            "buffering": False,
            "volume": 60,
            "volume_steps": 100,
            "track": None,
        }

    def play(self, body: Any) -> int:
        if not self.logged_in:
            return 204
        uri = body.get("uri") if isinstance(body, dict) else None
        if not isinstance(uri, str):
            return 400
        if self.on_play is not None:
            self.on_play(uri)
        return 200


def _handler(fake: FakeReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            fake.requests.append(("GET", self.path, None))
            if self.path == "/status":
                return self._answer(*fake.status())
            return self._answer(404)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw) if raw else None
            fake.requests.append(("POST", self.path, body))
            if self.path == "/player/play":
                return self._answer(fake.play(body))
            return self._answer(404)

    return Handler
