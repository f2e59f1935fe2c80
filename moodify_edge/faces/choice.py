"""Which face a run follows: the one nearest the kiosk, and the tracked one for as long as it stays.

Pure functions over candidate faces. Nearness is judged from size and from distance to the frame's centre
(a visitor stands in front of the kiosk, a passer-by at the edge), so a face that is only a little larger
at the edge of the picture does not win over the one in the middle. A candidate that overlaps the face
tracked so far keeps the run: someone walking by behind the visitor does not take it over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .face import Box, Face, iou

# How much being off-centre costs: at a frame corner a face counts as this much smaller.
CENTRE_WEIGHT = 0.4
# A candidate at least this much over the tracked box is the same face.
SAME_FACE_IOU = 0.3


def nearness(face: Face, frame_shape: tuple[int, ...]) -> float:
    """A face's claim to be the visitor: its side, shrunk the further its centre is from the frame's."""
    height, width = frame_shape[:2]
    cx, cy = face.centre
    off = math.hypot((cx - width / 2.0) / (width / 2.0), (cy - height / 2.0) / (height / 2.0)) / math.sqrt(2.0)
    return face.side * (1.0 - CENTRE_WEIGHT * min(1.0, off))


def choose(candidates: Sequence[Face], frame_shape: tuple[int, ...], tracked: Box | None = None) -> Face | None:
    """The face to follow: the candidate overlapping ``tracked`` most if any does, else the nearest."""
    if not candidates:
        return None
    if tracked is not None:
        overlaps = [(iou(face.box, tracked), face) for face in candidates]
        best_overlap, same = max(overlaps, key=lambda pair: pair[0])
        if best_overlap >= SAME_FACE_IOU:
            return same
    return max(candidates, key=lambda face: nearness(face, frame_shape))
