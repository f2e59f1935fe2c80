"""Request JSON through the one parser (depth, size, finite numbers, UTF-8), and answers that stay valid JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from browser.stack import LAN_ADDRESS, demo_config
from helpers import WebApp, client_from, web_apps

from moodify_edge.contract import ErrorCode
from moodify_edge.web.errors import ApiError
from moodify_edge.web.json_body import MAX_DEPTH, dumps_finite, parse_json

JSON_ROUTES = ["/api/player/volume", "/api/player/play", "/api/pairing/pair", "/api/spotify/finish"]


@pytest.fixture
def build(pipeline) -> Iterator[Any]:
    with web_apps(pipeline) as build:
        yield build


def csrf(client: Any) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/pairing").get_json()["csrf_token"]}


def strict(text: str) -> Any:
    """JSON as a browser reads it: NaN and Infinity are errors."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in a JSON answer"))


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":' * 1000 + b"1" + b"}" * 1000,
        b"[" * 8000 + b"]" * 8000,
        b'{"percent": NaN}',
        b'{"percent": Infinity}',
        b'{"percent": -Infinity}',
        b'{"percent": 1e999}',
        b'{"percent": ' + b"9" * 5000 + b"}",
        b'{"uri": "\xff\xfe"}',
        b"\xef\xbb\xbf{}",
    ],
)
def test_bad_json_is_a_400_on_every_json_route_paired_or_not(build, tmp_path, body):
    stack: WebApp = build(demo_config(tmp_path))
    kiosk, stranger = client_from(stack.app), client_from(stack.app, LAN_ADDRESS)
    for client, routes in ((kiosk, JSON_ROUTES), (stranger, ["/api/pairing/pair"])):
        for route in routes:
            answer = client.post(route, data=body, content_type="application/json", headers=csrf(client))
            error = answer.get_json()["error"]
            assert (answer.status_code, error["code"]) == (400, ErrorCode.BAD_JSON), (route, error)


def test_a_json_body_needs_the_json_content_type(build, tmp_path):
    kiosk = client_from(build(demo_config(tmp_path)).app)
    answer = kiosk.post("/api/player/volume", data=b'{"percent": 5}', content_type="text/plain", headers=csrf(kiosk))
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == ErrorCode.BAD_JSON


def test_the_parser_allows_what_the_screens_send():
    assert parse_json(b'{"percent": 50, "uri": "spotify:track:1", "x": [1.5, {"y": null}]}', 1024)["percent"] == 50
    nested = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(nested, 1024) == json.loads(nested)
    assert parse_json(b'["[[[[", "{{{{"]', 1024) == ["[[[[", "{{{{"]  # brackets in strings are text
    with pytest.raises(ApiError) as raised:
        parse_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), 1024)
    assert raised.value.code == ErrorCode.BAD_JSON
    with pytest.raises(ApiError) as raised:
        parse_json(b"[1]" * 400, 1024)
    assert raised.value.code == ErrorCode.TOO_LARGE


def test_a_non_finite_number_is_written_as_null_never_as_bare_nan(build, tmp_path):
    # Config validation refuses nan; a NaN that reached the controller anyway must not break the screens' JSON.
    stack: WebApp = build(demo_config(tmp_path).replace("detection", seconds=float("nan")))
    kiosk = client_from(stack.app)
    started = kiosk.post("/api/trigger", headers=csrf(kiosk))
    assert started.status_code == 202 and strict(started.get_data(as_text=True))["run"]["seconds"] is None
    assert strict(kiosk.get("/api/state").get_data(as_text=True))["run"]["seconds"] is None
    assert dumps_finite({"a": [float("inf"), 1.5, (float("-inf"),)]}) == '{"a": [null, 1.5, [null]]}'
