"""Detection runs: aggregation of frames into a result, run limits, cancelling, refusing a second
trigger, and ``moodify-edge detect`` end to end on real faces with the shipped model."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import ASTRONAUT, events_until_quiet

from moodify_edge.capture import DemoFaces, FileCamera, demo_background, face_portrait, place
from moodify_edge.config import Config
from moodify_edge.controller import Busy, Controller
from moodify_edge.emotions import KEYS
from moodify_edge.events import EventBus
from moodify_edge.music.factory import create_music
from moodify_edge.runs import DetectionRun, FrameReading, RunResult, detect_once


def reading(index: int, probabilities: list[float] | None) -> FrameReading:
    p = None if probabilities is None else np.asarray(probabilities, np.float32)
    return FrameReading(index, index / 30, (10, 10, 80, 80) if p is not None else None, p, {"detect": 1.0})


def one_hot(key: str, p: float = 0.9) -> list[float]:
    rest = (1.0 - p) / 6
    return [p if k == key else rest for k in KEYS]


# ----------------------------------------------------------------------------- aggregation
def test_the_result_is_the_emotion_with_the_highest_mean():
    # Sad is on top in two frames, but happy has the higher mean: the mean decides.
    frames = [
        reading(0, [0, 0, 0, 0.45, 0.55, 0, 0]),
        reading(1, [0, 0, 0, 0.45, 0.55, 0, 0]),
        reading(2, [0, 0, 0, 0.90, 0.10, 0, 0]),
        reading(3, None),
    ]
    result = RunResult.aggregate(frames, seconds=5.0)
    assert result.outcome == "emotion" and result.emotion == "happy" and result.label == "Happy"
    assert result.confidence == pytest.approx(0.6)
    assert result.mean["sad"] == pytest.approx(0.4)
    assert result.frequency == {"angry": 0, "disgust": 0, "fear": 0, "happy": 1, "sad": 2, "surprise": 0, "neutral": 0}
    assert (result.frames_seen, result.frames_with_face) == (4, 3)


def test_no_face_in_any_frame_is_its_own_outcome():
    result = RunResult.aggregate([reading(0, None), reading(1, None)], seconds=5.0)
    assert (result.outcome, result.emotion, result.confidence) == ("no_face", None, 0.0)
    assert result.frames_seen == 2 and result.frames_with_face == 0
    assert RunResult.aggregate([], seconds=5.0).outcome == "no_face"


def test_a_cancelled_run_names_no_emotion():
    result = RunResult.aggregate([reading(0, one_hot("fear"))], seconds=1.0, cancelled=True)
    assert result.outcome == "cancelled" and result.emotion is None
    assert result.frames_with_face == 1


def test_the_result_as_json_carries_colour_and_optionally_frames():
    result = RunResult.aggregate([reading(0, one_hot("surprise")), reading(1, None)], seconds=2.0)
    data = result.to_dict()
    assert data["emotion"] == "surprise" and data["colour"] == "#fb8c00" and data["label_ko"] == "놀람"
    assert "frames" not in data
    frames = result.to_dict(include_frames=True)["frames"]
    assert frames[0]["top"] == "surprise" and frames[0]["face"] == [10, 10, 80, 80]
    assert frames[1] == {
        "index": 1,
        "t": 0.033,
        "face": None,
        "probabilities": None,
        "top": None,
        "timing_ms": {"detect": 1.0},
    }
    json.dumps(result.to_dict(include_frames=True))


# ----------------------------------------------------------------------------- runs on real faces
def class_folder(tmp_path: Path, key: str) -> Path:
    """A folder of 640×480 frames, one per shipped FER2013 face of class ``key``."""
    demo = DemoFaces.load()
    folder = tmp_path / key
    folder.mkdir()
    background = demo_background()
    faces = demo.faces[demo.labels == KEYS.index(key)]
    for i, face in enumerate(faces):
        cv2.imwrite(str(folder / f"{i:02}.png"), place(background, face_portrait(face), 2 * i - 4, i - 2))
    return folder


def test_the_astronaut_is_happy(pipeline):
    result = DetectionRun(FileCamera(ASTRONAUT, loop=False, paced=False), pipeline, seconds=None).run()
    assert result.outcome == "emotion" and result.emotion == "happy"
    assert result.frames_seen == result.frames_with_face == 1


@pytest.mark.parametrize("key", ["happy", "surprise"])
def test_fer2013_faces_of_one_class_give_that_class(tmp_path, key):
    result = detect_once(Config(), source=str(class_folder(tmp_path, key)))
    assert result.emotion == key
    assert result.frames_seen == result.frames_with_face == 5


def test_a_run_stops_after_max_frames_and_reports_every_frame(pipeline):
    seen: list[FrameReading] = []
    camera = FileCamera(ASTRONAUT, loop=True, paced=False)
    result = DetectionRun(camera, pipeline, seconds=60, max_frames=7, on_frame=seen.append).run()
    assert result.frames_seen == 7 and [r.index for r in seen] == list(range(7))
    assert all(r.top == "happy" and set(r.timing_ms) == {"detect", "crop", "classify"} for r in seen)


def test_a_run_stops_after_its_seconds(pipeline):
    camera = FileCamera(ASTRONAUT, fps=20, loop=True, paced=True)
    result = DetectionRun(camera, pipeline, seconds=0.5).run()
    assert result.outcome == "emotion" and 0 < result.frames_seen <= 12
    assert result.seconds >= 0.5


def test_a_run_can_be_cancelled_from_another_thread(pipeline):
    camera = FileCamera(ASTRONAUT, fps=30, loop=True, paced=True)
    first_frame = threading.Event()
    run = DetectionRun(camera, pipeline, seconds=60, on_frame=lambda reading: first_frame.set())
    outcome: list[RunResult] = []
    worker = threading.Thread(target=lambda: outcome.append(run.run()))
    worker.start()
    assert first_frame.wait(10)
    run.cancel()
    worker.join(10)
    assert not worker.is_alive()
    assert outcome[0].outcome == "cancelled" and outcome[0].emotion is None and outcome[0].seconds < 60


def test_a_frame_without_a_face_counts_as_seen(pipeline):
    class Blank:
        def read(self, timeout: float) -> np.ndarray:
            return demo_background()

    result = DetectionRun(Blank(), pipeline, seconds=None, max_frames=3).run()
    assert (result.outcome, result.frames_seen, result.frames_with_face) == ("no_face", 3, 0)


# ----------------------------------------------------------------------------- through the controller
def test_a_second_trigger_during_a_run_is_refused(pipeline):
    config = Config().replace("detection", seconds=30.0)
    bus = EventBus()
    camera = FileCamera(ASTRONAUT, fps=30, loop=True, paced=True)
    controller = Controller(config, bus, camera, pipeline, create_music(config))
    with bus.subscribe() as events:
        controller.trigger("screen")
        with pytest.raises(Busy, match="already in progress"):
            controller.trigger("button")
        assert controller.cancel()
        controller.join(10)
        types = [(e["type"], e.get("state") or e.get("outcome")) for e in events_until_quiet(events)]
    assert types[0] == ("state", "detecting")
    assert types[-2:] == [("state", "idle"), ("result", "cancelled")]
    assert controller.state == "idle"


# ----------------------------------------------------------------------------- the command line
def moodify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moodify_edge", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_detect_on_the_astronaut_prints_happy_as_json():
    done = moodify("detect", "--source", str(ASTRONAUT), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcome"] == "emotion" and result["emotion"] == "happy" and result["label"] == "Happy"
    assert "frames" not in result


def test_detect_with_frames_adds_the_per_frame_records():
    done = moodify("detect", "--source", str(ASTRONAUT), "--json", "--frames")
    assert done.returncode == 0, done.stderr
    (frame,) = json.loads(done.stdout)["frames"]
    assert frame["top"] == "happy" and len(frame["face"]) == 4 and len(frame["probabilities"]) == 7


def test_detect_in_words():
    done = moodify("detect", "--source", str(ASTRONAUT))
    assert done.returncode == 0 and done.stdout.startswith("Happy (")


def test_detect_from_a_missing_source_fails_with_one_clear_line(tmp_path):
    missing = tmp_path / "nothing-here.mp4"
    done = moodify("detect", "--source", str(missing), "--json")
    assert done.returncode == 69
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"moodify-edge detect: {missing}: no such file or folder"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--seconds", "0"), "--seconds must be above 0"),
        (("--max-frames", "-1"), "--max-frames must be above 0"),
        (("--frames",), "--frames needs --json"),
    ],
)
def test_detect_refuses_a_run_that_could_never_end_or_say_anything(args, message):
    done = moodify("detect", "--source", "demo", *args)
    assert done.returncode == 64
    assert done.stderr.strip() == f"moodify-edge detect: {message}"
