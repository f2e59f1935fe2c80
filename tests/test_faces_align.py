"""The classifier's crop (aligned from landmarks, or the box's square) and which face a run follows."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers import ASTRONAUT

from moodify_edge.faces import BlazeFaceDetector, CropGeometry, Face, aligned_crop, choose, crop_face, square_crop
from moodify_edge.faces.align import alignment, face_size

# Eyes 40 px apart, tilted by 30°, the mouth 40 px below their midpoint along the face's own "down".
ANGLE = np.radians(30)
RIGHT, LEFT = np.array([100.0, 100.0]), np.array([100 + 40 * np.cos(ANGLE), 100 + 40 * np.sin(ANGLE)])
MID = (RIGHT + LEFT) / 2
MOUTH_AT = MID + 40 * np.array([-np.sin(ANGLE), np.cos(ANGLE)])
POINTS = np.array([RIGHT, LEFT, (MID + MOUTH_AT) / 2, MOUTH_AT, RIGHT - 20, LEFT + 20], np.float32)


def apply(matrix: np.ndarray, point: np.ndarray) -> np.ndarray:
    return matrix[:, :2] @ point + matrix[:, 2]


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.astype(np.float64).ravel())[0, 1])


def test_the_alignment_levels_the_eyes_and_places_the_crop_from_the_geometry():
    geometry = CropGeometry(scale=2.5, centre_down=0.1, mouth_ratio=1.0)
    matrix = alignment(POINTS, 48, geometry)
    right, left, mouth = (apply(matrix, p) for p in (RIGHT, LEFT, MOUTH_AT))
    assert right[1] == pytest.approx(left[1]) and right[0] < left[0]
    side = 2.5 * 40  # face size 40 (eyes and mouth alike) × scale
    assert left[0] - right[0] == pytest.approx(40 * 48 / side)
    assert right[1] == pytest.approx(24 - 0.1 * 48)  # the eyes sit centre_down of the side above the centre
    assert mouth[0] == pytest.approx(24) and mouth[1] > right[1]


def test_a_turned_head_keeps_its_scale_through_the_mouth():
    turned = POINTS.copy()
    turned[1] = RIGHT + (LEFT - RIGHT) * 0.6  # eyes closer together, as a head turned about 50°
    assert face_size(turned) == pytest.approx(face_size(POINTS), rel=0.05)


def test_margin_widens_the_crop():
    tight, wide = alignment(POINTS, 48), alignment(POINTS, 48, margin=0.25)
    assert np.hypot(*wide[0, :2]) == pytest.approx(np.hypot(*tight[0, :2]) / 1.5)


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return cv2.imread(str(ASTRONAUT))


def test_the_aligned_crop_of_a_tilted_head_looks_like_the_upright_one(astronaut):
    detector = BlazeFaceDetector()
    upright = crop_face(astronaut, detector.detect(astronaut), 48)
    tilted = cv2.warpAffine(astronaut, cv2.getRotationMatrix2D((225, 120), 25, 1.0), (512, 512))
    detector.reset()
    face = detector.detect(tilted)
    aligned = crop_face(tilted, face, 48).astype(np.float64)
    plain = square_crop(tilted, face.box, 48).astype(np.float64)
    assert correlation(aligned, upright) > 0.8
    assert correlation(aligned, upright) > correlation(plain, upright) + 0.2


def test_crops_are_grey_squares_even_off_the_frame(astronaut):
    points = POINTS - 120  # most of the face above and left of the frame
    crop = aligned_crop(astronaut, points, 48)
    assert crop.shape == (48, 48) and crop.dtype == np.uint8
    big = aligned_crop(astronaut, POINTS * 4, 48)  # a large face is shrunk by area first
    assert big.shape == (48, 48)
    assert square_crop(astronaut, (-20, -10, 100, 100), 64, margin=0.5).shape == (64, 64)
    assert crop_face(astronaut, Face((177, 66, 95, 95)), 48).shape == (48, 48)  # no landmarks: the square


FRAME = (480, 640, 3)


def test_the_face_in_the_middle_beats_one_a_little_larger_at_the_edge():
    middle, edge = Face((270, 190, 100, 100)), Face((0, 0, 104, 104))
    assert choose([edge, middle], FRAME) is middle
    much_larger = Face((0, 0, 200, 200))
    assert choose([middle, much_larger], FRAME) is much_larger


def test_the_tracked_face_keeps_the_run():
    visitor, passer_by = Face((400, 150, 90, 90)), Face((250, 150, 150, 150))
    assert choose([passer_by, visitor], FRAME, tracked=(405, 148, 88, 92)) is visitor
    assert choose([passer_by, visitor], FRAME) is passer_by
    assert choose([], FRAME) is None


def test_a_geometry_can_ask_for_the_box_square_even_with_landmarks(astronaut):
    face = Face((177, 66, 95, 95), 0.9, POINTS.astype(np.float32))
    square = crop_face(astronaut, face, 48, CropGeometry(aligned=False), 0.1)
    assert np.array_equal(square, square_crop(astronaut, face.box, 48, 0.1))
    assert not np.array_equal(crop_face(astronaut, face, 48), square)
