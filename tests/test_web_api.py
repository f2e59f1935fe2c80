"""The kiosk's JSON API and live events: answers, JSON errors, CSRF, the music login (pairing is in
test_pairing.py).

Most requests go through Flask's test client to an app built cheaply around a real controller: the sample
photo as the camera (a :class:`~moodify_edge.capture.FileCamera`, no camera feed thread), the shared face
pipeline and the offline catalogue. The live event stream runs on the real demo stack behind waitress.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest
import requests
from browser.stack import LAN_ADDRESS, demo_config, demo_stack
from fake_spotify import FakeSpotify
from helpers import client_from, csrf, error_of, next_event, pair

from moodify_edge.contract import ErrorCode, EventType, KioskState, MusicBackendName, TriggerOrigin
from moodify_edge.emotions import EMOTIONS


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
