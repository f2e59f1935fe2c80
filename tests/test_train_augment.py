"""The training script's camera augmentation: noise, JPEG, blur, down-and-up sampling, crop jitter."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import train_emotion as train

SAMPLE = Path(__file__).parent / "data" / "fer_private_sample.npz"


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    with np.load(SAMPLE) as data:
        key = "images" if "images" in data else next(k for k in data if data[k].ndim == 3)
        return data[key][:32].astype(np.uint8)


def only(**kwargs) -> train.CameraAugment:
    """Settings where just the named effects happen, every time."""
    off = {
        "noise_sigma": (0.0, 0.0),
        "jpeg_quality": (100, 100),
        "blur_sigma": (0.01, 0.01),
        "down_to": (48, 48),
        "crop_scale": 0.0,
        "crop_shift": 0.0,
        "crop_rotation": 0.0,
        "chance": 1.0,
    }
    return train.CameraAugment(**{**off, **kwargs})


def sharpness(images: np.ndarray) -> float:
    x = images.astype(np.float64)
    return float(np.abs(np.diff(x, axis=2)).mean())


def test_shape_and_type_are_kept_and_the_input_is_not_touched(faces):
    before = faces.copy()
    out = train.camera_augment(faces, np.random.default_rng(0), share=1.0)
    assert out.shape == faces.shape and out.dtype == np.uint8
    assert np.array_equal(faces, before)
    assert not np.array_equal(out, faces)


def test_share_zero_changes_nothing_and_a_seed_repeats(faces):
    assert np.array_equal(train.camera_augment(faces, np.random.default_rng(1), share=0.0), faces)
    a = train.camera_augment(faces, np.random.default_rng(7), share=0.5)
    b = train.camera_augment(faces, np.random.default_rng(7), share=0.5)
    assert np.array_equal(a, b)


def test_about_the_share_of_faces_changes(faces):
    many = np.repeat(faces, 8, axis=0)
    out = train.camera_augment(many, np.random.default_rng(2), share=0.25, settings=only(noise_sigma=(8.0, 8.0)))
    changed = np.mean([not np.array_equal(a, b) for a, b in zip(out, many, strict=True)])
    assert 0.15 < changed < 0.35


def test_noise_has_the_asked_strength(faces):
    mid = np.full((64, 48, 48), 128, np.uint8)
    out = train.camera_augment(mid, np.random.default_rng(3), share=1.0, settings=only(noise_sigma=(10.0, 10.0)))
    assert 9.0 < out.astype(np.float64).std() < 11.0


def test_blur_and_down_up_sampling_soften_and_jpeg_degrades(faces):
    rng = np.random.default_rng(4)
    blurred = train.camera_augment(faces, rng, 1.0, only(blur_sigma=(1.2, 1.2)))
    small = train.camera_augment(faces, rng, 1.0, only(down_to=(16, 16)))
    assert sharpness(blurred) < 0.8 * sharpness(faces)
    assert sharpness(small) < 0.8 * sharpness(faces)
    low = train.camera_augment(faces, rng, 1.0, only(jpeg_quality=(30, 30)))
    high = train.camera_augment(faces, rng, 1.0, only(jpeg_quality=(90, 90)))

    def error(x: np.ndarray) -> float:
        return float(np.abs(x.astype(int) - faces).mean())

    assert error(low) > error(high) > 0


def test_crop_jitter_moves_the_face_a_little():
    dot = np.zeros((1, 48, 48), np.uint8)
    dot[0, 22:26, 22:26] = 255
    rng = np.random.default_rng(5)
    settings = only(crop_shift=0.04, crop_scale=0.06, crop_rotation=6.0)
    centres = []
    for _ in range(40):
        out = train.camera_augment(dot, rng, 1.0, settings)[0].astype(np.float64)
        ys, xs = np.indices(out.shape)
        centres.append(((xs * out).sum() / out.sum(), (ys * out).sum() / out.sum()))
    shift = np.abs(np.array(centres) - 23.5)
    assert shift.max() <= 0.04 * 48 + 1.0  # never more than the jitter allows
    assert shift.max() > 0.5  # but it does move


def test_batches_carry_targets_and_weights_in_step(faces):
    y = np.eye(7, dtype=np.float32)[np.arange(len(faces)) % 7]
    weights = np.arange(len(faces), dtype=np.float32)
    batches = train.CameraBatches(faces, y, weights, batch=10, share=0.5, seed=0)
    assert len(batches) == 4
    x, yb, wb = batches[0]
    assert x.shape == (10, 48, 48, 1) and x.dtype == np.float32
    rows = wb.astype(int)
    assert np.array_equal(yb, y[rows])
    batches.on_epoch_end()
    assert sum(len(batches[i][2]) for i in range(len(batches))) == len(faces)
