"""Serving the web app on waitress, in a form that can be stopped cleanly (service shutdown, tests on port 0)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from waitress import create_server

THREADS = 16  # each open live-event stream holds one thread: the kiosk, a few phones, reconnects


class Server:
    """A waitress server for one WSGI app: :meth:`run` blocks until :meth:`close` is called from another
    thread. ``stopping`` is set on close so that endless responses (live events) end."""

    def __init__(
        self, wsgi: Callable[..., Any], host: str, port: int, stopping: threading.Event, max_body: int
    ) -> None:
        self.app = wsgi
        self._stopping = stopping
        self._server = create_server(
            wsgi,
            host=host,
            port=port,
            threads=THREADS,
            ident="moodify-edge",
            clear_untrusted_proxy_headers=True,
            # waitress reads a whole body (spilling big ones to a temporary file) before Flask sees it: cap it
            # there too. A little over Flask's limit still gets Flask's JSON 413; far over, waitress's own 413.
            max_request_body_size=2 * max_body,
        )
        self.host: str = self._server.effective_host
        self.port: int = int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def run(self) -> None:
        self._server.run()

    def close(self, timeout: float = 2.0) -> None:
        """End live streams, stop the worker threads (waiting at most ``timeout`` seconds) and the listening
        socket; :meth:`run` returns."""
        self._stopping.set()
        self._server.task_dispatcher.shutdown(timeout=timeout)
        self._server.close()
        # Open connections keep waitress's loop alive and it has no public way to close them: its socket map
        # (a private attribute, so waitress is pinned below 4 in pyproject.toml).
        for channel in list(self._server._map.values()):
            channel.close()


def serve(app: Flask, host: str, port: int) -> Server:
    """A server for an app from :func:`~moodify_edge.web.create_app` bound to ``host:port`` (port 0: any free
    port, see ``.port``); call ``.run()`` to serve and ``.close()`` from another thread to stop."""
    return Server(app, host, port, app.extensions["moodify.stopping"], app.config["MAX_CONTENT_LENGTH"])
