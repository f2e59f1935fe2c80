"""Where a kiosk publishes on MQTT: its topic names, its default names from the host name, and their checks.

Everything lives under ``mqtt.base_topic`` (default ``moodify/<hostname>``): ``availability``, ``state``,
``result`` and ``command``. Pure: no MQTT library here.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field

from ..config import ConfigError, MqttConfig

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def node_name(hostname: str | None = None) -> str:
    """This machine's host name as a topic level and an id: letters, digits, ``-`` and ``_`` only."""
    name = (hostname if hostname is not None else socket.gethostname()).split(".")[0]
    return _UNSAFE.sub("_", name).strip("_") or "kiosk"


def _checked_topic(topic: str, key: str) -> str:
    if not topic or "+" in topic or "#" in topic or "\0" in topic:
        raise ConfigError(f"mqtt.{key}: {topic!r} is not a topic to publish on (empty, or has + # or NUL)")
    if topic.startswith("/") or topic.endswith("/") or "//" in topic:
        raise ConfigError(f"mqtt.{key}: {topic!r} has an empty level (a leading, trailing or double /)")
    return topic


@dataclass(frozen=True)
class Topics:
    """The topics of one kiosk, and the names Home Assistant knows it by."""

    base: str
    discovery_prefix: str  # "" when discovery is off
    node: str  # this kiosk's id in discovery topics and unique ids
    client_id: str
    # <base>/availability, <base>/state, <base>/result, <base>/command
    availability: str = field(init=False)
    state: str = field(init=False)
    result: str = field(init=False)
    command: str = field(init=False)

    def __post_init__(self) -> None:
        for name in ("availability", "state", "result", "command"):
            object.__setattr__(self, name, f"{self.base}/{name}")

    @classmethod
    def from_config(cls, config: MqttConfig, hostname: str | None = None) -> Topics:
        """The topics ``config`` names; a topic that cannot be published on is a :class:`ConfigError`."""
        node = node_name(hostname)
        base = _checked_topic(config.base_topic or f"moodify/{node}", "base_topic")
        prefix = config.discovery_prefix and _checked_topic(config.discovery_prefix, "discovery_prefix")
        return cls(base, prefix, node, config.client_id or f"moodify-edge-{node}")

    def discovery(self, component: str, object_id: str) -> str:
        """Home Assistant's config topic of one entity: ``<prefix>/<component>/<node>/<object_id>/config``."""
        return f"{self.discovery_prefix}/{component}/{self.node}/{object_id}/config"
