"""The record of what this kiosk announced to Home Assistant, so it can take it back when MQTT is turned off.

``mqtt_discovery.json`` in the state directory lists the retained topics (discovery configs, availability and
state) this kiosk published. With ``mqtt.enabled = false`` the service empties them once
(:mod:`.withdrawal`), which removes the device from Home Assistant, and then deletes the record.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..config import MqttConfig
from ..state_file import write_atomic

log = logging.getLogger(__name__)

RECORD_FILE = "mqtt_discovery.json"


class Announced:
    """The retained topics this kiosk left on its broker."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / RECORD_FILE

    def topics(self) -> list[str]:
        """The recorded topics; none when there is no (readable) record."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            topics = record["topics"]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("mqtt: ignoring %s: %s", self.path, exc)
            return []
        return [t for t in topics if isinstance(t, str)] if isinstance(topics, list) else []

    def remember(self, config: MqttConfig, discovery_topics: list[str], base: str) -> None:
        """Record the retained topics of this kiosk (written only when they changed)."""
        topics = sorted({*discovery_topics, f"{base}/availability", f"{base}/state"})
        if topics == self.topics():
            return
        record = {"broker": f"{config.host}:{config.port}", "topics": topics}
        write_atomic(self.path, json.dumps(record, indent=2).encode())

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
