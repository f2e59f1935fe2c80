"""The per-frame pipeline: frame → largest face → square crop → seven emotion probabilities.

One :class:`FramePipeline` belongs to one thread (the detector tracks the previous face and the
interpreter is not thread-safe). Each call reports how long each stage took, for the live view's
timing line and the benchmark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .config import Config
from .faces import Box, FaceDetector


class Classifier(Protocol):
    input_size: int

    def classify(self, face: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class FrameAnalysis:
    """What one frame showed: the face box (None: no face), its probabilities, and stage times in ms."""

    face: Box | None
    probabilities: np.ndarray | None
    timing_ms: dict[str, float] = field(default_factory=dict)


class FramePipeline:
    def __init__(self, detector: FaceDetector, classifier: Classifier) -> None:
        self.detector = detector
        self.classifier = classifier

    @classmethod
    def from_config(cls, config: Config) -> FramePipeline:
        """The detector from ``[detection]`` and the model from ``[model]`` (the shipped one by default)."""
        from .classifier import EmotionClassifier, default_model_path

        model = config.model.path or default_model_path()
        return cls(
            FaceDetector.from_config(config.detection),
            EmotionClassifier(model, num_threads=config.model.num_threads),
        )

    def reset(self) -> None:
        """Start afresh (a new run): forget the tracked face."""
        self.detector.reset()

    def process(self, frame: np.ndarray) -> FrameAnalysis:
        t0 = time.perf_counter()
        box = self.detector.detect(frame)
        t1 = time.perf_counter()
        if box is None:
            return FrameAnalysis(None, None, {"detect": (t1 - t0) * 1e3})
        crop = self.detector.crop(frame, box, self.classifier.input_size)
        t2 = time.perf_counter()
        probabilities = self.classifier.classify(crop)
        t3 = time.perf_counter()
        timing = {"detect": (t1 - t0) * 1e3, "crop": (t2 - t1) * 1e3, "classify": (t3 - t2) * 1e3}
        return FrameAnalysis(box, probabilities, timing)
