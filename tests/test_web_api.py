"""The kiosk's JSON API and live events: answers, JSON errors, pairing of LAN phones, CSRF and rate limits.

Requests go through Flask's test client (and a real waitress server for the event stream) to an app built on
the real demo stack: demo camera feed, face pipeline, offline music and controller.
"""

from __future__ import annotations

import http.client
import json
import os
import stat

import pytest
import requests
from browser.stack import LAN_ADDRESS, demo_config, demo_stack
from fake_spotify import FakeSpotify

from moodify_edge.emotions import EMOTIONS
from moodify_edge.web import create_app
from moodify_edge.web.pairing import NEW_CODE_AFTER, STATE_FILE

@pytest.fixture
def stack(tmp_path):
    with demo_stack(demo_config(tmp_path / "state", seconds=30.0)) as stack:
        yield stack


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
    assert state["state"] == "idle" and state["demo"] is True
    assert state["account"]["backend"] == "offline"
    assert set(state) >= {"camera", "run", "frame", "result", "recommendations", "player"}


def test_emotion_colours_come_from_the_one_table(kiosk):
    served = kiosk.get("/api/emotions").get_json()
    assert [(e["key"], e["colour"]) for e in served] == [(e.key, e.colour) for e in EMOTIONS]


def test_no_result_or_recommendations_before_a_run(kiosk):
    assert error_of(kiosk.get("/api/result"))["code"] == "no_result"
    assert kiosk.get("/api/result").status_code == 404
    assert error_of(kiosk.get("/api/recommendations"))["code"] == "no_recommendations"


def test_trigger_starts_a_run_and_a_second_trigger_is_busy(stack, kiosk):
    headers = csrf(kiosk)
    started = kiosk.post("/api/trigger", headers=headers)
    assert started.status_code == 202 and started.get_json()["state"] == "detecting"
    assert kiosk.get("/api/state").get_json()["state"] == "detecting"
    busy = kiosk.post("/api/trigger", headers=headers)
    assert busy.status_code == 409 and error_of(busy)["code"] == "busy"
    assert kiosk.post("/api/cancel", headers=headers).get_json() == {"cancelled": True}
    stack.controller.join(5)
    assert kiosk.get("/api/state").get_json()["state"] == "idle"
    assert kiosk.post("/api/cancel", headers=headers).get_json() == {"cancelled": False}


def test_a_finished_run_gives_a_result_and_recommendations(tmp_path):
    with demo_stack(demo_config(tmp_path, seconds=1.5)) as stack:
        kiosk = stack.app.test_client()
        assert kiosk.post("/api/trigger", headers=csrf(kiosk)).status_code == 202
        stack.controller.join(10)
        result = kiosk.get("/api/result").get_json()
        assert result["frames_seen"] > 0
        if result["emotion"]:  # the demo visitor may have stepped away: then there is nothing to recommend
            recommendations = kiosk.get("/api/recommendations").get_json()
            assert recommendations["emotion"] == result["emotion"] and recommendations["tracks"]


def test_player_controls_drive_the_demo_player(stack, kiosk):
    headers = csrf(kiosk)
    nothing = kiosk.post("/api/player/next", headers=headers)
    assert nothing.status_code == 409 and error_of(nothing)["code"] == "nothing_to_play"
    stack.controller.music.recommend("happy")
    track = stack.controller.music.recommend("happy").tracks[0]
    playing = kiosk.post("/api/player/play", json={"uri": track.uri}, headers=headers).get_json()
    assert playing["playing"] and playing["track"]["uri"] == track.uri
    assert kiosk.post("/api/player/pause", headers=headers).get_json()["playing"] is False
    assert kiosk.post("/api/player/volume", json={"percent": 30}, headers=headers).get_json()["volume"] == 30
    assert kiosk.get("/api/player").get_json()["volume"] == 30
    unknown = kiosk.post("/api/player/play", json={"uri": "spotify:track:nope"}, headers=headers)
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "unknown_track"


