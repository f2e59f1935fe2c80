"""What a face detector reports: a box, a score and (BlazeFace only) six landmarks; the detector protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in pixels of the full frame

# BlazeFace's keypoints, in its order. "Right" is the person's right: on the left of an unmirrored image.
RIGHT_EYE, LEFT_EYE, NOSE_TIP, MOUTH, RIGHT_EAR, LEFT_EAR = range(6)


@dataclass(frozen=True)
class Face:
    """One face in frame pixels: ``box`` (x, y, w, h), detector ``score`` (0..1, 1.0 for Haar), and
    ``keypoints`` (6, 2) float x, y in BlazeFace's order, or None where the detector gives none."""

    box: Box
    score: float = 1.0
    keypoints: np.ndarray | None = None

    @property
    def side(self) -> int:
        return max(self.box[2], self.box[3])

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2.0, y + h / 2.0


class Detector(Protocol):
    """A face detector for one thread: ``detect`` gives the face the run follows, ``reset`` forgets it."""

    min_face: int

    def detect(self, frame: np.ndarray) -> Face | None: ...

    def reset(self) -> None: ...


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    union = aw * ah + bw * bh - w * h
    return w * h / float(union) if union > 0 else 0.0
