"""The mood journal (opt-in, ``[journal] enabled``): how many runs ended in each emotion, per hour, and nothing
else (pure logic; the file and the owner's routes are in :mod:`.web.journal`).

Privacy by construction: an entry is an hour, an emotion and a count. No face, image, probability, run time,
origin or anything about a person is ever recorded, so the journal cannot tell one visitor from another. Hours
older than ``days`` are dropped (:meth:`Journal.prune`, on every record and load); :meth:`Journal.erase` drops all.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .emotions import KEYS

HOUR_FORMAT = "%Y-%m-%dT%H"  # an hour's key, in the kiosk's local time
VERSION = 1


def hour_key(when: dt.datetime) -> str:
    return when.strftime(HOUR_FORMAT)


class Journal:
    """Counts per emotion per hour, kept for ``days``. Not thread-safe: its owner locks around it."""

    def __init__(self, days: int, hours: dict[str, dict[str, int]] | None = None) -> None:
        self.days = days
        self.hours: dict[str, dict[str, int]] = hours or {}

    # ------------------------------------------------------------------ changes
    def record(self, emotion: str, when: dt.datetime) -> None:
        """One more run that ended in ``emotion`` in ``when``'s hour (an unknown emotion is refused)."""
        if emotion not in KEYS:
            raise ValueError(f"not an emotion: {emotion!r}")
        counts = self.hours.setdefault(hour_key(when), {})
        counts[emotion] = counts.get(emotion, 0) + 1
        self.prune(when)

    def prune(self, now: dt.datetime) -> bool:
        """Drop the hours before the last ``days`` days (today included); whether any were dropped."""
        first = hour_key(_midnight(now) - dt.timedelta(days=self.days - 1))
        old = [key for key in self.hours if key < first]
        for key in old:
            del self.hours[key]
        return bool(old)

    def erase(self) -> None:
        self.hours.clear()

    # ------------------------------------------------------------------ views
    def day(self, now: dt.datetime) -> dict[str, Any]:
        """Today by hour: ``{"labels": ["00", …, "23"], "counts": {emotion: [24 counts]}}``."""
        midnight = _midnight(now)
        hours = [midnight + dt.timedelta(hours=h) for h in range(24)]
        return {
            "date": midnight.date().isoformat(),
            "labels": [f"{h:02d}" for h in range(24)],
            "counts": {e: [self.hours.get(hour_key(h), {}).get(e, 0) for h in hours] for e in KEYS},
        }

    def week(self, now: dt.datetime) -> dict[str, Any]:
        """The last seven days (today last) by day: ``{"labels": [dates], "counts": {emotion: [7 counts]}}``."""
        dates = [(_midnight(now) - dt.timedelta(days=6 - d)).date().isoformat() for d in range(7)]
        totals = {e: [0] * 7 for e in KEYS}
        for key, counts in self.hours.items():
            date = key.partition("T")[0]
            if date in dates:
                for emotion, count in counts.items():
                    totals[emotion][dates.index(date)] += count
        return {"labels": dates, "counts": totals}

    def csv(self) -> str:
        """Every hour kept, one row each: ``hour,angry,…,neutral`` (oldest first)."""
        rows = ["hour," + ",".join(KEYS)]
        for key in sorted(self.hours):
            rows.append(",".join([key, *(str(self.hours[key].get(e, 0)) for e in KEYS)]))
        return "\r\n".join(rows) + "\r\n"

    # ------------------------------------------------------------------ the file's content
    def to_json(self) -> bytes:
        return json.dumps({"version": VERSION, "hours": self.hours}, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes, days: int) -> Journal:
        """The journal in ``data``; :class:`ValueError` when it is not one (the caller sets the file aside)."""
        content = json.loads(data)
        if not isinstance(content, dict) or content.get("version") != VERSION:
            raise ValueError("not a mood journal of this version")
        hours = content.get("hours")
        if not isinstance(hours, dict):
            raise ValueError("the journal has no hours")
        for key, counts in hours.items():
            dt.datetime.strptime(key, HOUR_FORMAT)  # ValueError for a bad key
            if not isinstance(counts, dict) or not all(
                e in KEYS and type(c) is int and c >= 0 for e, c in counts.items()
            ):
                raise ValueError(f"bad counts for the hour {key}")
        return cls(days, hours)


def _midnight(when: dt.datetime) -> dt.datetime:
    return when.replace(hour=0, minute=0, second=0, microsecond=0)