# ---------------------------------------------------------------------------------------------- errors
def test_unknown_paths_and_wrong_methods_are_json(kiosk):
    missing = kiosk.get("/api/nope")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    assert kiosk.get("/nope.html").status_code == 404 and kiosk.get("/nope.html").is_json
    wrong = kiosk.get("/api/trigger")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"loud"', b'{"percent": "50"}', b'{"percent": 101}', b'{"percent": -1}',
     b'{"percent": true}', b'{"percent": 50.5}', b"{}"],
)
def test_bad_volume_input_is_a_400_never_a_500(kiosk, body):
    answer = kiosk.post("/api/player/volume", data=body, content_type="application/json", headers=csrf(kiosk))
    assert answer.status_code == 400 and error_of(answer)["code"] in ("bad_json", "bad_volume")


@pytest.mark.parametrize("uri", [17, "", "x" * 600, ["spotify:track:1"]])
def test_bad_play_uri_is_a_400(kiosk, uri):
    answer = kiosk.post("/api/player/play", json={"uri": uri}, headers=csrf(kiosk))
    assert answer.status_code == 400 and error_of(answer)["code"] == "bad_uri"


def test_request_bodies_are_size_limited(stack, kiosk):
    headers = csrf(kiosk)
    too_big = b'{"percent": 5, "pad": "' + b"x" * stack.config.web.max_body_bytes + b'"}'
    for path in ("/api/player/volume", "/api/trigger", "/api/pairing/pair"):
        answer = kiosk.post(path, data=too_big, content_type="application/json", headers=headers)
        assert answer.status_code == 413 and error_of(answer)["code"] == "too_large", path
    assert stack.controller.state == "idle"


# ---------------------------------------------------------------------------------------------- CSRF
def test_state_changes_need_the_sessions_csrf_token(stack, kiosk):
    refused = kiosk.post("/api/trigger")
    assert refused.status_code == 403 and error_of(refused)["code"] == "csrf"
    assert kiosk.post("/api/trigger", headers={"X-CSRF-Token": "forged"}).status_code == 403
    other = stack.app.test_client()
    assert kiosk.post("/api/trigger", headers=csrf(other)).status_code == 403  # another session's token
    assert stack.controller.state == "idle"
    assert kiosk.post("/api/trigger", headers=csrf(kiosk)).status_code == 202


def test_the_page_carries_the_csrf_token_of_its_session(kiosk):
    page = kiosk.get("/").get_data(as_text=True)
    token = kiosk.get("/api/pairing").get_json()["csrf_token"]
    assert f'"csrf": "{token}"' in page


# ---------------------------------------------------------------------------------------------- pairing
def test_an_unpaired_lan_client_is_refused_everything_but_pairing(stack, phone):
    for path in ("/api/state", "/api/result", "/api/player", "/api/events", "/api/spotify/status", "/callback"):
        answer = phone.get(path)
        assert answer.status_code == 403 and error_of(answer)["code"] == "pairing_required", path
    refused = phone.post("/api/trigger", headers=csrf(phone))
    assert refused.status_code == 403 and stack.controller.state == "idle"
    status = phone.get("/api/pairing").get_json()
    assert status["paired"] is False and status["kiosk"] is False


def test_the_loopback_kiosk_needs_no_pairing(kiosk):
    assert kiosk.get("/api/pairing").get_json() | {"csrf_token": ""} == {"kiosk": True, "paired": True, "csrf_token": ""}
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
    assert error_of(phone.get("/api/pairing/code"))["code"] == "pairing_required"
    pair(phone, kiosk)
    assert error_of(phone.get("/api/pairing/code"))["code"] == "kiosk_only"  # even a paired phone


def test_a_wrong_code_is_refused_and_the_right_one_pairs(stack, kiosk, phone):
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = pair(phone, kiosk, wrong)
    assert refused.status_code == 403 and error_of(refused)["code"] == "wrong_code"
    assert phone.get("/api/state").status_code == 403
    assert pair(phone, kiosk, code).get_json() == {"paired": True}
    assert phone.get("/api/state").status_code == 200
    assert phone.post("/api/trigger").status_code == 403  # still needs its CSRF token
    assert phone.post("/api/trigger", headers=csrf(phone)).status_code == 202


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", 123456, None, "١٢٣٤٥٦"])
def test_malformed_codes_are_a_400(kiosk, phone, code):
    answer = phone.post("/api/pairing/pair", json={"code": code}, headers=csrf(phone))
    assert answer.status_code == 400 and error_of(answer)["code"] == "bad_code"


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
    assert limited.status_code == 429 and error_of(limited)["code"] == "rate_limited"
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
    assert error_of(phone.post("/api/pairing/revoke", headers=csrf(phone)))["code"] == "kiosk_only"
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


