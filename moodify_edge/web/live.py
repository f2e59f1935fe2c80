"""Live updates over Server-Sent Events: the snapshot first, then every bus event, with keep-alives.

Each client gets its own bounded bus subscription (a slow phone loses old frames, never slows the camera).
``retry:`` tells the browser's EventSource to reconnect on its own; on reconnect it gets a fresh snapshot.
Streams are capped per listener (:mod:`.streams`): past a cap the oldest ends. A keep-alive every two seconds
makes waitress notice a client that went away, so its thread is free again within seconds.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, request, session

from ..contract import EventType
from ..controller import Controller
from .access import PAIRING_KEY, is_kiosk, store
from .api import emotions_table
from .json_body import dumps_finite
from .listeners import ENVIRON_KEY, Listener
from .pairing_store import PairingStore
from .streams import Slot, StreamSlots

bp = Blueprint("live", __name__, url_prefix="/api")

RETRY_MS = 2000
KEEPALIVE_SECONDS = 2.0
POLL_SECONDS = 0.5  # how quickly a stream notices the server stopping
QUEUE_SIZE = 256


def format_event(event_type: EventType, data: dict[str, Any]) -> str:
    return f"event: {event_type}\ndata: {dumps_finite(data, separators=(',', ':'))}\n\n"  # never a bare NaN


# Streams open at once on each listener: the kiosk's page needs one (more only briefly, while reloading);
# phones get two each, and a few phones together.
STREAM_SLOTS = {Listener.KIOSK: (4, 4), Listener.LAN: (2, 8)}  # (per address, in all)


def stream_slots() -> dict[Listener, StreamSlots]:
    return {listener: StreamSlots(*caps) for listener, caps in STREAM_SLOTS.items()}


def stream(
    controller: Controller, stopping: threading.Event, allowed: Callable[[], bool], slot: Slot, slots: StreamSlots
) -> Iterator[str]:
    """The text of one SSE connection, until the client goes, the server stops, a newer stream takes its slot
    or ``allowed()`` turns false (its pairing was revoked or forgotten)."""
    subscription = controller.bus.subscribe(QUEUE_SIZE)
    try:
        snapshot = controller.snapshot()
        yield f"retry: {RETRY_MS}\n" + format_event(snapshot.type, snapshot.to_json() | {"emotions": emotions_table()})
        quiet_since = time.monotonic()
        while not stopping.is_set() and not slot.evicted.is_set() and allowed():
            event = subscription.get(timeout=POLL_SECONDS)
            if event is not None:
                yield format_event(event.type, event.to_json())
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
    finally:
        subscription.close()
        slots.close(slot)


def _always() -> bool:
    return True


def _still_paired(pairing: PairingStore, epoch: str | None, pairing_id: str | None) -> bool:
    return pairing.epoch == epoch and pairing.is_listed(pairing_id)


@bp.get("/events")
def events() -> Response:
    paired = functools.partial(_still_paired, store(), session.get("paired"), session.get(PAIRING_KEY))
    allowed = _always if is_kiosk() else paired
    listener = request.environ.get(ENVIRON_KEY) or (Listener.KIOSK if is_kiosk() else Listener.LAN)
    slots = current_app.extensions["moodify.streams"][listener]
    slot = slots.open(request.remote_addr or "?")
    extensions = current_app.extensions
    body = stream(extensions["moodify.controller"], extensions["moodify.stopping"], allowed, slot, slots)
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
