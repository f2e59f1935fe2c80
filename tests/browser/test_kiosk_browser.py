"""The kiosk and phone pages in real Chromium against the demo stack on real servers: the whole loop at the
kiosk's 800×480, bar details by tapping, pairing a phone at 390×844, and a clean browser console."""

from __future__ import annotations

import math
import re

from playwright.sync_api import expect

from moodify_edge.capture import CameraStatus
from moodify_edge.contract import ErrorCode, ErrorSource, KioskState, RunOutcome
from moodify_edge.emotions import by_key
from moodify_edge.events import CameraChanged, ErrorRaised, StateChanged
from moodify_edge.web.pages import strings

from .conftest import KIOSK, PHONE

RESULT_TIMEOUT_MS = 20000


def percent(p: float) -> str:
    """As the page rounds (JavaScript's Math.round: halves go up)."""
    return f"{math.floor(p * 100 + 0.5)}%"


def rgb(hex_colour: str) -> str:
    n = int(hex_colour[1:], 16)
    return f"rgb({n >> 16 & 255}, {n >> 8 & 255}, {n & 255})"


def chart_values(page) -> list[float]:
    return page.evaluate("window.moodify.chart.data.datasets[0].data.slice()")


def fits_without_scrolling(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= innerWidth && document.documentElement.scrollHeight <= innerHeight"
    )


def run_to_result(page) -> dict:
    """Tap the start button, see the live chart move, and wait for the result; returns the result."""
    page.get_by_role("button", name=re.compile("Start Emotion Detection|Start again")).tap()
    page.wait_for_selector("body[data-state=detecting]")
    page.wait_for_function("window.moodify.chart.data.datasets[0].data.some(v => v > 0)")
    page.wait_for_selector("body[data-state=result]", timeout=RESULT_TIMEOUT_MS)
    page.locator(".rec").first.wait_for()
    page.locator("#player").wait_for()  # the layout is complete once autoplay shows the player
    return page.evaluate("window.moodify.result")


def tap_bar(page, index: int) -> None:
    """Tap the row of bar ``index``, half-way across the plot (a tiny bar is tapped by its row)."""
    x, y = page.evaluate(
        """i => new Promise(done => requestAnimationFrame(() => {
            const chart = window.moodify.chart, area = chart.chartArea;
            done([(area.left + area.right) / 2, chart.getDatasetMeta(0).data[i].y]);
        }))""",
        index,
    )
    page.locator("#chart").tap(position={"x": x, "y": y})


def open_pairing(kiosk) -> str:
    """Open the kiosk's pairing panel; returns the code it shows."""
    kiosk.get_by_role("button", name=re.compile("Pair a phone")).tap()
    kiosk.wait_for_function("/^\\d{6}$/.test(document.getElementById('pair-big-code').textContent)")
    return kiosk.locator("#pair-big-code").inner_text()


def test_the_whole_loop_on_the_kiosk_screen(demo, open_page, console, screenshots):
    page = open_page(demo.url, KIOSK)
    start = page.get_by_role("button", name="Start Emotion Detection")
    start.wait_for()
    assert page.get_by_text("Press the button").is_visible()
    assert page.locator("#demo-badge").is_visible()
    assert fits_without_scrolling(page)
    page.screenshot(path=screenshots / "kiosk-idle.png")

    start.tap()
    page.wait_for_selector("body[data-state=detecting]")
    assert page.locator("#countdown").is_visible()
    page.wait_for_function("document.getElementById('face').textContent === 'Face found'")
    first = page.evaluate("window.moodify.chart.data.datasets[0].data.slice()")
    page.wait_for_function(
        "before => window.moodify.chart.data.datasets[0].data.some((v, i) => v !== before[i])", arg=first
    )  # the live chart keeps moving
    page.wait_for_selector("body[data-state=result]", timeout=RESULT_TIMEOUT_MS)

    result = page.evaluate("window.moodify.result")
    colour = by_key(result["emotion"]).colour
    assert page.locator("#result-label").inner_text() == by_key(result["emotion"]).label
    assert page.locator("#result-confidence").inner_text().startswith(percent(result["confidence"]))
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == rgb(colour)
    bar_colours = page.evaluate("window.moodify.chart.data.datasets[0].backgroundColor")
    assert bar_colours[by_key(result["emotion"]).index] == colour
    assert chart_values(page) == [result["mean"][e] for e in result["mean"]]
    page.locator(".rec").first.wait_for()
    assert page.locator(".rec").count() >= 3
    assert page.locator(".rec .play").first.is_visible()
    # The offline catalogue's generated tiles: a background image on every tile (no ♪), and one that decodes.
    arts = page.evaluate(
        "[...document.querySelectorAll('.rec .art')].map(a => [getComputedStyle(a).backgroundImage, a.textContent])"
    )
    assert arts and all(image.startswith('url("data:image/svg+xml') and text == "" for image, text in arts)
    decode = "async url => { const img = new Image(); img.src = url; await img.decode(); return img.naturalWidth; }"
    assert page.evaluate(decode, arts[0][0][5:-2]) > 0
    page.locator("#player").wait_for()  # autoplay started the demo player
    page.wait_for_function("document.getElementById('np-toggle').classList.contains('playing')")
    assert fits_without_scrolling(page)
    page.screenshot(path=screenshots / "kiosk-result.png")

    page.set_viewport_size({"width": 1920, "height": 1080})
    assert fits_without_scrolling(page)
    assert console.errors == []


