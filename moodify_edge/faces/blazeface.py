"""BlazeFace through LiteRT: faces with six landmarks, tracked between frames.

The model (MediaPipe's short-range or full-range BlazeFace, committed in ``models/``; see
``scripts/fetch_blazeface.py``) sees square *views* of the frame resized to its input. A full search
looks at the whole frame and, where a ``min_face`` face would be too small for the model in it,
at overlapping tiles of half the frame's side as well. Its candidates (at a lower score than the model's
own threshold) are each looked at again in a view around them, the face filling about a third of it: a
face there is confirmed, and its landmarks come from that closer view, where a small face is many times
larger than in the whole frame. Between full searches only such a view around the tracked face is looked
at, which is cheap and finds faces of any size. The face a run follows is chosen by :mod:`.choice`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..classifier import interpreter, shipped_model
from .anchors import FULL_RANGE, SHORT_RANGE, AnchorSpec, anchors, decode, weighted_nms
from .choice import SAME_FACE_IOU, choose
from .face import Face, iou

MODELS = {
    "short": ("face_detection_short_range.tflite", SHORT_RANGE),
    "full": ("face_detection_full_range_sparse.tflite", FULL_RANGE),
}


def model_path(name: str) -> Path:
    """The committed BlazeFace model file (see :func:`~moodify_edge.classifier.shipped_model`)."""
    return shipped_model(MODELS[name][0], "face model")


@dataclass(frozen=True)
class View:
    """A square part of the frame (may run off it; the outside reads as black): left, top, side."""

    x0: float
    y0: float
    side: float


class BlazeFaceDetector:
    """Faces with landmarks from BlazeFace; not thread-safe (one per pipeline)."""

    FULL_SEARCH_EVERY = 15  # frames between full searches while a face is tracked
    TRACK_VIEW = 3.0  # side of the view around a tracked face, in face sides
    # The smallest face (px of model input) the model finds reliably; smaller ``min_face`` faces get tiles.
    RELIABLE_FACE = {"short": 28, "full": 20}
    MIN_TRACKED = 0.5  # a tracked view's face smaller than this share of the last one is not it
    TILE_TURNS = 3  # while nothing is found, each full search looks at every third tile, in turn
    CANDIDATE_SCORE = 0.5  # a full search's candidates; each is confirmed (at the model's min_score) by a closer look
    CLOSER_LOOKS = 3  # at most this many candidates a full search looks at closer, best score first

    def __init__(self, *, model: str = "short", min_face: int = 60, num_threads: int = 1) -> None:
        filename, spec = MODELS[model]
        self.model = model
        self.min_face = min_face
        self.spec: AnchorSpec = spec
        self._anchors = anchors(spec)
        self._interpreter = interpreter(model_path(model), num_threads)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = sorted(self._interpreter.get_output_details(), key=lambda d: -int(d["shape"][-1]))
        self._regressors, self._scores = outputs[0]["index"], outputs[1]["index"]
        self._last: Face | None = None
        self._since_full = 0
        self._empty_searches = 0  # full searches in a row that found nothing

    def reset(self) -> None:
        """Forget the tracked face (a new run, a new visitor)."""
        self._last = None
        self._since_full = 0
        self._empty_searches = 0

    def detect(self, frame: np.ndarray) -> Face | None:
        """The face the run follows, at least ``min_face`` pixels wide, in a BGR (or grey) frame; or None."""
        found = None
        if self._last is not None and self._since_full < self.FULL_SEARCH_EVERY:
            found = self._track(frame, self._last)
            self._since_full += 1
        if found is None:
            found = choose(self._confirmed(frame), frame.shape, self._last.box if self._last else None)
            self._since_full = 0
            self._empty_searches = 0 if found is not None else self._empty_searches + 1
        self._last = found
        return found if found is not None and found.side >= self.min_face else None

    def search(self, frame: np.ndarray, tracked: Face | None = None) -> list[Face]:
        """Faces in the frame (the full search): the whole frame, and tiles where faces may be small.

        Two cheap cuts, neither of which changes which face a run follows: when the whole frame shows the
        ``tracked`` face again, the tiles are skipped (the tracked face keeps the run anyway); and after a
        full search that found nothing, the next ones each look at a share of the tiles in turn
        (:attr:`TILE_TURNS` frames cover them all), so an empty scene costs a few invokes a frame, not all.
        The first search after :meth:`reset` always looks at every tile."""
        height, width = frame.shape[:2]
        side = max(height, width)
        faces = self._run(frame, View((width - side) / 2.0, (height - side) / 2.0, side), self.CANDIDATE_SCORE)
        if self.min_face * self.spec.input_size / side >= self.RELIABLE_FACE[self.model]:
            return _merge(faces)
        if tracked is not None and any(iou(face.box, tracked.box) >= SAME_FACE_IOU for face in faces):
            return _merge(faces)
        tile = side / 2.0
        xs = np.linspace(0, max(0.0, width - tile), max(2, round(2 * width / tile) - 1))
        ys = np.linspace(0, max(0.0, height - tile), max(1, round(2 * height / tile) - 1))
        tiles = [View(float(x), float(y), tile) for y in ys for x in xs]
        if self._empty_searches:
            tiles = tiles[self._empty_searches % self.TILE_TURNS :: self.TILE_TURNS]
        for view in tiles:
            faces.extend(self._run(frame, view, self.CANDIDATE_SCORE, inner_edges=True))
        return _merge(faces)

    def _confirmed(self, frame: np.ndarray) -> list[Face]:
        """The full search's candidates, each looked at again in a view around it (as if tracked): a face
        there is confirmed, with the landmarks of a view in which it is a third as wide, not a speck of
        the whole frame."""
        candidates = sorted(self.search(frame, self._last), key=lambda face: -face.score)[: self.CLOSER_LOOKS]
        looks = [(self._track(frame, candidate), candidate) for candidate in candidates]
        return [
            closer or candidate
            for closer, candidate in looks
            if closer is not None or candidate.score >= self.spec.min_score
        ]

    def _track(self, frame: np.ndarray, last: Face) -> Face | None:
        cx, cy = last.centre
        side = last.side * self.TRACK_VIEW
        faces = [
            f
            for f in self._run(frame, View(cx - side / 2, cy - side / 2, side))
            if f.side >= last.side * self.MIN_TRACKED
        ]
        return choose(faces, frame.shape, last.box)

    def _run(
        self, frame: np.ndarray, view: View, min_score: float | None = None, inner_edges: bool = False
    ) -> list[Face]:
        """The model on one view; faces in frame pixels. With ``inner_edges`` (a tile), a face cut by the
        tile's edge inside the frame is dropped: a neighbouring view sees it whole."""
        size = self.spec.input_size
        self._interpreter.set_tensor(self._input, view_input(frame, view, size)[None])
        self._interpreter.invoke()
        boxes, points, scores = decode(
            self._interpreter.get_tensor(self._regressors)[0],
            self._interpreter.get_tensor(self._scores)[0],
            self._anchors,
            self.spec,
            min_score,
        )
        boxes, points, scores = weighted_nms(boxes, points, scores)
        height, width = frame.shape[:2]
        faces = []
        for box, keypoints, score in zip(boxes, points, scores, strict=True):
            if inner_edges and _cut(box, view, width, height):
                continue
            x0, y0 = view.x0 + box[0] * view.side, view.y0 + box[1] * view.side
            w, h = (box[2] - box[0]) * view.side, (box[3] - box[1]) * view.side
            frame_points = keypoints * view.side + np.array([view.x0, view.y0], np.float32)
            faces.append(Face((round(x0), round(y0), round(w), round(h)), float(score), frame_points))
        return faces


