"""The mood journal: only counts per emotion per hour, kept for ``[journal] days`` and no longer, erased in one owner
action, written atomically, a corrupt file set aside (``.bad``) rather than fatal; off unless enabled; owner only."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest
from browser.stack import LAN_ADDRESS, demo_config
from helpers import client_from, csrf, error_of, pair

from moodify_edge.contract import ErrorCode
from moodify_edge.emotions import KEYS
from moodify_edge.journal import Journal
from moodify_edge.web.journal import JOURNAL_FILE, JournalStore

NOON = dt.datetime(2025, 3, 10, 12, 30)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def test_only_counts_per_emotion_per_hour_are_kept():
    journal = Journal(days=30)
    journal.record("happy", NOON)
    journal.record("happy", NOON.replace(minute=59))
    journal.record("sad", NOON.replace(hour=13))
    assert journal.hours == {"2025-03-10T12": {"happy": 2}, "2025-03-10T13": {"sad": 1}}
    content = json.loads(journal.to_json())
    assert content == {"version": 1, "hours": journal.hours}  # nothing else: no time, face, image or person
    with pytest.raises(ValueError):
        journal.record("smug", NOON)


def test_retention_drops_hours_older_than_the_days_kept():
    journal = Journal(days=2)
    journal.record("angry", NOON - dt.timedelta(days=2))  # two days ago: outside "today and yesterday"
    journal.record("fear", NOON - dt.timedelta(days=1, hours=12))  # yesterday 00:30: kept
    assert set(journal.hours) == {"2025-03-08T12", "2025-03-09T00"}
    journal.record("happy", NOON)
    assert set(journal.hours) == {"2025-03-09T00", "2025-03-10T12"}
    assert journal.prune(NOON + dt.timedelta(days=1)) is True
    assert set(journal.hours) == {"2025-03-10T12"}
    assert journal.prune(NOON + dt.timedelta(days=1)) is False


def test_day_week_and_csv_views():
    journal = Journal(days=30)
    for when, emotion in [
        (NOON, "happy"),
        (NOON, "happy"),
        (NOON.replace(hour=9), "sad"),
        (NOON - dt.timedelta(days=3), "sad"),
    ]:
        journal.record(emotion, when)
    day = journal.day(NOON)
    assert day["date"] == "2025-03-10" and len(day["labels"]) == 24
    assert day["counts"]["happy"][12] == 2 and day["counts"]["sad"][9] == 1 and sum(day["counts"]["sad"]) == 1
    week = journal.week(NOON)
    assert week["labels"][-1] == "2025-03-10" and week["labels"][0] == "2025-03-04"
    assert week["counts"]["sad"] == [0, 0, 0, 1, 0, 0, 1] and week["counts"]["happy"][-1] == 2
    rows = journal.csv().splitlines()
    assert rows[0] == "hour," + ",".join(KEYS)
    assert rows[1].startswith("2025-03-07T12,") and len(rows) == 4


def test_the_store_persists_atomically_and_erases(tmp_path):
    path = tmp_path / JOURNAL_FILE
    clock = Clock(NOON)
    store = JournalStore(path, days=30, clock=clock)
    store.record("happy")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*.tmp"))
    again = JournalStore(path, days=30, clock=clock)
    assert again.charts()["day"]["counts"]["happy"][12] == 1
    again.erase()
    assert json.loads(path.read_bytes())["hours"] == {}
    assert sum(sum(c) for c in JournalStore(path, days=30, clock=clock).charts()["week"]["counts"].values()) == 0


def test_loading_prunes_what_is_past_the_days_kept(tmp_path):
    path = tmp_path / JOURNAL_FILE
    JournalStore(path, days=30, clock=Clock(NOON - dt.timedelta(days=40))).record("sad")
    JournalStore(path, days=30, clock=Clock(NOON))  # a month and more later
    assert json.loads(path.read_bytes())["hours"] == {}


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"version": 1, "hours": {"yesterday": {"sad": 1}}}',
        b'{"version": 1, "hours": {"2025-03-10T12": {"sad": -1}}}',
        b"[]",
    ],
)
def test_a_corrupt_journal_is_set_aside_not_fatal(tmp_path, content):
    path = tmp_path / JOURNAL_FILE
    path.write_bytes(content)
    store = JournalStore(path, days=30, clock=Clock(NOON))
    assert (tmp_path / (JOURNAL_FILE + ".bad")).read_bytes() == content
    store.record("neutral")
    assert json.loads(path.read_bytes())["hours"] == {"2025-03-10T12": {"neutral": 1}}


# ---------------------------------------------------------------------------------------------- the web side
def test_the_journal_is_off_unless_enabled(stack, kiosk):
    assert error_of(kiosk.get("/api/journal"))["code"] == ErrorCode.NOT_FOUND
    assert not (stack.config.state_path() / JOURNAL_FILE).exists()
    assert b"journal-box" not in kiosk.get("/").data


@pytest.fixture
def journaled(build, tmp_path):
    config = demo_config(tmp_path / "state", seconds=1.0, host="0.0.0.0").replace("journal", enabled=True)
    return build(config.replace("kiosk", owner_pin="2468"))


def test_results_are_counted_and_only_the_owner_sees_exports_or_erases(journaled):
    kiosk = client_from(journaled.app)
    assert kiosk.post("/api/trigger", headers=csrf(kiosk)).status_code == 202
    journaled.controller.join(10)
    emotion = kiosk.get("/api/result").get_json()["emotion"]
    assert error_of(kiosk.get("/api/journal"))["code"] == ErrorCode.OWNER_REQUIRED  # the PIN is set: locked
    phone = client_from(journaled.app, LAN_ADDRESS)
    journaled.app.extensions["moodify.owner"].visitor_pairing = True
    assert pair(phone, kiosk).get_json()["owner"] is False
    assert error_of(phone.get("/api/journal/export.csv"))["code"] == ErrorCode.OWNER_REQUIRED
    assert error_of(phone.post("/api/journal/erase", headers=csrf(phone)))["code"] == ErrorCode.OWNER_REQUIRED
    assert kiosk.post("/api/owner/unlock", json={"pin": "2468"}, headers=csrf(kiosk)).status_code == 200
    charts = kiosk.get("/api/journal").get_json()
    assert sum(charts["day"]["counts"][emotion]) == 1 and sum(charts["week"]["counts"][emotion]) == 1
    assert b"journal-box" in kiosk.get("/").data
    export = kiosk.get("/api/journal/export.csv")
    assert export.mimetype == "text/csv" and export.data.decode().splitlines()[0].startswith("hour,angry")
    assert error_of(kiosk.post("/api/journal/erase"))["code"] == ErrorCode.CSRF
    erased = kiosk.post("/api/journal/erase", headers=csrf(kiosk)).get_json()
    assert sum(sum(c) for c in erased["week"]["counts"].values()) == 0
    assert kiosk.get("/api/journal/export.csv").data.decode().splitlines()[1:] == []
