"""The crop's noise filter: it measures camera noise, gives the model back a noisy face and leaves a clean one."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers import ASTRONAUT, pasted

from moodify_edge.capture import DemoFaces, demo_background
from moodify_edge.classifier import EmotionClassifier
from moodify_edge.faces import square_crop
from moodify_edge.faces.noise import FILTER_ABOVE, denoised, noise_level


@pytest.fixture(scope="module")
def demo() -> DemoFaces:
    return DemoFaces.load()


def _noisy(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def test_the_noise_measured_is_the_noise_added():
    wall = cv2.cvtColor(demo_background(), cv2.COLOR_BGR2GRAY)
    assert noise_level(wall) < 1.0
    for sigma in (4, 10, 20):
        assert noise_level(_noisy(wall, sigma)) == pytest.approx(sigma, rel=0.15)
    ramp = np.tile(np.arange(96, dtype=np.uint8) * 2, (96, 1))
    assert noise_level(ramp) == pytest.approx(0.0, abs=0.1)  # shading is not noise
    assert noise_level(np.zeros((2, 2), np.uint8)) == 0.0


def test_a_clean_photo_passes_untouched():
    photo = cv2.imread(str(ASTRONAUT), cv2.IMREAD_GRAYSCALE)
    assert noise_level(photo) < FILTER_ABOVE
    assert denoised(photo) is photo


@pytest.mark.parametrize("side", [80, 120])
def test_faces_in_a_noisy_frame_read_as_well_as_in_a_clean_one(demo, side):
    classifier = EmotionClassifier(num_threads=1)
    box = (300, 200, side, side)
    agreeing = {"clean": 0, "noisy": 0, "noisy, unfiltered": 0}
    for seed, (face, label) in enumerate(zip(demo.faces, demo.labels, strict=True)):
        frame = cv2.cvtColor(pasted(face, side), cv2.COLOR_BGR2GRAY)
        noisy = _noisy(frame, 10, seed)
        unfiltered = cv2.resize(noisy[200 : 200 + side, 300 : 300 + side], (48, 48), interpolation=cv2.INTER_AREA)
        crops = {
            "clean": square_crop(frame, box, 48),
            "noisy": square_crop(noisy, box, 48),
            "noisy, unfiltered": unfiltered,
        }
        for name, crop in crops.items():
            agreeing[name] += int(np.argmax(classifier.classify(crop))) == label
    assert agreeing["noisy"] >= agreeing["clean"] - 1
    assert agreeing["noisy, unfiltered"] < agreeing["noisy"]
