"""The MQTT bridge: a paho client that connects in the background and keeps the broker up to date.

Two threads of its own: paho's network loop (connects, reconnects with back-off from 1 s to 30 s, forever)
and a worker that publishes and carries out commands. Bus listeners only put events on the worker's queue,
so a slow or missing broker never holds up a run, the camera or the web server. On every (re)connect it
announces itself: ``online`` (retained; ``offline`` is the last will, and is published on a clean stop),
the Home Assistant discovery configs and the current state document.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from ..config import ConfigError, MqttConfig
from ..controller import Controller
from ..events import Event, EventBus, RunFinished
from . import commands, discovery
from .announced import Announced
from .payloads import STATE_EVENTS, KioskView, result_message
from .topics import Topics

log = logging.getLogger(__name__)

QUEUE_SIZE = 256  # events and commands waiting for the worker; past it the newest are dropped (logged)
RECONNECT_MIN, RECONNECT_MAX = 1, 30
MAX_QUEUED = 64  # messages paho keeps while the broker is away; a reconnect republishes the state anyway


@dataclass(frozen=True)
class BridgeStatus:
    """Whether the bridge is connected, and why not (the broker's refusal or the network's error)."""

    connected: bool
    error: str | None


def _compact(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def paho_client(config: MqttConfig, topics: Topics) -> paho.Client:
    """A paho client for ``config``: credentials, TLS, the ``offline`` last will and the back-off."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=topics.client_id)
    if config.username:
        client.username_pw_set(config.username, config.password or None)
    if config.tls:
        try:
            client.tls_set(ca_certs=config.ca_file or None)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"mqtt.ca_file: cannot use {config.ca_file!r}: {exc}") from exc
    client.will_set(topics.availability, discovery.OFFLINE, qos=1, retain=True)
    client.reconnect_delay_set(RECONNECT_MIN, RECONNECT_MAX)
    client.max_queued_messages_set(MAX_QUEUED)
    return client


class MqttBridge:
    """Publishes the kiosk to one broker and takes its commands. :meth:`close` from any thread."""

    def __init__(self, config: MqttConfig, controller: Controller, bus: EventBus, state_dir: Path) -> None:
        self.config = config
        self.topics = Topics.from_config(config)
        self._controller = controller
        self._client = paho_client(config, self.topics)
        self._announced = Announced(state_dir)
        self._jobs: queue.Queue[tuple[str, Any]] = queue.Queue(QUEUE_SIZE)
        self._closed = threading.Event()
        self._connected = threading.Event()
        self._error: str | None = None
        self._view = KioskView(controller.snapshot())
        self._threads: list[threading.Thread] = []
        self._client.on_connect = self._on_connect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        bus.listen(self._on_event)

    @property
    def status(self) -> BridgeStatus:
        return BridgeStatus(self._connected.is_set(), self._error)

    def start(self) -> MqttBridge:
        self._client.connect_async(self.config.host, self.config.port, keepalive=self.config.keepalive_seconds)
        for name, target in (("mqtt-network", self._network), ("mqtt", self._work)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("mqtt: connecting to %s:%d as %s", self.config.host, self.config.port, self.topics.base)
        return self

    def close(self, timeout: float = 1.0) -> None:
        """Publish ``offline`` (when connected), disconnect and stop both threads within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        self._closed.set()
        self._put(("stop", None), force=True)
        if self._connected.is_set():
            info = self._client.publish(self.topics.availability, discovery.OFFLINE, qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):  # the connection went meanwhile: the will says it
                info.wait_for_publish(max(0.0, deadline - time.monotonic()) / 2)
        self._client.disconnect()
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # ----------------------------------------------------------------- paho's thread
    def _network(self) -> None:
        try:
            self._client.loop_forever(retry_first_connection=True)
        except Exception:  # paho gives up only on a bug; the kiosk goes on without MQTT
            log.exception("mqtt: the network loop stopped")

    def _set_error(self, error: str | None) -> None:
        if error != self._error and error is not None:
            log.warning("mqtt: %s", error)
        self._error = error

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            hint = " (check mqtt.username and mqtt.password)" if reason.value in (0x04, 0x05, 0x86, 0x87) else ""
            self._set_error(
                f"the broker at {self.config.host}:{self.config.port} refused the connection: {reason}{hint}"
            )
            return
        self._set_error(None)
        self._connected.set()
        log.info("mqtt: connected to %s:%d", self.config.host, self.config.port)
        client.subscribe(self.topics.command, qos=1)
        if self.topics.discovery_prefix:
            client.subscribe(f"{self.topics.discovery_prefix}/status", qos=1)
        self._put(("announce", None))

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        self._set_error(f"cannot reach the broker at {self.config.host}:{self.config.port}; retrying")

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        if was_connected and not self._closed.is_set():
            self._set_error(f"lost the broker at {self.config.host}:{self.config.port} ({reason}); reconnecting")

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        if message.topic == self.topics.command:
            self._put(("command", bytes(message.payload)))
        elif message.payload == discovery.ONLINE.encode():  # Home Assistant restarted: announce again
            self._put(("announce", None))

    # ----------------------------------------------------------------- the bus (any thread; quick)
    def _on_event(self, event: Event) -> None:
        if isinstance(event, STATE_EVENTS) and not self._closed.is_set():
            self._put(("event", event))

    def _put(self, job: tuple[str, Any], force: bool = False) -> None:
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            if not force:
                log.warning("mqtt: the publisher is behind; dropped a %s", job[0])
                return
            self._jobs.get_nowait()
            self._jobs.put_nowait(job)

    # ----------------------------------------------------------------- the worker
    def _work(self) -> None:
        while True:
            kind, value = self._jobs.get()
            if kind == "stop":
                return
            try:
                self._do(kind, value)
            except Exception:  # one bad job never stops the bridge
                log.exception("mqtt: %s failed", kind)

    def _do(self, kind: str, value: Any) -> None:
        if kind == "announce":
            self._announce()
        elif kind == "event":
            if self._view.update(value):
                self._publish(self.topics.state, _compact(self._view.document()), retain=True)
            if isinstance(value, RunFinished):
                self._publish(self.topics.result, _compact(result_message(value.result)), retain=False)
        elif kind == "command":
            command = commands.parse(value)
            if command is not None:
                commands.carry_out(self._controller, command)

    def _publish(self, topic: str, payload: str, retain: bool) -> None:
        # QoS 1: paho keeps the message through a reconnect (a result published while the broker restarts).
        self._client.publish(topic, payload, qos=1, retain=retain)

    def _announce(self) -> None:
        self._publish(self.topics.availability, discovery.ONLINE, retain=True)
        configs = discovery.messages(self.topics)
        for topic, payload in configs:
            self._publish(topic, payload, retain=True)
        self._announced.remember(self.config, [topic for topic, _ in configs], self.topics.base)
        self._publish(self.topics.state, _compact(self._view.document()), retain=True)
