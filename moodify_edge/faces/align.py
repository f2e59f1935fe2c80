"""The crop the classifier reads: a grey square framed the way FER2013 frames its faces.

With landmarks (BlazeFace) the crop is *aligned*: rotated so the eyes are level, its side a fixed
multiple of the face's size measured from the landmarks (the larger of the eye distance and the
eye-to-mouth distance times a constant, so a turned or tilted head keeps its scale), its centre a fixed
share of that side below the eyes' midpoint. The geometry was fitted to FER2013's own framing and then
chosen by accuracy on PublicTest frames (``scripts/bench_recognition.py --sweep``; figures in
models/MODEL_CARD.md). Without landmarks (Haar) the crop is the box's square, which already matches FER's
framing. ``margin`` widens either crop by that share of its side on each side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .face import LEFT_EYE, MOUTH, RIGHT_EYE, Box, Face
from .noise import denoised


@dataclass(frozen=True)
class CropGeometry:
    """Where the aligned crop sits relative to the landmarks."""

    scale: float = 2.72  # crop side / face size (the larger of eye distance and MOUTH_RATIO × eye-to-mouth)
    centre_down: float = 0.10  # crop centre below the eyes' midpoint, as a share of the crop side
    mouth_ratio: float = 0.96  # eye-to-mouth distance × this stands in for the eye distance of a turned head
    aligned: bool = True  # False: the box's square even where there are landmarks


DEFAULT_GEOMETRY = CropGeometry()


def face_size(keypoints: np.ndarray, geometry: CropGeometry = DEFAULT_GEOMETRY) -> float:
    """The face's size from its landmarks (pixels): eye distance, or the eye-to-mouth stand-in if larger."""
    eyes = keypoints[LEFT_EYE] - keypoints[RIGHT_EYE]
    mid = (keypoints[LEFT_EYE] + keypoints[RIGHT_EYE]) / 2.0
    return max(float(np.hypot(*eyes)), geometry.mouth_ratio * float(np.hypot(*(keypoints[MOUTH] - mid))))


def alignment(
    keypoints: np.ndarray, size: int, geometry: CropGeometry = DEFAULT_GEOMETRY, margin: float = 0.0
) -> np.ndarray:
    """The 2×3 affine that maps frame pixels onto the ``size``×``size`` aligned crop."""
    right, left = keypoints[RIGHT_EYE].astype(np.float64), keypoints[LEFT_EYE].astype(np.float64)
    angle = math.atan2(left[1] - right[1], left[0] - right[0])
    side = geometry.scale * face_size(keypoints, geometry) * (1.0 + 2.0 * margin)
    cos, sin = math.cos(angle), math.sin(angle)
    down = np.array([-sin, cos])  # the face's own "down", perpendicular to the eye line
    centre = (right + left) / 2.0 + geometry.centre_down * side * down
    s = size / side
    rotation = np.array([[cos, sin], [-sin, cos]]) * s  # rotates the eye line onto the x axis
    offset = np.array([size / 2.0, size / 2.0]) - rotation @ centre
    return np.hstack([rotation, offset[:, None]])


def aligned_crop(
    frame: np.ndarray, keypoints: np.ndarray, size: int, geometry: CropGeometry = DEFAULT_GEOMETRY, margin: float = 0.0
) -> np.ndarray:
    """A ``size``×``size`` grey crop, eyes level; edges replicated where it runs off the frame. A large face
    is shrunk by area first (one resize of just the part needed), so the crop does not alias; camera noise
    left after that is filtered (:mod:`.noise`)."""
    matrix = alignment(keypoints, size, geometry, margin)
    scale = float(np.hypot(*matrix[0, :2]))
    # The crop's corners in the frame: cut that region (plus a pixel), grey and, if large, shrunk.
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], np.float64) @ inverse.T
    height, width = frame.shape[:2]
    x0 = int(np.clip(np.floor(corners[:, 0].min()) - 1, 0, width - 1))
    y0 = int(np.clip(np.floor(corners[:, 1].min()) - 1, 0, height - 1))
    x1 = int(np.clip(np.ceil(corners[:, 0].max()) + 2, x0 + 1, width))
    y1 = int(np.clip(np.ceil(corners[:, 1].max()) + 2, y0 + 1, height))
    region = grey(frame[y0:y1, x0:x1])
    shift = np.array([[1.0, 0.0, x0], [0.0, 1.0, y0], [0.0, 0.0, 1.0]])
    matrix = np.vstack([matrix, [0.0, 0.0, 1.0]]) @ shift
    if scale < 0.5:
        shrunk = cv2.resize(region, None, fx=2 * scale, fy=2 * scale, interpolation=cv2.INTER_AREA)
        zoom = np.diag([region.shape[1] / shrunk.shape[1], region.shape[0] / shrunk.shape[0], 1.0])
        region, matrix = shrunk, matrix @ zoom
    return cv2.warpAffine(
        denoised(region), matrix[:2], (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def square_crop(frame: np.ndarray, box: Box, size: int, margin: float = 0.0) -> np.ndarray:
    """A ``size``×``size`` grey crop of the box's square with ``margin`` around it; edges are replicated
    where the square runs off the frame; camera noise is filtered (:mod:`.noise`)."""
    x, y, w, h = box
    side = round(max(w, h) * (1.0 + 2.0 * margin))
    cx, cy = x + w / 2.0, y + h / 2.0
    x0, y0 = round(cx - side / 2.0), round(cy - side / 2.0)
    height, width = frame.shape[:2]
    region = denoised(grey(frame[max(0, y0) : min(height, y0 + side), max(0, x0) : min(width, x0 + side)]))
    top, left = max(0, -y0), max(0, -x0)
    bottom, right = side - top - region.shape[0], side - left - region.shape[1]
    if top or left or bottom or right:
        region = cv2.copyMakeBorder(region, top, bottom, left, right, cv2.BORDER_REPLICATE)
    return cv2.resize(region, (size, size), interpolation=cv2.INTER_AREA)


def crop_face(
    frame: np.ndarray, face: Face, size: int, geometry: CropGeometry = DEFAULT_GEOMETRY, margin: float = 0.0
) -> np.ndarray:
    """The classifier's crop of ``face``: aligned where it has landmarks (and ``geometry.aligned``), the box's
    square otherwise."""
    if face.keypoints is not None and geometry.aligned:
        return aligned_crop(frame, face.keypoints, size, geometry, margin)
    return square_crop(frame, face.box, size, margin)


def grey(image: np.ndarray) -> np.ndarray:
    """``image`` in grey (BGR is converted; grey passes). Callers convert only the part they look at: a crop,
    or a tracking step's small window."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
