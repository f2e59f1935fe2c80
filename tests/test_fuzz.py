"""Fuzzed requests: whatever a LAN client sends, the kiosk answers 2xx-4xx, and every error is the JSON error.

5,000 random requests through Flask's test client (random methods; the app's own routes with random
suffixes; random headers; bodies nested deep, with huge numbers, NaN, wrong types, invalid UTF-8, wrong content
types) from a paired phone and an unpaired one; then raw HTTP against the real waitress server for what only
a server sees (bad Content-Length, oversized headers and bodies, broken chunking).
"""

from __future__ import annotations

import contextlib
import json
import random
import select
import socket
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from browser.stack import LAN_ADDRESS, demo_config, demo_stack
from helpers import client_from, pair, web_apps

from moodify_edge.contract import ErrorCode

REQUESTS = 5000  # the target: 0 answers 5xx over 5,000 fuzzed requests
SEED = 12
METHODS = ["GET", "GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
SUFFIXES = ["", "", "", "/", "/x", "?a=1&a=2", "?%ff=%00", "/..%2f..", "//", "/%E2%28%A1", "/" + "x" * 3000, ";p"]
CONTENT_TYPES = [
    "application/json",
    "application/json",
    "application/json; charset=latin-1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=zz",
    "multipart/form-data",
    "application/json; ===",
    "",
]
JSON_ROUTES = ["/api/player/volume", "/api/player/play", "/api/pairing/pair", "/api/spotify/finish"]
FIELDS = ["percent", "uri", "code", "url", "pad"]


def scalar(rng: random.Random) -> str:
    return rng.choice(
        [
            "NaN", "Infinity", "-Infinity", "1e999", "-1e400", "9" * 5000, "1" * 400, "0", "-1", "50", "50.5",
            "true", "null", '"spotify:track:1"', '"123456"', '"\\ud800"', '"' + "x" * 600 + '"', "[]", "{}",
        ]
    )  # fmt: skip


def body(rng: random.Random) -> bytes:
    """A random request body."""
    kind = rng.randrange(9)
    if kind == 0:
        depth = rng.choice([33, 100, 1000, 5000])
        return (b'{"a":' * depth + b"1" + b"}" * depth) if rng.random() < 0.5 else b"[" * depth + b"]" * depth
    if kind in (1, 2, 3):
        pairs = (f'"{rng.choice(FIELDS)}": {scalar(rng)}' for _ in range(rng.randrange(4)))
        return ("{" + ", ".join(pairs) + "}").encode()
    if kind == 4:
        return scalar(rng).encode()
    if kind == 5:
        return b'{"uri": "\xff\xfe\xc3"}'
    if kind == 6:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
    if kind == 7:
        return b'{"code": "123456", "pad": "' + b"x" * rng.choice([10, 20000]) + b'"}'
    return b""


def headers(rng: random.Random, token: str) -> dict[str, str]:
    chosen = {"X-CSRF-Token": token if rng.random() < 0.8 else rng.choice(["", "forged", "\x7f"])}
    extras = {
        "Content-Type": lambda: rng.choice(CONTENT_TYPES),
        "Host": lambda: rng.choice(["evil.example", "127.0.0.1:5000", "[::1", "a" * 63 + ".x", "localhost:99999"]),
        "Accept-Language": lambda: rng.choice(["ko", "*", "xx;q=abc", ";;;", "ko-KR,ko;q=0.9"]),
        "Cookie": lambda: rng.choice(["moodify_session=forged", "moodify_session=", "a=b; =; ;", "x" * 2000]),
        "Range": lambda: rng.choice(["bytes=0-1", "bytes=9-1", "bytes=a-b"]),
        "If-Modified-Since": lambda: rng.choice(["yesterday", "Mon, 01 Jan 1990 00:00:00 GMT"]),
        "If-None-Match": lambda: rng.choice(['"x"', "*", "garbage"]),
        "X-Forwarded-For": lambda: "127.0.0.1",
        "Accept": lambda: rng.choice(["text/event-stream", "*/*", "garbage"]),
    }
    for name in rng.sample(sorted(extras), rng.randrange(4)):
        chosen[name] = extras[name]()
    return chosen


def routes(app: Any) -> list[tuple[str, list[str]]]:
    """Every route of the app with its methods, variable parts filled in."""
    filled = {"<path:filename>": "app.js", "<filename>": "app.js"}
    found = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for variable, value in filled.items():
            path = path.replace(variable, value)
        found.append((path, sorted(rule.methods or ["GET"])))
    return found


def random_request(rng: random.Random, table: list[tuple[str, list[str]]]) -> tuple[str, str, str]:
    """(method, path, query): mostly a route's own method and path, sometimes anything."""
    if rng.random() < 0.3:
        return "POST", rng.choice(JSON_ROUTES), ""
    route, methods = rng.choice(table)
    method = rng.choice(methods) if rng.random() < 0.7 else rng.choice(METHODS)
    path, _, query = (route + (rng.choice(SUFFIXES) if rng.random() < 0.3 else "")).partition("?")
    return method, path, query


def check_answer(answer: Any, method: str, path: str) -> None:
    """No 5xx; an error is ``{"error": {status, code, message}}`` with the status repeated (HEAD: headers only).
    The share page is a page for phones: its own "link expired" answer is an HTML 404."""
    assert answer.status_code < 500, (answer.status_code, answer.data[:300])
    if answer.status_code < 400 or (path.startswith("/share/") and answer.status_code == 404):
        return
    assert answer.mimetype == "application/json", (answer.status_code, answer.data[:200])
    if method == "HEAD":
        return
    error = answer.get_json()["error"]
    assert error["status"] == answer.status_code and error["message"], error
    assert error["code"] in set(ErrorCode), error


def csrf_token(client: Any) -> str:
    return str(client.get("/api/pairing").get_json()["csrf_token"])


def paired_phone(app: Any, kiosk: Any, address: str) -> Any:
    phone = client_from(app, address)
    paired = pair(phone, kiosk)
    assert paired.status_code == 200, paired.data
    return phone


@pytest.fixture
def fuzzed_app(pipeline, tmp_path) -> Iterator[Any]:
    with web_apps(pipeline) as build:
        yield build(demo_config(tmp_path / "state", seconds=0.5))


def test_random_requests_get_no_5xx_and_only_json_errors(fuzzed_app):
    app, rng = fuzzed_app.app, random.Random(SEED)
    kiosk, unpaired = client_from(app), client_from(app, "192.168.1.77")
    paired, tokens = paired_phone(app, kiosk, LAN_ADDRESS), {unpaired: csrf_token(unpaired)}
    tokens[paired] = csrf_token(paired)
    table, statuses, codes = routes(app), Counter[int](), Counter[str]()
    for n in range(REQUESTS):
        client = paired if n % 2 else unpaired
        method, path, query = random_request(rng, table)
        # The path as a server hands it on (decoded, latin-1), past the test client's own URL parsing.
        environ = {"PATH_INFO": urllib.parse.unquote(path, encoding="latin-1"), "QUERY_STRING": query}
        answer = client.open(
            "/", method=method, data=body(rng), headers=headers(rng, tokens[client]), environ_overrides=environ
        )
        try:
            check_answer(answer, method, path)
            statuses[answer.status_code] += 1
            if answer.status_code == 400 and method != "HEAD":
                codes[answer.get_json()["error"]["code"]] += 1
            if client is paired and path.startswith("/api/pairing/") and not client.get("/api/pairing").json["paired"]:
                paired = paired_phone(app, kiosk, f"192.168.2.{n % 250 + 1}")  # it unpaired itself: another phone
                tokens[paired] = csrf_token(paired)
        finally:
            answer.close()  # ends a live-event stream
    assert sum(statuses.values()) == REQUESTS, statuses
    assert sum(count for status, count in statuses.items() if status >= 500) == 0
    assert statuses[200] > 100 and statuses[400] > 100 and statuses[403] > 100, statuses
    assert codes[ErrorCode.BAD_JSON] > 50, codes


# ---------------------------------------------------------------------------------------------- waitress
def raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as is; the status, headers and body of the answer. Sending stops as soon as the server
    answers (it answers an oversized request early and closes: more data would only reset the connection)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    received = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        with contextlib.suppress(OSError):  # reset, or already shut by the server
            for start in range(0, len(request), 16384):
                sock.sendall(request[start : start + 16384])
                if select.select([sock], [], [], 0)[0]:
                    break
            sock.shutdown(socket.SHUT_WR)
        with contextlib.suppress(ConnectionError):
            while chunk := sock.recv(65536):
                received += chunk
    head, _, content = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in fields.items()}, content


