"""The kiosk's own screen against a hostile LAN, on real servers: the LAN listener is 127.0.0.2 (``web.host``),
the kiosk's browser uses 127.0.0.1, and "strangers" connect from source addresses 127.0.0.10 and up.

Idle connections, floods of live streams and streams that vanish must never take the kiosk's page or
``/api/state`` away; a phone keeps its own cap of streams, the oldest giving way to the newest.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from browser.stack import demo_config, demo_stack
from helpers import wait_for

from moodify_edge.web.listeners import Listener, lan_enabled

LAN_HOST = "127.0.0.2"
OWNER_PIN = "2468"


def stranger(index: int) -> str:
    return f"127.0.0.{10 + index}"


class Client:
    """A browser at a source address: its own cookies, requests over http.client."""

    def __init__(self, host: str, port: int, source: str) -> None:
        self.host, self.port, self.source = host, port, source
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: dict | None = None, **headers: str) -> tuple[int, dict]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10, source_address=(self.source, 0))
        headers |= {"Cookie": self.cookie, "X-CSRF-Token": self.csrf, "Content-Type": "application/json"}
        try:
            connection.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = connection.getresponse()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    self.cookie = value.split(";", 1)[0]
            data = response.read()
        finally:
            connection.close()
        return response.status, json.loads(data) if data.startswith(b"{") else {}

    def pair_with(self, kiosk: Client) -> None:
        self.csrf = self.request("GET", "/api/pairing")[1]["csrf_token"]
        code = kiosk.request("GET", "/api/pairing/code")[1]["code"]
        status, answer = self.request("POST", "/api/pairing/pair", {"code": code})
        assert status == 200, answer

    def open_stream(self) -> socket.socket:
        """A live-event stream (HTTP/1.0: the server closes the connection when the stream ends), its
        response head already read."""
        sock = socket.create_connection((self.host, self.port), timeout=10, source_address=(self.source, 0))
        sock.sendall(
            f"GET /api/events HTTP/1.0\r\nHost: {self.host}:{self.port}\r\nCookie: {self.cookie}\r\n\r\n".encode()
        )
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.0 200"), head[:200]
        return sock


@contextmanager
def streams_of(*clients: Client, each: int = 1) -> Iterator[list[socket.socket]]:
    """``each`` live-event streams per client, closed afterwards."""
    streams: list[socket.socket] = []
    try:
        for client in clients:
            streams += [client.open_stream() for _ in range(each)]
        yield streams
    finally:
        for stream in streams:
            stream.close()


def paired_phone(stack, index: int) -> Client:
    phone = Client(LAN_HOST, stack.port, stranger(index))
    phone.pair_with(stack.kiosk)
    return phone


def ended(stream: socket.socket, within: float = 5.0) -> bool:
    """Whether the server closed ``stream`` (reading what it sent meanwhile)."""
    stream.settimeout(0.2)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if not stream.recv(65536):
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


@pytest.fixture
def kiosk_on_lan(tmp_path) -> Iterator:
    config = demo_config(tmp_path / "state", seconds=30.0, host=LAN_HOST).replace("kiosk", owner_pin=OWNER_PIN)
    with demo_stack(config) as stack:
        port = int(stack.url.rsplit(":", 1)[1])
        stack.kiosk = Client("127.0.0.1", port, "127.0.0.1")
        stack.kiosk.csrf = stack.kiosk.request("GET", "/api/pairing")[1]["csrf_token"]
        status, answer = stack.kiosk.request("POST", "/api/owner/unlock", {"pin": OWNER_PIN})  # pairing is owner's
        assert status == 200, answer
        stack.port = port
        yield stack


def kiosk_answers(stack) -> bool:
    """The kiosk's page and its state, from its own browser."""
    page = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=5)
    try:
        page.request("GET", "/")
        ok = page.getresponse().status == 200
    finally:
        page.close()
    status, state = stack.kiosk.request("GET", "/api/state")
    return ok and status == 200 and state["state"] == "idle"


