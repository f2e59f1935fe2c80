"""Tests of the shipped emotion model and its LiteRT adapter, plus a one-epoch smoke run of the
training script (only where the optional train extra, keras + tensorflow, is installed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from moodify_edge.classifier import EmotionClassifier, default_model_path
from moodify_edge.emotions import LABELS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "fer_private_sample.npz"


@pytest.fixture(scope="module")
def classifier() -> EmotionClassifier:
    return EmotionClassifier(default_model_path(), num_threads=1)


@pytest.fixture(scope="module")
def sample() -> dict[str, np.ndarray]:
    # The first 10 PrivateTest faces of each class, in FER2013 row order.
    with np.load(SAMPLE) as f:
        return {"images": f["images"], "labels": f["labels"].astype(np.int64)}


def test_shipped_model_is_small_full_int8_with_seven_outputs(classifier: EmotionClassifier) -> None:
    assert default_model_path() == ROOT / "models" / "emotion_int8.tflite"
    assert default_model_path().stat().st_size <= 2 * 1024 * 1024
    assert classifier.input_size == 48
    assert classifier.input_dtype == np.int8
    assert classifier.output_dtype == np.int8
    probs = classifier.classify(np.full((48, 48), 128, np.uint8))
    assert probs.shape == (len(LABELS),) and probs.dtype == np.float32


def test_labels_file_matches_the_package_order() -> None:
    lines = (ROOT / "models" / "labels.txt").read_text().split()
    assert tuple(lines) == LABELS


def test_probabilities_are_a_distribution(classifier: EmotionClassifier, sample: dict) -> None:
    for face in sample["images"][::7]:
        probs = classifier.classify(face)
        assert np.all(probs >= 0)
        assert abs(float(probs.sum()) - 1.0) < 1e-5
    assert classifier.classify(sample["images"][0][..., None]).shape == (7,)


def test_wrong_face_size_is_refused(classifier: EmotionClassifier) -> None:
    with pytest.raises(ValueError):
        classifier.classify(np.zeros((64, 64), np.uint8))


def test_private_sample_is_classified_well_above_chance(classifier: EmotionClassifier, sample: dict) -> None:
    predicted = np.array([classifier.classify(face).argmax() for face in sample["images"]])
    accuracy = float((predicted == sample["labels"]).mean())
    # The shipped model scores 72.6 % on all of PrivateTest (MODEL_CARD.md) and 74 % (52 of 70) on
    # this class-balanced sample. With 70 faces the binomial standard error at 0.74 is 5.2 points,
    # so 0.55 is over three standard errors below the measured figure and ~4x chance (1/7).
    assert accuracy >= 0.55, accuracy


def test_happy_sample_faces_are_mostly_happy(classifier: EmotionClassifier, sample: dict) -> None:
    happy = sample["images"][sample["labels"] == LABELS.index("Happy")]
    predicted = np.array([classifier.classify(face).argmax() for face in happy])
    # Happy has ~89 % PrivateTest recall and 9 of these 10 are found; 7 leaves room for noise.
    assert (predicted == LABELS.index("Happy")).sum() >= 7


def test_training_script_runs_one_tiny_epoch(tmp_path: Path, sample: dict) -> None:
    pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    data = tmp_path / "data"
    data.mkdir()
    n = len(sample["labels"])
    votes = np.zeros((n, 10), np.uint8)
    for name, usage in (("fer2013_train.npz", 0), ("fer2013_test.npz", 1)):
        np.savez(
            data / name,
            images=sample["images"],
            labels=sample["labels"].astype(np.int8),
            usage=np.full(n, usage, np.int8),
            ferplus_votes=votes,
        )
    out = tmp_path / "run"
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "train_emotion.py"),
            "--data",
            str(data),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--batch",
            "32",
            "--width",
            "4",
            "--soft-labels",
            "ferplus",
        ],
        check=True,
        env=env,
        timeout=600,
    )
    assert (out / "model.keras").stat().st_size > 0
    assert (out / "history.json").stat().st_size > 0