def test_tapping_a_bar_shows_its_mean_confidence_and_frequency(demo, open_page, console):
    page = open_page(demo.url, KIOSK)
    result = run_to_result(page)
    details = page.locator("#bar-details")
    assert details.inner_text() == "Tap a bar for details"
    for emotion in (result["emotion"], "neutral"):
        tap_bar(page, by_key(emotion).index)
        expected = (
            f"{by_key(emotion).label}: mean confidence {percent(result['mean'][emotion])} · "
            f"top emotion in {result['frequency'].get(emotion, 0)} of {result['frames_with_face']} frames"
        )
        expect(details).to_have_text(expected)  # the click follows the touch a moment later
    assert console.errors == []


def test_playback_controls_and_start_again(demo, open_page, console):
    page = open_page(demo.url, KIOSK)
    run_to_result(page)
    page.locator("#player").wait_for()  # the demo player has no sound: the list's ▶ and ⏸ control it
    page.locator(".rec.playing .play").tap()
    page.wait_for_function("!document.getElementById('np-toggle').classList.contains('playing')")
    expect(page.locator(".rec.playing")).to_have_count(0)
    page.evaluate("""async () => (await import("/static/api.js")).act("POST", "/api/player/next")""")
    page.wait_for_function("document.getElementById('np-toggle').classList.contains('playing')")
    second = page.locator(".rec .rec-title").nth(1).inner_text()
    expect(page.locator(".rec.playing .rec-title")).to_have_text(second)
    page.locator(".rec .play").nth(2).tap()
    third = page.locator(".rec .rec-title").nth(2).inner_text()
    expect(page.locator(".rec.playing .rec-title")).to_have_text(third)
    assert second != third
    page.get_by_role("button", name="Start again").tap()
    page.wait_for_selector("body[data-state=detecting]")
    page.wait_for_selector("body[data-state=result]", timeout=RESULT_TIMEOUT_MS)
    assert console.errors == []


def test_a_phone_pairs_with_the_code_and_controls_the_kiosk(lan_demo, open_page, console, screenshots):
    demo = lan_demo
    kiosk = open_page(demo.url, KIOSK)
    code = open_pairing(kiosk)
    assert kiosk.locator("#pair-qr svg").is_visible()

    phone = open_page(demo.lan_url, PHONE, is_mobile=True)
    phone.get_by_role("heading", name="Pair this phone").wait_for()
    refused = phone.evaluate("fetch('/api/state').then(r => r.status)")
    assert refused == 403  # an unpaired phone gets nothing
    phone.locator("#pair-code").fill(f"{(int(code) + 1) % 10**6:06d}")
    phone.get_by_role("button", name="Pair", exact=True).tap()
    phone.get_by_text("That code is not the one on the kiosk screen.").wait_for()
    phone.locator("#pair-code").fill(code)
    phone.get_by_role("button", name="Pair", exact=True).tap()

    result = run_to_result(phone)
    assert phone.evaluate("getComputedStyle(document.body).backgroundColor") == rgb(by_key(result["emotion"]).colour)
    phone.locator(".rec").first.wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")  # no sideways scrolling
    kiosk.wait_for_selector("body[data-state=result]")  # the kiosk shows the phone's run too
    assert kiosk.evaluate("window.moodify.result.emotion") == result["emotion"]
    phone.screenshot(path=screenshots / "phone-result.png")
    # The browser logs every refused request: the test's own probe and the wrong code; nothing else.
    assert console.errors_besides_refused("/api/state", "/api/pairing/pair") == []
    assert len(console.errors) == 2


