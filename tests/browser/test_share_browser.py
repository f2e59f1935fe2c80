"""Take the music home and the visitor's goal in real Chromium: the idle screen's "lift my mood" / "match my mood"
start a run whose list says which was used; the result shows a QR code and link with the kiosk's LAN address
(none while the LAN is off), and a phone that never paired opens that link and gets the tracks, read-only."""

from __future__ import annotations

from playwright.sync_api import expect

from moodify_edge.web.pages import strings

from .conftest import KIOSK, PHONE

EN = strings()["en"]


def run_with_goal(page, goal: str) -> None:
    page.get_by_role("button", name=EN[f"goal_{goal}"]).tap()
    expect(page.locator("body")).to_have_attribute("data-state", "result", timeout=20000)
    expect(page.locator("#rec-list .rec").first).to_be_visible()
    expect(page.locator("#rec-goal")).to_have_text(EN[f"goal_used_{goal}"])


def test_the_goal_choice_and_the_qr_share_flow(lan_demo, open_page, console):
    kiosk = open_page(lan_demo.url, KIOSK)
    expect(kiosk.get_by_role("button", name=EN["goal_match"])).to_be_visible()
    run_with_goal(kiosk, "lift")
    assert lan_demo.controller.snapshot().recommendations.policy == "lift"
    expect(kiosk.locator("#share-box")).to_be_visible()
    expect(kiosk.locator("#share-qr svg")).to_be_visible()
    url = kiosk.locator("#share-url").inner_text()
    assert url.startswith("http://127.0.0.2:") and "/share/" in url

    phone = open_page(url, PHONE)  # a phone that never paired, on the LAN listener
    expect(phone.locator("#share-goal")).to_have_text(EN["goal_used_lift"])
    tracks = lan_demo.controller.snapshot().recommendations.tracks
    expect(phone.locator("#share-tracks li")).to_have_count(len(tracks))
    # Every track with a Spotify ID is linked (which ones have one depends on the demo visitor's emotion).
    links = phone.locator("#share-tracks a")
    assert links.count() == sum(t.uri.startswith("spotify:track:") for t in tracks)
    assert all(link.get_attribute("href").startswith("https://open.spotify.com/track/") for link in links.all())
    assert phone.locator("button, form, input, script").count() == 0
    assert phone.evaluate("() => typeof window.moodify") == "undefined"

    kiosk.locator("#again").tap()  # the next visitor, without a choice: the profile's policy, and a new link
    expect(kiosk.locator("#share-url")).not_to_have_text(url, timeout=20000)
    expect(kiosk.locator("#rec-goal")).to_have_text(
        EN["goal_used_" + lan_demo.controller.snapshot().recommendations.policy]
    )
    assert console.errors == []


def test_no_share_code_while_the_lan_is_off(demo, open_page, console):
    kiosk = open_page(demo.url, KIOSK)
    run_with_goal(kiosk, "match")
    kiosk.wait_for_timeout(500)
    expect(kiosk.locator("#share-box")).to_be_hidden()
    assert console.errors == []
