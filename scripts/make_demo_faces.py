#!/usr/bin/env python3
"""Build the demo camera's sample faces, ``moodify_edge/data/demo_faces.npz`` (package data).

Picks a few clearly recognisable FER2013 test faces per class (PublicTest and PrivateTest rows where
the FER2013 label is also the FER+ crowd's strong majority, with byte-exact pixels, and which our
face detector finds wherever the jitter puts it once laid out as the demo camera shows them), plus the
public-domain astronaut photo downscaled and stored as JPEG. Deterministic: the same data always gives the same file.

    python scripts/make_demo_faces.py [--data /work/shared/data] [--per-class 5]
"""

from __future__ import annotations

import argparse
import io
import itertools
from pathlib import Path

import cv2
import numpy as np
from fer_data import FERPLUS_TO_FER, ferplus_majority

from moodify_edge.capture import DEMO_DATA, DemoCamera, demo_background, face_portrait, place
from moodify_edge.emotions import LABELS
from moodify_edge.faces import HaarDetector

ROOT = Path(__file__).resolve().parent.parent
ASTRONAUT_SIDE = 320


def detected_in_demo(face: np.ndarray, detector: HaarDetector, background: np.ndarray) -> bool:
    patch = face_portrait(face)
    for dx, dy in itertools.product(range(-DemoCamera.JITTER, DemoCamera.JITTER + 1, 2), repeat=2):
        detector.reset()
        if detector.detect(place(background, patch, dx, dy)) is None:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"), help="folder with fer2013/ and faces/")
    parser.add_argument("--per-class", type=int, default=5)
    parser.add_argument("--min-votes", type=int, default=6, help="FER+ votes (of 10) the label must have")
    parser.add_argument("--out", type=Path, default=ROOT / "moodify_edge" / "data" / DEMO_DATA)
    args = parser.parse_args()

    with np.load(args.data / "fer2013" / "fer2013_test.npz") as f:
        images, labels, votes = f["images"], f["labels"].astype(np.int64), f["ferplus_votes"]
        clean = f["exact_pixels"] & ~f["label_ambiguous"]
    label_votes = votes[np.arange(len(labels)), FERPLUS_TO_FER[labels]]
    strong = clean & (ferplus_majority(votes) == labels) & (label_votes >= args.min_votes)

    detector = HaarDetector()
    background = demo_background()
    chosen: list[list[int]] = [[] for _ in LABELS]
    # Strongest agreement first; ties keep file order.
    for row in np.lexsort((np.arange(len(labels)), -label_votes)):
        klass = labels[row]
        if strong[row] and len(chosen[klass]) < args.per_class and detected_in_demo(images[row], detector, background):
            chosen[klass].append(int(row))
    # Interleave the classes so consecutive visitors differ.
    rows = [c[i] for i in range(args.per_class) for c in chosen if i < len(c)]

    photo = cv2.imread(str(args.data / "faces" / "astronaut.png"), cv2.IMREAD_COLOR)
    photo = cv2.resize(photo, (ASTRONAUT_SIDE, ASTRONAUT_SIDE), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok

    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        faces=images[rows],
        labels=labels[rows].astype(np.int8),
        rows=np.asarray(rows, np.int32),
        astronaut_jpg=jpeg.ravel(),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(buffer.getvalue())
    for klass, picked in enumerate(chosen):
        print(f"{LABELS[klass]:>9}: {len(picked)} faces (test rows {picked})")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
