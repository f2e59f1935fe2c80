"""What a kiosk says on MQTT: the retained ``state`` document and the ``result`` message, built from bus events.

:class:`KioskView` follows the events a screen also gets and keeps only what the fleet may see: the kiosk
state, the camera's health, the music backend and player, and the last emotion. It never holds an image,
a face box, a pairing code or a token (frames and pairing events are not even read). Pure: no MQTT here.
"""

from __future__ import annotations

import time
from typing import Any

from ..events import (
    AccountChanged,
    CameraChanged,
    Event,
    PlayerChanged,
    RunFinished,
    Snapshot,
    StateChanged,
)
from ..music import PlayerState
from ..runs import RunResult

# The events that change the state document; every other event (frames, pairing…) is never looked at.
STATE_EVENTS = (StateChanged, CameraChanged, PlayerChanged, AccountChanged, RunFinished)


def _player(player: PlayerState) -> dict[str, Any]:
    track = player.track
    return {
        "available": player.available,
        "playing": player.playing,
        "title": track.title if track else None,
        "artists": list(track.artists) if track else [],
        "volume": player.volume,
    }


def result_message(result: RunResult, at: float | None = None) -> dict[str, Any]:
    """The ``result`` message of a finished run: outcome, emotion, confidence, the 7 means and frequencies,
    frame counts and the time (epoch seconds). No per-frame data, so no face boxes."""
    return {
        "outcome": str(result.outcome),
        "emotion": result.emotion,
        "confidence": round(result.confidence, 4),
        "mean": {key: round(value, 4) for key, value in result.mean.items()},
        "frequency": dict(result.frequency),
        "frames": result.frames_seen,
        "frames_with_face": result.frames_with_face,
        "seconds": round(result.seconds, 3),
        "time": round(time.time() if at is None else at, 3),
    }


class KioskView:
    """The kiosk as the fleet sees it, updated event by event; :meth:`document` is the ``state`` payload."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.state = str(snapshot.state)
        self.camera_ok = snapshot.camera.ok
        self.camera_message = snapshot.camera.message
        self.backend = str(snapshot.account.backend)
        self.logged_in = snapshot.account.logged_in
        self.player = _player(snapshot.player)
        self.emotion: str | None = None
        self.confidence: float | None = None
        self.outcome: str | None = None
        if snapshot.result is not None:
            self._remember(snapshot.result)

    def _remember(self, result: RunResult) -> None:
        self.outcome = str(result.outcome)
        if result.emotion:
            self.emotion = result.emotion
            self.confidence = round(result.confidence, 4)

    def update(self, event: Event) -> bool:
        """Follow one event; True when the state document changed."""
        before = self.document()
        if isinstance(event, StateChanged):
            self.state = str(event.state)
        elif isinstance(event, CameraChanged):
            self.camera_ok, self.camera_message = event.camera.ok, event.camera.message
        elif isinstance(event, PlayerChanged):
            self.player = _player(event.player)
        elif isinstance(event, AccountChanged):
            self.backend, self.logged_in = str(event.account.backend), event.account.logged_in
        elif isinstance(event, RunFinished):
            self._remember(event.result)
        return self.document() != before

    def document(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "camera": {"ok": self.camera_ok, "message": self.camera_message},
            "music": {"backend": self.backend, "logged_in": self.logged_in, "player": self.player},
            "last_emotion": self.emotion,
            "confidence": self.confidence,
            "last_outcome": self.outcome,
        }
