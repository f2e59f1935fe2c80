"""A real MQTT broker for the tests: Debian's ``mosquitto`` on a free loopback port, and a watching client.

:class:`Broker` writes a config (anonymous, or with a password file made by ``mosquitto_passwd``), starts
the broker and waits until it accepts connections; ``stop()``/``start()`` restart it on the same port.
:class:`Watcher` is a paho client that subscribes to everything and keeps what it receives.
"""

from __future__ import annotations

import getpass
import socket
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from helpers import free_port, wait_for
from paho.mqtt.enums import CallbackAPIVersion

MOSQUITTO = Path("/usr/sbin/mosquitto")
MOSQUITTO_PASSWD = Path("/usr/bin/mosquitto_passwd")


def require_mosquitto() -> None:
    if not MOSQUITTO.is_file():
        pytest.fail(f"{MOSQUITTO} is missing: the MQTT tests need Debian's mosquitto (apt-get install mosquitto)")


class Broker:
    """One mosquitto process on 127.0.0.1:``port``; ``users`` ({name: password}) turns anonymous access off."""

    def __init__(self, directory: Path, users: dict[str, str] | None = None) -> None:
        require_mosquitto()
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        lines = [f"listener {self.port} 127.0.0.1", f"allow_anonymous {'false' if users else 'true'}"]
        lines.append(f"user {getpass.getuser()}")  # as root, mosquitto would become "mosquitto" and not read our files
        if users:
            passwords = directory / "passwords"
            passwords.touch()
            for name, password in users.items():
                subprocess.run([str(MOSQUITTO_PASSWD), "-b", str(passwords), name, password], check=True)
            lines.append(f"password_file {passwords}")
        self.config = directory / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")

    def accepts(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def start(self) -> Broker:
        log = (self.directory / "mosquitto.log").open("ab")
        self.process = subprocess.Popen([str(MOSQUITTO), "-c", str(self.config)], stdout=log, stderr=log)
        log.close()
        if not wait_for(self.accepts, timeout=10):
            self.stop()
            pytest.fail(f"mosquitto did not start: {(self.directory / 'mosquitto.log').read_text()}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool


class Watcher:
    """A client subscribed to ``#`` that keeps every message, like a Home Assistant or a fleet dashboard."""

    def __init__(self, broker: Broker, auth: tuple[str, str] | None = None) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self.client = paho.Client(CallbackAPIVersion.VERSION2)
        if auth:
            self.client.username_pw_set(*auth)
        self.client.on_message = self._received
        subscribed = threading.Event()
        self.client.on_connect = lambda client, *_: client.subscribe("#", qos=1)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert subscribed.wait(10), "the watching client could not subscribe"

    def _received(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Message(message.topic, bytes(message.payload), bool(message.retain)))

    def on(self, topic: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def last(self, topic: str, timeout: float = 10.0, where: Callable[[Message], bool] = lambda m: True) -> Message:
        """The latest message on ``topic`` that ``where`` accepts, waiting up to ``timeout`` for one."""
        assert wait_for(lambda: any(where(m) for m in self.on(topic)), timeout), (
            f"nothing on {topic}; got {[(m.topic, m.payload[:60]) for m in self.messages]}"
        )
        return [m for m in self.on(topic) if where(m)][-1]

    def publish(self, topic: str, payload: bytes | str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def retained(broker: Broker, prefix: str) -> dict[str, bytes]:
    """The retained messages under ``prefix`` the broker holds now, as a fresh subscriber gets them: the
    broker sends them on subscription, before a marker this watcher publishes afterwards."""
    watcher = Watcher(broker)
    try:
        watcher.publish("test/marker", "end")
        watcher.last("test/marker")
        with watcher._lock:
            return {m.topic: m.payload for m in watcher.messages if m.retain and m.topic.startswith(prefix)}
    finally:
        watcher.close()