def view_input(frame: np.ndarray, view: View, size: int) -> np.ndarray:
    """The view resized to ``size``×``size`` RGB float in [-1, 1] (outside the frame: black)."""
    height, width = frame.shape[:2]
    scale = size / view.side
    x0, y0 = max(0, int(np.floor(view.x0))), max(0, int(np.floor(view.y0)))
    x1, y1 = min(width, int(np.ceil(view.x0 + view.side))), min(height, int(np.ceil(view.y0 + view.side)))
    canvas = np.zeros((size, size, 3), np.uint8)
    # Placed at its own offset in the view, rounded to whole pixels of the model's input (never before the
    # view's edge: a view starting inside a pixel rounds that pixel's part outwards).
    left, top = max(0, round((x0 - view.x0) * scale)), max(0, round((y0 - view.y0) * scale))
    if x1 > x0 and y1 > y0 and left < size and top < size:
        region = frame[y0:y1, x0:x1]
        if region.ndim == 2:
            region = cv2.cvtColor(region, cv2.COLOR_GRAY2BGR)
        w = max(1, min(size - left, round((x1 - x0) * scale)))
        h = max(1, min(size - top, round((y1 - y0) * scale)))
        if scale < 0.5:
            # OpenCV's area resize is slow at a large, uneven ratio (1.5 ms for a 600 px view): a bilinear
            # step to twice the size first, then the area step, costs a sixth of that and looks the same to
            # the model (detection rates unchanged in scripts/bench_recognition.py).
            region = cv2.resize(region, (2 * w, 2 * h), interpolation=cv2.INTER_LINEAR)
        interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        canvas[top : top + h, left : left + w] = cv2.resize(region, (w, h), interpolation=interpolation)
    rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)
    return rgb.astype(np.float32) * (2.0 / 255.0) - 1.0


def _cut(box: np.ndarray, view: View, width: int, height: int, slack: float = 0.01) -> bool:
    """Whether a box (0..1 of the view) touches an edge of the view that lies inside the frame."""
    return bool(
        (box[0] < slack and view.x0 > 0)
        or (box[1] < slack and view.y0 > 0)
        or (box[2] > 1 - slack and view.x0 + view.side < width)
        or (box[3] > 1 - slack and view.y0 + view.side < height)
    )


def _merge(faces: list[Face], threshold: float = 0.3) -> list[Face]:
    """One face per place where several views saw one: the highest score wins."""
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: -f.score):
        if all(iou(face.box, other.box) <= threshold for other in kept):
            kept.append(face)
    return kept
