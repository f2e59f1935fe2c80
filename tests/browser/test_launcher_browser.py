"""The kiosk launcher's waiting page in real Chromium: it says the kiosk is starting, in both languages, while
nothing answers, and moves on to the service by itself as soon as it does."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from .conftest import KIOSK

STARTING_PAGE = Path(__file__).resolve().parents[2] / "kiosk" / "launcher" / "starting.html"


def test_the_waiting_page_shows_until_the_service_answers_then_opens_it(tmp_path, open_page, console, screenshots):
    (tmp_path / "index.html").write_text("<!doctype html><title>The kiosk</title><h1>Kiosk page</h1>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    server.server_close()  # nothing answers yet

    page = open_page(f"{STARTING_PAGE.as_uri()}#http://127.0.0.1:{port}/", KIOSK)
    assert page.get_by_text("Starting Moodify Edge…").is_visible()
    assert page.get_by_text("Moodify Edge를 시작하는 중…").is_visible()
    page.wait_for_timeout(2500)  # a few polls that find nothing
    assert page.url.startswith("file://")
    page.screenshot(path=screenshots / "kiosk-starting.png")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.wait_for_url(f"http://127.0.0.1:{port}/", timeout=10000)
        assert page.get_by_text("Kiosk page").is_visible()
    finally:
        server.shutdown()


def test_the_waiting_page_never_goes_anywhere_but_a_web_address(tmp_path, open_page):
    page = open_page(f"{STARTING_PAGE.as_uri()}#javascript:alert(1)", KIOSK)
    assert page.get_by_text("Starting Moodify Edge…").is_visible()
    assert page.evaluate("target") == "http://127.0.0.1:5000/"
