"""The fallback face detector: OpenCV's Haar cascade, tracked between frames; boxes without landmarks.

OpenCV's Haar cascade (shipped inside the opencv wheel, so nothing downloads) runs on a downscaled
(``detect_width``, but never so far that a ``min_face`` face gets too small to find), equalised grey
copy of the frame. Between full-frame searches it first looks only in a small window around
the previous face at about the previous size, which costs a fraction of a full search; a Pi keeps up
at camera rate this way.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import cv2.data
import numpy as np

from .align import grey as to_grey
from .choice import choose
from .face import Box, Face

CASCADE_FILE = "haarcascade_frontalface_default.xml"


def cascade_path() -> Path:
    """The frontal-face cascade that ships with opencv-python (4.x; 5.x no longer has it)."""
    return Path(cv2.data.haarcascades) / CASCADE_FILE


def load_cascade() -> cv2.CascadeClassifier:
    path = cascade_path()
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise RuntimeError(f"cannot load the face cascade {path} (is opencv-python-headless <5 installed?)")
    return cascade


class HaarDetector:
    """Haar detector with a cheap tracking step; not thread-safe (one per pipeline)."""

    # The tracked face is confirmed by the cascade every frame; a full-frame search this often (half a
    # second at 30 frames/s) finds the face again when tracking lost it; the tracked one keeps the run.
    FULL_SEARCH_EVERY = 15
    SCALE_FACTOR = 1.15
    MIN_NEIGHBORS = 4
    # Below about 40 px (the cascade's window is 24) faces are found only now and then, so a frame is
    # never shrunk so far that a face of ``min_face`` pixels falls below this.
    RELIABLE_FACE = 40
    # Between two frames a face moves and grows little: search a window around it at nearby sizes
    # only. The window is cut from the full frame before it is shrunk, so a tracking step does not
    # pay for shrinking the whole frame.
    TRACK_PAD = 0.35  # of the face's side, on each side
    TRACK_SIZES = (0.85, 1.2)  # of the face's side

    def __init__(self, *, min_face: int = 60, detect_width: int = 320) -> None:
        self.min_face = min_face
        self.detect_width = detect_width
        self._cascade = load_cascade()
        self._last: Box | None = None  # previous face, in frame pixels
        self._since_full = 0

    def reset(self) -> None:
        """Forget the tracked face (a new run, a new visitor)."""
        self._last = None
        self._since_full = 0

    def detect(self, frame: np.ndarray) -> Face | None:
        """The face the run follows (:mod:`.choice`) in a BGR (or grey) frame, at least ``min_face`` pixels
        wide, or None."""
        found = None
        if self._last is not None and self._since_full < self.FULL_SEARCH_EVERY:
            found = self._search_near(frame, self._last)
            self._since_full += 1
        if found is None:
            found = self._search_frame(frame)
            self._since_full = 0
        self._last = found
        return Face(found) if found is not None and min(found[2], found[3]) >= self.min_face else None

    def _scale(self, frame: np.ndarray) -> float:
        """How far a frame is shrunk before the cascade looks at it."""
        return min(1.0, max(self.detect_width / frame.shape[1], self.RELIABLE_FACE / self.min_face))

    def _search_frame(self, frame: np.ndarray) -> Box | None:
        faces = self._search(frame, self._scale(frame), self.min_face, 0)
        chosen = choose([Face(box) for box in faces], frame.shape, self._last)
        return chosen.box if chosen else None

    def _search_near(self, frame: np.ndarray, last: Box) -> Box | None:
        x, y, w, h = last
        pad = round(self.TRACK_PAD * w)
        x0, y0 = max(0, x - pad), max(0, y - pad)
        window = frame[y0 : min(frame.shape[0], y + h + pad), x0 : min(frame.shape[1], x + w + pad)]
        smallest, largest = self.TRACK_SIZES
        found = self._search(window, self._scale(frame), max(self.min_face, round(w * smallest)), round(w * largest))
        chosen = choose([Face((fx + x0, fy + y0, fw, fh)) for fx, fy, fw, fh in found], frame.shape, last)
        return chosen.box if chosen else None

    def _search(self, region: np.ndarray, scale: float, min_side: int, max_side: int) -> list[Box]:
        """Faces between ``min_side`` and ``max_side`` (0: no limit) pixels wide, looked for in
        ``region`` (BGR or grey) shrunk by ``scale``; their boxes in ``region``'s pixels."""
        grey = to_grey(region)
        if scale < 1.0:
            size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        faces = self._cascade.detectMultiScale(
            cv2.equalizeHist(grey),
            scaleFactor=self.SCALE_FACTOR,
            minNeighbors=self.MIN_NEIGHBORS,
            minSize=(max(1, math.ceil(min_side * scale)),) * 2,
            maxSize=(int(max_side * scale) + 1 if max_side else 0,) * 2,
        )
        boxes: list[Box] = []
        for x, y, w, h in faces:
            boxes.append((round(int(x) / scale), round(int(y) / scale), round(int(w) / scale), round(int(h) / scale)))
        return boxes
