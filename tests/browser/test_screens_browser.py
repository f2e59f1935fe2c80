"""The unattended kiosk's screens in real Chromium at 800×480 (issue 13): a lost service shown within 5 s in the
page's language and recovering by itself, a trigger refused for a failed camera said to the owner, a player
that cannot play aloud saying so, the playing track marked, the chart readable and tappable with a text
alternative, and the result going back to the attract screen by itself."""

from __future__ import annotations

import time

from helpers import free_port
from playwright.sync_api import expect

from moodify_edge.emotions import by_key
from moodify_edge.web.pages import strings

from .conftest import KIOSK
from .stack import demo_config, demo_stack
from .test_kiosk_browser import RESULT_TIMEOUT_MS, percent

EN, KO = strings()["en"], strings()["ko"]


def start_button(page, texts):
    return page.get_by_role("button", name=texts["start"])


def run_to_result(page) -> dict:
    """Tap Start (in any language) and wait for the result and its list; returns the result."""
    page.wait_for_selector("body[data-state=idle], body[data-state=result]")
    page.locator("#again" if page.evaluate("document.body.dataset.state") == "result" else "#start").tap()
    page.wait_for_selector("body[data-state=detecting]")
    page.wait_for_selector("body[data-state=result]", timeout=RESULT_TIMEOUT_MS)
    page.locator(".rec").first.wait_for()
    page.locator("#player").wait_for()
    return page.evaluate("window.moodify.result")


def test_a_lost_service_shows_an_overlay_in_the_pages_language_and_recovers(tmp_path, open_page, screenshots):
    config = demo_config(tmp_path / "state", port=free_port())
    with demo_stack(config) as stack:
        page = open_page(stack.url, KIOSK, locale="ko-KR")
        start_button(page, KO).wait_for()
        page.wait_for_function("window.moodify.events.readyState === EventSource.OPEN")
        expect(page.locator("#offline")).to_be_hidden()
    lost = time.monotonic()  # the service is gone; the browser retries every 2 s
    expect(page.locator("#offline")).to_be_visible(timeout=5000)
    assert time.monotonic() - lost < 5.0
    expect(page.locator("#offline")).to_contain_text(KO["connection_lost"])
    time.sleep(3)  # several retries later it is still up (each retry used to restart the wait)
    expect(page.locator("#offline")).to_be_visible()
    page.screenshot(path=screenshots / "kiosk-offline-ko.png")
    page.evaluate("""async () => (await import("/static/api.js")).act("POST", "/api/trigger")""")
    expect(page.locator("#banner")).to_have_text(KO["connection_lost"])  # never the browser's "Failed to fetch"
    assert "Failed to fetch" not in page.locator("body").inner_text()
    with demo_stack(config):
        expect(page.locator("#offline")).to_be_hidden(timeout=10000)  # back by itself
        expect(start_button(page, KO)).to_be_visible()


def test_a_trigger_refused_for_a_failed_camera_speaks_to_the_owner(tmp_path, open_page, screenshots):
    config = demo_config(tmp_path / "state").replace("service", demo=False)  # demo mode has its own camera
    config = config.replace("camera", source=str(tmp_path / "unplugged.png"))
    with demo_stack(config) as stack:
        page = open_page(stack.url, KIOSK, locale="ko-KR")
        page.clock.install()
        banner = page.locator("#banner")
        expect(banner).to_have_text(KO["camera_owner"])  # the Korean page: the owner text, no English detail
        expect(page.locator("#camera-chip")).to_be_visible()
        expect(start_button(page, KO)).to_be_disabled()
        # What a phone or another screen does: the API refuses with camera_unavailable (503).
        page.evaluate("""async () => (await import("/static/api.js")).act("POST", "/api/trigger")""")
        expect(banner).to_have_text(KO["camera_owner"])
        assert "관리자" in banner.inner_text()  # "for the owner"
        page.clock.fast_forward(20_000)  # long after any passing message would have gone
        expect(banner).to_be_visible()
        expect(banner).to_have_text(KO["camera_owner"])
        assert page.evaluate("document.body.dataset.state") == "idle"
        page.screenshot(path=screenshots / "kiosk-camera-ko.png")
        english = open_page(stack.url, KIOSK)
        expect(english.locator("#banner")).to_contain_text(EN["camera_owner"])
        expect(english.locator("#banner")).to_contain_text("unplugged.png")  # the owner gets the detail in English


