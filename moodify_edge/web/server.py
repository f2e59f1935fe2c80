"""Serving the web app on waitress: one server per listener (the kiosk's own, and the LAN's), each with its own
worker threads and connection caps, stoppable cleanly (service shutdown, tests on port 0).

The LAN's server admits at most :attr:`Limits.per_address` connections from one address and
:attr:`Limits.connections` in all; past that, waitress stops accepting until some close. None of that touches
the kiosk's server, which only loopback can reach (:mod:`.listeners`).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from .errors import JsonErrorChannel
from .listeners import ENVIRON_KEY, Listener, OpenSocket, open_sockets

log = logging.getLogger(__name__)

WSGIApp = Callable[..., Any]


@dataclass(frozen=True)
class Limits:
    """What one listener allows. Each open live-event stream holds a worker thread (see :mod:`.streams`)."""

    threads: int
    connections: int
    per_address: int
    idle_seconds: int  # a connection that sends nothing this long is closed


LIMITS = {
    Listener.KIOSK: Limits(threads=8, connections=64, per_address=64, idle_seconds=120),
    Listener.LAN: Limits(threads=16, connections=100, per_address=16, idle_seconds=30),
}


def _marked(app: WSGIApp, listener: Listener) -> WSGIApp:
    """``app`` with the listener recorded in each request's environ."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[ENVIRON_KEY] = listener
        return app(environ, start_response)

    return wsgi


class Server:
    """A waitress server for one WSGI app on one listening socket: :meth:`run` blocks until :meth:`close` is
    called from another thread. ``stopping`` is set on close so that endless responses (live events) end."""

    def __init__(
        self,
        wsgi: WSGIApp,
        sock: socket.socket,
        stopping: threading.Event,
        max_body: int,
        listener: Listener = Listener.LAN,
    ) -> None:
        self.app = wsgi
        self.listener = listener
        self.limits = LIMITS[listener]
        self._stopping = stopping
        adjustments = Adjustments(
            threads=self.limits.threads,
            connection_limit=self.limits.connections,
            channel_timeout=self.limits.idle_seconds,
            ident="moodify-edge",
            clear_untrusted_proxy_headers=True,
            # waitress reads a whole body (spilling big ones to a temporary file) before Flask sees it: cap it
            # there too. A little over Flask's limit still gets Flask's JSON 413; far over, waitress's own 413.
            max_request_body_size=2 * max_body,
        )
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(self.limits.threads)
        self._server = TcpWSGIServer(
            _marked(wsgi, listener),
            map={},
            _sock=sock,
            dispatcher=dispatcher,
            adj=adjustments,
            sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
            bind_socket=False,
        )
        # waitress builds one channel per accepted connection through this attribute: admit or refuse there.
        self._server.channel_class = self._admit
        self.host: str = self._server.effective_host
        self.port: int = int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def connections_from(self, address: str) -> int:
        return sum(1 for c in list(self._server._map.values()) if isinstance(c, HTTPChannel) and c.addr[0] == address)

    def _admit(
        self, server: TcpWSGIServer, conn: socket.socket, addr: Any, adj: Adjustments, map: dict[int, Any]
    ) -> HTTPChannel | None:
        address = addr[0] if isinstance(addr, tuple) else str(addr)
        if self.connections_from(address) >= self.limits.per_address:
            log.debug("%s: connection from %s refused (already %d)", self.listener, address, self.limits.per_address)
            conn.close()
            return None
        return JsonErrorChannel(server, conn, addr, adj, map=map)  # waitress's own errors as JSON too

    def run(self) -> None:
        try:
            self._server.run()
        except OSError:
            # close() on another thread pulls the sockets from under the loop's select(): that is the stop.
            if not self._stopping.is_set():
                raise

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


class WebServers:
    """The kiosk's server and, with LAN access on, the LAN's: each runs on its own thread."""

    def __init__(self, app: Flask, sockets: Iterable[OpenSocket]) -> None:
        self.app = app
        stopping = app.extensions["moodify.stopping"]
        max_body = app.config["MAX_CONTENT_LENGTH"]
        self.servers = [Server(app, s.sock, stopping, max_body, s.listener) for s in sockets]
        self.threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """The kiosk's own address (loopback)."""
        return self.servers[0].url

    @property
    def port(self) -> int:
        return self.servers[0].port

    def start(self, on_stop: Callable[[str], None]) -> None:
        """Serve on background threads; ``on_stop(reason)`` is called if a server stops by itself."""
        for server in self.servers:
            thread = threading.Thread(target=self._serve, args=(server, on_stop), name=f"web-{server.listener}")
            thread.daemon = True
            thread.start()
            self.threads.append(thread)

    @staticmethod
    def _serve(server: Server, on_stop: Callable[[str], None]) -> None:
        try:
            server.run()
        except Exception:
            log.exception("the %s web server failed", server.listener)
        on_stop(f"the {server.listener} web server stopped")

    def close(self, timeout: float = 2.0) -> None:
        for server in self.servers:
            server.close(timeout / len(self.servers))


def serve(app: Flask, host: str, port: int) -> WebServers:
    """The servers for an app from :func:`~moodify_edge.web.create_app`: the kiosk's on 127.0.0.1 and, when
    ``host`` lets the LAN in, the LAN's on ``host``, both on ``port`` (0: any free port, see ``.port``).
    Call ``.start()`` to serve and ``.close()`` to stop."""
    return WebServers(app, open_sockets(host, port))
