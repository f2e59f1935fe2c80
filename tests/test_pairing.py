"""Pairing phones with the kiosk, and why nobody on the LAN can guess their way in: the code and its QR, wrong
codes limited per address and for all addresses together (persisted, never reset by a code change or a
restart), the owner's one-time code that pairs a phone during an attack, the guessing alarm, pairing ids
that "forget" strikes off, and the pairing file checked on load.

Logic runs through Flask's test client (the cheap app of :func:`helpers.web_apps`); the attacks run against
real waitress servers, with the LAN listener on 127.0.0.2 and guessers at source addresses 127.0.0.x.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from browser.stack import LAN_ADDRESS, demo_config
from helpers import (
    client_from,
    csrf,
    error_of,
    next_event,
    pair,
    session_from,
)

from moodify_edge.config import Config
from moodify_edge.contract import ErrorCode, EventType, KioskState
from moodify_edge.web import create_app
from moodify_edge.web.limiter import (
    ALARM_AFTER,
    ALARM_QUIET,
    FORGIVE_AFTER,
    GLOBAL_PER_HOUR,
    LIMITS_FILE,
    Budget,
    GuessingAlarm,
    PairingLimiter,
)
from moodify_edge.web.pairing_store import MAX_PAIRINGS, STATE_FILE, TICKET_SECONDS
from moodify_edge.web.server import serve

LAN_HOST = "127.0.0.2"  # the LAN listener in the real-server tests; the kiosk's own is 127.0.0.1
PIN = "2468"


def owned_config(state_dir) -> Config:
    """Demo mode with LAN access on (:data:`LAN_HOST`) and an owner PIN."""
    return demo_config(state_dir, seconds=30.0, host=LAN_HOST).replace("kiosk", owner_pin=PIN)


def unlocked(app) -> Any:
    """The kiosk's own browser, unlocked by the owner: phones paired meanwhile are owner phones."""
    client = client_from(app)
    assert client.post("/api/owner/unlock", json={"pin": PIN}, headers=csrf(client)).status_code == 200
    return client


@pytest.fixture
def stack(build, tmp_path):
    return build(owned_config(tmp_path / "state"))


