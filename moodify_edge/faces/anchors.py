"""BlazeFace's SSD anchors, the decoding of its raw outputs, and weighted non-maximum suppression.

Pure numpy, written from MediaPipe's published calculator options for its face detectors
(``face_detection_short_range.pbtxt`` / ``face_detection_full_range.pbtxt``; the score threshold is raised
from their 0.5 / 0.6 to 0.7, which drops false hits on clothes and walls): fixed-size anchors on
feature maps of the given strides, the regressors scaled by the input size, scores through a sigmoid,
and overlapping detections blended by score (MediaPipe's ``WEIGHTED`` suppression).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AnchorSpec:
    """How one BlazeFace model lays out its anchors; one anchor per (cell, slot) of each feature map."""

    input_size: int
    strides: tuple[int, ...]
    per_layer: int  # anchors a layer adds per cell (2 with the interpolated aspect ratio, else 1)
    min_score: float


SHORT_RANGE = AnchorSpec(input_size=128, strides=(8, 16, 16, 16), per_layer=2, min_score=0.7)
FULL_RANGE = AnchorSpec(input_size=192, strides=(4,), per_layer=1, min_score=0.7)


def anchors(spec: AnchorSpec) -> np.ndarray:
    """(N, 2) anchor centres in 0..1, in the model's output order (layers of one stride share cells)."""
    centres = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        same = 1
        while layer + same < len(spec.strides) and spec.strides[layer + same] == stride:
            same += 1
        cells = -(-spec.input_size // stride)
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, same * spec.per_layer, axis=1).reshape(-1, 2))
        layer += same
    return np.concatenate(centres).astype(np.float32)


def decode(
    regressors: np.ndarray,
    scores: np.ndarray,
    anchor_centres: np.ndarray,
    spec: AnchorSpec,
    min_score: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detections above ``min_score`` (``spec.min_score`` by default): boxes (K, 4) as x0, y0, x1, y1,
    keypoints (K, 6, 2) and scores (K,), all coordinates in 0..1 of the model's input."""
    raw = np.clip(scores.reshape(-1).astype(np.float64), -100.0, 100.0)
    probability = 1.0 / (1.0 + np.exp(-raw))
    keep = probability >= (spec.min_score if min_score is None else min_score)
    reg = regressors.reshape(len(anchor_centres), -1)[keep] / spec.input_size
    centre = anchor_centres[keep]
    cx, cy = reg[:, 0] + centre[:, 0], reg[:, 1] + centre[:, 1]
    half_w, half_h = reg[:, 2] / 2.0, reg[:, 3] / 2.0
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    keypoints = reg[:, 4:16].reshape(-1, 6, 2) + centre[:, None, :]
    return boxes.astype(np.float32), keypoints.astype(np.float32), probability[keep].astype(np.float32)


def box_iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one x0, y0, x1, y1 box with each of ``others`` (M, 4)."""
    w = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
    inter = w * h
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, threshold: float = 0.3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each cluster of detections overlapping the best remaining one by more than ``threshold`` becomes
    one detection: boxes and keypoints averaged by score, the best score kept."""
    order = np.argsort(-scores)
    remaining = order
    out_boxes, out_points, out_scores = [], [], []
    while len(remaining):
        best = remaining[0]
        overlap = box_iou(boxes[best], boxes[remaining])
        cluster = remaining[overlap > threshold]
        weights = scores[cluster][:, None]
        out_boxes.append((boxes[cluster] * weights).sum(0) / weights.sum())
        out_points.append((keypoints[cluster] * weights[:, :, None]).sum(0) / weights.sum())
        out_scores.append(scores[best])
        remaining = remaining[overlap <= threshold]
    if not out_boxes:
        return boxes[:0], keypoints[:0], scores[:0]
    return np.array(out_boxes, np.float32), np.array(out_points, np.float32), np.array(out_scores, np.float32)
