"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and the demo stack on real servers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from .stack import demo_config, demo_stack, lan_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots land in test-output/ (git-ignored); MOODIFY_SCREENSHOTS=docs/screenshots refreshes the README's.
SCREENSHOTS = Path(
    os.environ.get("MOODIFY_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
)
KIOSK = {"width": 800, "height": 480}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(tmp_path):
    """The demo stack behind two servers: the kiosk's (loopback) and one that looks like the LAN."""
    with demo_stack(demo_config(tmp_path / "state", seconds=2.0)) as stack, lan_server(stack.app) as lan_url:
        stack.lan_url = lan_url
        yield stack


@pytest.fixture
def lan_demo(tmp_path):
    """The demo stack with LAN access on (the LAN listener on 127.0.0.2), so the kiosk offers pairing; ``lan_url``
    as in :func:`demo`."""
    config = demo_config(tmp_path / "state", seconds=2.0, host="127.0.0.2")
    with demo_stack(config) as stack, lan_server(stack.app) as lan_url:
        stack.lan_url = lan_url
        yield stack


class Console:
    """Errors a page reported: console errors and uncaught exceptions."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page) -> None:
        page.on(
            "console",
            lambda m: self.errors.append(f"{m.text} @ {m.location.get('url')}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def errors_besides_refused(self, *paths: str) -> list[str]:
        """The errors other than 403 answers to ``paths`` (which Chromium logs as console errors)."""
        return [e for e in self.errors if not ("403" in e and any(e.endswith(p) for p in paths))]


@pytest.fixture
def console():
    return Console()


@pytest.fixture
def open_page(browser, console):
    """``open_page(url, viewport, **context_options)`` → a page whose errors the ``console`` fixture collects."""
    contexts = []

    def open_page(url: str, viewport: dict[str, int], **options):
        context = browser.new_context(viewport=viewport, has_touch=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        console.watch(page)
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
