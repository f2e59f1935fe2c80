"""sd_notify over a real unix datagram socket, the health-gated watchdog, STATUS lines and log targets."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid

import numpy as np
import pytest

from moodify_edge.capture import CameraFeed, CameraStatus
from moodify_edge.config import CameraConfig
from moodify_edge.contract import ErrorCode, ErrorSource, KioskState, RunOutcome, TriggerOrigin
from moodify_edge.events import (
    CameraChanged,
    ErrorRaised,
    EventBus,
    FrameRead,
    PlayerChanged,
    RunFinished,
    RunInfo,
    StateChanged,
)
from moodify_edge.music import PlayerState, Track
from moodify_edge.runs import FrameReading, RunResult
from moodify_edge.service_manager import (
    Notifier,
    Watchdog,
    heartbeat_check,
    report_status,
    setup_logging,
    status_text,
    thread_check,
    watchdog_interval,
)


class NotifySocket:
    """What systemd listens on: a bound datagram socket collecting sd_notify messages."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)

    def messages(self, seconds: float) -> list[dict[str, str]]:
        """Every message that arrives within ``seconds``."""
        received = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                break
            received.append(dict(line.split("=", 1) for line in data.decode().splitlines()))
        return received

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener(tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = NotifySocket(path)
    yield path, sock
    sock.close()


def test_ready_status_and_stopping_arrive_as_datagrams(listener):
    path, sock = listener
    notifier = Notifier(path)
    assert notifier.ready("idle")
    assert notifier.status("detecting")
    assert notifier.stopping()
    assert sock.messages(0.5) == [
        {"READY": "1", "STATUS": "idle"},
        {"STATUS": "detecting"},
        {"STOPPING": "1", "STATUS": "stopping"},
    ]
    notifier.close()


def test_abstract_socket_names_start_with_at():
    name = f"moodify-test-{uuid.uuid4().hex}"
    sock = NotifySocket("\0" + name)
    try:
        assert Notifier("@" + name).watchdog()
        assert sock.messages(0.5) == [{"WATCHDOG": "1"}]
    finally:
        sock.close()


def test_without_notify_socket_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = Notifier()
    assert not notifier.enabled
    assert not notifier.ready("idle")


def test_a_vanished_socket_is_reported_not_raised(tmp_path):
    assert not Notifier(str(tmp_path / "gone.sock")).watchdog()


def test_watchdog_interval_is_half_of_watchdog_usec():
    assert watchdog_interval({"WATCHDOG_USEC": "20000000"}) == 10.0
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "1"}) is None  # meant for another process


class HangingCamera:
    """A camera whose driver stops answering once ``hang`` is set, until ``release`` is set."""

    description = "hanging test camera"

    def __init__(self) -> None:
        self.hang = threading.Event()
        self.release = threading.Event()

    def read(self, timeout: float) -> np.ndarray | None:
        if self.hang.is_set():
            self.release.wait()
        time.sleep(0.01)
        return np.zeros((48, 64, 3), np.uint8)

    def close(self) -> None:
        pass


def test_a_hung_camera_loop_stops_the_pings_and_they_resume_when_it_recovers(listener):
    path, sock = listener
    camera = HangingCamera()
    feed = CameraFeed(CameraConfig(source="test"), opener=lambda: camera).start()
    notifier = Notifier(path)
    watchdog = Watchdog(notifier, 0.05, [heartbeat_check("camera loop", lambda: feed.heartbeat, 0.3)]).start()
    try:
        assert {"WATCHDOG": "1"} in sock.messages(0.3)

        camera.hang.set()
        stalled = sock.messages(1.0)  # the stall is noticed within 0.3 s of the hang
        assert any(m.get("STATUS", "").startswith("unhealthy: camera loop silent") for m in stalled)
        assert sock.messages(0.5) == []  # no pings while hung

        camera.hang.clear()
        camera.release.set()
        assert {"WATCHDOG": "1"} in sock.messages(0.5)
    finally:
        camera.release.set()
        watchdog.stop()
        feed.stop()
        notifier.close()


def test_a_dead_thread_fails_its_check():
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
    assert thread_check("web server", thread)() == "web server thread has stopped"
    assert thread_check("main", threading.main_thread())() is None


def test_status_lines_follow_the_kiosk_events(listener):
    path, sock = listener
    bus = EventBus()
    notifier = Notifier(path)
    report_status(bus, notifier)
    bus.publish(StateChanged(KioskState.DETECTING, run=RunInfo(TriggerOrigin.BUTTON, 5.0, 0, 0.0)))
    bus.publish(FrameRead(FrameReading(1, 0.1, None, None, {})))  # not a status change
    happy = RunResult(RunOutcome.EMOTION, "happy", 0.82, {}, {}, frames_seen=3, frames_with_face=3, seconds=5.0)
    bus.publish(RunFinished(happy))
    bus.publish(CameraChanged(CameraStatus(ok=False, message="no camera found")))
    bus.publish(StateChanged(KioskState.IDLE))
    assert [m["STATUS"] for m in sock.messages(0.5)] == [
        "detecting (started by button)",
        "result: happy 82%",
        "camera unavailable: no camera found",
        "idle",
    ]
    notifier.close()


def test_music_errors_and_playback_have_status_lines():
    no_device = ErrorRaised(ErrorSource.MUSIC, ErrorCode.DEVICE_MISSING, "No device")
    assert status_text(no_device) == "music error: No device"
    song = Track(title="Song", artists=["Someone"], uri="spotify:track:1")
    assert status_text(PlayerChanged(PlayerState(available=True, playing=True, track=song))) == "playing Song"
    assert status_text(PlayerChanged(PlayerState(available=True, playing=False))) is None


def test_logs_go_to_stderr_outside_systemd(monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert setup_logging("warning") == "stderr"
        assert root.level == logging.WARNING
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
