"""Owner mode in real Chromium: the PIN pad (from ⚙ or a long press on the title), owner controls hidden from
visitors, confirmation before unpairing everyone, pairing never advertised while the LAN is off and its QR
link a LAN address, an unpaired phone's page without a broken Spotify box or a false "no longer paired", and
a Spotify login on the kiosk that cannot leave the kiosk's screen on an error page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from moodify_edge.web.pages import strings

from .conftest import KIOSK, PHONE
from .stack import demo_config, demo_stack

PIN = "2468"
LAN_HOST = "127.0.0.2"  # the LAN listener; the kiosk's own browser uses 127.0.0.1
EN = strings()["en"]
KO = strings()["ko"]

CONTRAST = """el => {
    const rgb = s => s.match(/[\\d.]+/g).map(Number);
    const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    let bg = el, colour;
    while (bg && (colour = getComputedStyle(bg).backgroundColor).endsWith(", 0)")) bg = bg.parentElement;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(colour))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture
def owned(tmp_path):
    """The demo stack with LAN access on (:data:`LAN_HOST`) and an owner PIN; ``lan_url`` is what phones open."""
    config = demo_config(tmp_path / "state", host=LAN_HOST).replace("kiosk", owner_pin=PIN)
    with demo_stack(config) as stack:
        stack.lan_url = stack.url.replace("127.0.0.1", LAN_HOST)
        yield stack


def type_pin(page, pin: str) -> None:
    for digit in pin:
        page.locator("#owner-pad .pin-keys").get_by_role("button", name=digit, exact=True).tap()
    page.get_by_role("button", name=EN["owner_unlock"]).tap()


def test_with_the_lan_off_nothing_about_pairing_shows(demo, open_page, console):
    page = open_page(demo.url, KIOSK)  # web.host 127.0.0.1, no PIN: the kiosk is its own owner
    page.get_by_role("button", name="Start Emotion Detection").wait_for()
    assert page.locator("#pair-chip").count() == 0
    page.locator("#open-settings").tap()
    expect(page.locator("#settings")).to_be_visible()
    assert page.locator("#pairing-box").count() == 0 and page.locator("#pair-qr").count() == 0
    assert not page.get_by_text(re.compile("Pair", re.IGNORECASE)).first.is_visible()
    for theme in ("", "result-theme"):  # the warning colour on the dark card and on the light one
        ratio = page.evaluate(
            f"""() => {{ document.body.className = "kiosk {theme}"; const p = document.createElement("p");
                p.className = "warn-text"; p.textContent = "!"; document.querySelector(".sheet").append(p);
                return ({CONTRAST})(p); }}"""
        )
        assert ratio >= 4.5, (theme, ratio)
    assert console.errors == []


