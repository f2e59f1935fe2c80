"""Runs: frames for a few seconds → one result a person can trust.

A :class:`DetectionRun` reads frames from any :class:`FrameSource` (the camera feed, a camera, a
file), passes each through the :class:`~moodify_edge.pipeline.FramePipeline`, reports every frame
as a :class:`FrameReading`, and ends with a :class:`RunResult`: the emotion with the highest mean
probability over the frames that showed a face. The aggregation is plain numpy.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .capture import EndOfStream, SourceKind, open_camera, parse_source
from .config import Config
from .contract import RunOutcome
from .emotions import EMOTIONS, KEYS
from .faces import Box
from .pipeline import FramePipeline


class FrameSource(Protocol):
    def read(self, timeout: float) -> np.ndarray | None:
        """The next frame, or None when none arrived within ``timeout`` seconds."""


def _rounded(values: np.ndarray) -> dict[str, float]:
    return {key: round(float(v), 4) for key, v in zip(KEYS, values, strict=True)}


@dataclass(frozen=True)
class FrameReading:
    """One frame of a run: when (seconds since the start), the face box, and the probabilities."""

    index: int
    t: float
    face: Box | None
    probabilities: np.ndarray | None
    timing_ms: dict[str, float]

    @property
    def top(self) -> str | None:
        return None if self.probabilities is None else KEYS[int(np.argmax(self.probabilities))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "t": round(self.t, 3),
            "face": list(self.face) if self.face else None,
            "probabilities": None if self.probabilities is None else _rounded(self.probabilities),
            "top": self.top,
            "timing_ms": {k: round(v, 3) for k, v in self.timing_ms.items()},
        }


@dataclass(frozen=True)
class RunResult:
    """The outcome of a run: an emotion, no face (no frame showed a usable face), or cancelled.

    ``mean`` averages the probabilities over frames with a face; ``frequency`` counts the frames in
    which each emotion was on top; ``emotion`` is the key with the highest mean and ``confidence``
    that mean.
    """

    outcome: RunOutcome
    emotion: str | None
    confidence: float
    mean: dict[str, float]
    frequency: dict[str, int]
    frames_seen: int
    frames_with_face: int
    seconds: float
    frames: tuple[FrameReading, ...] = ()

    @classmethod
    def aggregate(cls, readings: list[FrameReading], seconds: float, cancelled: bool = False) -> RunResult:
        with_face = [r.probabilities for r in readings if r.probabilities is not None]
        if with_face:
            stacked = np.stack(with_face).astype(np.float64)
            mean = stacked.mean(axis=0)
            counts = np.bincount(stacked.argmax(axis=1), minlength=len(KEYS))
        else:
            mean = np.zeros(len(KEYS))
            counts = np.zeros(len(KEYS), np.int64)
        best = int(np.argmax(mean))
        if cancelled:
            outcome, emotion = RunOutcome.CANCELLED, None
        elif with_face:
            outcome, emotion = RunOutcome.EMOTION, KEYS[best]
        else:
            outcome, emotion = RunOutcome.NO_FACE, None
        return cls(
            outcome=outcome,
            emotion=emotion,
            confidence=float(mean[best]) if emotion else 0.0,
            mean={key: float(v) for key, v in zip(KEYS, mean, strict=True)},
            frequency={key: int(n) for key, n in zip(KEYS, counts, strict=True)},
            frames_seen=len(readings),
            frames_with_face=len(with_face),
            seconds=seconds,
            frames=tuple(readings),
        )

    @property
    def label(self) -> str | None:
        return EMOTIONS[KEYS.index(self.emotion)].label if self.emotion else None

    def to_dict(self, include_frames: bool = False) -> dict[str, Any]:
        emotion = EMOTIONS[KEYS.index(self.emotion)] if self.emotion else None
        data: dict[str, Any] = {
            "outcome": str(self.outcome),
            "emotion": self.emotion,
            "label": emotion.label if emotion else None,
            "label_ko": emotion.label_ko if emotion else None,
            "colour": emotion.colour if emotion else None,
            "confidence": round(self.confidence, 4),
            "mean": {key: round(p, 4) for key, p in self.mean.items()},
            "frequency": dict(self.frequency),
            "frames_seen": self.frames_seen,
            "frames_with_face": self.frames_with_face,
            "seconds": round(self.seconds, 3),
        }
        if include_frames:
            data["frames"] = [r.to_dict() for r in self.frames]
        return data


class DetectionRun:
    """One run over ``seconds`` (monotonic clock; None or 0: no time limit) or ``max_frames`` frames
    (0: no limit), whichever comes first, or until a finite source ends. ``cancel()`` may be called
    from any thread; the run then ends within a fraction of a second as cancelled."""

    READ_TIMEOUT = 0.2

    def __init__(
        self,
        frames: FrameSource,
        pipeline: FramePipeline,
        *,
        seconds: float | None,
        max_frames: int = 0,
        on_frame: Callable[[FrameReading], None] | None = None,
    ) -> None:
        self._frames = frames
        self._pipeline = pipeline
        self._seconds = seconds or 0.0
        self._max_frames = max_frames
        self._on_frame = on_frame
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def run(self) -> RunResult:
        self._pipeline.reset()
        readings: list[FrameReading] = []
        start = time.monotonic()
        deadline = start + self._seconds if self._seconds else float("inf")
        while not self._cancelled.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or (self._max_frames and len(readings) >= self._max_frames):
                break
            try:
                frame = self._frames.read(min(self.READ_TIMEOUT, left))
            except EndOfStream:
                break
            if frame is None:
                continue
            analysis = self._pipeline.process(frame)
            reading = FrameReading(
                len(readings), time.monotonic() - start, analysis.face, analysis.probabilities, analysis.timing_ms
            )
            readings.append(reading)
            if self._on_frame is not None:
                self._on_frame(reading)
        return RunResult.aggregate(readings, time.monotonic() - start, cancelled=self._cancelled.is_set())


def detect_once(
    config: Config, source: str | None = None, seconds: float | None = None, max_frames: int | None = None
) -> RunResult:
    """Open the camera (``source`` overrides ``camera.source``), run once, close it.

    A file source is read as fast as possible, once (no looping), and the run ends with the file
    unless ``seconds`` or ``max_frames`` ends it earlier. Raises CameraError when the source fails.
    """
    camera_config = config.camera if source is None else dataclasses.replace(config.camera, source=source)
    from_file = parse_source(camera_config.source)[0] == SourceKind.FILE
    if from_file:
        camera_config = dataclasses.replace(camera_config, loop=False)
    if seconds is None and not from_file:
        seconds = config.detection.seconds
    camera = open_camera(camera_config, paced=not from_file)
    try:
        pipeline = FramePipeline.from_config(config)
        run = DetectionRun(
            camera,
            pipeline,
            seconds=seconds,
            max_frames=config.detection.frames if max_frames is None else max_frames,
        )
        return run.run()
    finally:
        camera.close()
