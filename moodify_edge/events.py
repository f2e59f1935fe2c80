"""The event bus: one publisher side, many subscribers (live web clients, LED, systemd status).

Events are plain JSON-able dicts with a ``type`` key. Each subscriber has a bounded queue; a slow
subscriber loses its oldest events rather than slowing the camera loop down.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable

Event = dict[str, Any]


class Subscription:
    """A subscriber's queue of events; iterate with :meth:`get`, release with :meth:`close`."""

    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: queue.Queue[Event] = queue.Queue(maxsize)

    def put(self, event: Event) -> None:
        while True:
            try:
                self._queue.put_nowait(event)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or None when ``timeout`` passes first."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Fan-out of events to queues (web clients) and callbacks (LED, systemd status)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []
        self._listeners: list[Callable[[Event], None]] = []

    def subscribe(self, maxsize: int = 256) -> Subscription:
        subscription = Subscription(self, maxsize)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def listen(self, callback: Callable[[Event], None]) -> None:
        """Call ``callback(event)`` synchronously on the publishing thread; it must be quick."""
        with self._lock:
            self._listeners.append(callback)

    def publish(self, event_type: str, **data: Any) -> Event:
        event = {"type": event_type, **data}
        with self._lock:
            subscriptions = list(self._subscriptions)
            listeners = list(self._listeners)
        for subscription in subscriptions:
            subscription.put(event)
        for listener in listeners:
            listener(event)
        return event
