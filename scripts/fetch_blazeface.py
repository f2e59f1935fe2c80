#!/usr/bin/env python3
"""Reproduce ``models/face_detection_*.tflite`` and ``models/BLAZEFACE_LICENSE`` from the mediapipe wheel.

MediaPipe's BlazeFace face detectors (Apache-2.0) ship inside the ``mediapipe`` wheel on PyPI. This script
takes them out of one pinned wheel, checked by sha256, so the committed files can be verified or rebuilt.
The wheel itself (35 MB) stays outside the repository; nothing here runs at kiosk run time.

    pip download --no-deps mediapipe==0.10.14 -d /tmp/mp      # any platform's wheel of that version works
    python scripts/fetch_blazeface.py /tmp/mp/mediapipe-0.10.14-*.whl [--out models] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

VERSION = "0.10.14"
INNER = "mediapipe/modules/face_detection/"
# name in the wheel → sha256 of the file (identical in every platform's wheel of this version)
MODELS = {
    "face_detection_short_range.tflite": "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    "face_detection_full_range_sparse.tflite": "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
}
LICENSE_INNER = f"mediapipe-{VERSION}.dist-info/LICENSE"
LICENSE_NAME = "BLAZEFACE_LICENSE"
# The wheel this was first taken from (pip download on x86-64 Linux, Python 3.11).
KNOWN_WHEELS = {
    "mediapipe-0.10.14-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": (
        "a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4"
    ),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract(wheel: Path, out: Path, check_only: bool) -> list[str]:
    """Problems found (empty: every file matched, and was written unless ``check_only``)."""
    problems = []
    if f"-{VERSION}-" not in wheel.name:
        problems.append(f"{wheel.name} is not mediapipe {VERSION}")
    expected = KNOWN_WHEELS.get(wheel.name)
    if expected and sha256(wheel.read_bytes()) != expected:
        problems.append(f"{wheel.name}: sha256 differs from the known wheel")
    with zipfile.ZipFile(wheel) as archive:
        for name, digest in MODELS.items():
            data = archive.read(INNER + name)
            if sha256(data) != digest:
                problems.append(f"{name}: sha256 {sha256(data)} != {digest}")
                continue
            target = out / name
            if check_only:
                if not target.is_file() or sha256(target.read_bytes()) != digest:
                    problems.append(f"{target} is missing or differs from the wheel's")
            else:
                target.write_bytes(data)
        licence = archive.read(LICENSE_INNER)
        if check_only:
            if (out / LICENSE_NAME).read_bytes() != licence:
                problems.append(f"{out / LICENSE_NAME} differs from the wheel's licence")
        else:
            (out / LICENSE_NAME).write_bytes(licence)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help=f"a mediapipe=={VERSION} wheel")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "models")
    parser.add_argument("--check", action="store_true", help="compare the committed files, write nothing")
    args = parser.parse_args()
    problems = extract(args.wheel, args.out, args.check)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(("checked: " if args.check else "wrote: ") + ", ".join([*MODELS, LICENSE_NAME]) + f" in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