def test_the_owner_unlocks_with_the_pin_and_confirms_before_unpairing_everyone(owned, open_page, console):
    kiosk = open_page(owned.url, KIOSK)
    kiosk.get_by_role("button", name="Start Emotion Detection").wait_for()
    expect(kiosk.locator("#pair-chip")).to_be_hidden()  # the code is not for passers-by
    kiosk.locator("#open-settings").tap()
    expect(kiosk.locator("#owner-pad")).to_be_visible()
    expect(kiosk.locator("#settings")).to_be_hidden()
    type_pin(kiosk, "1357")
    expect(kiosk.locator("#pin-error")).to_have_text(EN["errors"]["wrong_pin"])
    kiosk.locator("#pin-cancel").tap()
    expect(kiosk.locator("#owner-pad")).to_be_hidden()

    box = kiosk.locator(".brand").bounding_box()  # a long press on the title opens the pad too
    kiosk.mouse.move(box["x"] + 5, box["y"] + 5)
    kiosk.mouse.down()
    kiosk.wait_for_timeout(1000)
    expect(kiosk.locator("#owner-pad")).to_be_hidden()  # not after a second
    kiosk.wait_for_timeout(2300)
    kiosk.mouse.up()
    expect(kiosk.locator("#owner-pad")).to_be_visible()
    type_pin(kiosk, PIN)
    expect(kiosk.locator("#settings")).to_be_visible()
    kiosk.wait_for_function("/^\\d{6}$/.test(document.getElementById('pair-big-code').textContent)")
    url = kiosk.locator("#pair-url").inner_text()
    assert url.startswith(f"http://{LAN_HOST}:") and "127.0.0.1" not in url
    expect(kiosk.locator("#pair-chip")).to_be_visible()

    phone = open_page(url, PHONE, is_mobile=True, locale="ko-KR")  # the QR link pairs it
    phone.get_by_role("button", name="감정 인식 시작").wait_for()  # an owner's phone now, in Korean
    kiosk.get_by_role("button", name="Unpair all phones").tap()
    expect(kiosk.locator("#confirm")).to_be_visible()
    kiosk.get_by_role("button", name=EN["confirm_no"], exact=True).tap()
    assert phone.evaluate("fetch('/api/state').then(r => r.status)") == 200
    kiosk.get_by_role("button", name="Unpair all phones").tap()
    kiosk.get_by_role("button", name=EN["confirm_yes"], exact=True).tap()
    phone.get_by_role("heading", name="이 휴대폰 연결하기").wait_for()
    expect(phone.locator("#pair-error")).to_have_text(KO["unpaired"])  # it was paired: it is told

    kiosk.get_by_role("button", name=EN["owner_lock"]).tap()
    expect(kiosk.locator("#settings")).to_be_hidden()
    expect(kiosk.locator("#pair-chip")).to_be_hidden()
    kiosk.locator("#open-settings").tap()
    expect(kiosk.locator("#owner-pad")).to_be_visible()
    assert console.errors_besides_refused("/api/owner/unlock", "/api/events", "/api/state") == []


def test_an_unpaired_phone_sees_no_settings_and_is_not_told_it_was_unpaired(owned, open_page, console):
    phone = open_page(owned.lan_url, PHONE, is_mobile=True)
    phone.get_by_role("heading", name="Pair this phone").wait_for()
    expect(phone.locator("#open-settings")).to_be_hidden()
    expect(phone.locator("#spotify-login")).to_be_hidden()
    expect(phone.locator("#spotify-logout")).to_be_hidden()
    phone.evaluate("""async () => (await import("/static/api.js")).act("POST", "/api/spotify/login")""")
    phone.wait_for_timeout(300)
    expect(phone.locator("#pair-error")).to_have_text("")  # never paired: no "no longer paired"
    code = owned.app.extensions["moodify.pairing"].code
    phone.locator("#pair-code").fill(code)
    phone.get_by_role("button", name="Pair", exact=True).tap()
    expect(phone.locator("#pair-error")).to_have_text(EN["errors"]["pairing_closed"])  # visitor pairing is off
    assert console.errors_besides_refused("/api/spotify/login", "/api/pairing/pair") == []


def test_the_spotify_login_on_the_kiosk_cannot_strand_its_screen(tmp_path, open_page, console):
    unreachable = "http://127.0.0.1:9"  # no internet: nothing answers
    config = demo_config(tmp_path / "state").replace("service", demo=False)
    config = config.replace("spotify", client_id="0" * 32, accounts_url=unreachable, api_url=f"{unreachable}/v1/")
    with demo_stack(config) as stack:
        kiosk = open_page(stack.url, KIOSK)
        kiosk.get_by_role("button", name="Start Emotion Detection").wait_for()
        kiosk.evaluate("window.moodify.loginTimeoutMs = 2000")
        kiosk.locator("#open-settings").tap()  # no PIN and no owner phone yet: the kiosk is its owner
        with kiosk.expect_popup() as opened:
            kiosk.get_by_role("button", name=EN["spotify_login"]).tap()
        popup = opened.value
        popup.wait_for_event("close", timeout=10000)
        assert kiosk.url == f"{stack.url}/" or kiosk.url == stack.url
        expect(kiosk.locator("#banner")).to_have_text(EN["spotify_login_timeout"])
        expect(kiosk.get_by_role("button", name="Start Emotion Detection")).to_be_attached()