def post(headers: str, content: bytes = b"") -> bytes:
    return f"POST /api/player/volume HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode() + content


SERVER_ERRORS = [
    (post("Content-Length: abc\r\n"), 400),
    (post("Content-Length: -1\r\n"), 400),
    (post("Content-Length: 5\r\nContent-Length: 6\r\n"), 400),
    (post("Content-Length: 99999999\r\n"), 413),
    (post("X-Pad: " + "x" * 300_000 + "\r\n"), 431),
    (post("Transfer-Encoding: chunked\r\n", b"zz\r\n{}\r\n0\r\n\r\n"), 400),
    (post("Transfer-Encoding: gzip\r\n"), 501),
    (post("Transfer-Encoding: chunked\r\n", b"FFFFFF\r\n" + b"x" * 40000 + b"\r\n0\r\n\r\n"), 413),
    (b"GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n", 400),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Any]:
    with demo_stack(demo_config(tmp_path_factory.mktemp("state"), seconds=30.0)) as stack:
        yield stack


@pytest.mark.parametrize(("request_bytes", "status"), SERVER_ERRORS)
def test_waitress_refusals_are_json_errors_too(served, request_bytes, status):
    answered, fields, content = raw(served.url, request_bytes)
    assert answered == status, content[:300]
    assert fields["content-type"] == "application/json", content[:300]
    error = json.loads(content)["error"]
    assert error["status"] == status and error["code"] in set(ErrorCode) and error["message"]


def test_random_raw_requests_to_the_real_server_get_no_5xx(served):
    rng = random.Random(SEED)
    statuses = Counter[int]()
    for _ in range(100):
        target = rng.choice(["/api/state", "/api/player/volume", "/api/pairing/pair", "/", "/nope"])
        payload = body(rng)
        request = (
            f"{rng.choice(METHODS)} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {rng.choice([len(payload), len(payload), 0, 10**9])}\r\nConnection: close\r\n\r\n"
        ).encode()
        status, fields, content = raw(served.url, request + payload)
        statuses[status] += 1
        assert status < 500, content[:300]
        if status >= 400:
            assert fields["content-type"] == "application/json", content[:300]
    assert sum(statuses.values()) == 100
