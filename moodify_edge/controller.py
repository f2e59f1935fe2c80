"""The kiosk controller: the one place that decides what happens when someone presses a button.

It owns the kiosk's state (idle → detecting → result), starts detection runs on a worker thread, turns a result
into recommendations (by the visitor's goal, else ``[kiosk] goal``) and playback, and publishes every change on
the event bus. The web app, the GPIO button and the LED all talk to it; none of them talk to each other.
Unattended, it goes back to idle by itself (``[kiosk] idle_seconds`` after a result), fades the music out
(``[kiosk] music_minutes``), gives each visitor ``[kiosk] default_volume`` and caps every volume at
``[kiosk] max_volume`` (the timers are in :mod:`.idle`)."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from .capture import CameraError, CameraStatus
from .config import Config
from .contract import ErrorCode, ErrorSource, KioskError, KioskState, TriggerOrigin
from .events import (
    ErrorRaised,
    Event,
    EventBus,
    FrameRead,
    PlayerChanged,
    RecommendationsReady,
    RunFinished,
    RunInfo,
    Snapshot,
    StateChanged,
)
from .idle import FADE_SECONDS, Timers, fade_out
from .mood import Policy, goal_policy
from .music import MusicBackend, MusicError, PlayerState, Recommendations
from .pipeline import FramePipeline
from .runs import DetectionRun, FrameReading, FrameSource, RunResult

log = logging.getLogger(__name__)


class Busy(KioskError):
    """A trigger refused because a run is already in progress."""

    def __init__(self) -> None:
        super().__init__(ErrorCode.BUSY, "A detection run is already in progress.")


class Controller:
    """State machine of the kiosk, safe to call from any thread."""

    def __init__(
        self,
        config: Config,
        bus: EventBus,
        frames: FrameSource,
        pipeline: FramePipeline,
        music: MusicBackend,
        camera_status: Callable[[], CameraStatus] = CameraStatus.working,
        fade_seconds: float = FADE_SECONDS,
    ) -> None:
        self.config = config
        self.bus = bus
        self._frames = frames
        self._pipeline = pipeline
        self.music = music
        self._camera_status = camera_status
        self._lock = threading.RLock()  # listeners may read the snapshot while a change is published
        self._state = KioskState.IDLE
        self._run: DetectionRun | None = None
        self._run_info: RunInfo | None = None
        self._run_due = 0.0  # time.monotonic() by which the current run should have ended
        self._worker: threading.Thread | None = None
        self._result: RunResult | None = None
        self._recommendations: Recommendations | None = None
        self._player = PlayerState(available=False)  # asked of the backend on demand, never at start-up
        self._last_frame: FrameReading | None = None
        self._timers = Timers()  # "idle" and "music", armed by a result, cancelled by the next run
        self._fade_seconds = fade_seconds
        bus.listen(self._remember_player)  # also what a backend reports later (a slow play confirmed)

    # ----------------------------------------------------------------- state
    @property
    def state(self) -> KioskState:
        return self._state

    @property
    def detecting(self) -> bool:
        return self._state == KioskState.DETECTING

    def run_due(self) -> float:
        """When (``time.monotonic()``) the run in progress should have ended; now when none is running.
        A watchdog reads this as a heartbeat: a run far past its end has a hung worker."""
        with self._lock:
            return self._run_due if self.detecting else time.monotonic()

    def snapshot(self) -> Snapshot:
        """Everything a screen needs to draw itself from scratch (sent to each new live client)."""
        with self._lock:
            return Snapshot(
                state=self._state,
                demo=self.config.service.demo,
                camera=self._camera_status(),
                run=self._run_info,
                frame=self._last_frame,
                result=self._result,
                recommendations=self._recommendations,
                player=self._player,
                account=self.music.account.status(),
            )

    def _set_state(self, event: StateChanged) -> None:
        self._state = event.state
        self.bus.publish(event)

    # ----------------------------------------------------------------- runs
    def trigger(self, origin: TriggerOrigin = TriggerOrigin.SCREEN, goal: Policy | None = None) -> RunInfo:
        """Start a run whose music follows ``goal`` (else ``[kiosk] goal``); raises :class:`Busy` while one is in
        progress, and :class:`~moodify_edge.capture.CameraError` while the camera is unavailable (a run then
        could only end in "no face seen", blaming the visitor for a missing camera)."""
        with self._lock:
            if self.detecting:
                raise Busy()
            camera = self._camera_status()
            if camera.failed:  # while it is still starting, the run simply waits for its first frames
                raise CameraError(f"The camera is unavailable: {camera.message}")
            detection = self.config.detection
            self._run = DetectionRun(
                self._frames,
                self._pipeline,
                seconds=detection.seconds,
                max_frames=detection.frames,
                on_frame=self._on_frame,
            )
            self._run_info = RunInfo(origin, detection.seconds, detection.frames, time.time())
            self._run_due = time.monotonic() + detection.seconds
            self._result = None
            self._recommendations = None
            self._last_frame = None
            self._timers.cancel()  # a new visitor: the last one's screen and music are theirs now
            self._set_state(StateChanged(KioskState.DETECTING, run=self._run_info))
            policy = goal or goal_policy(self.config.kiosk.goal)
            self._worker = threading.Thread(target=self._work, args=(self._run, policy), name="detection", daemon=True)
            self._worker.start()
            return self._run_info

    def cancel(self) -> bool:
        """Cancel the run in progress; False when there is none."""
        with self._lock:
            run = self._run if self.detecting else None
        if run is None:
            return False
        run.cancel()
        return True

    def press(self, origin: TriggerOrigin = TriggerOrigin.BUTTON) -> None:
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
        except CameraError as exc:  # the LED already flickers for the missing camera
            log.warning("button press ignored: %s", exc.message)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the worker thread of the current run (tests, shutdown)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _on_frame(self, reading: FrameReading) -> None:
        self._last_frame = reading
        self.bus.publish(FrameRead(reading))

    def _work(self, run: DetectionRun, policy: Policy | None) -> None:
        self._reset_volume()
        try:
            result = run.run()
        except Exception as exc:  # a camera or model failure ends the run, never the service
            log.exception("detection run failed")
            with self._lock:
                self._set_state(StateChanged(KioskState.IDLE, error=f"detection failed: {exc}"))
            return
        with self._lock:
            self._result = result
            state = KioskState.RESULT if result.emotion else KioskState.IDLE
            self._set_state(StateChanged(state, outcome=result.outcome))
            if result.emotion:
                self._arm_timers(run)
        self.bus.publish(RunFinished(result))
        if result.emotion:
            self._recommend(run, result.emotion, policy)

    # ----------------------------------------------------------------- unattended
    def _arm_timers(self, run: DetectionRun) -> None:
        kiosk = self.config.kiosk
        self._timers.arm("idle", kiosk.idle_seconds, lambda: self._back_to_idle(run))
        if kiosk.music_minutes > 0:
            self._timers.arm("music", kiosk.music_minutes * 60, lambda: self._fade_music(run))

    def _back_to_idle(self, run: DetectionRun) -> None:
        """The result has been up ``idle_seconds``: the attract screen invites the next visitor."""
        with self._lock:
            if self._run is run and self._state == KioskState.RESULT:
                log.info("back to idle after %s s", self.config.kiosk.idle_seconds)
                self._set_state(StateChanged(KioskState.IDLE))

    def _fade_music(self, run: DetectionRun) -> None:
        """The music has played ``music_minutes``: fade it out, unless a new visitor started meanwhile."""
        try:
            state = fade_out(self.music.player, lambda: self._run is run, self._fade_seconds)
        except MusicError as exc:
            log.warning("music fade-out failed: %s", exc.message)
            return
        if state is not None:
            self.bus.publish(PlayerChanged(state))

    def _capped(self, percent: int) -> int:
        return max(0, min(percent, self.config.kiosk.max_volume))

    def _reset_volume(self) -> None:
        """Each visitor starts at ``default_volume``; a player that cannot say so now is left alone."""
        try:
            state = self.music.player.set_volume(self._capped(self.config.kiosk.default_volume))
        except Exception as exc:  # the run matters more than the volume; a failure is only logged
            log.info("volume not reset for the new visitor: %s", exc)
            return
        self.bus.publish(PlayerChanged(state))

    # ----------------------------------------------------------------- music
    def _music_failed(self, exc: MusicError) -> None:
        self.bus.publish(ErrorRaised(ErrorSource.MUSIC, exc.code, exc.message))

    def _recommend(self, run: DetectionRun, emotion: str, policy: Policy | None) -> None:
        try:
            recommendations = self.music.source.recommend(emotion, policy)
        except MusicError as exc:
            self._music_failed(exc)
            return
        except Exception:  # the result stays on screen; the list says why it is empty
            log.exception("recommendations failed")
            self._music_failed(MusicError(ErrorCode.MUSIC_FAILED, "Music recommendations failed."))
            return
        with self._lock:
            if self._run is not run:  # someone started a new run while the music service answered
                log.info("recommendations for an earlier run dropped")
                return
            self._recommendations = recommendations
        self.bus.publish(RecommendationsReady(recommendations))
        if self.config.spotify.autoplay and recommendations.tracks:
            with contextlib.suppress(MusicError):  # already published for the screen; the list stays usable
                self.play(recommendations.tracks[0].uri)

    def _player_action(self, action: Callable[[], PlayerState]) -> PlayerState:
        """Run one player action and publish the new state; a :class:`MusicError` is published, then raised."""
        try:
            state = action()
        except MusicError as exc:
            self._music_failed(exc)
            raise
        self.bus.publish(PlayerChanged(state))
        return state

    def _remember_player(self, event: Event) -> None:
        if isinstance(event, PlayerChanged):
            with self._lock:
                self._player = event.player

    def play(self, uri: str | None = None) -> PlayerState:
        """Play ``uri`` on the kiosk's speaker, or resume when None."""
        return self._player_action(lambda: self.music.player.play(uri))

    def pause(self) -> PlayerState:
        return self._player_action(self.music.player.pause)

    def next_track(self) -> PlayerState:
        return self._player_action(self.music.player.next)

    def previous_track(self) -> PlayerState:
        return self._player_action(self.music.player.previous)

    def set_volume(self, percent: int) -> PlayerState:
        """Set the volume, never above ``[kiosk] max_volume``."""
        return self._player_action(lambda: self.music.player.set_volume(self._capped(percent)))

    def refresh_player(self) -> PlayerState:
        """Ask the player what it is doing now."""
        return self._player_action(self.music.player.state)

    def stop_music(self) -> None:
        """Long press: pause whatever plays; a failure is shown, never raised to the button."""
        with contextlib.suppress(MusicError):
            self.pause()
