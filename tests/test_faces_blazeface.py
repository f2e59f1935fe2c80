"""BlazeFace: anchors, decoding and suppression (pure), and the detector on real faces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers import ASTRONAUT, TURNED_HEADS, pasted

from moodify_edge.capture import DemoFaces, demo_background
from moodify_edge.faces import BlazeFaceDetector, create_detector, iou
from moodify_edge.faces.anchors import FULL_RANGE, SHORT_RANGE, anchors, decode, weighted_nms
from moodify_edge.faces.blazeface import MODELS, View, model_path, view_input
from moodify_edge.faces.face import LEFT_EYE, MOUTH, NOSE_TIP, RIGHT_EYE


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return cv2.imread(str(ASTRONAUT))


@pytest.fixture(scope="module")
def detector() -> BlazeFaceDetector:
    return BlazeFaceDetector()


def test_anchor_counts_and_order_match_the_models():
    short, full = anchors(SHORT_RANGE), anchors(FULL_RANGE)
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # 16×16 cells of 2 anchors first (stride 8), then 8×8 cells of 6 (three stride-16 layers)
    assert np.allclose(short[0], short[1]) and np.allclose(short[0], [0.5 / 16, 0.5 / 16])
    assert np.allclose(short[2], [1.5 / 16, 0.5 / 16])
    assert np.allclose(short[512], short[517]) and np.allclose(short[512], [0.5 / 8, 0.5 / 8])
    assert np.allclose(full[-1], [47.5 / 48, 47.5 / 48])


def test_decoding_places_box_and_keypoints_around_their_anchor():
    centres = anchors(SHORT_RANGE)
    regressors = np.zeros((896, 16), np.float32)
    scores = np.full((896, 1), -10.0, np.float32)
    regressors[600] = [6.4, -12.8, 32, 64] + [1.28, 2.56] * 6  # offsets in pixels of the 128 input
    scores[600] = 3.0
    boxes, points, probability = decode(regressors, scores, centres, SHORT_RANGE)
    assert boxes.shape == (1, 4) and points.shape == (1, 6, 2)
    cx, cy = centres[600] + [0.05, -0.1]
    assert np.allclose(boxes[0], [cx - 0.125, cy - 0.25, cx + 0.125, cy + 0.25], atol=1e-6)
    assert np.allclose(points[0], centres[600] + [0.01, 0.02], atol=1e-6)
    assert probability[0] == pytest.approx(1 / (1 + np.exp(-3.0)), rel=1e-5)


def test_scores_below_the_threshold_are_dropped():
    centres = anchors(SHORT_RANGE)
    boxes, _, _ = decode(np.zeros((896, 16)), np.zeros((896, 1)) - 0.1, centres, SHORT_RANGE)  # sigmoid < 0.5
    assert len(boxes) == 0


def test_weighted_suppression_blends_a_cluster_and_keeps_separate_faces():
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.12, 0.1, 0.32, 0.3], [0.6, 0.6, 0.8, 0.8]], np.float32)
    points = np.zeros((3, 6, 2), np.float32)
    points[1] += 0.3
    scores = np.array([0.9, 0.3, 0.8], np.float32)
    out_boxes, out_points, out_scores = weighted_nms(boxes, points, scores)
    assert len(out_boxes) == 2 and list(out_scores) == pytest.approx([0.9, 0.8])
    assert out_boxes[0][0] == pytest.approx((0.1 * 0.9 + 0.12 * 0.3) / 1.2)
    assert out_points[0][0, 0] == pytest.approx(0.3 * 0.3 / 1.2)
    empty = weighted_nms(boxes[:0], points[:0], scores[:0])
    assert all(len(part) == 0 for part in empty)


def test_the_models_are_committed():
    for name in MODELS:
        assert model_path(name).stat().st_size > 100_000


def test_finds_the_astronaut_with_landmarks_in_place(detector, astronaut):
    detector.reset()
    face = detector.detect(astronaut)
    assert face is not None and face.score > 0.8
    assert iou(face.box, (177, 66, 95, 95)) > 0.5  # where Haar puts it at full resolution
    points = face.keypoints
    assert points[RIGHT_EYE][0] < points[LEFT_EYE][0]  # the person's right eye is on the image's left
    eyes_y = (points[RIGHT_EYE][1] + points[LEFT_EYE][1]) / 2
    assert eyes_y < points[NOSE_TIP][1] < points[MOUTH][1]


def test_an_empty_scene_has_no_face(detector):
    detector.reset()
    assert detector.detect(demo_background()) is None


@pytest.mark.parametrize("name", ["blazeface", "blazeface-full"])
def test_a_small_face_far_from_the_kiosk_is_found(astronaut, name):
    frame = demo_background().copy()
    frame[40:460, 200:620] = cv2.resize(astronaut, (420, 420), interpolation=cv2.INTER_AREA)  # face ~ 80 px
    detector = create_detector(name, min_face=40)
    face = detector.detect(frame)
    assert face is not None and 300 < face.centre[0] < 420 and 80 < face.centre[1] < 200


def test_a_tilted_head_is_found_and_tracked_as_it_moves(detector, astronaut):
    tilted = cv2.warpAffine(astronaut, cv2.getRotationMatrix2D((225, 120), 30, 1.0), (512, 512))
    detector.reset()
    xs = []
    for step in range(20):
        frame = demo_background().copy()
        frame[0:480, 6 * step : 6 * step + 512][:, : 640 - 6 * step] = tilted[:480, : 640 - 6 * step]
        face = detector.detect(frame)
        assert face is not None, step
        xs.append(face.centre[0])
    assert xs[-1] - xs[0] == pytest.approx(6 * 19, abs=15)


def test_the_tracked_face_keeps_the_run_when_a_larger_one_walks_in(detector, astronaut):
    head = astronaut[20:330, 120:330]
    scene = demo_background().copy()
    scene[100:410, 420:630] = head
    detector.reset()
    assert detector.detect(scene).centre[0] > 420
    scene[0:465, 0:315] = cv2.resize(head, (315, 465))
    for _ in range(BlazeFaceDetector.FULL_SEARCH_EVERY + 2):
        assert detector.detect(scene).centre[0] > 420
    detector.reset()
    assert detector.detect(scene).centre[0] < 315


def _views_per_detect(detector: BlazeFaceDetector, frames: list[np.ndarray]) -> list[int]:
    """How many views the model looked at for each frame."""
    counts = []
    run = detector._run
    seen: list[int] = []

    def counting(*args, **kwargs):
        seen.append(1)
        return run(*args, **kwargs)

    detector._run = counting
    try:
        for frame in frames:
            seen.clear()
            detector.detect(frame)
            counts.append(len(seen))
    finally:
        del detector._run
    return counts


def test_an_empty_scene_looks_at_the_tiles_in_turn_after_the_first_full_search():
    detector = BlazeFaceDetector()  # min_face 60: the whole frame plus six tiles
    counts = _views_per_detect(detector, [demo_background()] * 4)
    assert counts == [7, 3, 3, 3]  # then the whole frame and every third tile, each tile once in three frames
    detector.reset()
    assert _views_per_detect(detector, [demo_background()]) == [7]


def test_a_tracked_face_seen_again_in_the_whole_frame_skips_the_tiles(astronaut):
    detector = BlazeFaceDetector()
    scene = demo_background().copy()
    scene[100:410, 420:630] = astronaut[20:330, 120:330]
    frames = [scene] * (BlazeFaceDetector.FULL_SEARCH_EVERY + 2)
    counts = _views_per_detect(detector, frames)
    assert counts[0] == 7 + 1  # the first search looks everywhere, then closer at the face it found
    assert counts[1:-1] == [1] * (len(frames) - 2)  # tracking: one view a frame
    assert counts[-1] == 1 + 1  # the periodic search finds it in the whole frame and looks closer


def test_heads_turned_about_45_degrees_are_found_where_haar_misses_them():
    strip = cv2.imread(str(TURNED_HEADS), cv2.IMREAD_GRAYSCALE)
    for face in np.hsplit(strip, strip.shape[1] // 48):
        frame = pasted(face, 200)
        found = BlazeFaceDetector().detect(frame)
        assert found is not None and iou(found.box, (300, 200, 200, 200)) > 0.25
        assert create_detector("haar").detect(frame) is None


def test_faces_too_small_for_a_confident_first_look_are_confirmed_by_a_closer_one():
    demo = DemoFaces.load()
    side = 70  # a visitor a few metres away: about 14 px of the model's input in the whole frame

    def found(detector: BlazeFaceDetector) -> int:
        hits = 0
        for face in demo.faces:
            detector.reset()
            seen = detector.detect(pasted(face, side))
            hits += seen is not None and iou(seen.box, (300, 200, side, side)) > 0.25
        return hits

    confident_only = BlazeFaceDetector()
    confident_only.CANDIDATE_SCORE = confident_only.spec.min_score
    assert found(BlazeFaceDetector()) > found(confident_only) >= 10


def test_a_closer_look_that_finds_nothing_leaves_no_face():
    detector = BlazeFaceDetector()
    detector.CANDIDATE_SCORE = 0.0  # every anchor is a candidate: only the closer looks decide
    assert detector.detect(demo_background()) is None


def test_a_view_starting_inside_a_pixel_is_read_whole():
    frame = np.full((480, 640, 3), 255, np.uint8)
    # A small tracked face's view is smaller than the model's input, so it is enlarged; one that starts
    # part-way into a pixel once rounded its left edge outside the input and crashed the pipeline.
    for view in (View(10.6, 10.6, 100), View(10.6, 20.2, 60), View(-99.5, 0, 100), View(639.5, 479.5, 100)):
        image = view_input(frame, view, 128)
        assert image.shape == (128, 128, 3)
    assert view_input(frame, View(10.6, 10.6, 100), 128).min() == 1.0  # all of it is frame, none is black
