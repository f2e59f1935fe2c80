"""The per-frame pipeline: frame → the followed face → its crop → seven emotion probabilities.

One :class:`FramePipeline` belongs to one thread (the detector tracks the previous face and the
interpreters are not thread-safe). Each call reports how long each stage took, for the live view's
timing line and the benchmark. ``scripts/bench_recognition.py`` measures accuracy through this same
class, so what it reports is what the daemon does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .config import Config
from .faces import Box, Detector, create_detector, crop_face


class Classifier(Protocol):
    input_size: int

    def classify(self, face: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class FrameAnalysis:
    """What one frame showed: the face box (None: no face), its probabilities, stage times in ms, and
    the face's landmarks ((6, 2) frame pixels) where the detector gives them."""

    face: Box | None
    probabilities: np.ndarray | None
    timing_ms: dict[str, float] = field(default_factory=dict)
    keypoints: np.ndarray | None = None


class FramePipeline:
    def __init__(
        self,
        detector: Detector,
        classifier: Classifier,
        *,
        margin: float = 0.0,
    ) -> None:
        self.detector = detector
        self.classifier = classifier
        self.margin = margin

    @classmethod
    def from_config(cls, config: Config) -> FramePipeline:
        """The detector from ``[detection]`` and the model from ``[model]`` (the shipped one by default)."""
        from .classifier import EmotionClassifier, default_model_path

        detection = config.detection
        model = config.model.path or default_model_path()
        detector = create_detector(detection.detector, min_face=detection.min_face, detect_width=detection.detect_width)
        classifier = EmotionClassifier(model, num_threads=config.model.num_threads)
        return cls(detector, classifier, margin=detection.margin)

    def reset(self) -> None:
        """Start afresh (a new run): forget the tracked face."""
        self.detector.reset()

    def process(self, frame: np.ndarray) -> FrameAnalysis:
        t0 = time.perf_counter()
        face = self.detector.detect(frame)
        t1 = time.perf_counter()
        if face is None:
            return FrameAnalysis(None, None, {"detect": (t1 - t0) * 1e3})
        crop = crop_face(frame, face, self.classifier.input_size, margin=self.margin)
        t2 = time.perf_counter()
        probabilities = self.classifier.classify(crop)
        t3 = time.perf_counter()
        timing = {"detect": (t1 - t0) * 1e3, "crop": (t2 - t1) * 1e3, "classify": (t3 - t2) * 1e3}
        return FrameAnalysis(face.box, probabilities, timing, face.keypoints)
