"""MQTT: the kiosk on a broker, for a fleet view and Home Assistant.

:func:`start_mqtt` is what the service calls: with ``mqtt.enabled`` it starts an :class:`MqttBridge`
(:mod:`.client`); without it, a kiosk that announced itself before is withdrawn (:mod:`.withdrawal`). Topic
names are in :mod:`.topics`, payloads in :mod:`.payloads`, Home Assistant discovery in :mod:`.discovery`,
commands in :mod:`.commands`.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..controller import Controller
from ..events import EventBus
from .announced import Announced
from .client import BridgeStatus, MqttBridge
from .withdrawal import Withdrawal

__all__ = ["BridgeStatus", "MqttBridge", "Withdrawal", "start_mqtt"]


def start_mqtt(config: Config, controller: Controller, bus: EventBus) -> MqttBridge | Withdrawal | None:
    """The running MQTT part for ``config`` (its ``close(seconds)`` stops it), or None when there is none."""
    state_dir: Path = config.state_path()
    if config.mqtt.enabled:
        return MqttBridge(config.mqtt, controller, bus, state_dir).start()
    if Announced(state_dir).topics():
        return Withdrawal(config.mqtt, state_dir).start()
    return None
