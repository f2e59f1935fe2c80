"""The controller: what a button press does during a run, what a failed run leaves behind, and what a
new screen is told when it connects. Real pipeline, real camera sources, the offline music backend."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from helpers import ASTRONAUT, events_until_quiet, wait_for

from moodify_edge.capture import CameraError, CameraStatus, FileCamera
from moodify_edge.config import Config
from moodify_edge.contract import ErrorCode
from moodify_edge.controller import Controller
from moodify_edge.events import EventBus
from moodify_edge.music.factory import create_music


def long_runs(press_during_run: str) -> Config:
    return Config().replace("detection", seconds=30.0).replace("gpio", press_during_run=press_during_run)


@pytest.mark.parametrize(("policy", "still_detecting"), [("ignore", True), ("cancel", False)])
def test_a_button_press_during_a_run_follows_the_configured_policy(pipeline, policy, still_detecting):
    config = long_runs(policy)
    controller = Controller(config, EventBus(), FileCamera(ASTRONAUT, fps=30), pipeline, create_music(config))
    controller.press("button")
    assert controller.detecting
    controller.press("button")
    controller.join(0.5 if still_detecting else 10)
    assert controller.detecting is still_detecting
    controller.cancel()
    controller.join(10)
    assert controller.state == "idle"


class BrokenCamera:
    """A frame source whose device has gone away mid-run."""

    description = "unplugged test camera"

    def read(self, timeout: float):
        raise CameraError("camera unplugged")


def test_a_run_that_fails_returns_to_idle_and_says_why(pipeline):
    config = Config()
    bus = EventBus()
    controller = Controller(config, bus, BrokenCamera(), pipeline, create_music(config))
    with bus.subscribe() as subscription:
        controller.trigger("screen")
        controller.join(10)
        received = events_until_quiet(subscription)
    assert controller.state == "idle"
    assert received[-1]["type"] == "state" and received[-1]["state"] == "idle"
    assert "camera unplugged" in received[-1]["error"]
    controller.trigger("screen")  # the kiosk still takes the next press
    controller.join(10)


def test_a_completed_run_recommends_music_and_starts_the_first_track(pipeline):
    config = Config().replace("detection", frames=5)
    bus = EventBus()
    controller = Controller(config, bus, FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config))
    with bus.subscribe() as subscription:
        controller.trigger()
        controller.join(10)
        received = {e["type"]: e for e in events_until_quiet(subscription)}
    assert received["result"]["emotion"] == "happy" and received["result"]["frames_seen"] == 5
    assert received["recommendations"]["emotion"] == "happy"
    assert controller.state == "result"
    first = received["recommendations"]["tracks"][0]
    assert received["player"]["playing"] is True
    assert received["player"]["track"]["uri"] == first["uri"]


def test_a_new_screen_gets_the_whole_state_in_one_snapshot(pipeline):
    config = Config().replace("detection", frames=3).replace("service", demo=True)
    controller = Controller(config, EventBus(), FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config))
    assert controller.snapshot().state == "idle" and controller.snapshot().result is None
    controller.trigger()
    controller.join(10)
    snapshot = controller.snapshot().to_json()
    assert snapshot["demo"] is True
    assert snapshot["state"] == "result"
    assert snapshot["result"]["emotion"] == "happy"
    assert snapshot["recommendations"]["emotion"] == "happy"
    assert snapshot["player"]["playing"] is True
    assert snapshot["account"]["backend"] == "offline"


class SlowSource:
    """The offline catalogue behind a gate: recommendations arrive only when the test says so, as from
    a slow music service. ``worker`` is the thread that asked."""

    def __init__(self, source) -> None:
        self._source = source
        self.gate = threading.Event()
        self.worker: threading.Thread | None = None

    def recommend(self, emotion: str, policy=None):
        self.worker = threading.current_thread()
        self.gate.wait(10)
        return self._source.recommend(emotion, policy)


def test_recommendations_that_arrive_after_a_new_run_began_are_dropped(pipeline):
    config = Config().replace("detection", frames=3)
    backend = create_music(config)
    slow = SlowSource(backend.source)
    controller = Controller(
        config, EventBus(), FileCamera(ASTRONAUT, fps=60), pipeline, dataclasses.replace(backend, source=slow)
    )
    controller.trigger()
    controller.join(0.5)  # the first run has its result and waits for music
    assert controller.state == "result"
    controller.config = config.replace("detection", frames=0, seconds=30.0)
    controller.trigger()  # a second visitor presses before the music service answers
    first_worker = slow.worker
    slow.gate.set()
    assert first_worker is not None
    first_worker.join(2)  # the first run's worker got its music and finished
    snapshot = controller.snapshot().to_json()
    assert snapshot["state"] == "detecting"
    assert snapshot["recommendations"] is None
    assert snapshot["player"]["playing"] is False
    controller.cancel()
    controller.join(10)


class FrozenCamera:
    """A frame source stuck inside its driver: read() never returns."""

    description = "frozen test camera"

    def __init__(self) -> None:
        self.release = threading.Event()

    def read(self, timeout: float):
        self.release.wait()
        return


def test_a_run_stuck_past_its_end_shows_on_the_watchdog_heartbeat(pipeline):
    config = Config().replace("detection", seconds=0.5)
    camera = FrozenCamera()
    controller = Controller(config, EventBus(), camera, pipeline, create_music(config))
    assert controller.run_due() == pytest.approx(time.monotonic(), abs=0.5)  # idle: always fresh
    controller.trigger()
    due = controller.run_due()
    time.sleep(0.6)
    assert controller.detecting and controller.run_due() == due < time.monotonic()
    camera.release.set()
    controller.cancel()
    controller.join(10)
    assert controller.run_due() == pytest.approx(time.monotonic(), abs=0.5)


def test_no_run_starts_while_the_camera_is_unavailable(pipeline):
    config = Config()
    camera = CameraStatus(ok=False, message="no camera found", source="usb:0")
    bus = EventBus()
    controller = Controller(
        config, bus, FileCamera(ASTRONAUT, fps=30), pipeline, create_music(config), camera_status=lambda: camera
    )
    with bus.subscribe() as subscription:
        with pytest.raises(CameraError) as refused:
            controller.trigger()
        assert refused.value.code == ErrorCode.CAMERA_UNAVAILABLE and refused.value.status == 503
        assert "no camera found" in refused.value.message
        controller.press("button")  # the GPIO button: refused quietly, the LED shows the camera
        assert controller.state == "idle" and events_until_quiet(subscription, quiet=0.2) == []


def test_a_run_may_start_while_the_camera_is_still_starting(pipeline):
    config = Config().replace("detection", frames=3)
    starting = CameraStatus(ok=False, message="starting the camera", starting=True)
    controller = Controller(
        config,
        EventBus(),
        FileCamera(ASTRONAUT, fps=30),
        pipeline,
        create_music(config),
        camera_status=lambda: starting,
    )
    controller.trigger()
    controller.join(10)
    assert controller.state == "result"


def unattended(**kiosk) -> Config:
    """Short runs and the ``[kiosk]`` keys given (below their minimums where a test must not wait)."""
    return Config().replace("detection", frames=3).replace("kiosk", **kiosk)


def test_a_result_goes_back_to_idle_by_itself_and_says_so(pipeline):
    config = unattended(idle_seconds=0.3, music_minutes=0)
    bus = EventBus()
    controller = Controller(config, bus, FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config))
    with bus.subscribe() as subscription:
        controller.trigger()
        controller.join(10)
        assert controller.state == "result"
        assert wait_for(lambda: controller.state == "idle", timeout=3)
        states = [e["state"] for e in events_until_quiet(subscription) if e["type"] == "state"]
    assert states == ["detecting", "result", "idle"]
    assert controller.snapshot().player.playing is True  # the music goes on: music_minutes is 0 (never)


def test_a_new_run_cancels_the_last_visitors_return_to_idle(pipeline):
    config = unattended(idle_seconds=0.4, music_minutes=0.4 / 60)
    controller = Controller(config, EventBus(), FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config))
    controller.trigger()
    controller.join(10)
    controller.config = config.replace("detection", frames=0, seconds=30.0)
    controller.trigger()  # the next visitor, before the timers of the last one are due
    time.sleep(0.8)
    assert controller.detecting
    assert controller.music.player.state().playing is True
    controller.cancel()
    controller.join(10)


def test_the_music_fades_out_after_music_minutes(pipeline):
    config = unattended(idle_seconds=3600, music_minutes=0.2 / 60, default_volume=60)
    bus = EventBus()
    controller = Controller(
        config, bus, FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config), fade_seconds=0.4
    )
    with bus.subscribe() as subscription:
        controller.trigger()
        controller.join(10)
        assert controller.snapshot().player.playing is True
        assert wait_for(lambda: not controller.snapshot().player.playing, timeout=5)
        players = [e for e in events_until_quiet(subscription) if e["type"] == "player"]
    faded = [p["volume"] for p in players if p["volume"] < 60]
    assert players[-1]["playing"] is False and faded == []  # the steps go to the player, not to every screen
    assert controller.music.player.state().volume == 60  # paused, then back at its volume for the next play
    assert controller.state == "result"  # the screen keeps its own timer


def test_each_visitor_starts_at_the_default_volume_and_no_one_goes_above_the_cap(pipeline):
    config = unattended(idle_seconds=3600, music_minutes=0, default_volume=40, max_volume=70)
    controller = Controller(config, EventBus(), FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config))
    assert controller.set_volume(95).volume == 70
    assert controller.set_volume(55).volume == 55
    controller.trigger()
    controller.join(10)
    assert controller.snapshot().player.volume == 40
    assert controller.music.player.state().volume == 40


def test_the_volume_cap_holds_for_the_api(build, tmp_path):
    from browser.stack import demo_config
    from helpers import client_from, csrf

    config = demo_config(tmp_path / "state").replace("kiosk", max_volume=60)
    kiosk = client_from(build(config).app)
    answer = kiosk.post("/api/player/volume", json={"percent": 100}, headers=csrf(kiosk))
    assert answer.status_code == 200 and answer.get_json()["volume"] == 60
