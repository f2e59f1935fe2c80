"""The mood journal on the device and for the owner: its file, the bus listener that counts results, and the
owner's routes (the charts' data, the CSV export, erasing).

Only with ``[journal] enabled``: each run that ends in an emotion adds one to that emotion's count for the hour
(:mod:`moodify_edge.journal`; nothing else of the run is kept). The file (:data:`JOURNAL_FILE` in the state
directory) is written atomically by :func:`~moodify_edge.state_file.write_atomic`; one that cannot be read is
renamed ``.bad`` and the journal starts empty, never stopping the kiosk. Every route needs the owner
(:func:`.owner.require_owner`: the kiosk unlocked with the PIN, or an owner's phone).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.wrappers import Response

from ..config import Config
from ..contract import ErrorCode
from ..controller import Controller
from ..events import Event, RunFinished
from ..journal import Journal
from ..state_file import remove_leftovers, set_aside, write_atomic
from .errors import ApiError
from .owner import require_owner

log = logging.getLogger(__name__)

JOURNAL_FILE = "mood-journal.json"
EXTENSION = "moodify.journal"

bp = Blueprint("journal", __name__, url_prefix="/api/journal")


def _now() -> dt.datetime:
    return dt.datetime.now()


class JournalStore:
    """The journal and its file; thread-safe (the bus listener writes, the owner's routes read and erase)."""

    def __init__(self, path: Path, days: int, clock: Callable[[], dt.datetime] = _now) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._journal = self._load(days)

    def _load(self, days: int) -> Journal:
        remove_leftovers(self.path)
        try:
            journal = Journal.from_json(self.path.read_bytes(), days)
        except FileNotFoundError:
            return Journal(days)
        except (OSError, ValueError) as exc:  # json's errors are ValueErrors too
            try:
                set_aside(self.path, f"unreadable mood journal ({exc})")
            except OSError as rename:
                log.warning("mood journal not set aside: %s", rename)
            return Journal(days)
        if journal.prune(self.clock()):
            self._save(journal)
        return journal

    def _save(self, journal: Journal) -> None:
        try:
            write_atomic(self.path, journal.to_json())
        except OSError as exc:  # a full disk loses the newest counts, never the kiosk
            log.warning("mood journal not saved: %s", exc)

    def record(self, emotion: str) -> None:
        with self._lock:
            self._journal.record(emotion, self.clock())
            self._save(self._journal)

    def erase(self) -> None:
        with self._lock:
            self._journal.erase()
            self._save(self._journal)

    def charts(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock()
            return {"days": self._journal.days, "day": self._journal.day(now), "week": self._journal.week(now)}

    def csv(self) -> str:
        with self._lock:
            return self._journal.csv()

    def listen(self, event: Event) -> None:
        """The bus listener: a run that ended in an emotion counts once; nothing else of it is kept."""
        if isinstance(event, RunFinished) and event.result.emotion:
            try:
                self.record(event.result.emotion)
            except Exception:  # the journal never stops the run's other listeners
                log.exception("mood journal: result not counted")


def journal() -> JournalStore:
    """The app's journal; 404 while ``[journal] enabled`` is off."""
    store: JournalStore | None = current_app.extensions.get(EXTENSION)
    if store is None:
        raise ApiError(ErrorCode.NOT_FOUND, "The mood journal is off ([journal] enabled).")
    return store


@bp.get("")
def charts() -> Response:
    require_owner()
    return jsonify(journal().charts())


@bp.get("/export.csv")
def export() -> Response:
    require_owner()
    response = current_app.response_class(journal().csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="mood-journal.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/erase")
def erase() -> Response:
    """Erase every count (the page asks for confirmation first)."""
    require_owner()
    journal().erase()
    return jsonify(journal().charts())


def install(app: Flask, controller: Controller, config: Config) -> None:
    """With ``[journal] enabled``: the journal from its file, counting the controller's results; the routes always
    (they answer 404 while it is off)."""
    if config.journal.enabled:
        store = JournalStore(config.state_path() / JOURNAL_FILE, config.journal.days)
        app.extensions[EXTENSION] = store
        controller.bus.listen(store.listen)
    app.context_processor(lambda: {"journal_enabled": config.journal.enabled})
    app.register_blueprint(bp)
