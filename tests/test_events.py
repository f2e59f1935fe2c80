"""The event bus: every subscriber sees every event; a slow one loses its oldest events, not the newest.
Every event has a type from the contract and a JSON form."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from moodify_edge.contract import EventType, KioskState, TriggerOrigin
from moodify_edge.events import Event, EventBus, PairingChanged, RunInfo, StateChanged


@dataclass(frozen=True)
class Tick(Event):
    """A numbered event of the tests' own."""

    type: ClassVar[EventType] = EventType.FRAME
    n: int = 0
    i: int = 0

    def payload(self) -> dict[str, Any]:
        return {"n": self.n, "i": self.i}


def test_each_subscriber_and_listener_receives_each_event():
    bus = EventBus()
    heard = []
    bus.listen(heard.append)
    with bus.subscribe() as first, bus.subscribe() as second:
        event = bus.publish(StateChanged(KioskState.DETECTING))
        assert event.to_json() == {"type": "state", "state": "detecting"}
        assert first.get(timeout=1) == event
        assert second.get(timeout=1) == event
    assert heard == [event]


def test_an_events_json_leaves_out_what_it_does_not_carry():
    run = RunInfo(TriggerOrigin.BUTTON, seconds=5.0, frames=0, started=1.5)
    assert StateChanged(KioskState.DETECTING, run=run).to_json() == {
        "type": "state",
        "state": "detecting",
        "run": {"origin": "button", "seconds": 5.0, "frames": 0, "started": 1.5},
    }
    assert PairingChanged(revoked=True).to_json() == {"type": "pairing", "new_code": False, "revoked": True}


def test_closed_subscription_receives_nothing_more():
    bus = EventBus()
    subscription = bus.subscribe()
    subscription.close()
    bus.publish(Tick(i=1))
    assert subscription.get(timeout=0.01) is None


def test_full_queue_drops_the_oldest_event():
    bus = EventBus()
    with bus.subscribe(maxsize=3) as slow:
        for index in range(5):
            bus.publish(Tick(i=index))
        assert [slow.get(timeout=1).i for _ in range(3)] == [2, 3, 4]
        assert slow.get(timeout=0.01) is None


def test_publishing_from_many_threads_loses_nothing_for_a_large_queue():
    bus = EventBus()
    with bus.subscribe(maxsize=10_000) as subscription:
        threads = [
            threading.Thread(target=lambda n=n: [bus.publish(Tick(n=n, i=i)) for i in range(200)]) for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        received = [subscription.get(timeout=1) for _ in range(800)]
    assert sorted((e.n, e.i) for e in received) == sorted((n, i) for n in range(4) for i in range(200))
