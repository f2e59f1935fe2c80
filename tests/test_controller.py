"""The controller: what a button press does during a run, what a failed run leaves behind, and what a
new screen is told when it connects. Real pipeline, real camera sources, the offline music backend."""

from __future__ import annotations

import pytest

from conftest import ASTRONAUT
from moodify_edge.camera import CameraError, FileCamera
from moodify_edge.config import Config
from moodify_edge.controller import Controller
from moodify_edge.events import EventBus
from moodify_edge.music.factory import create_music


def events_until_idle_or_result(subscription) -> list[dict]:
    received = []
    while (event := subscription.get(timeout=0.5)) is not None:
        received.append(event)
    return received


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
        received = events_until_idle_or_result(subscription)
    assert controller.state == "idle"
    assert received[-1]["type"] == "state" and received[-1]["state"] == "idle"
    assert "camera unplugged" in received[-1]["error"]
    controller.trigger("screen")  # the kiosk still takes the next press
    controller.join(10)


def test_a_result_starts_the_first_recommendation_on_the_player(pipeline):
    config = Config().replace("detection", frames=3)
    bus = EventBus()
    controller = Controller(config, bus, FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config))
    with bus.subscribe() as subscription:
        controller.trigger()
        controller.join(10)
        received = {e["type"]: e for e in events_until_idle_or_result(subscription)}
    first = received["recommendations"]["tracks"][0]
    assert received["player"]["playing"] is True
    assert received["player"]["track"]["uri"] == first["uri"]


def test_a_new_screen_gets_the_whole_state_in_one_snapshot(pipeline):
    config = Config().replace("detection", frames=3).replace("service", demo=True)
    controller = Controller(config, EventBus(), FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config))
    assert controller.snapshot()["state"] == "idle" and controller.snapshot()["result"] is None
    controller.trigger()
    controller.join(10)
    snapshot = controller.snapshot()
    assert snapshot["demo"] is True
    assert snapshot["state"] == "result"
    assert snapshot["result"]["emotion"] == "happy"
    assert snapshot["recommendations"]["emotion"] == "happy"
    assert snapshot["player"]["playing"] is True
    assert snapshot["account"]["backend"] == "offline"