@pytest.fixture
def kiosk(stack):
    return unlocked(stack.app)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wrong_for(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


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
    assert info["lan"] is True and info["url"].startswith(f"http://{LAN_HOST}:")
    assert info["code"] not in phone.get("/").get_data(as_text=True)
    assert error_of(phone.get("/api/pairing/code"))["code"] == ErrorCode.PAIRING_REQUIRED
    pair(phone, kiosk)
    assert error_of(phone.get("/api/pairing/code"))["code"] == ErrorCode.KIOSK_ONLY  # even an owner's phone


def test_a_wrong_code_is_refused_and_the_right_one_pairs(stack, kiosk, phone):
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = pair(phone, kiosk, wrong)
    assert refused.status_code == 403 and error_of(refused)["code"] == ErrorCode.WRONG_CODE
    assert phone.get("/api/state").status_code == 403
    assert pair(phone, kiosk, code).get_json() == {"paired": True, "owner": True}
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
    for n in range(GLOBAL_PER_HOUR):  # a different address each time: the per-address limit never bites
        guesser = client_from(stack.app, f"2001:db8::{n + 1:x}")
        assert pair(guesser, kiosk, wrong).status_code == 403
    assert kiosk.get("/api/pairing/code").get_json()["code"] != code
    # The old code is gone, and for the next hour no code from the LAN is even compared.
    late = pair(client_from(stack.app, "2001:db8::ffff"), kiosk, code)
    assert late.status_code == 429 and error_of(late)["code"] == ErrorCode.RATE_LIMITED
    assert phone.get("/api/state").status_code == 200


def test_revoking_unpairs_every_phone_and_changes_the_code(stack, kiosk, phone):
    old = kiosk.get("/api/pairing/code").get_json()["code"]
    assert pair(phone, kiosk, old).status_code == 200
    visitor = client_from(stack.app, "192.168.1.77")
    assert error_of(visitor.post("/api/pairing/revoke", headers=csrf(visitor)))["code"] == ErrorCode.PAIRING_REQUIRED
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
    config = owned_config(tmp_path)
    (config.state_path() / STATE_FILE).write_text("{ nope")
    stack = build(config)
    assert len(unlocked(stack.app).get("/api/pairing/code").get_json()["code"]) == 6
    assert (config.state_path() / f"{STATE_FILE}.bad").read_text() == "{ nope"


def test_a_half_written_pairing_file_left_by_a_crash_is_cleared(build, tmp_path):
    config = owned_config(tmp_path)
    leftover = config.state_path() / f".{STATE_FILE}.123.456.tmp"
    leftover.write_text('{"secret_key": "hal')
    build(config)
    assert not leftover.exists() and json.loads((config.state_path() / STATE_FILE).read_text())["code"]


def test_a_phone_that_forgets_ends_every_copy_of_its_cookie(stack, kiosk, phone):
    assert pair(phone, kiosk).status_code == 200
    thief = client_from(stack.app, "192.168.1.66")
    thief.set_cookie("moodify_session", phone.get_cookie("moodify_session").value)
    assert thief.get("/api/state").status_code == 200  # a copied cookie works while the pairing lasts
    assert phone.post("/api/pairing/forget", headers=csrf(phone)).get_json() == {"paired": False}
    refused = thief.get("/api/state")
    assert refused.status_code == 403 and error_of(refused)["code"] == ErrorCode.PAIRING_REQUIRED
    assert json.loads((stack.config.state_path() / STATE_FILE).read_text())["pairings"] == []


def test_each_pairing_has_its_own_id_and_their_number_is_bounded(build, tmp_path):
    stack = build(owned_config(tmp_path))
    kiosk = unlocked(stack.app)
    phones = [client_from(stack.app, f"10.0.{n // 200}.{n % 200 + 1}") for n in range(MAX_PAIRINGS + 1)]
    for phone in phones:
        assert pair(phone, kiosk).status_code == 200
    listed = json.loads((stack.config.state_path() / STATE_FILE).read_text())["pairings"]
    assert len(set(listed)) == MAX_PAIRINGS
    assert phones[0].get("/api/state").status_code == 403  # the pairing made longest ago gave way
    assert phones[-1].get("/api/state").status_code == 200
    kiosk.post("/api/pairing/revoke", headers=csrf(kiosk))
    assert json.loads((stack.config.state_path() / STATE_FILE).read_text())["pairings"] == []


@pytest.mark.parametrize(
    "change",
    [
        {"code": "abc"},
        {"code": "1234567"},
        {"secret_key": "x"},
        {"secret_key": "ab" * 15},  # 30 hex digits: too short
        {"epoch": "not hex!"},
        {"pairings": ["nope"]},
        {"pairings": "0" * 32},
        {"pairings": ["0" * 32] * (MAX_PAIRINGS + 1)},
    ],
)
def test_a_pairing_file_with_a_bad_value_is_set_aside(build, tmp_path, caplog, change):
    config = owned_config(tmp_path)
    path = config.state_path() / STATE_FILE
    good = {"secret_key": "ab" * 32, "epoch": "0123456789abcdef", "code": "123456", "pairings": ["f" * 32]}
    path.write_text(json.dumps(good | change))
    with caplog.at_level(logging.WARNING):
        stack = build(config)
    assert json.loads(path.with_name(f"{STATE_FILE}.bad").read_text()) == good | change
    assert "moved aside" in caplog.text and STATE_FILE in caplog.text
    fresh = json.loads(path.read_text())
    assert fresh["secret_key"] != good["secret_key"] and len(fresh["code"]) == 6 and fresh["pairings"] == []
    assert stack.app.secret_key == fresh["secret_key"]


def test_a_valid_pairing_file_from_before_pairing_ids_is_kept(build, tmp_path):
    config = owned_config(tmp_path)
    old = {"secret_key": "ab" * 32, "epoch": "0123456789abcdef", "code": "123456"}
    (config.state_path() / STATE_FILE).write_text(json.dumps(old))
    stack = build(config)
    assert stack.app.secret_key == old["secret_key"]
    assert unlocked(stack.app).get("/api/pairing/code").get_json()["code"] == "123456"
    assert not (config.state_path() / f"{STATE_FILE}.bad").exists()


# ---------------------------------------------------------------------------------------------- limits
def test_a_budget_locks_out_for_doubling_times_and_forgets_after_a_day():
    budget, now = Budget(allowance=5, window=60.0), 0.0
    locks = []
    for _ in range(4):
        for _ in range(5):
            now += 1
            started = budget.fail(now)
        assert started and budget.wait(now) > 0
        locks.append(budget.wait(now))
        now += budget.wait(now)
        assert budget.wait(now) == 0
    assert locks == [60.0, 120.0, 240.0, 480.0]
    now += FORGIVE_AFTER + 1
    for _ in range(5):
        budget.fail(now)
    assert budget.wait(now) == 60.0


def test_no_more_than_the_global_budget_is_compared_in_any_hour_from_any_number_of_addresses(tmp_path):
    clock = FakeClock()
    limiter = PairingLimiter(tmp_path / LIMITS_FILE, per_minute=5, clock=clock)
    compared: list[float] = []

    def wrong() -> bool:
        compared.append(clock.now)
        return False

    for second in range(3 * 3600 // 10):  # three hours: every 10 s, ten new addresses each send a code
        clock.now = 1000.0 + 10 * second
        for n in range(10):
            limiter.attempt(f"10.{second % 250}.{second // 250}.{n}", wrong)
    assert compared and max(sum(1 for t in compared if s <= t < s + 3600) for s in compared) <= GLOBAL_PER_HOUR
    assert len(compared) <= 3 * GLOBAL_PER_HOUR


def test_limits_survive_a_restart_and_time_off_does_not_count(tmp_path):
    clock = FakeClock()
    path = tmp_path / LIMITS_FILE
    limiter = PairingLimiter(path, per_minute=5, clock=clock)
    for n in range(GLOBAL_PER_HOUR):
        limiter.attempt(f"10.0.0.{n}", lambda: False)
    wait = limiter.retry_after("10.9.9.9")
    assert 3590 <= wait <= 3600
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    clock.now += 10**6  # a new process on another day of the monotonic clock: only the stored ages count
    restarted = PairingLimiter(path, per_minute=5, clock=clock)
    assert restarted.retry_after("10.9.9.9") == wait
    assert restarted.attempt("10.9.9.9", lambda: True).wait == wait  # even the right code waits


def test_a_damaged_limits_file_is_set_aside(tmp_path, caplog):
    path = tmp_path / LIMITS_FILE
    path.write_text('{"everyone": {"failures": "many"}}')
    with caplog.at_level(logging.WARNING):
        limiter = PairingLimiter(path, per_minute=5)
    assert limiter.retry_after("10.0.0.1") == 0 and "moved aside" in caplog.text
    assert path.with_name(f"{LIMITS_FILE}.bad").exists()


def test_the_limits_outlive_a_restart_of_the_app_and_a_code_change(stack, kiosk, phone):
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    for _ in range(stack.config.web.pairing_attempts_per_minute):
        assert pair(phone, kiosk, wrong_for(code)).status_code == 403
    kiosk.post("/api/pairing/revoke", headers=csrf(kiosk))  # a new code resets nothing
    assert pair(phone, kiosk).status_code == 429
    restarted = create_app(stack.controller, stack.config)
    assert pair(client_from(restarted, LAN_ADDRESS), unlocked(restarted)).status_code == 429


# ---------------------------------------------------------------------------------------------- pair now
def lock_everyone_out(app, code: str) -> None:
    for n in range(GLOBAL_PER_HOUR):
        assert pair(client_from(app, f"10.1.0.{n + 1}"), None, wrong_for(code)).status_code == 403


def test_the_owner_pairs_a_phone_with_a_one_time_code_while_everyone_is_locked_out(stack, kiosk, phone):
    lock_everyone_out(stack.app, kiosk.get("/api/pairing/code").get_json()["code"])
    assert pair(phone, kiosk).status_code == 429  # even the right kiosk code is not compared now
    assert error_of(phone.post("/api/pairing/open", headers=csrf(phone)))["code"] == ErrorCode.PAIRING_REQUIRED
    ticket = kiosk.post("/api/pairing/open", headers=csrf(kiosk)).get_json()
    assert len(ticket["code"]) == 12 and ticket["url"].endswith(f"/pair#ticket={ticket['code']}")
    assert ticket["qr_svg"].startswith("<svg") and ticket["expires_in"] == TICKET_SECONDS
    assert kiosk.get("/api/pairing/code").get_json()["ticket_left"] > 0
    guesser = client_from(stack.app, "10.2.0.1")
    assert pair(guesser, kiosk, wrong_for(ticket["code"]) + "000000").status_code == 403
    assert pair(phone, kiosk, ticket["code"]).get_json() == {"paired": True, "owner": True}
    assert phone.get("/api/state").status_code == 200
    second = pair(guesser, kiosk, ticket["code"])  # one pairing only
    assert second.status_code == 403 and error_of(second)["code"] == ErrorCode.WRONG_CODE


def test_a_one_time_code_expires(stack, kiosk, phone):
    clock = FakeClock()
    store = stack.app.extensions["moodify.pairing"]
    store._clock = clock
    ticket = kiosk.post("/api/pairing/open", headers=csrf(kiosk)).get_json()["code"]
    clock.now += TICKET_SECONDS
    assert pair(phone, kiosk, ticket).status_code == 403
    assert kiosk.get("/api/pairing/code").get_json()["ticket_left"] == 0


# ---------------------------------------------------------------------------------------------- alarm
def test_guessing_raises_the_alarm_once_per_episode(stack, kiosk, caplog):
    clock = FakeClock()
    stack.app.extensions["moodify.pairing_alarm"] = GuessingAlarm(clock)
    events = stack.controller.bus.subscribe(64)
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    with caplog.at_level(logging.WARNING):
        for n in range(3 * ALARM_AFTER):  # wrong, then refused: both count
            pair(client_from(stack.app, f"10.3.0.{n % 4}"), kiosk, wrong_for(code))
    alarm = next_event(events, EventType.PAIRING_ALARM, timeout=1)
    assert alarm == {"type": "pairing_alarm", "active": True, "attempts": ALARM_AFTER, "addresses": 4}
    assert next_event(events, EventType.PAIRING_ALARM, timeout=0.2) is None  # once, not per request
    assert caplog.text.count("guessing the pairing code") == 1
    assert kiosk.get("/api/pairing/code").get_json()["alarm"] is True
    clock.now += ALARM_QUIET
    assert kiosk.get("/api/pairing/code").get_json()["alarm"] is False
    ended = next_event(events, EventType.PAIRING_ALARM, timeout=1)
    assert ended == {"type": "pairing_alarm", "active": False, "attempts": 3 * ALARM_AFTER, "addresses": 4}


def test_a_few_typing_mistakes_raise_no_alarm(stack, kiosk, phone):
    events = stack.controller.bus.subscribe(64)
    code = kiosk.get("/api/pairing/code").get_json()["code"]
    for _ in range(3):
        pair(phone, kiosk, wrong_for(code))
    assert pair(phone, kiosk, code).status_code == 200
    assert next_event(events, EventType.PAIRING_ALARM, timeout=0.2) is None


# ---------------------------------------------------------------------------------------------- real servers
@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` on real waitress servers (the kiosk's on 127.0.0.1, the LAN's on :data:`LAN_HOST`); yields the
    LAN's base URL."""
    servers = serve(app, LAN_HOST, 0)
    servers.start(on_stop=lambda _reason: None)
    try:
        yield f"http://{LAN_HOST}:{servers.port}"
    finally:
        servers.close()


def lan_config(tmp_path) -> Config:
    return demo_config(tmp_path / "state", seconds=30.0, host=LAN_HOST)


def browser(source: str, url: str) -> requests.Session:
    """A browser at ``source`` with its session's CSRF token."""
    session = session_from(source)
    session.headers["X-CSRF-Token"] = session.get(f"{url}/api/pairing", timeout=5).json()["csrf_token"]
    return session


def guess(url: str, sources: list[str], rounds: int, code: str) -> dict[int, int]:
    """Every source sends ``rounds`` wrong codes; how many answers had each status (403: the code was compared
    and found wrong, 429: refused uncompared)."""
    statuses: dict[int, int] = {}
    guessers = [browser(source, url) for source in sources]
    for _ in range(rounds):
        for guesser in guessers:
            status = guesser.post(f"{url}/api/pairing/pair", json={"code": wrong_for(code)}, timeout=5).status_code
            statuses[status] = statuses.get(status, 0) + 1
    return statuses


def test_guessing_from_many_addresses_on_a_real_server_is_limited_and_the_limit_outlives_a_restart(build, tmp_path):
    config = lan_config(tmp_path)
    stack = build(config)
    pairing_file = config.state_path() / STATE_FILE
    code = stack.app.extensions["moodify.pairing"].code
    sources = [f"127.0.0.{10 + n}" for n in range(8)]
    with serving(stack.app) as url:
        statuses = guess(url, sources, rounds=25, code=code)  # 200 guesses
    assert statuses == {403: GLOBAL_PER_HOUR, 429: 8 * 25 - GLOBAL_PER_HOUR}
    written = pairing_file.stat().st_mtime_ns
    new_code = stack.app.extensions["moodify.pairing"].code
    assert new_code != code  # changed once, when everyone was locked out; the lock-out outlives a restart:
    restarted = build(config)
    with serving(restarted.app) as url:
        statuses = guess(url, ["127.0.0.30", *sources[:3]], rounds=10, code=new_code)
        phone = browser("127.0.0.31", url)
        late = phone.post(f"{url}/api/pairing/pair", json={"code": new_code}, timeout=5)
    assert statuses == {429: 40}
    assert late.status_code == 429 and 3500 < int(late.headers["Retry-After"]) <= 3600
    assert pairing_file.stat().st_mtime_ns == written  # refused guesses write nothing


def test_a_real_phone_pairs_with_the_owners_one_time_code_during_an_attack(build, tmp_path):
    stack = build(lan_config(tmp_path))
    events = stack.controller.bus.subscribe(256)
    code = stack.app.extensions["moodify.pairing"].code
    with serving(stack.app) as url:
        kiosk_url = url.replace(LAN_HOST, "127.0.0.1")
        assert guess(url, [f"127.0.0.{40 + n}" for n in range(8)], rounds=5, code=code)[403] == GLOBAL_PER_HOUR
        kiosk = browser("127.0.0.1", kiosk_url)
        ticket = kiosk.post(f"{kiosk_url}/api/pairing/open", timeout=5).json()["code"]
        phone = browser("127.0.0.50", url)
        assert phone.get(f"{url}/api/state", timeout=5).status_code == 403
        paired = phone.post(f"{url}/api/pairing/pair", json={"code": ticket}, timeout=5)
        assert paired.status_code == 200, paired.text
        assert phone.get(f"{url}/api/state", timeout=5).json()["state"] == KioskState.IDLE
        # The phone is the owner's now (no PIN: the first phone paired), and visitor pairing is off.
        assert guess(url, ["127.0.0.41"], rounds=5, code=code) == {403: 5}
    alarm = next_event(events, EventType.PAIRING_ALARM, timeout=1)
    assert alarm is not None and alarm["active"] is True and alarm["addresses"] >= 2


def test_forget_on_a_real_server_ends_a_copied_cookie(build, tmp_path):
    stack = build(lan_config(tmp_path))
    with serving(stack.app) as url:
        phone = browser("127.0.0.60", url)
        code = stack.app.extensions["moodify.pairing"].code
        assert phone.post(f"{url}/api/pairing/pair", json={"code": code}, timeout=5).status_code == 200
        thief = session_from("127.0.0.61")
        thief.cookies.update(phone.cookies)
        assert thief.get(f"{url}/api/state", timeout=5).status_code == 200
        assert phone.post(f"{url}/api/pairing/forget", timeout=5).json() == {"paired": False}
        assert thief.get(f"{url}/api/state", timeout=5).status_code == 403
