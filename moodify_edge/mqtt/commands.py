"""Commands from the ``command`` topic, carried out through the controller's public methods only.

A payload is one word: ``start``, ``cancel``, ``stop_music``, ``pause``, ``resume`` or ``next``. Anything else
is ignored with a log line. A command that cannot be done now (a run already going, no camera, no music) is
logged too; the kiosk's own screen shows the same failure through the bus.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from ..contract import KioskError, TriggerOrigin
from ..controller import Controller

log = logging.getLogger(__name__)

MAX_LOGGED = 40  # characters of an unknown payload that reach the log


class Command(StrEnum):
    START = "start"
    CANCEL = "cancel"
    STOP_MUSIC = "stop_music"
    PAUSE = "pause"
    RESUME = "resume"
    NEXT = "next"


def _actions(controller: Controller) -> dict[Command, Callable[[], Any]]:
    return {
        Command.START: lambda: controller.trigger(TriggerOrigin.MQTT),
        Command.CANCEL: controller.cancel,
        Command.STOP_MUSIC: controller.stop_music,
        Command.PAUSE: controller.pause,
        Command.RESUME: controller.play,
        Command.NEXT: controller.next_track,
    }


def parse(payload: bytes) -> Command | None:
    """The command a payload names, or None (logged) for anything else."""
    try:
        return Command(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        shown = payload[:MAX_LOGGED].decode("utf-8", "replace")
        log.warning("mqtt: ignored an unknown command (%d bytes): %r", len(payload), shown)
        return None


def carry_out(controller: Controller, command: Command) -> bool:
    """Do ``command``; False (logged) when the kiosk refused it."""
    try:
        _actions(controller)[command]()
    except KioskError as exc:
        log.info("mqtt: command %s refused: %s (%s)", command, exc.message, exc.code)
        return False
    log.info("mqtt: command %s", command)
    return True
