"""Camera sources and the camera feed: files, the demo, missing hardware, and recovery after failures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import ASTRONAUT, wait_for

from moodify_edge.capture import (
    CameraError,
    CameraFeed,
    CameraStatus,
    DemoCamera,
    EndOfStream,
    FileCamera,
    SourceKind,
    open_camera,
    parse_source,
)
from moodify_edge.config import CameraConfig
from moodify_edge.events import CameraChanged, EventBus


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i:03}.png"), np.full((120, 160, 3), 40 * (i + 1), np.uint8))
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture
def video_file(tmp_path: Path) -> Path:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (160, 120))
    for i in range(5):
        writer.write(np.full((120, 160, 3), 50 * i, np.uint8))
    writer.release()
    return path


def read_all(camera, limit: int = 100) -> list[np.ndarray]:
    frames = []
    with pytest.raises(EndOfStream):
        for _ in range(limit):
            frames.append(camera.read(1.0))
    return frames


def test_one_image_gives_one_frame_when_not_looping():
    camera = FileCamera(ASTRONAUT, loop=False, paced=False)
    frames = read_all(camera)
    assert len(frames) == 1 and frames[0].shape == (512, 512, 3)


def test_one_image_repeats_when_looping():
    camera = FileCamera(ASTRONAUT, loop=True, paced=False)
    assert all(camera.read(1.0).shape == (512, 512, 3) for _ in range(5))


def test_a_folder_plays_its_images_in_name_order(image_folder):
    frames = read_all(FileCamera(image_folder, loop=False, paced=False))
    assert [int(f[0, 0, 0]) for f in frames] == [40, 80, 120]


def test_a_looping_folder_starts_again(image_folder):
    camera = FileCamera(image_folder, loop=True, paced=False)
    assert [int(camera.read(1.0)[0, 0, 0]) for _ in range(5)] == [40, 80, 120, 40, 80]


def test_a_video_file_plays_to_its_end_or_loops(video_file):
    assert len(read_all(FileCamera(video_file, loop=False, paced=False))) == 5
    looping = FileCamera(video_file, loop=True, paced=False)
    assert len([looping.read(1.0) for _ in range(12)]) == 12
    looping.close()


def test_a_paced_source_has_no_frame_before_the_next_is_due():
    camera = FileCamera(ASTRONAUT, fps=2, loop=True, paced=True)
    assert camera.read(1.0) is not None
    assert camera.read(0.01) is None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/nonexistent/clip.mp4", "no such file or folder"),
        ("/nonexistent/face.png", "no such file or folder"),
        ("usb:x", 'expected "usb:N"'),
        ("/dev/video99", "no such device"),
    ],
)
def test_bad_sources_say_what_is_wrong(source, message):
    with pytest.raises(CameraError, match=message):
        open_camera(CameraConfig(source=source))


def test_a_file_that_is_no_picture_is_refused(tmp_path):
    text = tmp_path / "readme.txt"
    text.write_text("hello")
    with pytest.raises(CameraError, match="not a video or image"):
        open_camera(CameraConfig(source=str(text)))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(CameraError, match="cannot read this image"):
        open_camera(CameraConfig(source=str(broken)))


def test_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(CameraError, match="folder has no images"):
        open_camera(CameraConfig(source=str(tmp_path)))


def test_sources_are_recognised():
    assert parse_source("usb:2") == (SourceKind.USB, 2)
    assert parse_source("/dev/video3") == (SourceKind.USB, "/dev/video3")
    assert parse_source("demo") == (SourceKind.DEMO, None)
    assert parse_source(" auto ") == (SourceKind.AUTO, None)
    assert parse_source("clips/a.mp4") == (SourceKind.FILE, Path("clips/a.mp4"))
    with pytest.raises(CameraError, match='expected "usb:N"'):
        parse_source("usb:front")


def test_the_pi_camera_without_picamera2_is_a_clear_error():
    # picamera2 comes from apt on Raspberry Pi OS only; CI has none
    with pytest.raises(CameraError, match="picamera2"):
        open_camera(CameraConfig(source="picam"))


def test_auto_says_what_it_tried():
    with pytest.raises(CameraError) as info:
        open_camera(CameraConfig(source="auto"))
    assert "Pi camera" in str(info.value) and "USB" in str(info.value)


def test_the_demo_shows_each_visitor_for_a_while_then_the_next():
    camera = DemoCamera(fps=10, paced=False, visitor_seconds=0.5)
    frames = [camera.read(1.0) for _ in range(5)]
    assert camera.visitor == 1
    assert all(f.shape == (480, 640, 3) and f.dtype == np.uint8 for f in frames)
    assert not np.array_equal(frames[0], frames[1]) or not np.array_equal(frames[1], frames[2])  # it moves
    assert len(camera.visitors) > 30 and sorted(set(camera.visitor_labels)) == list(range(7))


def test_the_demo_is_a_source_name():
    camera = open_camera(CameraConfig(source="demo"), paced=False)
    assert camera.read(1.0).shape == (480, 640, 3)


# ----------------------------------------------------------------------------- the feed
def camera_events(bus: EventBus) -> list[CameraStatus]:
    """The camera states published on ``bus`` from now on (a live list)."""
    events: list[CameraStatus] = []
    bus.listen(lambda event: events.append(event.camera) if isinstance(event, CameraChanged) else None)
    return events


def test_the_feed_waits_for_a_camera_that_appears(tmp_path):
    folder = tmp_path / "camera"
    bus = EventBus()
    events = camera_events(bus)
    config = CameraConfig(source=str(folder), fps=50, reopen_max_seconds=0.2)
    with CameraFeed(config, bus) as feed:
        assert wait_for(lambda: feed.failures >= 2)
        assert feed.status().ok is False and "no such file or folder" in feed.status().message
        assert feed.read(0.05) is None
        folder.mkdir()
        cv2.imwrite(str(folder / "a.png"), np.zeros((48, 64, 3), np.uint8))
        assert feed.read(10.0).shape == (48, 64, 3)
        assert feed.status() == CameraStatus(ok=True, message=f"file {folder}", source=str(folder))
    assert [e.ok for e in events] == [False, True]  # one event per change, not per attempt


def opener_failing_with(*errors: Exception):
    """A camera opener that raises each of ``errors`` in turn, then opens the astronaut photo; and the
    list of its attempts."""
    attempts: list[int] = []

    def opener():
        attempts.append(1)
        if len(attempts) <= len(errors):
            raise errors[len(attempts) - 1]
        return FileCamera(ASTRONAUT, fps=50)

    return opener, attempts


def test_the_feed_reopens_after_failures_with_backoff():
    opener, attempts = opener_failing_with(*[CameraError("camera busy")] * 3)
    bus = EventBus()
    events = camera_events(bus)
    with CameraFeed(CameraConfig(reopen_max_seconds=0.1), bus, opener=opener) as feed:
        assert feed.read(10.0) is not None
        assert feed.read(10.0) is not None  # keeps delivering once open
    assert len(attempts) == 4 and feed.failures == 3
    assert [(e.ok, e.message) for e in events] == [(False, "camera busy"), (True, f"file {ASTRONAUT}")]


def test_a_lost_camera_is_reported_and_reopened(image_folder):
    bus = EventBus()
    events = camera_events(bus)
    config = CameraConfig(source=str(image_folder), fps=100, loop=False, reopen_max_seconds=0.1)
    with CameraFeed(config, bus) as feed:
        assert wait_for(lambda: len(events) >= 3)
        assert feed.read(5.0) is not None
    assert [e.ok for e in events[:3]] == [True, False, True]
    assert events[1].message.startswith("camera lost")


def test_read_returns_each_frame_once_and_the_heartbeat_moves():
    with CameraFeed(CameraConfig(source=str(ASTRONAUT), fps=5)) as feed:
        first = feed.read(5.0)
        assert first is not None
        assert feed.read(0.01) is None  # the next frame is not due yet
        beat = feed.heartbeat
        assert wait_for(lambda: feed.heartbeat > beat)
    assert feed.status().ok is True


def test_an_unexpected_driver_error_is_a_lost_camera_not_a_dead_feed():
    opener, _ = opener_failing_with(ValueError("numpy.dtype size changed, may indicate binary incompatibility"))
    bus = EventBus()
    events = camera_events(bus)
    with CameraFeed(CameraConfig(reopen_max_seconds=0.1), bus, opener=opener) as feed:
        assert feed.read(10.0) is not None
    assert [e.ok for e in events] == [False, True]
    assert "numpy.dtype size changed" in events[0].message
