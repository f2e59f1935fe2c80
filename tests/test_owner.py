"""Owner mode on the server: the owner PIN (config check, the kiosk-only PIN pad, wrong PINs limited and the
limit persisted, an owner session that ends by itself or on "lock"), owner phones and visitors' phones, owner
actions refused to everyone else, pairing never offered while phones cannot reach the kiosk (and never a
loopback link), and ``doctor`` on a Spotify redirect URI that is not on ``web.port``."""

from __future__ import annotations

from typing import Any

import pytest
from browser.stack import LAN_ADDRESS, demo_config
from helpers import client_from, csrf, error_of, pair

from moodify_edge import doctor
from moodify_edge.config import Config, ConfigError, parse
from moodify_edge.contract import ErrorCode
from moodify_edge.music.factory import create_music
from moodify_edge.web import create_app
from moodify_edge.web.owner import OWNER_SECONDS, PIN_ATTEMPTS_PER_MINUTE, OwnerGate
from moodify_edge.web.pairing_store import VISITOR_SECONDS

PIN = "2468"
LAN_HOST = "127.0.0.2"
OWNER_ACTIONS = (
    ("GET", "/api/pairing/code"),
    ("POST", "/api/pairing/open"),
    ("POST", "/api/pairing/revoke"),
    ("POST", "/api/spotify/login"),
    ("POST", "/api/spotify/logout"),
    ("POST", "/api/owner/visitor-pairing"),
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def config_for(tmp_path: Any, **kiosk: Any) -> Config:
    return demo_config(tmp_path / "state", seconds=30.0, host=LAN_HOST).replace("kiosk", **{"owner_pin": PIN, **kiosk})


def unlock(client: Any, pin: str = PIN) -> Any:
    return client.post("/api/owner/unlock", json={"pin": pin}, headers=csrf(client))


def refused(client: Any, method: str, path: str) -> str:
    answer = client.open(path, method=method, json={"on": True}, headers=csrf(client))
    return str(error_of(answer)["code"]) if answer.status_code >= 400 else f"allowed ({answer.status_code})"


# ---------------------------------------------------------------------------------------------- config
@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "１２３４", "12 34"])
def test_an_owner_pin_that_is_not_4_to_12_digits_is_refused_naming_the_key(pin):
    with pytest.raises(ConfigError, match="kiosk.owner_pin"):
        parse(f'[kiosk]\nowner_pin = "{pin}"\n')


def test_an_owner_pin_of_digits_or_none_is_fine():
    assert parse('[kiosk]\nowner_pin = "0042"\n').kiosk.owner_pin == "0042"
    assert parse('[kiosk]\nowner_pin = ""\n').kiosk.owner_pin == ""


# ---------------------------------------------------------------------------------------------- the PIN
def test_owner_actions_need_the_pin_on_the_kiosk_screen_and_lock_ends_them(build, tmp_path):
    stack = build(config_for(tmp_path))
    kiosk = client_from(stack.app)
    for method, path in OWNER_ACTIONS:
        assert refused(kiosk, method, path) == ErrorCode.OWNER_REQUIRED, path
    wrong = unlock(kiosk, "1357")
    assert wrong.status_code == 403 and error_of(wrong)["code"] == ErrorCode.WRONG_PIN
    assert kiosk.get("/api/owner").get_json()["owner"] is False
    status = unlock(kiosk).get_json()
    assert status["owner"] is True and 0 < status["left"] <= OWNER_SECONDS and status["role"] == "kiosk"
    info = kiosk.get("/api/pairing/code").get_json()
    assert info["url"].startswith(f"http://{LAN_HOST}:") and info["qr_svg"].startswith("<svg")
    assert refused(kiosk, "POST", "/api/spotify/login") == ErrorCode.SPOTIFY_NOT_CONFIGURED  # past the owner check
    assert kiosk.post("/api/owner/lock", headers=csrf(kiosk)).get_json()["owner"] is False
    assert refused(kiosk, "GET", "/api/pairing/code") == ErrorCode.OWNER_REQUIRED


def test_an_owner_session_ends_by_itself(build, tmp_path):
    stack = build(config_for(tmp_path))
    clock = Clock()
    state = stack.config.state_path()
    stack.app.extensions["moodify.owner"] = OwnerGate(PIN, False, state / "pin-limits.json", clock)
    kiosk = client_from(stack.app)
    assert unlock(kiosk).status_code == 200
    clock.now += OWNER_SECONDS - 1
    assert kiosk.get("/api/pairing/code").status_code == 200
    clock.now += 1
    assert refused(kiosk, "GET", "/api/pairing/code") == ErrorCode.OWNER_REQUIRED


def test_wrong_pins_are_limited_and_the_limit_outlives_a_restart(build, tmp_path):
    stack = build(config_for(tmp_path))
    kiosk = client_from(stack.app)
    for _ in range(PIN_ATTEMPTS_PER_MINUTE):
        assert error_of(unlock(kiosk, "0000"))["code"] == ErrorCode.WRONG_PIN
    limited = unlock(kiosk)  # even the right PIN waits
    assert limited.status_code == 429 and error_of(limited)["code"] == ErrorCode.RATE_LIMITED
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    restarted = client_from(create_app(stack.controller, stack.config))
    assert unlock(restarted).status_code == 429


def test_phones_cannot_try_pins(stack, build, tmp_path):
    app = build(config_for(tmp_path)).app
    kiosk, phone = client_from(app), client_from(app, LAN_ADDRESS)
    unlock(kiosk)
    assert pair(phone, kiosk).get_json() == {"paired": True, "owner": True}
    assert error_of(unlock(phone))["code"] == ErrorCode.KIOSK_ONLY  # not even the owner's phone


