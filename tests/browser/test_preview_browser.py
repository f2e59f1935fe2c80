"""The kiosk's camera view in real Chromium at 800×480 (issue 13, item 10): during a run the kiosk's own screen
shows the live picture (polled a few times a second, only while the run shows) beside the chart, with the top
emotion and its confidence in the page's language; a phone never gets it; the live bars are smoothed."""

from __future__ import annotations

import requests

from moodify_edge.emotions import EMOTIONS

from .conftest import KIOSK, PHONE
from .stack import demo_config, demo_stack, lan_server

LABELS = {"en": {e.label for e in EMOTIONS}, "ko": {e.label_ko for e in EMOTIONS}}


def live_view(page) -> dict:
    page.locator("#start").tap()
    page.wait_for_selector("body[data-state=detecting]")
    page.wait_for_function(
        "document.getElementById('preview').naturalWidth > 0 && !document.getElementById('preview-panel').hidden"
    )
    page.wait_for_function("document.getElementById('preview-caption').textContent.includes('%')")
    return page.evaluate(
        """() => {
          const panel = document.getElementById('preview-panel').getBoundingClientRect();
          const chart = document.getElementById('chart').getBoundingClientRect();
          return {panel: [panel.left, panel.top, panel.width, panel.height],
                  chart: [chart.left, chart.top, chart.width, chart.height],
                  caption: document.getElementById('preview-caption').textContent,
                  src: document.getElementById('preview').src,
                  overflow: document.documentElement.scrollHeight > innerHeight};
        }"""
    )


def test_the_kiosk_shows_its_camera_beside_the_live_chart(tmp_path, open_page, console, screenshots):
    with demo_stack(demo_config(tmp_path / "state", seconds=10.0)) as stack:
        for lang in ("en", "ko"):
            page = open_page(stack.url + "/", KIOSK, locale="ko-KR" if lang == "ko" else "en-US")
            view = live_view(page)
            left, _, width, height = view["panel"]
            assert width > 250 and height > 180, view
            assert view["chart"][0] >= left + width - 1, view  # side by side, the chart keeps its half
            assert "/api/preview.jpg" in view["src"] and not view["overflow"]
            name, _, share = view["caption"].rpartition(" ")
            assert share.endswith("%") and name in LABELS[lang], view
            page.screenshot(path=screenshots / ("kiosk-live.png" if lang == "en" else "kiosk-live-ko.png"))
            # Polled a few times a second while the run shows, and no more once it ends.
            sources = page.evaluate(
                "() => new Promise((done) => { const seen = new Set(); const t = setInterval(() =>"
                " seen.add(document.getElementById('preview').src), 50); setTimeout(() => { clearInterval(t);"
                " done(seen.size); }, 2000); })"
            )
            assert 3 <= sources <= 12, sources
            page.locator("#cancel").tap()
            page.wait_for_selector("body[data-state=idle]")
            assert page.evaluate("document.getElementById('preview-panel').hidden")
            page.close()
    assert console.errors == []


def test_a_phone_never_gets_the_camera_view(demo, open_page):
    with lan_server(demo.app) as lan_url:
        answer = requests.get(f"{lan_url}/api/preview.jpg", timeout=5)
        assert answer.status_code == 403 and not answer.headers["Content-Type"].startswith("image/")
        assert requests.get(f"{demo.url}/api/preview.jpg", timeout=5).headers["Content-Type"] == "image/jpeg"
        page = open_page(lan_url + "/", PHONE)
        assert page.evaluate("document.getElementById('preview').getAttribute('src')") is None


def test_the_live_bars_are_smoothed(demo, open_page):
    page = open_page(demo.url + "/", KIOSK)
    page.wait_for_selector("body[data-state=idle]")
    values = page.evaluate(
        """async () => {
          const chart = await import('/static/chart-view.js');
          const one = (key) => Object.fromEntries(['angry','disgust','fear','happy','sad','surprise','neutral']
                                                  .map((k) => [k, k === key ? 1 : 0]));
          chart.resetSmoothing();
          let s;
          for (let i = 0; i < 60; i++) s = chart.smoothed(one('happy'), i / 30);
          const jump = chart.smoothed(one('fear'), 60 / 30);   // one odd frame
          for (let i = 61; i < 150; i++) s = chart.smoothed(one('fear'), i / 30);
          return {before: jump.happy, odd: jump.fear, settled: s.fear};
        }"""
    )
    assert values["before"] > 0.9 and values["odd"] < 0.1 and values["settled"] > 0.9, values


CONTRAST = """(id) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const linear = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => { const v = rgb(c).map(linear); return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const el = document.getElementById(id);
  let back = el;
  while (back && getComputedStyle(back).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/)) back = back.parentElement;
  const a = lum(getComputedStyle(el).color), b = lum(getComputedStyle(back).backgroundColor);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_contrast_of_face_found_and_error_text_and_the_korean_badge_on_one_line(demo, open_page):
    page = open_page(demo.url + "/", {"width": 360, "height": 740}, locale="ko-KR")
    page.wait_for_selector("body[data-state=idle]")
    badge = page.locator("#demo-badge")
    badge.wait_for()
    line = page.evaluate("parseFloat(getComputedStyle(document.getElementById('demo-badge')).lineHeight) || 20")
    assert badge.bounding_box()["height"] < 2 * line, badge.bounding_box()
    page.evaluate(
        "document.getElementById('face').classList.add('found'); document.getElementById('face').textContent='x'"
    )
    page.evaluate("document.getElementById('view-stage').hidden = false")
    assert page.evaluate(CONTRAST, "face") >= 4.5
    page.evaluate(
        "document.getElementById('view-pair').hidden = false; document.getElementById('pair-error').textContent='x'"
    )
    assert page.evaluate(CONTRAST, "pair-error") >= 4.5
