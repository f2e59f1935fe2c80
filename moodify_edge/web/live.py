"""Live updates over Server-Sent Events: the snapshot first, then every bus event, with keep-alives.

Each client gets its own bounded bus subscription (a slow phone loses old frames, never slows the camera).
``retry:`` tells the browser's EventSource to reconnect on its own; on reconnect it gets a fresh snapshot.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, session

from ..contract import EventType
from ..controller import Controller
from .access import is_kiosk, store
from .api import emotions_table
from .pairing_store import PairingStore

bp = Blueprint("live", __name__, url_prefix="/api")

RETRY_MS = 2000
KEEPALIVE_SECONDS = 10.0
POLL_SECONDS = 0.5  # how quickly a stream notices the server stopping
QUEUE_SIZE = 256


def format_event(event_type: EventType, data: dict[str, Any]) -> str:
    return f"event: {event_type}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def stream(controller: Controller, stopping: threading.Event, allowed: Callable[[], bool]) -> Iterator[str]:
    """The text of one SSE connection, until the client goes, the server stops or ``allowed()`` turns false
    (its pairing was revoked)."""
    subscription = controller.bus.subscribe(QUEUE_SIZE)
    try:
        snapshot = controller.snapshot()
        yield f"retry: {RETRY_MS}\n" + format_event(snapshot.type, snapshot.to_json() | {"emotions": emotions_table()})
        quiet_since = time.monotonic()
        while not stopping.is_set() and allowed():
            event = subscription.get(timeout=POLL_SECONDS)
            if event is not None:
                yield format_event(event.type, event.to_json())
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
    finally:
        subscription.close()


def _always() -> bool:
    return True


def _same_epoch(pairing: PairingStore, epoch: str | None) -> bool:
    return pairing.epoch == epoch


@bp.get("/events")
def events() -> Response:
    allowed = _always if is_kiosk() else functools.partial(_same_epoch, store(), session.get("paired"))
    body = stream(current_app.extensions["moodify.controller"], current_app.extensions["moodify.stopping"], allowed)
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
