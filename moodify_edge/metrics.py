"""Prometheus metrics of one kiosk, counted from the events on the bus.

:class:`KioskMetrics` listens to the bus (quick: a counter or a histogram per event) and keeps its own
registry (never the library's global one, so several apps in one process do not collide): runs by outcome,
emotions, run length, frames and frames per second, time per pipeline stage, camera reconnects, errors by
source and code, open live streams, the kiosk's state, and the process's own figures (resident memory, CPU,
open files) from the library's process collector. ``/metrics`` (:mod:`.web.metrics`) serves :meth:`render`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client import Enum as StateEnum

from .contract import KioskState
from .emotions import KEYS
from .events import CameraChanged, ErrorRaised, Event, EventBus, FrameRead, RunFinished, StateChanged

CONTENT_TYPE = CONTENT_TYPE_LATEST
RUN_BUCKETS = (0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60)
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class KioskMetrics:
    """The kiosk's metrics; ``streams()`` → open live streams per listener name (read at each scrape)."""

    def __init__(self, bus: EventBus, streams: Callable[[], Mapping[str, int]] = dict) -> None:
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        self.runs = Counter("moodify_runs", "Detection runs, by outcome.", ["outcome"], registry=registry)
        self.emotions = Counter("moodify_emotions", "Runs that ended in each emotion.", ["emotion"], registry=registry)
        self.run_seconds = Histogram(
            "moodify_run_duration_seconds", "Length of finished runs.", buckets=RUN_BUCKETS, registry=registry
        )
        self.frames = Counter("moodify_frames", "Frames read in runs (rate() is frames per second).", registry=registry)
        self.fps = Gauge("moodify_last_run_frames_per_second", "Frames per second of the last run.", registry=registry)
        self.stages = Histogram(
            "moodify_stage_seconds", "Time of each pipeline stage per frame.", ["stage"], buckets=STAGE_BUCKETS,
            registry=registry,
        )  # fmt: skip
        self.reconnects = Counter(
            "moodify_camera_reconnects", "Times the camera came back after failing.", registry=registry
        )
        self.camera_up = Gauge("moodify_camera_up", "1 while frames flow from the camera.", registry=registry)
        self.errors = Counter(
            "moodify_errors", "Errors shown on screen (music backends, detection), by code.", ["source", "code"],
            registry=registry,
        )  # fmt: skip
        self.state = StateEnum(
            "moodify_state", "What the kiosk is doing.", states=[str(s) for s in KioskState], registry=registry
        )
        clients = Gauge(
            "moodify_live_clients", "Open live-event (SSE) streams, by listener.", ["listener"], registry=registry
        )
        self._clients = clients
        self._streams = streams
        self._camera_failed = False
        for key in KEYS:  # every emotion appears from the first scrape, at 0
            self.emotions.labels(key)
        bus.listen(self.observe)

    def observe(self, event: Event) -> None:
        """Count one bus event (called on the publishing thread)."""
        if isinstance(event, FrameRead):
            for stage, ms in event.reading.timing_ms.items():
                self.stages.labels(stage).observe(ms / 1000)
        elif isinstance(event, RunFinished):
            result = event.result
            self.runs.labels(str(result.outcome)).inc()
            if result.emotion:
                self.emotions.labels(result.emotion).inc()
            self.run_seconds.observe(result.seconds)
            self.frames.inc(result.frames_seen)
            if result.seconds > 0:
                self.fps.set(result.frames_seen / result.seconds)
        elif isinstance(event, StateChanged):
            self.state.state(str(event.state))
        elif isinstance(event, CameraChanged):
            self._camera(event)
        elif isinstance(event, ErrorRaised):
            self.errors.labels(str(event.source), str(event.code)).inc()

    def _camera(self, event: CameraChanged) -> None:
        camera = event.camera
        self.camera_up.set(1 if camera.ok else 0)
        if camera.ok and self._camera_failed:
            self.reconnects.inc()
        self._camera_failed = camera.failed or (self._camera_failed and not camera.ok)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric, as of now."""
        for listener, count in self._streams().items():
            self._clients.labels(listener).set(count)
        return generate_latest(self.registry)
