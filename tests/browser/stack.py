"""The real demo stack for web tests: demo camera feed, face pipeline with the shipped model, offline music,
controller, and the web app on a real waitress server (a second one can simulate a phone on the LAN)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from moodify_edge.camera import CameraFeed
from moodify_edge.config import Config
from moodify_edge.controller import Controller
from moodify_edge.events import EventBus
from moodify_edge.music.factory import create_music
from moodify_edge.pipeline import FramePipeline
from moodify_edge.web import create_app
from moodify_edge.web.server import Server, serve

LAN_ADDRESS = "192.168.1.23"


def demo_config(state_dir: Path, seconds: float = 2.0, **web: Any) -> Config:
    config = Config().replace("service", demo=True, state_dir=str(state_dir))
    config = config.replace("camera", source="demo").replace("detection", seconds=seconds)
    return config.replace("web", **web) if web else config


@dataclass
class Stack:
    config: Config
    controller: Controller
    app: Flask


@contextmanager
def demo_stack(config: Config) -> Iterator[Stack]:
    """Camera feed, controller and app as the service wires them in demo mode; stopped afterwards."""
    bus = EventBus()
    feed = CameraFeed(config.camera, bus).start()
    controller = Controller(config, bus, feed, FramePipeline.from_config(config), create_music(config), feed.status)
    try:
        yield Stack(config, controller, create_app(controller, config))
    finally:
        controller.cancel()
        controller.join(5)
        feed.stop()


def from_address(app: Callable[..., Any], address: str) -> Callable[..., Any]:
    """WSGI middleware that makes every request come from ``address`` (simulates another machine)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return app(dict(environ, REMOTE_ADDR=address), start_response)

    return wsgi


@contextmanager
def running(server: Server) -> Iterator[Server]:
    """``server`` serving in a thread until the block ends."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(5)


def kiosk_server(app: Flask) -> Server:
    """The app on a real waitress server on a free loopback port."""
    return serve(app, "127.0.0.1", 0)


def lan_server(app: Flask) -> Server:
    """A second server for the same app whose requests look as if they came from a phone on the LAN."""
    return Server(from_address(app, LAN_ADDRESS), "127.0.0.1", 0, app.extensions["moodify.stopping"])
