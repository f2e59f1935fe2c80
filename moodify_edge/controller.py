"""The kiosk controller: the one place that decides what happens when someone presses a button.

It owns the kiosk's state (idle → detecting → result), starts detection runs on a worker thread,
turns a result into recommendations and playback, and publishes every change on the event bus.
The web app, the GPIO button and the LED all talk to it; none of them talk to each other.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from .config import Config
from .detection import DetectionRun, FrameReading, FrameSource, RunResult
from .events import EventBus
from .music import Music, MusicError, PlayerState
from .pipeline import FramePipeline

log = logging.getLogger(__name__)


class Busy(Exception):
    """A trigger refused because a run is already in progress."""


class Controller:
    """State machine of the kiosk, safe to call from any thread."""

    def __init__(
        self,
        config: Config,
        bus: EventBus,
        frames: FrameSource,
        pipeline: FramePipeline,
        music: Music,
        camera_status: Callable[[], dict[str, Any]] = lambda: {"ok": True, "message": ""},
    ) -> None:
        self.config = config
        self.bus = bus
        self._frames = frames
        self._pipeline = pipeline
        self.music = music
        self._camera_status = camera_status
        self._lock = threading.RLock()  # listeners may read the snapshot while a change is published
        self._state = "idle"
        self._run: DetectionRun | None = None
        self._run_info: dict[str, Any] | None = None
        self._run_due = 0.0  # time.monotonic() by which the current run should have ended
        self._worker: threading.Thread | None = None
        self._result: RunResult | None = None
        self._recommendations: dict[str, Any] | None = None
        self._player = PlayerState(available=False)  # asked of the backend on demand, never at start-up
        self._last_frame: dict[str, Any] | None = None

    # ----------------------------------------------------------------- state
    @property
    def state(self) -> str:
        return self._state

    @property
    def detecting(self) -> bool:
        return self._state == "detecting"

    def run_due(self) -> float:
        """When (``time.monotonic()``) the run in progress should have ended; now when none is running.
        A watchdog reads this as a heartbeat: a run far past its end has a hung worker."""
        with self._lock:
            return self._run_due if self._state == "detecting" else time.monotonic()

    def snapshot(self) -> dict[str, Any]:
        """Everything a screen needs to draw itself from scratch (sent to each new live client)."""
        with self._lock:
            return {
                "state": self._state,
                "demo": self.config.service.demo,
                "camera": self._camera_status(),
                "run": self._run_info,
                "frame": self._last_frame,
                "result": self._result.to_dict() if self._result else None,
                "recommendations": self._recommendations,
                "player": self._player.to_dict(),
                "account": self.music.account(),
            }

    def _set_state(self, state: str, **extra: Any) -> None:
        self._state = state
        self.bus.publish("state", state=state, **extra)

    # ----------------------------------------------------------------- runs
    def trigger(self, origin: str = "screen") -> dict[str, Any]:
        """Start a detection run; raises :class:`Busy` while one is in progress."""
        with self._lock:
            if self._state == "detecting":
                raise Busy("a detection run is already in progress")
            detection = self.config.detection
            self._run = DetectionRun(
                self._frames,
                self._pipeline,
                seconds=detection.seconds,
                max_frames=detection.frames,
                on_frame=self._on_frame,
            )
            self._run_info = {
                "origin": origin,
                "seconds": detection.seconds,
                "frames": detection.frames,
                "started": time.time(),
            }
            self._run_due = time.monotonic() + detection.seconds
            self._result = None
            self._recommendations = None
            self._last_frame = None
            self._set_state("detecting", run=self._run_info)
            self._worker = threading.Thread(target=self._work, args=(self._run,), name="detection", daemon=True)
            self._worker.start()
            return dict(self._run_info)

    def cancel(self) -> bool:
        """Cancel the run in progress; False when there is none."""
        with self._lock:
            run = self._run if self._state == "detecting" else None
        if run is None:
            return False
        run.cancel()
        return True

    def press(self, origin: str = "button") -> None:
        """A physical button press: start a run, or during one do what ``gpio.press_during_run`` says."""
        if self.detecting:
            if self.config.gpio.press_during_run == "cancel":
                self.cancel()
            else:
                log.info("button press ignored: a detection run is in progress")
            return
        try:
            self.trigger(origin)
        except Busy:
            log.info("button press ignored: a detection run is in progress")

    def join(self, timeout: float | None = None) -> None:
        """Wait for the worker thread of the current run (tests, shutdown)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _on_frame(self, reading: FrameReading) -> None:
        frame = reading.to_dict()
        self._last_frame = frame
        self.bus.publish("frame", **frame)

    def _work(self, run: DetectionRun) -> None:
        try:
            result = run.run()
        except Exception as exc:  # a camera or model failure ends the run, never the service
            log.exception("detection run failed")
            with self._lock:
                self._set_state("idle", error=f"detection failed: {exc}")
            return
        with self._lock:
            self._result = result
            self._set_state("result" if result.emotion else "idle", outcome=result.outcome)
        self.bus.publish("result", **result.to_dict())
        if result.emotion:
            self._recommend(run, result.emotion)

    # ----------------------------------------------------------------- music
    def _recommend(self, run: DetectionRun, emotion: str) -> None:
        try:
            recommendations = self.music.recommend(emotion)
        except MusicError as exc:
            self.bus.publish("error", source="music", message=exc.message, code=exc.code)
            return
        except Exception:  # the result stays on screen; the list says why it is empty
            log.exception("recommendations failed")
            self.bus.publish("error", source="music", message="Music recommendations failed.", code="music_failed")
            return
        with self._lock:
            if self._run is not run:  # someone started a new run while the music service answered
                log.info("recommendations for an earlier run dropped")
                return
            self._recommendations = recommendations.to_dict()
        self.bus.publish("recommendations", **recommendations.to_dict())
        if self.config.spotify.autoplay and recommendations.tracks:
            try:
                self.player_call("play", recommendations.tracks[0].uri)
            except MusicError:
                pass  # already published for the screen; the list stays usable

    def player_call(self, action: str, *args: Any) -> PlayerState:
        """Run one player action (play, pause, next, previous, set_volume, player_state) and publish the
        new state. A :class:`MusicError` is published for the screen and raised for the API."""
        try:
            state = getattr(self.music, action)(*args)
        except MusicError as exc:
            self.bus.publish("error", source="music", message=exc.message, code=exc.code)
            raise
        with self._lock:
            self._player = state
        self.bus.publish("player", **state.to_dict())
        return state

    def stop_music(self) -> None:
        """Long press: pause whatever plays; a failure is shown, never raised to the button."""
        try:
            self.player_call("pause")
        except MusicError:
            pass
