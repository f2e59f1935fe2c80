"""The event bus: every subscriber sees every event; a slow one loses its oldest events, not the newest."""

from __future__ import annotations

import threading

from moodify_edge.events import EventBus


def test_each_subscriber_and_listener_receives_each_event():
    bus = EventBus()
    heard = []
    bus.listen(heard.append)
    with bus.subscribe() as first, bus.subscribe() as second:
        event = bus.publish("state", state="detecting")
        assert event == {"type": "state", "state": "detecting"}
        assert first.get(timeout=1) == event
        assert second.get(timeout=1) == event
    assert heard == [event]


def test_closed_subscription_receives_nothing_more():
    bus = EventBus()
    subscription = bus.subscribe()
    subscription.close()
    bus.publish("frame", index=1)
    assert subscription.get(timeout=0.01) is None


def test_full_queue_drops_the_oldest_event():
    bus = EventBus()
    with bus.subscribe(maxsize=3) as slow:
        for index in range(5):
            bus.publish("frame", index=index)
        assert [slow.get(timeout=1)["index"] for _ in range(3)] == [2, 3, 4]
        assert slow.get(timeout=0.01) is None


def test_publishing_from_many_threads_loses_nothing_for_a_large_queue():
    bus = EventBus()
    with bus.subscribe(maxsize=10_000) as subscription:
        threads = [
            threading.Thread(target=lambda n=n: [bus.publish("frame", n=n, i=i) for i in range(200)]) for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        received = [subscription.get(timeout=1) for _ in range(800)]
    assert sorted((e["n"], e["i"]) for e in received) == sorted((n, i) for n in range(4) for i in range(200))
