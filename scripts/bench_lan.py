#!/usr/bin/env python3
"""Attacks from the LAN, measured against the real service on loopback (demo mode, its own state directory):
the LAN listener on 127.0.0.2, attackers at source addresses 127.0.0.10 and up.

Figures (each in its own function, so more can be added):

* :func:`pairing_guesses`: wrong pairing codes the kiosk *compared* (answered ``403 wrong_code``, not ``429``)
  per minute, with visitor pairing on (with it off, the default, no stranger's code is compared at all),
  guessing for ``--seconds`` from 1 and from 8 source addresses, each on a fresh state directory.
* :func:`report_kiosk_under_load`: how fast the kiosk's page and ``/api/state`` answer its own browser on
  127.0.0.1, first with nothing else going on (the baseline), then while 8 paired phones hold 64 live-event
  streams and 30 strangers hold 300 idle connections to the LAN listener; with the ratio.
* :func:`report_fuzz`: random requests to the LAN listener from a paired phone and a stranger; answers 5xx.

    python scripts/bench_lan.py [--seconds 20] [--samples 200] [--fuzz 5000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from moodify_edge.config import Config
from moodify_edge.service import Service

LAN_HOST = "127.0.0.2"
OWNER_PIN = "2468"


def demo_service(state_dir: Path, *, visitor_pairing: bool = False) -> Service:
    """The kiosk service in demo mode with the LAN listener on :data:`LAN_HOST`, started."""
    config = Config().replace("service", demo=True, state_dir=str(state_dir))
    config = config.replace("camera", source="demo").replace("gpio", enabled=False)
    # Pairing phones is the owner's; with visitor pairing on, anyone's guesses reach the code at all.
    config = config.replace("kiosk", owner_pin=OWNER_PIN, visitor_pairing=visitor_pairing)
    service = Service(config.replace("web", host=LAN_HOST, port=0))
    service.start()
    return service


class Guesser:
    """A browser at one source address: its own session cookie and CSRF token."""

    def __init__(self, port: int, source: str, host: str = LAN_HOST) -> None:
        self.port, self.source, self.host = port, source, host
        self.headers = {"Content-Type": "application/json"}
        status, answer, cookie = self.request("GET", "/api/pairing")
        self.headers.update({"Cookie": cookie, "X-CSRF-Token": answer["csrf_token"]})

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10, source_address=(self.source, 0))
        try:
            connection.request(method, path, json.dumps(body) if body else None, self.headers)
            response = connection.getresponse()
            cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
            return response.status, json.loads(response.read() or b"{}"), cookie
        finally:
            connection.close()

    def guess_until(self, deadline: float, counts: dict[str, int], lock: threading.Lock) -> None:
        code = 0
        while time.monotonic() < deadline:
            code += 1
            status, answer, _ = self.request("POST", "/api/pairing/pair", {"code": f"{code:06d}"})
            answer_code = answer.get("error", {}).get("code", "paired") if status != 200 else "paired"
            with lock:
                counts[answer_code] = counts.get(answer_code, 0) + 1


def pairing_guesses(addresses: int, seconds: float) -> dict[str, int]:
    """Answers by status while ``addresses`` sources guess codes for ``seconds`` (a thread each)."""
    with tempfile.TemporaryDirectory() as state_dir:
        service = demo_service(Path(state_dir), visitor_pairing=True)
        try:
            port = urlsplit(service.url).port or 80
            guessers = [Guesser(port, f"127.0.0.{10 + n}") for n in range(addresses)]
            counts: dict[str, int] = {}
            lock = threading.Lock()
            deadline = time.monotonic() + seconds
            threads = [threading.Thread(target=g.guess_until, args=(deadline, counts, lock)) for g in guessers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            service.close()
    return counts


def report_pairing_guesses(seconds: float) -> None:
    for addresses in (1, 8):
        counts = pairing_guesses(addresses, seconds)
        compared = counts.get("wrong_code", 0)
        total = sum(counts.values())
        print(
            f"pairing: {addresses} address(es), {seconds:.0f} s: {compared} wrong codes compared "
            f"({compared * 60 / seconds:.1f} a minute) of {total} sent ({total * 60 / seconds:.0f} a minute); "
            f"answers {dict(sorted(counts.items()))}"
        )


class Phone(Guesser):
    """A phone that paired with the code the kiosk shows."""

    def pair(self, port: int) -> None:
        owner = Guesser(port, "127.0.0.1", host="127.0.0.1")  # the kiosk's own screen, unlocked by the owner
        assert owner.request("POST", "/api/owner/unlock", {"pin": OWNER_PIN})[0] == 200
        code = owner.request("GET", "/api/pairing/code")[1]["code"]
        status, answer, cookie = self.request("POST", "/api/pairing/pair", {"code": code})
        assert status == 200, answer
        if cookie:
            self.headers["Cookie"] = cookie

    def open_stream(self) -> socket.socket:
        sock = socket.create_connection((LAN_HOST, self.port), timeout=10, source_address=(self.source, 0))
        request = f"GET /api/events HTTP/1.0\r\nHost: {LAN_HOST}\r\nCookie: {self.headers['Cookie']}\r\n\r\n"
        sock.sendall(request.encode())
        sock.recv(65536)  # the response head and the snapshot
        return sock


def kiosk_times(port: int, samples: int) -> list[float]:
    """Seconds for the kiosk's own browser to get the page and then ``/api/state``, ``samples`` times."""
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        for path in ("/", "/api/state"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                assert response.status == 200, (path, response.status)
            finally:
                connection.close()
        times.append(time.perf_counter() - started)
    return times


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    return (
        f"median {statistics.median(ordered) * 1e3:.1f} ms, p95 {ordered[int(len(ordered) * 0.95) - 1] * 1e3:.1f} ms, "
        f"max {ordered[-1] * 1e3:.1f} ms"
    )


def idle_connections(count: int, addresses: int, port: int) -> list[socket.socket]:
    idle = []
    for index in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.bind((f"127.0.0.{100 + index % addresses}", 0))
        sock.connect_ex((LAN_HOST, port))
        idle.append(sock)
    return idle


def report_kiosk_under_load(samples: int) -> None:
    with tempfile.TemporaryDirectory() as state_dir:
        service = demo_service(Path(state_dir))
        held: list[socket.socket] = []
        try:
            port = urlsplit(service.url).port or 80
            kiosk_times(port, 20)  # warm-up: the first page loads fill caches
            baseline = kiosk_times(port, samples)
            phones = [Phone(port, f"127.0.0.{10 + n}") for n in range(8)]
            for phone in phones:
                phone.pair(port)
                held += [phone.open_stream() for _ in range(8)]
            held += idle_connections(300, 30, port)
            time.sleep(0.5)
            loaded = kiosk_times(port, samples)
        finally:
            for sock in held:
                sock.close()
            service.close()
    print(f"kiosk page + /api/state from 127.0.0.1, {samples} times each:")
    print(f"  alone:                                          {describe(baseline)}")
    print(f"  with 64 LAN streams and 300 idle LAN connections: {describe(loaded)}")
    ratio = statistics.median(loaded) / statistics.median(baseline)
    print(f"  ratio of medians (loaded / alone): {ratio:.2f}; slowest under load {max(loaded) * 1e3:.0f} ms")


def fuzz_request(rng: random.Random, paths: list[str]) -> tuple[str, str, bytes, dict[str, str]]:
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"])
    path = rng.choice(paths) + rng.choice(["", "/x", "?a=1", "/%00", "/../..", "?" + "q" * rng.randint(1, 3000)])
    bodies = [
        b"",
        b"{}",
        b"[" * 2000 + b"]" * 2000,
        b'{"code": NaN, "percent": Infinity, "uri": 1e999}',
        json.dumps({"uri": "x" * rng.randint(0, 2000), "percent": rng.randint(-5, 500)}).encode(),
        bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 400))),
    ]
    headers = {"Content-Type": rng.choice(["application/json", "text/plain", "application/x-www-form-urlencoded"])}
    return method, path, rng.choice(bodies), headers


