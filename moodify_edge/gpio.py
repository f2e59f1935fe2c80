"""GPIO adapters (gpiozero): the kiosk's push button and its status LED.

The button talks to the controller only: a short press is ``controller.press("button")`` (fired on
release, so a long press never starts a run), holding it ``gpio.long_press_seconds`` is
``controller.stop_music()``. The LED only listens to the event bus. A machine without GPIO is
logged once and the kiosk goes on with its screen and phone triggers.
"""

from __future__ import annotations

import logging
import threading
import warnings
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .config import GpioConfig
from .contract import ErrorSource, KioskState, TriggerOrigin
from .events import CameraChanged, ErrorRaised, Event, EventBus, PlayerChanged, StateChanged

if TYPE_CHECKING:
    from .controller import Controller

log = logging.getLogger(__name__)

# How each LED mode looks (seconds). Pulsing is a slow fade; errors a fast, unmistakable flicker.
PULSE_FADE = 0.7
SLOW_BLINK = 0.5  # "pulsing" on an LED without PWM
ERROR_ON, ERROR_OFF = 0.08, 0.12


class KioskButton:
    """The physical push button, wired between ``pin`` and GND (internal pull-up)."""

    def __init__(self, config: GpioConfig, controller: Controller) -> None:
        from gpiozero import Button

        self._controller = controller
        self._long_press = False
        self._button = Button(
            config.button_pin,
            pull_up=True,
            bounce_time=config.bounce_seconds or None,
            hold_time=config.long_press_seconds,
        )
        self._button.when_pressed = self._pressed
        self._button.when_held = self._held
        self._button.when_released = self._released

    def _pressed(self) -> None:
        self._long_press = False

    def _held(self) -> None:
        self._long_press = True
        log.info("long press: stopping the music")
        self._controller.stop_music()

    def _released(self) -> None:
        if not self._long_press:
            self._controller.press(TriggerOrigin.BUTTON)
        self._long_press = False

    def close(self) -> None:
        self._button.close()


class LedMode(StrEnum):
    OFF = "off"
    ON = "on"
    PULSE = "pulse"
    ERROR = "error"


def led_mode(state: KioskState, playing: bool, camera_ok: bool, music_error: bool) -> LedMode:
    """What the LED shows: pulsing while detecting, an error flicker when the camera or the music failed,
    on while music plays, else off."""
    if state == KioskState.DETECTING:
        return LedMode.PULSE
    if not camera_ok or music_error:
        return LedMode.ERROR
    return LedMode.ON if playing else LedMode.OFF


class StatusLed:
    """The status LED, following the kiosk's state from bus events. ``camera_ok`` is the camera's state
    when the LED starts: the feed may have reported a missing camera before the LED was listening."""

    def __init__(self, pin: int, bus: EventBus, *, camera_ok: bool = True) -> None:
        from gpiozero import LED, PWMLED
        from gpiozero.exc import PinPWMUnsupported

        try:
            self._led: Any = PWMLED(pin)
            self._pwm = True
        except PinPWMUnsupported:
            self._led = LED(pin)
            self._pwm = False
        self._lock = threading.Lock()
        self._state = KioskState.IDLE
        self._playing = False
        self._camera_ok = camera_ok
        self._music_error = False
        self.mode: LedMode | None = None
        self._show(led_mode(self._state, self._playing, self._camera_ok, self._music_error))
        bus.listen(self.on_event)

    def on_event(self, event: Event) -> None:
        with self._lock:
            match event:
                case StateChanged(state=state):
                    self._state = state
                    if state == KioskState.DETECTING:
                        self._music_error = False
                case PlayerChanged(player=player):
                    self._playing = player.playing
                    self._music_error = False
                case CameraChanged(camera=camera):
                    self._camera_ok = not camera.failed
                case ErrorRaised(source=ErrorSource.MUSIC):
                    self._music_error = True
                case _:
                    return
            self._show(led_mode(self._state, self._playing, self._camera_ok, self._music_error))

    def _show(self, mode: LedMode) -> None:
        if mode == self.mode or self._led.closed:
            return
        self.mode = mode
        if mode == LedMode.ON:
            self._led.on()
        elif mode == LedMode.OFF:
            self._led.off()
        elif mode == LedMode.PULSE and self._pwm:
            self._led.pulse(fade_in_time=PULSE_FADE, fade_out_time=PULSE_FADE)
        elif mode == LedMode.PULSE:
            self._led.blink(on_time=SLOW_BLINK, off_time=SLOW_BLINK)
        else:
            self._led.blink(on_time=ERROR_ON, off_time=ERROR_OFF)

    def close(self) -> None:
        with self._lock:
            self._led.close()


class KioskGpio:
    """The button and the optional LED together, closed together."""

    def __init__(self, button: KioskButton, led: StatusLed | None) -> None:
        self.button = button
        self.led = led

    @classmethod
    def open(cls, config: GpioConfig, controller: Controller, bus: EventBus) -> KioskGpio | None:
        """The devices, or None (logged once) when GPIO is off in config or this machine has none."""
        if not config.enabled:
            log.info("GPIO disabled in config: screen and phone triggers only")
            return None
        try:
            from gpiozero.exc import GPIOZeroError
        except ImportError:
            log.warning("gpiozero is not installed: no button or LED")
            return None
        button = None
        try:
            with warnings.catch_warnings():  # gpiozero warns once per pin library it cannot load
                warnings.simplefilter("ignore")
                button = KioskButton(config, controller)
                camera_ok = not controller.snapshot().camera.failed
                led = StatusLed(config.led_pin, bus, camera_ok=camera_ok) if config.led_pin >= 0 else None
        except (GPIOZeroError, OSError, RuntimeError) as exc:
            if button is not None:
                button.close()
            log.warning("no GPIO on this machine (%s): screen and phone triggers still work", exc)
            return None
        log.info("GPIO: button on BCM %d, LED on %s", config.button_pin, f"BCM {config.led_pin}" if led else "none")
        return cls(button, led)

    def close(self) -> None:
        if self.led is not None:
            self.led.close()
        self.button.close()
