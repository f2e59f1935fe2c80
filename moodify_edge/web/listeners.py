"""Listening sockets: the kiosk's own on loopback, and one for the LAN when ``web.host`` lets phones in.

The kiosk's browser always reaches the app on ``127.0.0.1:<port>``, through a listener (and worker
threads) that nothing on the LAN can reach, so no stranger can starve the kiosk's screen. When
``web.host`` is a LAN address, or a wildcard (``0.0.0.0``, ``::``), a second listener serves phones on the
same port. A wildcard and ``127.0.0.1`` on one port need ``SO_REUSEPORT`` on both sockets; Linux then hands
each connection to the socket whose address matches it most exactly, so loopback connections always
reach the kiosk's listener.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from enum import StrEnum

KIOSK_HOST = "127.0.0.1"
KIOSK_ONLY_HOSTS = frozenset({"", KIOSK_HOST, "::1", "localhost"})
BACKLOG = 128


class Listener(StrEnum):
    """Which listener a request came in on (the WSGI environ carries it under :data:`ENVIRON_KEY`)."""

    KIOSK = "kiosk"
    LAN = "lan"


ENVIRON_KEY = "moodify.listener"


@dataclass(frozen=True)
class OpenSocket:
    listener: Listener
    sock: socket.socket


def lan_enabled(host: str) -> bool:
    """Whether ``web.host`` is anything but the kiosk's own loopback address (another address, even in
    127.0.0.0/8, is a second listener: the tests use 127.0.0.2 as "the LAN")."""
    return host not in KIOSK_ONLY_HOSTS


def is_wildcard(host: str) -> bool:
    """``0.0.0.0`` or ``::``: every address of this machine."""
    return host in ("0.0.0.0", "::")


def _bind(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _check_free(port: int) -> None:
    """Raise EADDRINUSE when something already listens on the kiosk's port. Sockets with SO_REUSEPORT would
    otherwise share the port with another copy of the service instead of failing."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((KIOSK_HOST, port))


def open_sockets(host: str, port: int) -> list[OpenSocket]:
    """The kiosk's socket on loopback (``port`` 0: any free port), plus the LAN's on ``host`` when
    :func:`lan_enabled`; both on the same port. Raises OSError (e.g. EADDRINUSE) when a port is taken."""
    shared = lan_enabled(host) and is_wildcard(host)
    if shared and port:
        _check_free(port)
    kiosk = _bind(KIOSK_HOST, port, reuse_port=shared)
    sockets = [OpenSocket(Listener.KIOSK, kiosk)]
    if lan_enabled(host):
        try:
            lan = _bind(host, kiosk.getsockname()[1], reuse_port=shared)
        except OSError:
            kiosk.close()
            raise
        sockets.append(OpenSocket(Listener.LAN, lan))
    return sockets
