"""The kiosk's JSON API and live events: answers, JSON errors, pairing of LAN phones, CSRF and rate limits.

Most requests go through Flask's test client to an app built cheaply around a real controller: the sample
photo as the camera (a :class:`~moodify_edge.capture.FileCamera`, no camera feed thread), the shared face
pipeline and the offline catalogue. The live event stream runs on the real demo stack behind waitress.
"""

from __future__ import annotations

import http.client
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from browser.stack import LAN_ADDRESS, demo_config, demo_stack
from fake_spotify import FakeSpotify
from flask import Flask
from helpers import ASTRONAUT, next_event

from moodify_edge.capture import FileCamera
from moodify_edge.config import Config
from moodify_edge.contract import ErrorCode, EventType, KioskState, MusicBackendName, TriggerOrigin
from moodify_edge.controller import Controller
from moodify_edge.emotions import EMOTIONS
from moodify_edge.events import EventBus
from moodify_edge.music.factory import create_music
from moodify_edge.pipeline import FramePipeline
from moodify_edge.web import create_app
from moodify_edge.web.pairing import NEW_CODE_AFTER
from moodify_edge.web.pairing_store import STATE_FILE


@dataclass
class WebApp:
    """The web app (``create_app``) over a real controller, without a server or camera thread."""

    config: Config
    controller: Controller
    app: Flask


@pytest.fixture
def build(pipeline: FramePipeline) -> Iterator[Callable[[Config], WebApp]]:
    """``build(config)`` → a :class:`WebApp` for ``config``: the sample photo as camera, the shared pipeline and
    the music backend the config picks (the offline catalogue in demo mode); runs are ended afterwards."""
    built: list[tuple[Controller, FileCamera]] = []

    def build(config: Config) -> WebApp:
        camera = FileCamera(ASTRONAUT)
        controller = Controller(config, EventBus(), camera, pipeline, create_music(config))
        built.append((controller, camera))
        return WebApp(config, controller, create_app(controller, config))

    yield build
    for controller, camera in built:
        controller.cancel()
        controller.join(5)
        camera.close()


@pytest.fixture
def stack(build, tmp_path) -> WebApp:
    return build(demo_config(tmp_path / "state", seconds=30.0))


