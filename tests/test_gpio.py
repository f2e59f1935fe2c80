"""The push button and status LED on gpiozero's MockFactory, wired to a real demo controller.

Driving the button's pin low is a press (it is wired to GND with the internal pull-up). The LED pin is a
mock PWM pin whose recorded states show what a person would see: steady on, off, a fade, a flicker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin
from helpers import events_until_quiet, next_event, wait_for

from moodify_edge.capture import CameraFeed, CameraStatus
from moodify_edge.config import CameraConfig, Config, GpioConfig
from moodify_edge.contract import ErrorCode, ErrorSource, KioskState
from moodify_edge.controller import Controller
from moodify_edge.events import CameraChanged, ErrorRaised, EventBus, PlayerChanged
from moodify_edge.gpio import KioskGpio, StatusLed, led_mode
from moodify_edge.music import PlayerState
from moodify_edge.music.factory import create_music
from moodify_edge.pipeline import FramePipeline

LONG_PRESS = 0.5  # the shortest gpio.long_press_seconds allowed


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory(pin_class=MockPWMPin)
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = None


@contextmanager
def kiosk(tmp_path, **gpio: object) -> Iterator[tuple[Controller, KioskGpio, EventBus]]:
    """The demo kiosk (sample faces, real pipeline, offline player) with its button and LED."""
    config = (
        Config()
        .replace("service", demo=True, state_dir=str(tmp_path))
        .replace("camera", source="demo")
        .replace("detection", seconds=30.0)
        .replace("gpio", **({"long_press_seconds": LONG_PRESS, "bounce_seconds": 0.0} | gpio))
    )
    bus = EventBus()
    feed = CameraFeed(config.camera, bus).start()
    controller = Controller(config, bus, feed, FramePipeline.from_config(config), create_music(config), feed.status)
    devices = KioskGpio.open(config.gpio, controller, bus)
    try:
        yield controller, devices, bus
    finally:
        controller.cancel()
        controller.join(5)
        devices.close()
        feed.stop()


def press(pin, seconds: float = 0.05) -> None:
    pin.drive_low()
    time.sleep(seconds)
    pin.drive_high()


def test_a_press_starts_a_detection_run(pins, tmp_path):
    with kiosk(tmp_path) as (controller, _, bus), bus.subscribe() as events:
        press(pins.pin(17))
        assert wait_for(lambda: controller.state == "detecting")
        state = next_event(events, "state", timeout=1)
        assert state is not None and state["run"]["origin"] == "button"


def test_a_press_during_a_run_is_ignored_or_cancels_it_as_configured(pins, tmp_path):
    with kiosk(tmp_path, press_during_run="ignore") as (controller, _, _):
        press(pins.pin(17))
        assert wait_for(lambda: controller.state == "detecting")
        press(pins.pin(17))
        time.sleep(0.3)
        assert controller.state == "detecting"
    pins.reset()
    with kiosk(tmp_path, press_during_run="cancel") as (controller, _, _):
        press(pins.pin(17))
        assert wait_for(lambda: controller.state == "detecting")
        press(pins.pin(17))
        assert wait_for(lambda: controller.state != "detecting")


def test_a_long_press_stops_the_music_and_starts_no_run(pins, tmp_path):
    with kiosk(tmp_path) as (controller, _, bus), bus.subscribe() as events:
        tracks = controller.music.source.recommend("happy").tracks
        assert controller.play(tracks[0].uri).playing
        press(pins.pin(17), LONG_PRESS + 0.3)
        assert wait_for(lambda: not controller.music.player.state().playing)
        time.sleep(0.2)
        seen = [e["type"] for e in events_until_quiet(events, quiet=0.1)]
        assert "player" in seen and "state" not in seen
        assert controller.state == "idle"


def test_the_button_is_debounced_on_its_pin(pins, tmp_path):
    # gpiozero's mock pins record the debounce time but do not simulate contact chatter.
    with kiosk(tmp_path, bounce_seconds=0.2):
        assert pins.pin(17).bounce == 0.2
        assert pins.pin(17).pull == "up"


def test_led_pulses_while_detecting_and_is_off_when_idle(pins, tmp_path):
    with kiosk(tmp_path) as (controller, devices, _):
        led = pins.pin(27)
        assert led.state == 0
        press(pins.pin(17))
        assert wait_for(lambda: controller.state == "detecting")
        time.sleep(1.0)
        levels = {round(s.state, 2) for s in led.states[-40:]}
        assert devices.led.mode == "pulse"
        assert any(0 < level < 1 for level in levels), levels  # a fade, not a blink
        controller.cancel()
        assert wait_for(lambda: devices.led.mode == "off")
        assert wait_for(lambda: led.state == 0)


def test_led_is_on_while_music_plays(pins, tmp_path):
    with kiosk(tmp_path) as (controller, devices, _):
        controller.play(controller.music.source.recommend("sad").tracks[0].uri)
        assert devices.led.mode == "on" and pins.pin(27).state == 1
        controller.stop_music()
        assert devices.led.mode == "off" and pins.pin(27).state == 0


def test_led_flickers_when_the_camera_is_unavailable(pins, tmp_path):
    bus = EventBus()
    led = StatusLed(27, bus)
    try:
        feed = CameraFeed(CameraConfig(source=str(tmp_path / "no-such-video.mp4")), bus).start()
        assert wait_for(lambda: led.mode == "error")
        feed.stop()
        time.sleep(0.5)
        levels = [s.state for s in pins.pin(27).states[-6:]]
        assert set(levels) == {0, 1}  # hard on/off flicker
        bus.publish(CameraChanged(CameraStatus(ok=True, message="back", source="usb:0")))
        assert led.mode == "off"
    finally:
        led.close()


def test_led_mode_priorities():
    assert led_mode(KioskState.DETECTING, playing=True, camera_ok=False, music_error=True) == "pulse"
    assert led_mode(KioskState.IDLE, playing=True, camera_ok=True, music_error=True) == "error"
    assert led_mode(KioskState.RESULT, playing=True, camera_ok=True, music_error=False) == "on"
    assert led_mode(KioskState.RESULT, playing=False, camera_ok=True, music_error=False) == "off"


def test_a_music_error_flickers_until_the_next_player_change(pins):
    bus = EventBus()
    led = StatusLed(27, bus)
    try:
        bus.publish(ErrorRaised(ErrorSource.MUSIC, ErrorCode.DEVICE_MISSING, "No Spotify device"))
        assert led.mode == "error"
        bus.publish(PlayerChanged(PlayerState(available=True, playing=True)))
        assert led.mode == "on"
    finally:
        led.close()


def test_no_led_pin_means_no_led(pins, tmp_path):
    with kiosk(tmp_path, led_pin=-1) as (_, devices, _):
        assert devices.led is None


def test_gpio_off_in_config_opens_nothing(pins, tmp_path):
    assert KioskGpio.open(GpioConfig(enabled=False), None, EventBus()) is None


def test_a_machine_without_gpio_logs_once_and_goes_on(tmp_path, caplog):
    Device.pin_factory = None  # the real default: no Raspberry Pi pin library works on this machine
    try:
        assert KioskGpio.open(GpioConfig(), None, EventBus()) is None
    finally:
        Device.pin_factory = None
    assert len([r for r in caplog.records if "no GPIO on this machine" in r.message]) == 1


def test_a_camera_already_missing_when_the_led_starts_flickers_at_once(pins):
    led = StatusLed(27, EventBus(), camera_ok=False)
    try:
        assert led.mode == "error"
    finally:
        led.close()
