"""The real demo stack for web tests: the kiosk service itself in demo mode (demo camera feed, face pipeline
with the shipped model, offline music, controller, web app on waitress), plus a second server for the same
app that simulates a phone on the LAN."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from moodify_edge.config import Config
from moodify_edge.controller import Controller
from moodify_edge.service import Service
from moodify_edge.web.listeners import Listener
from moodify_edge.web.server import Server, WebServers

LAN_ADDRESS = "192.168.1.23"


def demo_config(state_dir: Path, seconds: float = 2.0, **web: Any) -> Config:
    """Demo mode on a free port, with short runs and its own state directory."""
    config = Config().replace("service", demo=True, state_dir=str(state_dir))
    config = config.replace("camera", source="demo").replace("gpio", enabled=False)
    return config.replace("detection", seconds=seconds).replace("web", **{"port": 0, **web})


@dataclass
class Stack:
    config: Config
    controller: Controller
    app: Flask
    url: str  # the kiosk's server, on loopback
    web: WebServers


@contextmanager
def demo_stack(config: Config) -> Iterator[Stack]:
    """The service started with ``config`` (ready when this yields), stopped afterwards."""
    service = Service(config)
    try:
        service.start()
        yield Stack(service.config, service.controller, service.web.app, service.url, service.web)
    finally:
        service.close()


def from_address(app: Callable[..., Any], address: str) -> Callable[..., Any]:
    """WSGI middleware that makes every request come from ``address`` (simulates another machine)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return app(dict(environ, REMOTE_ADDR=address), start_response)

    return wsgi


@contextmanager
def lan_server(app: Flask) -> Iterator[str]:
    """A second server for the same app whose requests look as if they came from a phone on the LAN;
    yields its base URL."""
    sock = socket.create_server(("127.0.0.1", 0))
    stopping, max_body = app.extensions["moodify.stopping"], app.config["MAX_CONTENT_LENGTH"]
    server = Server(from_address(app, LAN_ADDRESS), sock, stopping, max_body, Listener.LAN)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.close()
        thread.join(5)
