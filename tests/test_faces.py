"""The Haar fallback detector and the square crop on real faces: the astronaut photo and the shipped demo faces."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from helpers import ASTRONAUT

from moodify_edge.capture import DemoCamera, demo_background
from moodify_edge.faces import HaarDetector as FaceDetector
from moodify_edge.faces import cascade_path, iou, square_crop


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return cv2.imread(str(ASTRONAUT))


def overlap(a, b) -> float:
    return iou(a, b)


def box(face):
    return None if face is None else face.box


def test_the_cascade_ships_with_opencv():
    assert cascade_path().is_file()


def test_finds_the_astronauts_face(astronaut):
    face = FaceDetector().detect(astronaut)
    assert face is not None and face.keypoints is None
    assert overlap(face.box, (177, 66, 95, 95)) > 0.6  # where a full-resolution search puts it


def test_an_empty_scene_has_no_face():
    assert FaceDetector().detect(demo_background()) is None


def test_a_face_smaller_than_min_face_does_not_count(astronaut):
    small = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)  # face about 48 px
    frame = demo_background().copy()
    frame[100:356, 200:456] = small
    assert FaceDetector(min_face=60).detect(frame) is None
    assert FaceDetector(min_face=30, detect_width=640).detect(frame) is not None


def test_the_much_larger_face_wins(astronaut):
    frame = demo_background().copy()
    big = cv2.resize(astronaut, (400, 400))
    small = cv2.resize(astronaut, (200, 200))
    frame[40:440, 0:400] = big
    frame[140:340, 430:630] = small
    x, _, w, _ = FaceDetector().detect(frame).box
    assert x < 400 and w > 60


def test_the_crop_is_a_grey_square_of_the_requested_size(astronaut):
    crop = square_crop(astronaut, FaceDetector().detect(astronaut).box, 48, margin=0.2)
    assert crop.shape == (48, 48) and crop.dtype == np.uint8


def test_a_crop_running_off_the_frame_is_padded(astronaut):
    crop = square_crop(astronaut, (-20, -10, 100, 100), 64, margin=0.5)
    assert crop.shape == (64, 64)


def test_every_demo_visitor_is_found_in_most_frames():
    camera = DemoCamera(fps=10, paced=False, visitor_seconds=1.2)
    detector = FaceDetector()
    found = np.zeros(len(camera.visitors), int)
    for _ in range(len(camera.visitors) * 12):
        visitor = camera.visitor
        found[visitor] += detector.detect(camera.read(1.0)) is not None
    assert found.min() >= 10, found


def test_a_face_that_leaves_is_no_longer_reported():
    camera = DemoCamera(fps=10, paced=False)
    detector = FaceDetector()
    for _ in range(3):
        assert detector.detect(camera.read(1.0)) is not None
    assert detector.detect(demo_background()) is None


def test_the_tracked_face_follows_a_moving_visitor(astronaut):
    patch = cv2.resize(astronaut, (360, 360))  # face about 67 px
    detector = FaceDetector()
    xs = []
    for step in range(30):
        frame = demo_background().copy()
        frame[60:420, 10 + 8 * step : 370 + 8 * step] = patch
        box = detector.detect(frame)
        assert box is not None, step
        xs.append(box.box[0])
    assert all(b > a for a, b in itertools.pairwise(xs))


def test_the_tracked_face_keeps_the_run_when_a_larger_one_steps_in(astronaut):
    head = astronaut[20:330, 120:330]  # 210×310, face about 95 px
    scene = demo_background().copy()
    scene[100:410, 420:630] = head
    detector = FaceDetector()
    for _ in range(3):
        assert detector.detect(scene).box[0] > 420
    scene[0:465, 0:315] = cv2.resize(head, (315, 465))  # face about 140 px
    boxes = [detector.detect(scene).box for _ in range(FaceDetector.FULL_SEARCH_EVERY + 1)]
    assert boxes[-1][0] > 420
    detector.reset()  # a new run: the nearer face
    assert detector.detect(scene).box[0] < 315