def test_only_a_non_loopback_host_opens_the_lan():
    assert not lan_enabled("127.0.0.1") and not lan_enabled("::1") and not lan_enabled("localhost")
    assert lan_enabled("127.0.0.2")  # another address, even on loopback, is a second listener
    assert lan_enabled("0.0.0.0") and lan_enabled("192.168.1.20") and lan_enabled("::")


def test_a_lan_address_in_web_host_keeps_the_kiosk_on_loopback(kiosk_on_lan):
    assert kiosk_on_lan.kiosk.request("GET", "/api/pairing")[1]["kiosk"] is True
    phone = Client(LAN_HOST, kiosk_on_lan.port, stranger(0))
    assert phone.request("GET", "/api/pairing")[1]["kiosk"] is False
    assert phone.request("GET", "/api/state")[0] == 403


def test_a_kiosk_request_through_the_lan_listener_is_not_the_kiosk(kiosk_on_lan):
    # The device itself reaching the LAN address with a loopback Host header is a LAN client there.
    same_machine = Client(LAN_HOST, kiosk_on_lan.port, "127.0.0.1")
    host = f"127.0.0.1:{kiosk_on_lan.port}"
    assert same_machine.request("GET", "/api/pairing", Host=host)[1]["kiosk"] is False


def test_idle_connections_from_the_lan_do_not_starve_the_kiosk(kiosk_on_lan):
    idle = []
    try:
        for index in range(300):  # 30 strangers, 10 idle connections each: past both of the LAN's caps
            sock = socket.socket()
            sock.setblocking(False)
            sock.bind((stranger(index % 30), 0))
            sock.connect_ex((LAN_HOST, kiosk_on_lan.port))
            idle.append(sock)
        time.sleep(0.5)
        assert kiosk_answers(kiosk_on_lan)
    finally:
        for sock in idle:
            sock.close()


def test_one_address_keeps_at_most_its_share_of_lan_connections(kiosk_on_lan):
    server = next(s for s in kiosk_on_lan.web.servers if s.listener == Listener.LAN)
    idle = [socket.create_connection((LAN_HOST, kiosk_on_lan.port), source_address=(stranger(1), 0)) for _ in range(40)]
    try:
        assert wait_for(lambda: server.connections_from(stranger(1)) == server.limits.per_address, timeout=5)
    finally:
        for sock in idle:
            sock.close()


def test_a_phone_keeps_two_streams_and_the_oldest_gives_way(kiosk_on_lan):
    with streams_of(paired_phone(kiosk_on_lan, 2), each=5) as streams:
        assert all(ended(s) for s in streams[:3])
        assert not any(ended(s, within=0.5) for s in streams[3:])
        assert kiosk_answers(kiosk_on_lan)


def test_many_lan_streams_leave_the_kiosk_its_page_and_state(kiosk_on_lan):
    phones = [paired_phone(kiosk_on_lan, 10 + i) for i in range(8)]
    with streams_of(*phones, each=8):  # 64 streams
        assert len(kiosk_on_lan.app.extensions["moodify.streams"][Listener.LAN]) <= 8
        assert kiosk_answers(kiosk_on_lan)


def test_streams_a_client_dropped_free_their_slots_within_seconds(kiosk_on_lan):
    slots = kiosk_on_lan.app.extensions["moodify.streams"][Listener.LAN]
    with streams_of(paired_phone(kiosk_on_lan, 3), each=2):
        assert wait_for(lambda: len(slots) == 2, timeout=5)
    assert wait_for(lambda: len(slots) == 0, timeout=6)


def test_the_kiosk_reloading_its_page_many_times_keeps_it_answering(kiosk_on_lan):
    with streams_of(kiosk_on_lan.kiosk, each=16):  # more than the kiosk listener's 8 threads
        assert kiosk_answers(kiosk_on_lan)


def test_a_phone_that_forgets_its_pairing_loses_its_open_stream(kiosk_on_lan):
    phone = paired_phone(kiosk_on_lan, 4)
    with streams_of(phone) as (stream,):
        assert not ended(stream, within=0.5)
        assert phone.request("POST", "/api/pairing/forget")[0] == 200
        assert ended(stream)