def test_a_player_without_sound_says_so_and_the_playing_track_is_marked(demo, open_page, console, screenshots):
    page = open_page(demo.url, KIOSK, locale="ko-KR")
    run_to_result(page)
    first = page.locator(".rec").first
    expect(first).to_have_class("rec playing")
    expect(first.locator(".play .icon-pause")).to_be_visible()  # its ▶ is a ⏸
    expect(first.locator(".play .icon-play")).to_be_hidden()
    expect(page.locator("#np-title")).to_have_text(KO["silent_title"])  # not the title as if it played
    title = first.locator(".rec-title").inner_text()
    expect(page.locator("#np-sub")).to_have_text(KO["silent_selected"].replace("{title}", title))
    expect(page.locator("#np-toggle")).to_be_hidden()
    expect(page.locator("#np-volume")).to_be_hidden()
    page.screenshot(path=screenshots / "kiosk-result-ko.png")
    first.locator(".play").tap()  # ⏸ pauses
    expect(first.locator(".play .icon-play")).to_be_visible()
    expect(page.locator("#np-sub")).to_have_text(KO["silent_hint"])
    third = page.locator(".rec").nth(2)
    third.locator(".play").tap()
    expect(third).to_have_class("rec playing")
    expect(page.locator(".rec.playing")).to_have_count(1)
    assert console.errors == []


def chart_layout(page) -> dict:
    return page.evaluate(
        """() => {
            const c = window.moodify.chart, box = document.getElementById('chart').getBoundingClientRect();
            return {indexAxis: c.options.indexAxis, rotations: [c.scales.x.labelRotation, c.scales.y.labelRotation],
                    font: c.scales.y._resolveTickFontOptions(0).size, box: [box.x, box.y, box.width, box.height],
                    area: c.chartArea, rows: c.getDatasetMeta(0).data.map(b => b.y)}
        }"""
    )


def test_the_chart_reads_at_arms_length_and_a_tap_on_a_label_selects_it(demo, open_page, console, screenshots):
    for locale, texts in (("en-GB", EN), ("ko-KR", KO)):
        page = open_page(demo.url, KIOSK, locale=locale)
        result = run_to_result(page)
        layout = chart_layout(page)
        assert layout["indexAxis"] == "y" and layout["rotations"] == [0, 0]
        assert layout["font"] >= 16  # 13 px and rotated 45° before
        for emotion in ("neutral", result["emotion"]):
            index = by_key(emotion).index
            x, y = layout["area"]["left"] / 2, layout["rows"][index]  # on the label, left of the bars
            page.locator("#chart").tap(position={"x": x, "y": y})
            expect(page.locator("#bar-details")).to_have_attribute("data-emotion", emotion)
            widths = page.evaluate("window.moodify.chart.getDatasetMeta(0).data.map(b => b.options.borderWidth)")
            assert widths[index] > 1 and sorted(widths)[-2] == 1  # that bar, and only that one, is outlined
            assert chart_layout(page)["box"] == layout["box"]  # the tap moved nothing
        values = page.locator("#chart-values-list li").all_inner_texts()
        label = (lambda e: e.label) if texts is EN else (lambda e: e.label_ko)
        assert values == [f"{label(by_key(k))}: {percent(v)}" for k, v in result["mean"].items()]
        assert page.locator("#chart").get_attribute("aria-label") == texts["chart_label"]
        if texts is EN:
            page.set_viewport_size({"width": 1920, "height": 1080})
            page.wait_for_function(
                "f => window.moodify.chart.scales.y._resolveTickFontOptions(0).size > f", arg=layout["font"]
            )
    assert console.errors == []


def test_the_result_goes_back_to_the_attract_screen_by_itself(tmp_path, open_page, console):
    config = demo_config(tmp_path / "state").replace("kiosk", idle_seconds=2)
    with demo_stack(config) as stack:
        page = open_page(stack.url, KIOSK)
        expect(page.locator("#attract")).to_have_text(EN["attract"])
        run_to_result(page)
        page.wait_for_selector("body[data-state=idle]", timeout=RESULT_TIMEOUT_MS)
        expect(page.locator("#attract")).to_be_visible()
        expect(start_button(page, EN)).to_be_enabled()
    assert console.errors == []
