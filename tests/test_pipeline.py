"""The per-frame pipeline with the real detectors and the shipped model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers import ASTRONAUT

from moodify_edge.capture import demo_background
from moodify_edge.classifier import default_model_path
from moodify_edge.config import Config
from moodify_edge.faces import BlazeFaceDetector, HaarDetector
from moodify_edge.pipeline import FramePipeline


def test_a_face_gives_a_box_landmarks_probabilities_and_stage_times(pipeline):
    pipeline.reset()
    analysis = pipeline.process(cv2.imread(str(ASTRONAUT)))
    assert analysis.face is not None and len(analysis.face) == 4
    assert analysis.keypoints is not None and analysis.keypoints.shape == (6, 2)
    assert analysis.probabilities.shape == (7,) and analysis.probabilities.sum() == pytest.approx(1.0, abs=1e-3)
    assert int(np.argmax(analysis.probabilities)) == 3  # happy
    assert set(analysis.timing_ms) == {"detect", "crop", "classify"}


def test_no_face_gives_neither_box_nor_probabilities(pipeline):
    analysis = pipeline.process(demo_background())
    assert analysis.face is None and analysis.probabilities is None
    assert set(analysis.timing_ms) == {"detect"}


def test_blazeface_is_the_default_and_haar_the_fallback():
    config = Config().replace("model", path=str(default_model_path()), num_threads=1).replace("detection", min_face=40)
    pipeline = FramePipeline.from_config(config)
    assert isinstance(pipeline.detector, BlazeFaceDetector) and pipeline.detector.min_face == 40
    assert pipeline.classifier.input_size == 48 and pipeline.margin == 0.0
    haar = FramePipeline.from_config(config.replace("detection", detector="haar", margin=0.1))
    assert isinstance(haar.detector, HaarDetector) and haar.margin == 0.1
    analysis = haar.process(cv2.imread(str(ASTRONAUT)))
    assert analysis.keypoints is None and int(np.argmax(analysis.probabilities)) == 3