# The QR link and unpairing every phone (the owner's, after a confirmation): test_owner_browser.py.


def test_camera_and_music_problems_are_messages_on_screen(demo, open_page, console):
    page = open_page(demo.url, KIOSK)
    page.get_by_role("button", name="Start Emotion Detection").wait_for()
    bus = demo.controller.bus  # what the camera feed and the controller publish when things go wrong
    bus.publish(CameraChanged(CameraStatus(ok=False, message="no camera found", source="auto")))
    expect(page.locator("#camera-chip")).to_be_visible()
    expect(page.locator("#banner")).to_have_text(f"{strings()['en']['camera_owner']} (no camera found)")
    bus.publish(CameraChanged(CameraStatus(ok=True, message="demo faces", source="demo")))
    expect(page.locator("#camera-chip")).to_be_hidden()
    premium = "Spotify Premium is needed to play music on this device."
    bus.publish(ErrorRaised(ErrorSource.MUSIC, ErrorCode.PREMIUM_REQUIRED, premium))
    expect(page.locator("#banner")).to_have_text(premium)  # the page's English text for the code
    bus.publish(StateChanged(KioskState.IDLE, outcome=RunOutcome.NO_FACE))
    expect(page.locator("#banner")).to_have_text("No face was seen. Stand in front of the camera and try again.")
    assert console.errors == []


def test_a_lost_camera_is_said_on_screen_and_start_waits_for_it(demo, open_page, console):
    page = open_page(demo.url, KIOSK)
    start = page.get_by_role("button", name="Start Emotion Detection")
    expect(start).to_be_enabled()
    lost = CameraStatus(ok=False, message="camera lost: USB unplugged", source="usb:0")
    demo.controller.bus.publish(CameraChanged(lost))
    expect(page.locator("#camera-chip")).to_be_visible()
    expect(page.locator("#banner")).to_contain_text("USB unplugged")
    expect(start).to_be_disabled()
    demo.controller.bus.publish(CameraChanged(CameraStatus(ok=True, message="usb:0", source="usb:0")))
    expect(start).to_be_enabled()
    expect(page.locator("#camera-chip")).to_be_hidden()
    assert console.errors == []


def test_every_event_type_has_a_handler_on_the_page(demo, open_page, console):
    page = open_page(demo.url, KIOSK)
    page.wait_for_function("window.moodify && window.moodify.handlers")
    events, handled = page.evaluate(
        """async () => {
            const { EVENT } = await import("/static/contract.js");
            return [Object.values(EVENT), Object.keys(window.moodify.handlers)];
        }"""
    )
    assert sorted(handled) == sorted(events), "contract.js EVENT and the page's handlers differ"
    assert console.errors == []


def test_errors_are_shown_in_the_pages_language(demo, open_page, console):
    page = open_page(demo.url, KIOSK, locale="ko-KR")
    page.get_by_role("button", name="감정 인식 시작").wait_for()
    korean = strings()["ko"]["errors"]
    demo.controller.bus.publish(ErrorRaised(ErrorSource.MUSIC, ErrorCode.NO_ACTIVE_DEVICE, "No active Spotify device."))
    expect(page.locator("#banner")).to_have_text(korean[ErrorCode.NO_ACTIVE_DEVICE])
    # A refused API call (nothing to skip to before any run) as the page's buttons make it.
    page.evaluate("""async () => (await import("/static/api.js")).act("POST", "/api/player/next")""")
    expect(page.locator("#banner")).to_have_text(korean[ErrorCode.NOTHING_TO_PLAY])
    assert [e for e in console.errors if not e.endswith("/api/player/next")] == []  # Chromium logs the 409