def test_a_damaged_pairing_file_starts_afresh(tmp_path):
    config = demo_config(tmp_path)
    (config.state_path() / STATE_FILE).write_text("{ nope")
    with demo_stack(config) as stack:
        assert len(stack.app.test_client().get("/api/pairing/code").get_json()["code"]) == 6


# ---------------------------------------------------------------------------------------------- language
def test_language_follows_the_browser_or_the_config(tmp_path, kiosk):
    korean = kiosk.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "감정 인식 시작" in korean and '<html lang="ko">' in korean
    english = kiosk.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Start Emotion Detection" in english
    with demo_stack(demo_config(tmp_path / "en", language="en")) as stack:
        forced = stack.app.test_client().get("/", headers={"Accept-Language": "ko"}).get_data(as_text=True)
        assert "Start Emotion Detection" in forced


# ---------------------------------------------------------------------------------------------- Spotify login
def test_spotify_login_without_spotify_is_a_409(kiosk):
    for path, body in (("/api/spotify/login", None), ("/api/spotify/finish", {"url": "http://127.0.0.1/callback?code=x"})):
        answer = kiosk.post(path, json=body, headers=csrf(kiosk))
        assert answer.status_code == 409 and error_of(answer)["code"] == "spotify_not_configured"
    assert kiosk.get("/api/spotify/status").get_json()["backend"] == "offline"


@pytest.fixture
def spotify(tmp_path):
    fake = FakeSpotify().start()
    config = demo_config(tmp_path).replace("service", demo=False).replace(
        "spotify", client_id=fake.client_id, api_url=fake.api_url, accounts_url=fake.url
    )
    with demo_stack(config) as stack:
        yield fake, stack
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
    assert bad.status_code == 400 and error_of(bad)["code"] == "bad_url"
    forged = phone.post("/api/spotify/finish", json={"url": "http://127.0.0.1:5000/callback?code=x&state=y"},
                        headers=csrf(phone))
    assert 400 <= forged.status_code < 500 and error_of(forged)
    garbled = phone.post("/api/spotify/finish", json={"url": "http://[oops/callback?code=1&state=2"},
                         headers=csrf(phone))
    assert garbled.status_code == 400 and error_of(garbled)["code"] == "bad_url"


def test_a_login_cancelled_at_spotify_takes_the_kiosk_back_to_its_page_with_the_reason(spotify):
    fake, stack = spotify
    kiosk = stack.app.test_client()
    url = kiosk.post("/api/spotify/login", headers=csrf(kiosk)).get_json()["url"]
    state = url.split("state=", 1)[1].split("&", 1)[0]
    with stack.controller.bus.subscribe() as events:
        landed = kiosk.get(f"/callback?error=access_denied&state={state}")
        received = [events.get(timeout=1.0) for _ in range(2)]
    assert landed.status_code == 303 and landed.headers["Location"] == "/"
    error = next(e for e in received if e and e["type"] == "error")
    assert error["code"] == "login_denied" and "access_denied" in error["message"]


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


def test_live_events_start_with_the_snapshot_then_follow_the_bus(stack):
    host, port = stack.url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/api/events")
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
        assert response.readline() == b"retry: 2000\n"
        name, snapshot = read_event(response)
        assert name == "snapshot" and snapshot["state"] == "idle"
        assert [e["colour"] for e in snapshot["emotions"]] == [e.colour for e in EMOTIONS]
        stack.controller.trigger("test")
        name, event = read_event(response)
        while name == "camera":
            name, event = read_event(response)
        assert (name, event["state"]) == ("state", "detecting")
    finally:
        connection.close()
