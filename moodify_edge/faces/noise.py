"""Camera noise around a face: how much there is, and an edge-preserving filter scaled to it.

The emotion model was trained on clean FER2013 faces and loses many points on a noisy camera's faces, even
after the crop's resampling has averaged part of the noise away. A bilateral filter scaled to the noise
measured in the face's part of the frame (at the crop's working resolution, before its final warp) gives
much of that back, and a clean picture is left alone. The noise is estimated with Immerkær's operator (a
Laplacian difference that cancels smooth shading) on the middle of the region. Constants chosen on
``scripts/bench_recognition.py``'s PublicTest frames (threshold 4 and strength 2 or 3 compared by a short
ad-hoc script over them; the result measured with the script itself: figures in models/MODEL_CARD.md).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

_LAPLACIAN_DIFFERENCE = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
SAMPLE = 96  # the noise is measured on at most this square from the middle of the region (cost)
FILTER_ABOVE = 4.0  # grey levels of noise before a region is filtered (a clean camera frame shows 1-3)
STRENGTH = 3.0  # the filter's colour sigma, in multiples of the noise


def noise_level(grey: np.ndarray) -> float:
    """The estimated standard deviation of white noise in (the middle of) a grey image, in grey levels."""
    height, width = grey.shape[:2]
    top, left = max(0, (height - SAMPLE) // 2), max(0, (width - SAMPLE) // 2)
    sample = grey[top : top + SAMPLE, left : left + SAMPLE]
    if min(sample.shape[:2]) < 3:
        return 0.0
    response = cv2.filter2D(sample.astype(np.float32), -1, _LAPLACIAN_DIFFERENCE)[1:-1, 1:-1]
    return math.sqrt(math.pi / 2.0) * float(np.abs(response).mean()) / 6.0


def denoised(grey: np.ndarray) -> np.ndarray:
    """``grey`` filtered in proportion to the noise found in it; the same array if it is clean."""
    level = noise_level(grey)
    if level <= FILTER_ABOVE:
        return grey
    return cv2.bilateralFilter(grey, 5, STRENGTH * level, 3)
