"""Taking a kiosk back out of Home Assistant after MQTT was turned off.

When the service starts with ``mqtt.enabled = false`` but :mod:`.announced` still records retained topics, a
background thread connects once with the ``[mqtt]`` settings, publishes an empty retained message on each
(Home Assistant then removes the entities and the device) and deletes the record. A broker that cannot be
reached leaves the record for the next start; the kiosk never waits for it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..config import MqttConfig
from .announced import Announced
from .client import paho_client
from .topics import Topics

log = logging.getLogger(__name__)

CONNECT_SECONDS = 10.0


class Withdrawal:
    """One attempt to empty the recorded retained topics; :attr:`done` is set when it succeeded."""

    def __init__(self, config: MqttConfig, state_dir: Path) -> None:
        self.config = config
        self.announced = Announced(state_dir)
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mqtt-withdrawal", daemon=True)

    def start(self) -> Withdrawal:
        self._thread.start()
        return self

    def close(self, timeout: float = 1.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        topics = self.announced.topics()
        client = paho_client(self.config, Topics.from_config(self.config))
        client.will_clear()  # a withdrawn kiosk leaves nothing behind, not even "offline"
        connected = threading.Event()
        client.on_connect = lambda c, u, f, reason, p: None if reason.is_failure else connected.set()
        client.connect_async(self.config.host, self.config.port, keepalive=self.config.keepalive_seconds)
        client.loop_start()
        try:
            if not connected.wait(CONNECT_SECONDS) or self._stop.is_set():
                log.warning("mqtt: could not reach the broker to withdraw this kiosk; trying at the next start")
                return
            infos = [client.publish(topic, b"", qos=1, retain=True) for topic in topics]
            for info in infos:
                info.wait_for_publish(CONNECT_SECONDS)
            self.announced.forget()
            self.done.set()
            log.info("mqtt: withdrew this kiosk from Home Assistant (%d retained topics emptied)", len(topics))
        except (RuntimeError, ValueError) as exc:
            log.warning("mqtt: withdrawing this kiosk failed: %s; trying at the next start", exc)
        finally:
            client.disconnect()
            client.loop_stop()
