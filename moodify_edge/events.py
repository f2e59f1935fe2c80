"""The event bus and the events on it: one publisher side, many subscribers (live web clients, LED, systemd).

Every event is a frozen dataclass whose ``type`` is an :class:`~moodify_edge.contract.EventType` and whose
``to_json()`` is what a live client receives. Each subscriber has a bounded queue; a slow subscriber loses
its oldest events rather than slowing the camera loop down.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .contract import ErrorCode, ErrorSource, EventType, KioskState, RunOutcome, TriggerOrigin

if TYPE_CHECKING:
    from .capture import CameraStatus
    from .music import AccountStatus, PlayerState, Recommendations
    from .runs import FrameReading, RunResult


def _present(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


@dataclass(frozen=True)
class Event:
    """Base of every bus event."""

    type: ClassVar[EventType]

    def payload(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return {"type": str(self.type), **self.payload()}


@dataclass(frozen=True)
class ModelChanged(Event):
    """An event that carries one model (a result, a player state…): its JSON is the model's ``to_dict()``."""

    def payload(self) -> dict[str, Any]:
        (model,) = (getattr(self, f.name) for f in dataclasses.fields(self))
        return model.to_dict()


@dataclass(frozen=True)
class RunInfo:
    """A detection run as the screens count it down: who started it, its length, when (epoch seconds)."""

    origin: TriggerOrigin
    seconds: float
    frames: int
    started: float

    def to_dict(self) -> dict[str, Any]:
        return {"origin": str(self.origin), "seconds": self.seconds, "frames": self.frames, "started": self.started}


@dataclass(frozen=True)
class StateChanged(Event):
    """The kiosk entered ``state``; ``run`` when a run started, ``outcome`` when one ended, ``error`` when
    one failed."""

    type: ClassVar[EventType] = EventType.STATE
    state: KioskState
    run: RunInfo | None = None
    outcome: RunOutcome | None = None
    error: str | None = None

    def payload(self) -> dict[str, Any]:
        run = self.run.to_dict() if self.run else None
        return _present(state=str(self.state), run=run, outcome=self.outcome and str(self.outcome), error=self.error)


@dataclass(frozen=True)
class FrameRead(ModelChanged):
    """One frame of the run in progress was read."""

    type: ClassVar[EventType] = EventType.FRAME
    reading: FrameReading


@dataclass(frozen=True)
class RunFinished(ModelChanged):
    """A run ended (with an emotion, without a face, or cancelled)."""

    type: ClassVar[EventType] = EventType.RESULT
    result: RunResult


@dataclass(frozen=True)
class RecommendationsReady(ModelChanged):
    type: ClassVar[EventType] = EventType.RECOMMENDATIONS
    recommendations: Recommendations


@dataclass(frozen=True)
class PlayerChanged(ModelChanged):
    type: ClassVar[EventType] = EventType.PLAYER
    player: PlayerState


@dataclass(frozen=True)
class CameraChanged(ModelChanged):
    type: ClassVar[EventType] = EventType.CAMERA
    camera: CameraStatus


@dataclass(frozen=True)
class AccountChanged(ModelChanged):
    """The music account changed (a login or a logout)."""

    type: ClassVar[EventType] = EventType.ACCOUNT
    account: AccountStatus


@dataclass(frozen=True)
class ErrorRaised(Event):
    """Something failed that the screen should say (the API caller, if any, also gets it as an answer)."""

    type: ClassVar[EventType] = EventType.ERROR
    source: ErrorSource
    code: ErrorCode
    message: str

    def payload(self) -> dict[str, Any]:
        return {"source": str(self.source), "code": str(self.code), "message": self.message}


@dataclass(frozen=True)
class PairingChanged(Event):
    """The pairing code changed (``new_code``), or every phone was unpaired (``revoked``)."""

    type: ClassVar[EventType] = EventType.PAIRING
    new_code: bool = False
    revoked: bool = False

    def payload(self) -> dict[str, Any]:
        return {"new_code": self.new_code, "revoked": self.revoked}


@dataclass(frozen=True)
class PairingAlarm(Event):
    """Wrong pairing codes are coming in (``active``: an episode of guessing began) or stopped coming: how
    many attempts (wrong or refused) and from how many addresses."""

    type: ClassVar[EventType] = EventType.PAIRING_ALARM
    active: bool
    attempts: int
    addresses: int

    def payload(self) -> dict[str, Any]:
        return {"active": self.active, "attempts": self.attempts, "addresses": self.addresses}


@dataclass(frozen=True)
class Snapshot(Event):
    """Everything a screen needs to draw itself from scratch (the first event of each live client)."""

    type: ClassVar[EventType] = EventType.SNAPSHOT
    state: KioskState
    demo: bool
    camera: CameraStatus
    run: RunInfo | None
    frame: FrameReading | None
    result: RunResult | None
    recommendations: Recommendations | None
    player: PlayerState
    account: AccountStatus

    def payload(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "demo": self.demo,
            "camera": self.camera.to_dict(),
            "run": self.run.to_dict() if self.run else None,
            "frame": self.frame.to_dict() if self.frame else None,
            "result": self.result.to_dict() if self.result else None,
            "recommendations": self.recommendations.to_dict() if self.recommendations else None,
            "player": self.player.to_dict(),
            "account": self.account.to_dict(),
        }


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
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()

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

    def publish(self, event: Event) -> Event:
        with self._lock:
            subscriptions = list(self._subscriptions)
            listeners = list(self._listeners)
        for subscription in subscriptions:
            subscription.put(event)
        for listener in listeners:
            listener(event)
        return event
