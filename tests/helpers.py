"""Helpers the tests share: the sample photo, a free loopback port, waiting for a condition, reading what was
published on the event bus, the cheap web app (:func:`web_apps`) with test clients from any address, and
real HTTP sessions from a chosen loopback source address (:func:`session_from`).
The web tests' fixtures on top of them (``build``, ``stack``, ``kiosk``, ``phone``) are in conftest.py."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import requests
from flask import Flask
from requests.adapters import HTTPAdapter

from moodify_edge.capture import FileCamera, demo_background, face_portrait
from moodify_edge.config import Config
from moodify_edge.controller import Controller
from moodify_edge.events import EventBus, Subscription
from moodify_edge.music.factory import create_music
from moodify_edge.pipeline import FramePipeline
from moodify_edge.web import create_app

DATA = Path(__file__).parent / "data"
ASTRONAUT = DATA / "astronaut.png"  # a public-domain photo of a smiling face
# Four FER2013 PublicTest faces (rows 2828, 1860, 2045, 2353 of the split), heads turned about 45°, side by side.
TURNED_HEADS = DATA / "turned_heads.png"


def pasted(face: np.ndarray, side: int, x: int = 300, y: int = 200) -> np.ndarray:
    """A 640×480 BGR frame of the demo wall with a 48×48 grey ``face`` enlarged to ``side`` px at (x, y)."""
    frame = demo_background().copy()
    frame[y : y + side, x : x + side] = face_portrait(face, side)
    return frame


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``condition()`` until it is true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def events_until_quiet(subscription: Subscription, quiet: float = 0.5) -> list[dict[str, Any]]:
    """The events a bus subscription receives until none has come for ``quiet`` seconds (a finished run
    has published everything by then), as a live client gets them (JSON)."""
    received = []
    while (event := subscription.get(timeout=quiet)) is not None:
        received.append(event.to_json())
    return received


def next_event(subscription: Subscription, event_type: str, timeout: float = 5.0) -> dict[str, Any] | None:
    """The JSON of the next event of ``event_type`` a subscription receives, or None after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        event = subscription.get(timeout=left)
        if event is not None and event.type == event_type:
            return event.to_json()
    return None


@dataclass
class WebApp:
    """The web app (``create_app``) over a real controller, without a server or camera thread."""

    config: Config
    controller: Controller
    app: Flask


@contextmanager
def web_apps(pipeline: FramePipeline) -> Iterator[Callable[[Config], WebApp]]:
    """``build(config)`` → a :class:`WebApp` for ``config``: the sample photo as camera, the shared pipeline and
    the music backend the config picks (the offline catalogue in demo mode); runs are ended afterwards."""
    built: list[tuple[Controller, FileCamera]] = []

    def build(config: Config) -> WebApp:
        camera = FileCamera(ASTRONAUT)
        controller = Controller(config, EventBus(), camera, pipeline, create_music(config))
        built.append((controller, camera))
        return WebApp(config, controller, create_app(controller, config))

    try:
        yield build
    finally:
        for controller, camera in built:
            controller.cancel()
            controller.join(5)
            camera.close()


def client_from(app: Flask, address: str = "127.0.0.1") -> Any:
    """A test client whose requests come from ``address`` (its own cookie jar, like its own browser)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def csrf(client: Any) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/pairing").get_json()["csrf_token"]}


def error_of(response: Any) -> dict[str, Any]:
    assert response.is_json, response.data[:200]
    error: dict[str, Any] = response.get_json()["error"]
    assert error["status"] == response.status_code and error["message"]
    return error


def pair(phone: Any, kiosk: Any, code: str | None = None) -> Any:
    """Pair ``phone`` with the code on the kiosk's screen (the app's own code while LAN access is off and the
    screen shows none: a test client reaches the app anyway)."""
    shown = kiosk.get("/api/pairing/code").get_json().get("code") if code is None else code
    code = shown or phone.application.extensions["moodify.pairing"].code
    return phone.post("/api/pairing/pair", json={"code": code}, headers=csrf(phone))


class _SourceAddress(HTTPAdapter):
    """Connections that leave from a chosen local address (any of 127.0.0.0/8 works on loopback)."""

    def __init__(self, source: str) -> None:
        self.source = source  # before HTTPAdapter.__init__, which builds the pool manager
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(self.source, 0), **kwargs)


def session_from(source: str) -> requests.Session:
    """A ``requests`` session (its own cookies, like one browser) whose connections come from ``source``."""
    session = requests.Session()
    session.mount("http://", _SourceAddress(source))
    return session
