"""The kiosk's camera view (``GET /api/preview.jpg``): a JPEG made in memory with the run's face box, only for
the kiosk's own browser through its own listener, never cached, never written to disk or the log, at a
bounded rate; off with ``[kiosk] preview = false``."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from browser.stack import LAN_ADDRESS, demo_config, demo_stack
from helpers import ASTRONAUT, client_from, error_of, pair, session_from, wait_for

from moodify_edge.capture import CameraFeed, FileCamera, Preview
from moodify_edge.config import Config
from moodify_edge.contract import KioskState
from moodify_edge.controller import Controller
from moodify_edge.events import EventBus, FrameRead, StateChanged
from moodify_edge.music.factory import create_music
from moodify_edge.runs import FrameReading
from moodify_edge.web import create_app
from moodify_edge.web.listeners import ENVIRON_KEY, Listener

LAN_HOST = "127.0.0.2"  # the LAN listener in the real-server test; the kiosk's own is 127.0.0.1
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".ppm"}


class Setup:
    def __init__(self, config: Config, pipeline) -> None:
        self.bus = EventBus()
        self.feed = CameraFeed(config.camera, self.bus, opener=lambda: FileCamera(ASTRONAUT)).start()
        self.preview = Preview(self.feed, self.bus)
        self.controller = Controller(config, self.bus, self.feed, pipeline, create_music(config))
        self.app = create_app(self.controller, config, self.preview)

    def close(self) -> None:
        self.controller.cancel()
        self.controller.join(5)
        self.feed.stop()


@pytest.fixture
def setup(tmp_path, pipeline) -> Iterator[Setup]:
    built = Setup(demo_config(tmp_path / "state", seconds=30.0), pipeline)
    assert wait_for(lambda: built.feed.latest() is not None)
    yield built
    built.close()


def images_under(root: Path) -> set[Path]:
    """Image files under ``root`` (folders that vanish meanwhile, as other programs' temp folders do, are skipped)."""
    return {
        Path(folder, name)
        for folder, _, names in os.walk(root)
        for name in names
        if Path(name).suffix.lower() in IMAGE_SUFFIXES
    }


def decoded(data: bytes) -> np.ndarray:
    picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None
    return picture


def test_the_kiosk_gets_the_camera_picture_from_memory_never_cached(setup):
    answer = client_from(setup.app).get("/api/preview.jpg")
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    assert answer.headers["Cache-Control"] == "no-store"
    picture = decoded(answer.data)
    assert picture.shape[1] <= Preview.WIDTH and picture.shape[0] > 0


@pytest.mark.parametrize("address", [LAN_ADDRESS, "10.0.0.7", "::ffff:192.168.1.9"])
def test_every_lan_client_is_refused(setup, address):
    phone = client_from(setup.app, address)
    answer = phone.get("/api/preview.jpg")
    assert answer.status_code == 403 and error_of(answer)["code"] == "pairing_required"
    assert pair(phone, client_from(setup.app)).status_code == 200
    answer = phone.get("/api/preview.jpg")  # paired is not enough: the picture is the kiosk's own
    assert answer.status_code == 403 and error_of(answer)["code"] == "kiosk_only"
    assert not answer.mimetype.startswith("image/")


def test_a_loopback_request_through_the_lan_listener_is_refused(setup):
    answer = client_from(setup.app).get("/api/preview.jpg", environ_overrides={ENVIRON_KEY: Listener.LAN})
    assert answer.status_code == 403 and error_of(answer)["code"] in {"pairing_required", "kiosk_only"}
    assert not answer.mimetype.startswith("image/")


def test_the_view_is_off_when_the_config_turns_it_off(tmp_path, pipeline):
    off = Setup(demo_config(tmp_path / "state", seconds=30.0).replace("kiosk", preview=False), pipeline)
    try:
        answer = client_from(off.app).get("/api/preview.jpg")
        assert answer.status_code == 404 and error_of(answer)["code"] == "not_found"
    finally:
        off.close()


def test_the_face_box_of_a_fresh_reading_is_drawn_in_the_emotions_colour(setup):
    frame = np.full((240, 320, 3), 40, np.uint8)

    class Still:
        def latest(self) -> np.ndarray:
            return frame

    bus = EventBus()
    clock = [100.0]
    preview = Preview(Still(), bus, clock=lambda: clock[0])
    plain = decoded(preview.jpeg() or b"")
    probabilities = np.array([0, 0, 0, 1, 0, 0, 0], np.float32)  # happy: #fdd835
    bus.publish(FrameRead(FrameReading(0, 0.1, (100, 60, 80, 80), probabilities, {})))
    clock[0] += 0.3  # past the re-encode interval, within the box's freshness
    boxed = decoded(preview.jpeg() or b"")
    b, g, r = boxed[60, 140].astype(int)  # the top edge of the box, in BGR
    assert r > 200 and g > 180 and b < 120, (b, g, r)
    assert abs(int(plain[60, 140].mean()) - 40) < 10
    assert frame.mean() == 40  # the feed's own frame is never drawn on
    bus.publish(StateChanged(KioskState.IDLE))
    clock[0] += 1.0
    assert abs(int(decoded(preview.jpeg() or b"")[60, 140].mean()) - 40) < 10  # a run's end clears the box


def test_pictures_are_encoded_only_when_asked_and_at_most_a_few_a_second(setup):
    time.sleep(0.5)
    assert setup.preview.encoded == 0  # nobody watching: nothing encoded
    kiosk = client_from(setup.app)
    started = time.monotonic()
    while time.monotonic() - started < 1.0:
        assert kiosk.get("/api/preview.jpg").status_code == 200
    assert 1 <= setup.preview.encoded <= 6


def test_a_preview_session_leaves_no_image_file_and_no_picture_in_the_log(setup, tmp_path, caplog):
    temp = Path(tempfile.gettempdir())
    before = images_under(temp)
    kiosk = client_from(setup.app)
    served_pictures: list[bytes] = []
    with caplog.at_level(logging.DEBUG):
        for _ in range(10):
            data = kiosk.get("/api/preview.jpg").data
            served_pictures.append(data)
            time.sleep(0.05)
    # Other programs may write images to /tmp meanwhile: none of the new ones may hold a served picture.
    served = set(served_pictures)
    assert [p for p in images_under(temp) - before if p.is_file() and p.read_bytes() in served] == []
    assert images_under(tmp_path) == set()
    assert all(data[:200] not in r.getMessage().encode("latin-1", "replace") for r in caplog.records)
    assert all("JFIF" not in r.getMessage() for r in caplog.records)


def test_real_listeners_serve_the_kiosk_and_refuse_the_lan(tmp_path):
    config = demo_config(tmp_path / "state", seconds=30.0, host=LAN_HOST)
    with demo_stack(config) as stack:
        port = int(stack.url.rsplit(":", 1)[1])
        own = session_from("127.0.0.1")
        assert wait_for(lambda: own.get(f"{stack.url}/api/preview.jpg", timeout=5).status_code == 200)
        answer = own.get(f"{stack.url}/api/preview.jpg", timeout=5)
        assert answer.headers["Content-Type"] == "image/jpeg" and answer.headers["Cache-Control"] == "no-store"
        phone = session_from("127.0.0.9").get(f"http://{LAN_HOST}:{port}/api/preview.jpg", timeout=5)
        assert phone.status_code == 403 and phone.headers["Content-Type"].startswith("application/json")
        # The kiosk's own machine reaching the LAN listener, even with a loopback Host header, is refused too.
        same = own.get(f"http://{LAN_HOST}:{port}/api/preview.jpg", headers={"Host": f"127.0.0.1:{port}"}, timeout=5)
        assert same.status_code == 403