def client_from(app, address: str = "127.0.0.1"):
    """A test client whose requests come from ``address`` (its own cookie jar, like its own browser)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def kiosk(stack):
    return client_from(stack.app)


@pytest.fixture
def phone(stack):
    return client_from(stack.app, LAN_ADDRESS)


def csrf(client) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/pairing").get_json()["csrf_token"]}


def error_of(response) -> dict:
    assert response.is_json, response.data[:200]
    error = response.get_json()["error"]
    assert error["status"] == response.status_code and error["message"]
    return error


def pair(phone, kiosk, code: str | None = None):
    code = code or kiosk.get("/api/pairing/code").get_json()["code"]
    return phone.post("/api/pairing/pair", json={"code": code}, headers=csrf(phone))


# ---------------------------------------------------------------------------------------------- answers
def test_state_is_the_controller_snapshot(stack, kiosk):
    state = kiosk.get("/api/state").get_json()
    assert state["state"] == KioskState.IDLE and state["demo"] is True
    assert state["account"]["backend"] == MusicBackendName.OFFLINE
    assert set(state) >= {"camera", "run", "frame", "result", "recommendations", "player"}


def test_emotion_colours_come_from_the_one_table(kiosk):
    served = kiosk.get("/api/emotions").get_json()
    assert [(e["key"], e["colour"]) for e in served] == [(e.key, e.colour) for e in EMOTIONS]


def test_no_result_or_recommendations_before_a_run(kiosk):
    assert error_of(kiosk.get("/api/result"))["code"] == ErrorCode.NO_RESULT
    assert kiosk.get("/api/result").status_code == 404
    assert error_of(kiosk.get("/api/recommendations"))["code"] == ErrorCode.NO_RECOMMENDATIONS


def test_trigger_starts_a_run_and_a_second_trigger_is_busy(stack, kiosk):
    headers = csrf(kiosk)
    started = kiosk.post("/api/trigger", headers=headers)
    assert started.status_code == 202 and started.get_json()["state"] == KioskState.DETECTING
    assert kiosk.get("/api/state").get_json()["state"] == KioskState.DETECTING
    busy = kiosk.post("/api/trigger", headers=headers)
    assert busy.status_code == 409 and error_of(busy)["code"] == ErrorCode.BUSY
    assert kiosk.post("/api/cancel", headers=headers).get_json() == {"cancelled": True}
    stack.controller.join(5)
    assert kiosk.get("/api/state").get_json()["state"] == KioskState.IDLE
    assert kiosk.post("/api/cancel", headers=headers).get_json() == {"cancelled": False}


def test_a_finished_run_gives_a_result_and_recommendations(build, tmp_path):
    stack = build(demo_config(tmp_path, seconds=1.5))
    kiosk = stack.app.test_client()
    assert kiosk.post("/api/trigger", headers=csrf(kiosk)).status_code == 202
    stack.controller.join(10)
    result = kiosk.get("/api/result").get_json()
    assert result["frames_seen"] > 0
    assert result["emotion"]  # the sample photo is a face, always in view
    recommendations = kiosk.get("/api/recommendations").get_json()
    assert recommendations["emotion"] == result["emotion"] and recommendations["tracks"]


def test_player_controls_drive_the_demo_player(stack, kiosk):
    headers = csrf(kiosk)
    nothing = kiosk.post("/api/player/next", headers=headers)
    assert nothing.status_code == 409 and error_of(nothing)["code"] == ErrorCode.NOTHING_TO_PLAY
    track = stack.controller.music.source.recommend("happy").tracks[0]
    playing = kiosk.post("/api/player/play", json={"uri": track.uri}, headers=headers).get_json()
    assert playing["playing"] and playing["track"]["uri"] == track.uri
    assert kiosk.post("/api/player/pause", headers=headers).get_json()["playing"] is False
    assert kiosk.post("/api/player/volume", json={"percent": 30}, headers=headers).get_json()["volume"] == 30
    assert kiosk.get("/api/player").get_json()["volume"] == 30
    unknown = kiosk.post("/api/player/play", json={"uri": "spotify:track:nope"}, headers=headers)
    assert unknown.status_code == 404 and error_of(unknown)["code"] == ErrorCode.UNKNOWN_TRACK


# ---------------------------------------------------------------------------------------------- errors
def test_unknown_paths_and_wrong_methods_are_json(kiosk):
    missing = kiosk.get("/api/nope")
    assert missing.status_code == 404 and error_of(missing)["code"] == ErrorCode.NOT_FOUND
    assert kiosk.get("/nope.html").status_code == 404 and kiosk.get("/nope.html").is_json
    wrong = kiosk.get("/api/trigger")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == ErrorCode.METHOD_NOT_ALLOWED
    assert "POST" in wrong.headers["Allow"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"loud"',
        b'{"percent": "50"}',
        b'{"percent": 101}',
        b'{"percent": -1}',
        b'{"percent": true}',
        b'{"percent": 50.5}',
        b"{}",
    ],
)
def test_bad_volume_input_is_a_400_never_a_500(kiosk, body):
    answer = kiosk.post("/api/player/volume", data=body, content_type="application/json", headers=csrf(kiosk))
    assert answer.status_code == 400 and error_of(answer)["code"] in (ErrorCode.BAD_JSON, ErrorCode.BAD_VOLUME)


@pytest.mark.parametrize("uri", [17, "", "x" * 600, ["spotify:track:1"]])
def test_bad_play_uri_is_a_400(kiosk, uri):
    answer = kiosk.post("/api/player/play", json={"uri": uri}, headers=csrf(kiosk))
    assert answer.status_code == 400 and error_of(answer)["code"] == ErrorCode.BAD_URI


def test_request_bodies_are_size_limited(stack, kiosk):
    headers = csrf(kiosk)
    too_big = b'{"percent": 5, "pad": "' + b"x" * stack.config.web.max_body_bytes + b'"}'
    for path in ("/api/player/volume", "/api/trigger", "/api/pairing/pair"):
        answer = kiosk.post(path, data=too_big, content_type="application/json", headers=headers)
        assert answer.status_code == 413 and error_of(answer)["code"] == ErrorCode.TOO_LARGE, path
    assert stack.controller.state == KioskState.IDLE


# ---------------------------------------------------------------------------------------------- CSRF
def test_state_changes_need_the_sessions_csrf_token(stack, kiosk):
    refused = kiosk.post("/api/trigger")
    assert refused.status_code == 403 and error_of(refused)["code"] == ErrorCode.CSRF
    assert kiosk.post("/api/trigger", headers={"X-CSRF-Token": "forged"}).status_code == 403
    other = stack.app.test_client()
    assert kiosk.post("/api/trigger", headers=csrf(other)).status_code == 403  # another session's token
    assert stack.controller.state == KioskState.IDLE
    assert kiosk.post("/api/trigger", headers=csrf(kiosk)).status_code == 202


def test_the_page_carries_the_csrf_token_of_its_session(kiosk):
    page = kiosk.get("/").get_data(as_text=True)
    token = kiosk.get("/api/pairing").get_json()["csrf_token"]
    assert f'"csrf": "{token}"' in page


# ---------------------------------------------------------------------------------------------- pairing
def test_an_unpaired_lan_client_is_refused_everything_but_pairing(stack, phone):
    for path in ("/api/state", "/api/result", "/api/player", "/api/events", "/api/spotify/status", "/callback"):
        answer = phone.get(path)
        assert answer.status_code == 403 and error_of(answer)["code"] == ErrorCode.PAIRING_REQUIRED, path
    refused = phone.post("/api/trigger", headers=csrf(phone))
    assert refused.status_code == 403 and stack.controller.state == KioskState.IDLE
    status = phone.get("/api/pairing").get_json()
    assert status["paired"] is False and status["kiosk"] is False


def test_the_loopback_kiosk_needs_no_pairing(kiosk):
    assert kiosk.get("/api/pairing").get_json() | {"csrf_token": ""} == {
        "kiosk": True,
        "paired": True,
        "csrf_token": "",
    }
    assert kiosk.get("/api/state").status_code == 200


def test_a_loopback_request_for_a_foreign_host_name_is_treated_as_lan(stack):
    rebound = stack.app.test_client()  # a page from another site whose name now resolves to 127.0.0.1
    assert rebound.get("/api/state", headers={"Host": "evil.example:5000"}).status_code == 403


def test_the_pairing_code_and_qr_are_shown_only_on_the_kiosk(kiosk, phone):
    info = kiosk.get("/api/pairing/code").get_json()
    assert len(info["code"]) == 6 and info["code"].isdigit()
    assert info["url"].endswith(f"/pair?code={info['code']}") and info["url"].startswith("http://")
    assert info["qr_svg"].startswith("<svg")
    assert info["lan"] is False  # the bare config listens on 127.0.0.1 only
    assert info["code"] not in phone.get("/").get_data(as_text=True)
    assert error_of(phone.get("/api/pairing/code"))["code"] == ErrorCode.PAIRING_REQUIRED
    pair(phone, kiosk)
    assert error_of(phone.get("/api/pairing/code"))["code"] == ErrorCode.KIOSK_ONLY  # even a paired phone


def test_a_wrong_code_is_refused_and_the_right_one_pairs(stack, kiosk, phone):
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = pair(phone, kiosk, wrong)
    assert refused.status_code == 403 and error_of(refused)["code"] == ErrorCode.WRONG_CODE
    assert phone.get("/api/state").status_code == 403
    assert pair(phone, kiosk, code).get_json() == {"paired": True}
    assert phone.get("/api/state").status_code == 200
    assert phone.post("/api/trigger").status_code == 403  # still needs its CSRF token
    assert phone.post("/api/trigger", headers=csrf(phone)).status_code == 202


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", 123456, None, "١٢٣٤٥٦"])
def test_malformed_codes_are_a_400(kiosk, phone, code):
    answer = phone.post("/api/pairing/pair", json={"code": code}, headers=csrf(phone))
    assert answer.status_code == 400 and error_of(answer)["code"] == ErrorCode.BAD_CODE


def test_pairing_needs_the_csrf_token_too(kiosk, phone):
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    assert phone.post("/api/pairing/pair", json={"code": code}).status_code == 403
    assert phone.get("/api/state").status_code == 403


def test_wrong_codes_are_rate_limited_per_address(stack, kiosk, phone):
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(stack.config.web.pairing_attempts_per_minute):
        assert pair(phone, kiosk, wrong).status_code == 403
    limited = pair(phone, kiosk, code)  # even the right code waits
    assert limited.status_code == 429 and error_of(limited)["code"] == ErrorCode.RATE_LIMITED
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other_phone = client_from(stack.app, "192.168.1.99")
    assert pair(other_phone, kiosk, code).status_code == 200


def test_guessing_from_many_addresses_changes_the_code_but_keeps_paired_phones(stack, kiosk, phone):
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    assert pair(phone, kiosk, code).status_code == 200
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for n in range(NEW_CODE_AFTER):  # a different address each time: the per-address limit never bites
        guesser = client_from(stack.app, f"2001:db8::{n + 1:x}")
        assert pair(guesser, kiosk, wrong).status_code == 403
    assert kiosk.get("/api/pairing/code").get_json()["code"] != code
    assert pair(client_from(stack.app, "2001:db8::ffff"), kiosk, code).status_code == 403  # the old code is gone
    assert phone.get("/api/state").status_code == 200


def test_revoking_unpairs_every_phone_and_changes_the_code(stack, kiosk, phone):
    old = kiosk.get("/api/pairing/code").get_json()["code"]
    assert pair(phone, kiosk, old).status_code == 200
    assert error_of(phone.post("/api/pairing/revoke", headers=csrf(phone)))["code"] == ErrorCode.KIOSK_ONLY
    new = kiosk.post("/api/pairing/revoke", headers=csrf(kiosk)).get_json()["code"]
    assert new != old
    assert phone.get("/api/state").status_code == 403
    assert pair(phone, kiosk, old).status_code == 403
    assert pair(phone, kiosk, new).status_code == 200
    assert kiosk.get("/api/state").status_code == 200  # the kiosk's own session is untouched


def test_a_phone_can_unpair_itself(kiosk, phone):
    pair(phone, kiosk)
    assert phone.post("/api/pairing/forget", headers=csrf(phone)).get_json() == {"paired": False}
    assert phone.get("/api/state").status_code == 403


def test_pairings_survive_a_restart_and_the_secret_is_private(stack, kiosk, phone):
    pair(phone, kiosk)
    restarted = create_app(stack.controller, stack.config)
    phone_after = client_from(restarted, LAN_ADDRESS)
    phone_after.set_cookie("moodify_session", phone.get_cookie("moodify_session").value)
    assert phone_after.get("/api/state").status_code == 200
    path = stack.config.state_path() / STATE_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_damaged_pairing_file_starts_afresh(build, tmp_path):
    config = demo_config(tmp_path)
    (config.state_path() / STATE_FILE).write_text("{ nope")
    stack = build(config)
    assert len(stack.app.test_client().get("/api/pairing/code").get_json()["code"]) == 6


def test_a_half_written_pairing_file_left_by_a_crash_is_cleared(build, tmp_path):
    config = demo_config(tmp_path)
    leftover = config.state_path() / f".{STATE_FILE}.123.456.tmp"
    leftover.write_text('{"secret_key": "hal')
    build(config)
    assert not leftover.exists() and json.loads((config.state_path() / STATE_FILE).read_text())["code"]


# ---------------------------------------------------------------------------------------------- language
def test_language_follows_the_browser_or_the_config(build, tmp_path, kiosk):
    korean = kiosk.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "감정 인식 시작" in korean and '<html lang="ko">' in korean
    english = kiosk.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Start Emotion Detection" in english
    stack = build(demo_config(tmp_path / "en", language="en"))
    forced = stack.app.test_client().get("/", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "Start Emotion Detection" in forced


# ---------------------------------------------------------------------------------------------- Spotify login
def test_spotify_login_without_spotify_is_a_409(kiosk):
    for path, body in (
        ("/api/spotify/login", None),
        ("/api/spotify/finish", {"url": "http://127.0.0.1/callback?code=x"}),
    ):
        answer = kiosk.post(path, json=body, headers=csrf(kiosk))
        assert answer.status_code == 409 and error_of(answer)["code"] == ErrorCode.SPOTIFY_NOT_CONFIGURED
    assert kiosk.get("/api/spotify/status").get_json()["backend"] == MusicBackendName.OFFLINE


@pytest.fixture
def spotify(build, tmp_path):
    fake = FakeSpotify().start()
    config = (
        demo_config(tmp_path)
        .replace("service", demo=False)
        .replace("spotify", client_id=fake.client_id, api_url=fake.api_url, accounts_url=fake.url)
    )
    yield fake, build(config)
    fake.stop()


def approve(url: str) -> str:
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return answer.headers["Location"]


def test_kiosk_logs_in_through_the_callback(spotify):
    fake, stack = spotify
    kiosk = stack.app.test_client()
    url = kiosk.post("/api/spotify/login", headers=csrf(kiosk)).get_json()["url"]
    assert url.startswith(fake.url)
    redirected = approve(url)
    landed = kiosk.get(redirected.replace("http://127.0.0.1:5000", ""))
    assert landed.status_code == 303 and landed.headers["Location"] == "/"
    assert kiosk.get("/api/spotify/status").get_json()["logged_in"] is True
    assert kiosk.post("/api/spotify/logout", headers=csrf(kiosk)).get_json()["logged_in"] is False


def test_a_paired_phone_logs_in_by_pasting_the_redirected_address(spotify):
    fake, stack = spotify
    kiosk, phone = client_from(stack.app), client_from(stack.app, LAN_ADDRESS)
    pair(phone, kiosk)
    url = phone.post("/api/spotify/login", headers=csrf(phone)).get_json()["url"]
    account = phone.post("/api/spotify/finish", json={"url": approve(url)}, headers=csrf(phone)).get_json()
    assert account["logged_in"] is True
    bad = phone.post("/api/spotify/finish", json={"url": 5}, headers=csrf(phone))
    assert bad.status_code == 400 and error_of(bad)["code"] == ErrorCode.BAD_URL
    forged = phone.post(
        "/api/spotify/finish", json={"url": "http://127.0.0.1:5000/callback?code=x&state=y"}, headers=csrf(phone)
    )
    assert 400 <= forged.status_code < 500 and error_of(forged)
    garbled = phone.post(
        "/api/spotify/finish", json={"url": "http://[oops/callback?code=1&state=2"}, headers=csrf(phone)
    )
    assert garbled.status_code == 400 and error_of(garbled)["code"] == ErrorCode.BAD_URL


def test_a_login_cancelled_at_spotify_takes_the_kiosk_back_to_its_page_with_the_reason(spotify):
    fake, stack = spotify
    kiosk = stack.app.test_client()
    url = kiosk.post("/api/spotify/login", headers=csrf(kiosk)).get_json()["url"]
    state = url.split("state=", 1)[1].split("&", 1)[0]
    with stack.controller.bus.subscribe() as events:
        landed = kiosk.get(f"/callback?error=access_denied&state={state}")
        error = next_event(events, EventType.ERROR, timeout=1.0)
    assert landed.status_code == 303 and landed.headers["Location"] == "/"
    assert error is not None
    assert error["code"] == ErrorCode.LOGIN_DENIED and "access_denied" in error["message"]


# ---------------------------------------------------------------------------------------------- live events
def read_event(stream) -> tuple[str, dict]:
    """The next ``event:``/``data:`` pair from a text/event-stream (comments and retry lines skipped)."""
    name, data = "message", ""
    while True:
        line = stream.readline().decode()
        assert line, "the stream ended"
        line = line.rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data += line[6:]
        elif line == "" and data:
            return name, json.loads(data)


@pytest.fixture
def served(tmp_path) -> Iterator:
    """The real demo stack: the service with its web app on waitress."""
    with demo_stack(demo_config(tmp_path / "state", seconds=30.0)) as served:
        yield served


def test_live_events_start_with_the_snapshot_then_follow_the_bus(served):
    stack = served
    host, port = stack.url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/api/events")
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
        assert response.readline() == b"retry: 2000\n"
        name, snapshot = read_event(response)
        assert name == EventType.SNAPSHOT and snapshot["state"] == KioskState.IDLE
        assert [e["colour"] for e in snapshot["emotions"]] == [e.colour for e in EMOTIONS]
        stack.controller.trigger(TriggerOrigin.WEB)
        name, event = read_event(response)
        while name == EventType.CAMERA:
            name, event = read_event(response)
        assert (name, event["state"]) == (EventType.STATE, KioskState.DETECTING)
    finally:
        connection.close()
