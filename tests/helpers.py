"""Helpers the tests share: the sample photo, a free loopback port, waiting for a condition, and reading
what was published on the event bus."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moodify_edge.events import Subscription

DATA = Path(__file__).parent / "data"
ASTRONAUT = DATA / "astronaut.png"  # a public-domain photo of a smiling face


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``condition()`` until it is true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def events_until_quiet(subscription: Subscription, quiet: float = 0.5) -> list[dict[str, Any]]:
    """The events a bus subscription receives until none has come for ``quiet`` seconds (a finished run
    has published everything by then), as a live client gets them (JSON)."""
    received = []
    while (event := subscription.get(timeout=quiet)) is not None:
        received.append(event.to_json())
    return received


def next_event(subscription: Subscription, event_type: str, timeout: float = 5.0) -> dict[str, Any] | None:
    """The JSON of the next event of ``event_type`` a subscription receives, or None after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        event = subscription.get(timeout=left)
        if event is not None and event.type == event_type:
            return event.to_json()
    return None
