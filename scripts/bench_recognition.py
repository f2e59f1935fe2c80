#!/usr/bin/env python3
"""Recognition through the whole pipeline: FER2013 faces placed in camera-sized frames, read by the product.

Each face (PublicTest by default; ``--split private`` for the held-out report) is scaled to one of
``--sizes`` (px), pasted at a random place on one of three backgrounds in a 640×480 frame, and the frame
is given one of four treatments: clean, gaussian noise (σ 10), JPEG quality 30, or blur (σ 1). Empty frames
(backgrounds only, same treatments) count false hits. Every frame goes through the product's own
``FramePipeline`` (detector → crop → model, as the daemon runs it, reset per face so each starts with a full
search), once with the chosen detector and once with Haar, in the same run. With ``--run-frames N`` each face
is a short run instead: N frames of a visitor swaying a little, tracked between frames and averaged by the
daemon's own run aggregation (:class:`~moodify_edge.runs.RunResult`), which is what a visitor is shown.

Printed: detection rate by face size and by treatment, false hits, accuracy on detected faces against the
same faces read directly at 48×48 (all, by treatment, per class, by face size), and per-frame time.
``--sweep`` chooses the crop instead (PublicTest only): clean frames with faces of ``--sweep-sizes``,
each detected once; it fits the aligned crop to FER's framing from the landmarks and prints accuracy on
the detected faces for crops around the fit, the box's square at margins 0 and 0.1, and the pasted square
itself (the ceiling), against the same faces read directly at 48×48.

    python scripts/bench_recognition.py [--data ../shared/data/fer2013] [--faces 900] [--split private]
    python scripts/bench_recognition.py --detector blazeface,blazeface-full --sizes 60,80,100
    python scripts/bench_recognition.py --run-frames 10
    python scripts/bench_recognition.py --sweep --faces 1500
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from fer_data import load_split

from moodify_edge.capture import demo_background
from moodify_edge.classifier import EmotionClassifier
from moodify_edge.emotions import KEYS, LABELS
from moodify_edge.faces import DEFAULT_GEOMETRY, CropGeometry, Face, create_detector, crop_face, iou, square_crop
from moodify_edge.faces.face import LEFT_EYE, MOUTH, RIGHT_EYE
from moodify_edge.pipeline import FramePipeline
from moodify_edge.runs import FrameReading, RunResult

FRAME = (480, 640)
TREATMENTS = ("clean", "noise", "jpeg", "blur")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013"


def backgrounds(rng: np.random.Generator) -> list[np.ndarray]:
    """A plain wall, a blotchy texture and a room-like scene of boxes."""
    height, width = FRAME
    blotches = cv2.resize(rng.integers(40, 220, (12, 16, 3), dtype=np.uint8), (width, height), cv2.INTER_CUBIC)
    room = np.full((height, width, 3), 150, np.uint8)
    for _ in range(25):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(room, (x, y), (x + int(rng.integers(20, 200)), y + int(rng.integers(20, 200))), colour, -1)
    return [demo_background(), cv2.GaussianBlur(blotches, (0, 0), 3), room]


def treat(frame: np.ndarray, treatment: str, rng: np.random.Generator) -> np.ndarray:
    if treatment == "noise":
        return np.clip(frame + rng.normal(0, 10, frame.shape), 0, 255).astype(np.uint8)
    if treatment == "jpeg":
        return cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 30])[1], cv2.IMREAD_COLOR)
    if treatment == "blur":
        return cv2.GaussianBlur(frame, (0, 0), 1.0)
    return frame


@dataclass(frozen=True)
class Scene:
    """One face's frames (one, or a run's) and where the pasted face is in each; no face: ``truths`` all None."""

    frames: tuple[np.ndarray, ...]
    truths: tuple[tuple[int, int, int, int] | None, ...]
    size: int
    treatment: str

    @property
    def truth(self) -> tuple[int, int, int, int] | None:
        return self.truths[0]

    @property
    def frame(self) -> np.ndarray:
        return self.frames[0]


def paste(wall: np.ndarray, face: np.ndarray, x: int, y: int, size: int) -> np.ndarray:
    frame = wall.copy()
    frame[y : y + size, x : x + size] = cv2.cvtColor(
        cv2.resize(face, (size, size), cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR
    )
    return frame


def visit(
    wall: np.ndarray, face: np.ndarray, size: int, treatment: str, run_frames: int, rng: np.random.Generator
) -> Scene:
    """One face on ``wall``: a still frame, or ``run_frames`` frames of a visitor standing at the kiosk (the
    face sways by up to 3 % of its side and its size by up to 3 % from frame to frame; each frame is treated
    anew, so noise and JPEG blocks differ as in a camera's stream)."""
    x, y = int(rng.integers(0, FRAME[1] - size)), int(rng.integers(0, FRAME[0] - size))
    if run_frames <= 1:
        return Scene((treat(paste(wall, face, x, y, size), treatment, rng),), ((x, y, size, size),), size, treatment)
    frames, truths = [], []
    for _ in range(run_frames):
        side = int(round(size * rng.uniform(0.97, 1.03)))
        fx = int(np.clip(x + rng.uniform(-0.03, 0.03) * size, 0, FRAME[1] - side))
        fy = int(np.clip(y + rng.uniform(-0.03, 0.03) * size, 0, FRAME[0] - side))
        frames.append(treat(paste(wall, face, fx, fy, side), treatment, rng))
        truths.append((fx, fy, side, side))
    return Scene(tuple(frames), tuple(truths), size, treatment)


def scenes(
    faces: np.ndarray,
    sizes: list[int],
    empty: int,
    seed: int,
    treatments: tuple[str, ...] = TREATMENTS,
    run_frames: int = 1,
) -> list[Scene]:
    rng = np.random.default_rng(seed)
    walls = backgrounds(rng)
    out = []
    for i, face in enumerate(faces):
        size, treatment = sizes[i % len(sizes)], treatments[(i // len(sizes)) % len(treatments)]
        out.append(visit(walls[i % len(walls)], face, size, treatment, run_frames, rng))
    for i in range(empty):
        treatment = treatments[i % len(treatments)]
        frames = tuple(treat(walls[i % len(walls)], treatment, rng) for _ in range(max(1, run_frames)))
        out.append(Scene(frames, (None,) * len(frames), 0, treatment))
    return out


@dataclass
class Reading:
    hit: bool
    false_hit: bool
    predicted: int
    ms: float


def read(pipeline: FramePipeline, scene: Scene) -> Reading:
    """The scene through the pipeline as a run: reset, every frame in turn (tracking between them, as the
    daemon does), the emotion from the run's own aggregation. Hit: a frame's face is on the pasted face;
    false hit: a frame's face is anywhere else."""
    pipeline.reset()
    readings: list[FrameReading] = []
    hit = false_hit = False
    start = time.perf_counter()
    for index, (frame, truth) in enumerate(zip(scene.frames, scene.truths, strict=True)):
        analysis = pipeline.process(frame)
        readings.append(FrameReading(index, 0.0, analysis.face, analysis.probabilities, analysis.timing_ms))
        if analysis.face is not None and analysis.probabilities is not None:
            on_face = truth is not None and iou(analysis.face, truth) > 0.25
            hit, false_hit = hit or on_face, false_hit or not on_face
    ms = (time.perf_counter() - start) * 1e3 / len(scene.frames)
    result = RunResult.aggregate(readings, 0.0)
    predicted = KEYS.index(result.emotion) if hit and result.emotion else -1
    return Reading(hit, false_hit, predicted, ms)


def report(name: str, readings: list[Reading], items: list[Scene], labels: np.ndarray, direct: np.ndarray) -> None:
    faces = [i for i, s in enumerate(items) if s.truth is not None]
    empties = [i for i, s in enumerate(items) if s.truth is None]
    hit = np.array([readings[i].hit for i in faces])
    predicted = np.array([readings[i].predicted for i in faces])
    print(f"\n## {name}")
    sizes = sorted({items[i].size for i in faces})
    by_size = {s: hit[[items[i].size == s for i in faces]].mean() for s in sizes}
    print("detected by face size: " + ", ".join(f"{s} px {r:.1%}" for s, r in by_size.items()))
    big = np.array([items[i].size >= 80 for i in faces])
    print(f"detected, faces >= 80 px: {hit[big].mean():.1%} ({hit[big].sum()}/{big.sum()}); all: {hit.mean():.1%}")
    by_treatment = {t: hit[[items[i].treatment == t for i in faces]].mean() for t in TREATMENTS}
    print("detected by treatment: " + ", ".join(f"{t} {r:.1%}" for t, r in by_treatment.items()))
    wrong = np.mean([readings[i].false_hit for i in faces])
    empty_hits = np.mean([readings[i].false_hit for i in empties]) if empties else 0.0
    print(f"false hits: {wrong:.2%} of face frames (a box elsewhere), {empty_hits:.2%} of {len(empties)} empty frames")
    ok = predicted[hit] == labels[hit]
    same = direct[hit] == labels[hit]
    print(
        f"accuracy on detected faces: {ok.mean():.2%} vs direct 48x48 on the same faces {same.mean():.2%} "
        f"({ok.mean() - same.mean():+.2%}); direct on all {len(labels)} faces {(direct == labels).mean():.2%}"
    )
    for treatment in TREATMENTS:
        chosen = np.array([items[i].treatment == treatment for i in faces])[hit]
        if chosen.any():
            print(f"  {treatment} frames only: {ok[chosen].mean():.2%} vs direct {same[chosen].mean():.2%}")
    detected_sizes = np.array([items[i].size for i in faces])[hit]
    by_size_accuracy = [
        f"{size} px {ok[detected_sizes == size].mean():.0%}/{same[detected_sizes == size].mean():.0%}"
        for size in sizes
        if (detected_sizes == size).any()
    ]
    print("by face size (pipeline/direct): " + ", ".join(by_size_accuracy))
    per_class = [
        f"{LABELS[c]} {ok[labels[hit] == c].mean():.0%}/{same[labels[hit] == c].mean():.0%}" for c in range(len(LABELS))
    ]
    print("per class (pipeline/direct): " + ", ".join(per_class))
    ms = np.array([r.ms for r in readings])
    print(f"per frame (detect+crop+classify): mean {ms.mean():.2f} ms, p95 {np.percentile(ms, 95):.2f} ms")


# Aligned crops around the fit: (share of the fitted scale, added to the fitted centre_down).
SWEEP_ALIGNED = ((0.9, 0.0), (0.95, 0.0), (1.0, 0.0), (1.0, -0.03), (1.0, 0.03), (1.1, 0.0))
SWEEP_MARGINS = (0.0, 0.1)  # the box's square crop (no landmarks used)


def sweep(items: list[Scene], faces: np.ndarray, labels: np.ndarray, classifier: EmotionClassifier) -> None:
    """Choose the crop by accuracy: detect each face once (the product's detector, a full search), fit the
    aligned crop to FER's framing from the landmarks, then read the same detections through aligned crops
    around the fit and through the box's square crop, against the same faces read directly at 48×48."""
    detector = create_detector("blazeface")
    found: list[tuple[int, Face, Scene]] = []
    fits = []
    start = time.perf_counter()
    for i, scene in enumerate(items):
        if scene.truth is None:
            continue
        detector.reset()
        face = detector.detect(scene.frame)
        if face is None or face.keypoints is None or iou(face.box, scene.truth) <= 0.25:
            continue
        found.append((i, face, scene))
        x, y, side, _ = scene.truth
        points = (face.keypoints - np.array([x, y])) * 48.0 / side  # in FER's 48×48 pixels
        eyes = points[LEFT_EYE] - points[RIGHT_EYE]
        mid = (points[LEFT_EYE] + points[RIGHT_EYE]) / 2
        fits.append((np.hypot(*eyes), np.hypot(*(points[MOUTH] - mid)), 24.0 - mid[1]))
    faces_in = sum(s.truth is not None for s in items)
    print(f"detected {len(found)}/{faces_in} faces in {time.perf_counter() - start:.0f} s")
    eye, mouth, below = np.median(np.array(fits), axis=0)
    ratio = eye / mouth
    fitted = CropGeometry(float(48.0 / max(eye, ratio * mouth)), float(below / 48.0), float(ratio))
    print(
        f"FER framing in landmark terms (median): eye distance {eye:.1f} px, eye-to-mouth {mouth:.1f} px, "
        f"crop centre {below:.1f} px below the eyes (of 48); fit: {fitted}"
    )
    truth = labels[[i for i, _, _ in found]]
    direct = np.array([int(np.argmax(classifier.classify(faces[i]))) for i, _, _ in found]) == truth
    print(f"direct 48x48 on the same faces: {direct.mean():.2%}\n")
    candidates: dict[str, tuple[CropGeometry, float]] = {"shipped default": (DEFAULT_GEOMETRY, 0.0)}
    for scale, down in SWEEP_ALIGNED:
        geometry = CropGeometry(round(fitted.scale * scale, 2), round(fitted.centre_down + down, 3), fitted.mouth_ratio)
        candidates[f"aligned, fit x{scale:.2f} {down:+.2f}"] = (geometry, 0.0)
    for margin in SWEEP_MARGINS:
        candidates[f"box square, margin {margin:g}"] = (CropGeometry(aligned=False), margin)
    print("| crop | scale | centre_down | margin | accuracy on detected | vs direct | agrees with direct |")
    print("|---|---|---|---|---|---|---|")
    rows = [
        (name, geometry, margin, [crop_face(s.frame, f, 48, geometry, margin) for _, f, s in found])
        for name, (geometry, margin) in candidates.items()
    ]
    # The ceiling: the pasted square itself (no detector), resampled back to 48×48 the same way.
    rows.append(
        (
            "oracle: the pasted square",
            CropGeometry(aligned=False),
            0.0,
            [square_crop(s.frame, s.truth, 48) for _, _, s in found if s.truth is not None],
        )
    )
    for name, geometry, margin, crops in rows:
        ok = np.array([int(np.argmax(classifier.classify(crop))) for crop in crops]) == truth
        scale = f"{geometry.scale:.2f}" if geometry.aligned else "-"
        down = f"{geometry.centre_down:.3f}" if geometry.aligned else "-"
        print(
            f"| {name} | {scale} | {down} | {margin:g} | {ok.mean():.2%} | {ok.mean() - direct.mean():+.2%} "
            f"| {np.mean(ok == direct):.1%} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=["public", "private"], default="public")
    parser.add_argument("--faces", type=int, default=900, help="faces used, the first N of the split (0: all)")
    parser.add_argument("--sizes", default="60,80,120,180,240,300", help="face sides in px")
    parser.add_argument("--empty", type=int, default=200, help="frames without a face")
    parser.add_argument(
        "--detector", default="blazeface", help="the detectors compared with Haar, comma-separated (blazeface-full too)"
    )
    parser.add_argument("--margin", type=float, default=0.0)
    parser.add_argument(
        "--run-frames",
        type=int,
        default=1,
        help="frames per face: 1 reads each face from one still frame (a full search); more make each a short "
        "run of a swaying visitor, tracked and averaged as the daemon's runs are",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="choose the crop geometry (PublicTest): clean frames, faces of --sweep-sizes, no empty frames",
    )
    parser.add_argument("--sweep-sizes", default="120,180,240", help="face sides in px for --sweep")
    args = parser.parse_args()

    cv2.setNumThreads(1)
    split = load_split(args.data, args.split)
    n = args.faces or len(split)
    images, labels = split.images[:n], split.labels[:n]
    if args.sweep and args.split != "public":
        parser.error("--sweep chooses the crop: PublicTest only")
    sizes = [int(s) for s in (args.sweep_sizes if args.sweep else args.sizes).split(",")]
    empty = 0 if args.sweep else args.empty
    run_frames = 1 if args.sweep else args.run_frames
    items = scenes(images, sizes, empty, args.seed, ("clean",) if args.sweep else TREATMENTS, run_frames)
    classifier = EmotionClassifier(num_threads=1)
    print(
        f"{args.split}: {n} faces at {sizes} px in 640x480 frames, {empty} empty scenes, {run_frames} frame(s) each; "
        "one thread"
    )
    if args.sweep:
        sweep(items, images, labels, classifier)
        return
    direct = np.array([int(np.argmax(classifier.classify(face))) for face in images])
    for name in dict.fromkeys([*args.detector.split(","), "haar"]):
        pipeline = FramePipeline(create_detector(name), classifier, margin=args.margin)
        readings = [read(pipeline, scene) for scene in items]
        report(name, readings, items, labels, direct)


if __name__ == "__main__":
    main()
