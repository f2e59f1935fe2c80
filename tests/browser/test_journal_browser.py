"""The mood journal in real Chromium: with ``[journal] enabled`` and the kiosk unlocked with the owner PIN, one
finished run shows in the settings panel's journal as today's count for its emotion, the CSV export link
downloads that count, and erasing (after its confirmation) empties the journal."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from moodify_edge.emotions import by_key
from moodify_edge.web.pages import strings

from .conftest import KIOSK
from .stack import demo_config, demo_stack
from .test_owner_browser import PIN, type_pin

EN = strings()["en"]


@pytest.fixture
def journaled(tmp_path):
    """The demo stack with the journal on and an owner PIN."""
    config = demo_config(tmp_path / "state").replace("kiosk", owner_pin=PIN).replace("journal", enabled=True)
    with demo_stack(config) as stack:
        yield stack


def test_the_owner_sees_exports_and_erases_the_journal(journaled, open_page, console):
    kiosk = open_page(journaled.url, KIOSK)
    started = dt.datetime.now().strftime("%Y-%m-%dT%H")
    kiosk.get_by_role("button", name="Start Emotion Detection").tap()
    expect(kiosk.locator("body")).to_have_attribute("data-state", "result", timeout=20000)
    emotion = journaled.controller.snapshot().result.emotion
    assert emotion
    expect(kiosk.locator("#journal-box")).to_be_hidden()  # a visitor sees no journal

    kiosk.locator("#open-settings").tap()
    type_pin(kiosk, PIN)
    expect(kiosk.locator("#settings")).to_be_visible()
    kiosk.locator("#journal-show").tap()
    expect(kiosk.locator("#journal-charts")).to_be_visible()
    expect(kiosk.locator("#journal-charts")).to_have_attribute("data-day", "1")
    today = kiosk.locator(f'#journal-today li[data-emotion="{emotion}"]')
    expect(today).to_have_text(f"{by_key(emotion).label}: 1")
    expect(kiosk.locator("#journal-today li")).to_have_count(1)

    with kiosk.expect_download() as downloading:
        kiosk.locator("#journal-export").tap()
    download = downloading.value
    assert download.suggested_filename == "mood-journal.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert len(rows) == 1 and rows[0]["hour"] in {started, dt.datetime.now().strftime("%Y-%m-%dT%H")}
    assert rows[0][emotion] == "1" and sum(int(v) for k, v in rows[0].items() if k != "hour") == 1

    kiosk.locator("#journal-erase").tap()
    expect(kiosk.locator("#confirm")).to_be_visible()
    kiosk.get_by_role("button", name=EN["confirm_no"], exact=True).tap()
    expect(kiosk.locator("#journal-charts")).to_have_attribute("data-day", "1")  # not erased
    kiosk.locator("#journal-erase").tap()
    kiosk.get_by_role("button", name=EN["confirm_yes"], exact=True).tap()
    expect(kiosk.locator("#journal-charts")).to_have_attribute("data-day", "0")
    expect(kiosk.locator("#journal-today li")).to_have_count(0)
    expect(kiosk.locator("#journal-today")).to_contain_text(EN["journal_today_none"])
    charts = journaled.app.extensions["moodify.journal"].charts()
    assert sum(sum(c) for c in charts["week"]["counts"].values()) == 0
    assert console.errors == []