def report_fuzz(requests: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    paths = [
        "/",
        "/pair",
        "/callback",
        "/api/state",
        "/api/trigger",
        "/api/cancel",
        "/api/result",
        "/api/emotions",
        "/api/recommendations",
        "/api/player",
        "/api/player/play",
        "/api/player/pause",
        "/api/player/next",
        "/api/player/previous",
        "/api/player/volume",
        "/api/pairing",
        "/api/pairing/pair",
        "/api/pairing/forget",
        "/api/pairing/code",
        "/api/pairing/revoke",
        "/api/spotify/status",
        "/api/spotify/login",
        "/api/spotify/finish",
        "/api/spotify/logout",
        "/static/app.js",
        "/nothing",
    ]
    statuses: dict[int, int] = {}
    with tempfile.TemporaryDirectory() as state_dir:
        service = demo_service(Path(state_dir))
        try:
            port = urlsplit(service.url).port or 80
            phone = Phone(port, "127.0.0.10")
            phone.pair(port)
            stranger = Guesser(port, "127.0.0.11")
            for index in range(requests):
                client = phone if index % 2 else stranger
                method, path, body, headers = fuzz_request(rng, paths)
                connection = http.client.HTTPConnection(LAN_HOST, port, timeout=10, source_address=(client.source, 0))
                try:
                    connection.request(method, path, body, client.headers | headers)
                    status = connection.getresponse().status
                except (OSError, http.client.HTTPException):
                    status = 0  # the server closed the connection without an answer
                finally:
                    connection.close()
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            service.close()
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(
        f"fuzz: {requests} random requests to the LAN listener: {server_errors} answered 5xx; "
        f"answers {dict(sorted(statuses.items()))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each pairing attack runs")
    parser.add_argument("--samples", type=int, default=200, help="kiosk page loads timed in each condition")
    parser.add_argument("--fuzz", type=int, default=5000, help="random requests in the fuzz run")
    args = parser.parse_args()
    report_pairing_guesses(args.seconds)
    report_kiosk_under_load(args.samples)
    report_fuzz(args.fuzz)


if __name__ == "__main__":
    main()
