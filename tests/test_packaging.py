"""Packaging: a regular (non-editable) install, as on the Pi, carries the model, the front end and the data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_model_front_end_and_package_data(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("moodify_edge-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = next(n.split("/")[0] for n in names if ".data/" in n)
    for shipped in (
        "share/moodify-edge/models/emotion_int8.tflite",
        "share/moodify-edge/models/labels.txt",
        "share/moodify-edge/models/face_detection_short_range.tflite",
        "share/moodify-edge/models/face_detection_full_range_sparse.tflite",
        "share/moodify-edge/models/BLAZEFACE_LICENSE",
        "share/moodify-edge/kiosk/templates/index.html",
        "share/moodify-edge/kiosk/static/app.js",
        "share/moodify-edge/kiosk/static/i18n.json",
        "share/moodify-edge/kiosk/static/vendor/chart.umd.min.js",
    ):
        assert f"{data}/data/{shipped}" in names, shipped
    assert "moodify_edge/data/demo_faces.npz" in names
    assert "moodify_edge/music/catalogue.json" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "moodify-edge = moodify_edge.cli:main" in entry_points
