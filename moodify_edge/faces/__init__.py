"""Face detection and the classifier's crop.

* :mod:`.face` — what a detector reports (:class:`Face`: box, score, landmarks) and the :class:`Detector` protocol;
* :mod:`.blazeface` — the default detector, MediaPipe's BlazeFace under LiteRT, with landmarks;
  :mod:`.anchors` — its anchors, output decoding and non-maximum suppression (pure numpy);
* :mod:`.haar` — the fallback, OpenCV's Haar cascade (boxes only);
* :mod:`.choice` — which face a run follows (nearest the kiosk; the tracked one keeps the run);
* :mod:`.align` — the crop: aligned from the landmarks to FER2013's framing, or the box's square;
* :mod:`.noise` — camera noise measured in the crop's region and filtered before its final warp.
"""

from __future__ import annotations

from .align import DEFAULT_GEOMETRY, CropGeometry, aligned_crop, crop_face, square_crop
from .blazeface import BlazeFaceDetector
from .choice import choose
from .face import Box, Detector, Face, iou
from .haar import HaarDetector, cascade_path, load_cascade

DETECTORS = ("blazeface", "blazeface-full", "haar")


def create_detector(name: str = "blazeface", *, min_face: int = 60, detect_width: int = 320) -> Detector:
    """The detector called ``name`` with its settings: "blazeface" (the short-range model),
    "blazeface-full" (the full-range model) or "haar"."""
    if name in ("blazeface", "blazeface-full"):
        return BlazeFaceDetector(model="full" if name == "blazeface-full" else "short", min_face=min_face)
    if name == "haar":
        return HaarDetector(min_face=min_face, detect_width=detect_width)
    raise ValueError(f"unknown face detector {name!r}; expected one of {DETECTORS}")


__all__ = [
    "DEFAULT_GEOMETRY",
    "DETECTORS",
    "BlazeFaceDetector",
    "Box",
    "CropGeometry",
    "Detector",
    "Face",
    "HaarDetector",
    "aligned_crop",
    "cascade_path",
    "choose",
    "create_detector",
    "crop_face",
    "iou",
    "load_cascade",
    "square_crop",
]