def test_without_a_pin_the_pad_says_so(build, tmp_path):
    kiosk = client_from(build(config_for(tmp_path, owner_pin="")).app)
    answer = unlock(kiosk)
    assert answer.status_code == 409 and error_of(answer)["code"] == ErrorCode.NO_PIN


# ---------------------------------------------------------------------------------------------- phones
def test_only_the_owner_pairs_phones_until_visitor_pairing_is_on(build, tmp_path):
    stack = build(config_for(tmp_path))
    kiosk, owner_phone = client_from(stack.app), client_from(stack.app, LAN_ADDRESS)
    code = stack.app.extensions["moodify.pairing"].code
    closed = pair(owner_phone, kiosk, code)
    assert closed.status_code == 403 and error_of(closed)["code"] == ErrorCode.PAIRING_CLOSED
    unlock(kiosk)
    assert pair(owner_phone, kiosk, code).get_json()["owner"] is True
    kiosk.post("/api/owner/lock", headers=csrf(kiosk))
    assert owner_phone.get("/api/owner").get_json() | {"lan": None} == {
        "owner": True,
        "role": "owner",
        "pin": True,
        "left": 0,
        "visitor_pairing": False,
        "lan": None,
    }
    on = owner_phone.post("/api/owner/visitor-pairing", json={"on": True}, headers=csrf(owner_phone))
    assert on.get_json()["visitor_pairing"] is True
    assert kiosk.get("/api/pairing/code").get_json()["code"] == code  # the screen may show it to visitors now
    visitor = client_from(stack.app, "192.168.1.80")
    assert pair(visitor, kiosk, code).get_json() == {"paired": True, "owner": False}
    assert visitor.post("/api/trigger", headers=csrf(visitor)).status_code == 202  # visitors control the kiosk
    stack.controller.cancel()
    for method, path in OWNER_ACTIONS[2:]:
        assert refused(visitor, method, path) == ErrorCode.OWNER_REQUIRED, path
    assert visitor.get("/api/owner").get_json()["role"] == "visitor"
    assert owner_phone.post("/api/pairing/revoke", headers=csrf(owner_phone)).status_code == 200  # the owner's phone


def test_a_visitors_control_ends_with_the_visit(build, tmp_path):
    stack = build(config_for(tmp_path, visitor_pairing=True))
    pairing = stack.app.extensions["moodify.pairing"]
    clock = Clock()
    pairing._clock = clock
    visitor = client_from(stack.app, LAN_ADDRESS)
    answer = pair(visitor, None, pairing.code)
    assert answer.get_json()["owner"] is False
    assert "Expires=" not in answer.headers["Set-Cookie"]  # the cookie ends with the browser's session
    assert visitor.get("/api/state").status_code == 200
    clock.now += VISITOR_SECONDS
    ended = visitor.get("/api/state")
    assert ended.status_code == 403 and error_of(ended)["code"] == ErrorCode.PAIRING_REQUIRED
    assert pairing.owners == [] and pairing.pairings == []  # nothing of a visit is written down


def test_without_a_pin_the_kiosk_is_the_owner_only_until_an_owner_phone_pairs(build, tmp_path):
    stack = build(config_for(tmp_path, owner_pin=""))
    kiosk, phone = client_from(stack.app), client_from(stack.app, LAN_ADDRESS)
    assert kiosk.get("/api/owner").get_json()["owner"] is True  # setting up
    assert pair(phone, kiosk).get_json()["owner"] is True
    for method, path in OWNER_ACTIONS:
        assert refused(kiosk, method, path) == ErrorCode.OWNER_REQUIRED, path
    assert phone.post("/api/pairing/revoke", headers=csrf(phone)).status_code == 200
    assert kiosk.get("/api/owner").get_json()["owner"] is True  # no owner phone left: setting up again


# ---------------------------------------------------------------------------------------------- LAN off
def test_nothing_about_pairing_is_offered_while_the_lan_is_off(build, tmp_path):
    stack = build(demo_config(tmp_path / "state"))  # web.host 127.0.0.1; no PIN: the kiosk is the owner
    kiosk = client_from(stack.app)
    assert kiosk.get("/api/pairing/code").get_json() == {"lan": False, "alarm": False}
    assert error_of(kiosk.post("/api/pairing/open", headers=csrf(kiosk)))["code"] == ErrorCode.PAIRING_CLOSED
    page = kiosk.get("/").get_data(as_text=True)
    assert 'id="pair-chip"' not in page and 'id="pairing-box"' not in page


@pytest.mark.parametrize(("found", "link"), [("192.168.1.5", "http://192.168.1.5:"), ("127.0.0.1", None)])
def test_the_pairing_link_is_the_lan_address_never_loopback(build, tmp_path, monkeypatch, found, link):
    monkeypatch.setattr("moodify_edge.web.owner.lan_address", lambda: found)
    kiosk = client_from(build(demo_config(tmp_path / "state", host="0.0.0.0")).app)
    info = kiosk.get("/api/pairing/code").get_json()
    assert info.get("url", "").startswith(link) if link else "url" not in info and info["lan"] is False


# ---------------------------------------------------------------------------------------------- doctor
def test_doctor_flags_a_redirect_uri_that_is_not_on_the_web_port(tmp_path):
    config = demo_config(tmp_path / "state").replace("service", demo=False).replace("web", port=5300)
    config = config.replace("spotify", client_id="abc", redirect_uri="http://127.0.0.1:5000/callback")
    check = doctor.check_spotify(config, create_music(config))
    assert check.level == "warn" and "spotify.redirect_uri" in check.message and "5300" in check.message
    fixed = config.replace("spotify", redirect_uri="http://127.0.0.1:5300/callback")
    assert "redirect_uri" not in doctor.check_spotify(fixed, create_music(fixed)).message
