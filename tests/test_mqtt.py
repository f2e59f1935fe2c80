"""The MQTT bridge against a real broker (Debian's mosquitto on a loopback port) and a real MQTT client.

The client plays Home Assistant: it reads the discovery configs, presses the "start" button and receives the
result. Also: the broker down at start, restarted mid-run, bad command payloads, a wrong password, the last
will of a killed kiosk, and the device taken out of Home Assistant when MQTT is turned off.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from broker import Broker, Watcher, retained
from browser.stack import demo_config
from helpers import ASTRONAUT, free_port, wait_for

from moodify_edge.capture import FileCamera
from moodify_edge.config import Config, ConfigError, MqttConfig
from moodify_edge.contract import KioskState, TriggerOrigin
from moodify_edge.controller import Controller
from moodify_edge.events import EventBus
from moodify_edge.mqtt import MqttBridge, Withdrawal, start_mqtt
from moodify_edge.mqtt.announced import Announced
from moodify_edge.mqtt.topics import Topics
from moodify_edge.music.factory import create_music
from moodify_edge.pipeline import FramePipeline
from moodify_edge.service import Service

ROOT = Path(__file__).resolve().parent.parent
EMOTIONS = {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    (tmp_path / "broker").mkdir()
    broker = Broker(tmp_path / "broker").start()
    yield broker
    broker.stop()


@pytest.fixture
def watcher(broker: Broker) -> Iterator[Watcher]:
    watcher = Watcher(broker)
    yield watcher
    watcher.close()


def kiosk_config(tmp_path: Path, port: int, **mqtt: Any) -> Config:
    config = demo_config(tmp_path / "state", seconds=1.0)
    return config.replace("mqtt", enabled=True, host="127.0.0.1", port=port, base_topic="moodify/test", **mqtt)


@pytest.fixture
def kiosk(pipeline: FramePipeline, tmp_path: Path) -> Iterator[Any]:
    """``kiosk(config)`` → (controller, bridge): a real controller on the sample photo, with an MQTT bridge."""
    made: list[tuple[Controller, MqttBridge, FileCamera]] = []

    def make(config: Config) -> tuple[Controller, MqttBridge]:
        camera = FileCamera(ASTRONAUT)
        bus = EventBus()
        controller = Controller(config, bus, camera, pipeline, create_music(config, bus))
        bridge = MqttBridge(config.mqtt, controller, bus, config.state_path()).start()
        made.append((controller, bridge, camera))
        return controller, bridge

    yield make
    for controller, bridge, camera in made:
        bridge.close(2.0)
        controller.cancel()
        controller.join(5)
        camera.close()


def as_json(message: Any) -> dict[str, Any]:
    return json.loads(message.payload)


def discovery_configs(watcher: Watcher) -> dict[str, dict[str, Any]]:
    return {m.topic: json.loads(m.payload) for m in watcher.messages if m.topic.startswith("homeassistant/")}


def test_the_home_assistant_start_button_runs_the_service_and_the_result_comes_back(broker, watcher, tmp_path):
    config = kiosk_config(tmp_path, broker.port).replace("web", port=free_port())
    service = Service(config)
    try:
        service.start()
        assert watcher.last("moodify/test/availability").payload == b"online"
        start = watcher.last("homeassistant/button/" + Topics.from_config(config.mqtt).node + "/start/config")
        button = as_json(start)
        watcher.publish(button["command_topic"], button["payload_press"])
        result = as_json(watcher.last("moodify/test/result", timeout=30))
        assert result["outcome"] == "emotion" and result["emotion"] in EMOTIONS
        assert set(result["mean"]) == EMOTIONS and set(result["frequency"]) == EMOTIONS
        assert 0 < result["confidence"] <= 1 and result["frames"] > 0 and result["time"] > 0
        state = as_json(watcher.last("moodify/test/state", where=lambda m: b'"last_emotion":"' in m.payload))
        assert state["last_emotion"] == result["emotion"] and state["camera"]["ok"] is True
    finally:
        service.close()
    assert watcher.last("moodify/test/availability").payload == b"offline"  # published on the clean stop
    for message in watcher.messages:
        assert not any(mark in message.payload for mark in (b"data:image", b"\xff\xd8\xff", b"\x89PNG", b"base64"))
        if message.payload.startswith(b"{"):
            assert not json_keys(json.loads(message.payload)) & FORBIDDEN_KEYS, message.topic


FORBIDDEN_KEYS = {"face", "box", "frames_detail", "image", "artwork_url", "token", "code", "pairing", "password"}


def json_keys(value: Any) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | set().union(*(json_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(json_keys(v) for v in value))
    return set()


# Home Assistant's MQTT schemas (homeassistant/components/mqtt: sensor.py, binary_sensor.py, button.py and the
# shared entity/availability/device schemas), the keys this kiosk may use, in their full (unabbreviated) form.
COMMON_KEYS = {
    "name", "unique_id", "object_id", "device", "origin", "availability_topic", "payload_available",
    "payload_not_available", "availability", "availability_mode", "icon", "entity_category", "enabled_by_default",
    "json_attributes_topic", "json_attributes_template", "qos", "encoding",
}  # fmt: skip
PLATFORM_KEYS = {
    "sensor": {"state_topic", "value_template", "unit_of_measurement", "device_class", "state_class",
               "expire_after", "force_update", "suggested_display_precision", "options", "last_reset_value_template"},
    "binary_sensor": {"state_topic", "value_template", "payload_on", "payload_off", "device_class", "expire_after",
                      "force_update", "off_delay"},
    "button": {"command_topic", "command_template", "payload_press", "retain", "device_class"},
}  # fmt: skip
REQUIRED = {"sensor": {"state_topic"}, "binary_sensor": {"state_topic"}, "button": {"command_topic"}}
DEVICE_KEYS = {"identifiers", "connections", "name", "manufacturer", "model", "model_id", "sw_version",
               "hw_version", "serial_number", "suggested_area", "configuration_url", "via_device"}  # fmt: skip
BINARY_SENSOR_CLASSES = {"connectivity", "problem", "running", "plug", "power"}  # the ones a kiosk could use
STATE_CLASSES = {"measurement", "total", "total_increasing", "measurement_angle"}


def test_discovery_configs_follow_home_assistants_schema_for_each_entity_type(kiosk, broker, watcher, tmp_path):
    controller, bridge = kiosk(kiosk_config(tmp_path, broker.port))
    watcher.last("moodify/test/state")
    configs = discovery_configs(watcher)
    kinds = {topic.split("/")[1] for topic in configs}
    assert kinds == {"sensor", "binary_sensor", "button"} and len(configs) == 10
    ids = set()
    for topic, config in configs.items():
        prefix, component, node, object_id, last = topic.split("/")
        assert (prefix, node, last) == ("homeassistant", bridge.topics.node, "config")
        assert set(config) <= COMMON_KEYS | PLATFORM_KEYS[component], set(config) - COMMON_KEYS
        assert REQUIRED[component] <= set(config)
        assert set(config["device"]) <= DEVICE_KEYS and config["device"]["identifiers"]
        assert config["availability_topic"] == "moodify/test/availability"
        assert config.get("state_topic", "moodify/test/state") == "moodify/test/state"
        if "device_class" in config:
            assert config["device_class"] in BINARY_SENSOR_CLASSES
        assert config.get("state_class", "measurement") in STATE_CLASSES
        assert all(isinstance(v, (str, bool, int, dict, list)) for v in config.values())
        ids.add(config["unique_id"])
    assert len(ids) == len(configs)  # unique per entity
    presses = {c["payload_press"] for c in configs.values() if "payload_press" in c}
    assert presses == {"start", "cancel", "stop_music", "pause", "resume", "next"}
    assert set(retained(broker, "homeassistant/")) == set(configs)  # a Home Assistant started later gets them


def test_bad_payloads_are_ignored_with_a_log_line_and_the_kiosk_still_takes_commands(
    kiosk, broker, watcher, tmp_path, caplog
):
    controller, bridge = kiosk(kiosk_config(tmp_path, broker.port))
    watcher.last("moodify/test/state")
    caplog.set_level(logging.INFO, logger="moodify_edge.mqtt")
    for payload in (b"", b"START", b"start ", b"\xff\xfe", b'{"command": "start"}', b"x" * 100_000):
        watcher.publish("moodify/test/command", payload)
    watcher.publish("moodify/test/command", "pause")  # known, but nothing plays yet: refused, logged
    assert wait_for(lambda: sum("ignored an unknown command" in r.message for r in caplog.records) == 6)
    assert controller.state == KioskState.IDLE
    assert all(len(r.getMessage()) < 300 for r in caplog.records)  # a huge payload is cut in the log
    watcher.publish("moodify/test/command", "start")
    assert as_json(watcher.last("moodify/test/result", timeout=30))["outcome"] == "emotion"


def test_the_broker_down_at_start_keeps_the_kiosk_working_and_it_connects_later(kiosk, tmp_path):
    (tmp_path / "broker").mkdir()
    broker = Broker(tmp_path / "broker")  # not started yet
    controller, bridge = kiosk(kiosk_config(tmp_path, broker.port))
    assert wait_for(lambda: bridge.status.error is not None)
    assert "cannot reach the broker" in (bridge.status.error or "")
    controller.trigger(TriggerOrigin.WEB)  # runs never wait for MQTT
    controller.join(30)
    assert controller.state == KioskState.RESULT
    broker.start()
    try:
        watcher = Watcher(broker)
        state = as_json(watcher.last("moodify/test/state", timeout=60))  # the back-off is at most 30 s
        assert state["state"] == "result" and state["last_emotion"] in EMOTIONS
        assert watcher.last("moodify/test/availability").payload == b"online"
        assert bridge.status.connected and bridge.status.error is None
        watcher.close()
    finally:
        broker.stop()


def test_a_broker_restarted_mid_run_gets_the_result_and_the_state_again(kiosk, broker, watcher, tmp_path):
    config = kiosk_config(tmp_path, broker.port).replace("detection", seconds=3.0)
    controller, bridge = kiosk(config)
    watcher.last("moodify/test/state")
    watcher.close()
    controller.trigger(TriggerOrigin.WEB)
    broker.stop()
    assert wait_for(lambda: not bridge.status.connected)
    broker.start()
    controller.join(30)
    assert controller.state == KioskState.RESULT
    again = Watcher(broker)
    try:
        state = as_json(again.last("moodify/test/state", timeout=60, where=lambda m: b'"state":"result"' in m.payload))
        assert state["last_emotion"] in EMOTIONS
        assert again.last("moodify/test/availability").payload == b"online"  # republished after the restart
        assert retained(broker, "homeassistant/")  # discovery too (the broker kept nothing)
    finally:
        again.close()


def test_a_wrong_password_is_a_clear_message_and_the_kiosk_keeps_running(kiosk, tmp_path, caplog):
    (tmp_path / "broker").mkdir()
    broker = Broker(tmp_path / "broker", users={"kiosk": "right"}).start()
    try:
        caplog.set_level(logging.WARNING, logger="moodify_edge.mqtt")
        controller, bridge = kiosk(kiosk_config(tmp_path, broker.port, username="kiosk", password="wrong"))
        assert wait_for(lambda: bridge.status.error is not None)
        error = bridge.status.error or ""
        assert "refused the connection" in error and "check mqtt.username and mqtt.password" in error
        assert any("mqtt.password" in r.message for r in caplog.records)
        assert not bridge.status.connected
        controller.trigger(TriggerOrigin.WEB)
        controller.join(30)
        assert controller.state == KioskState.RESULT
        _, right = kiosk(kiosk_config(tmp_path, broker.port, username="kiosk", password="right", client_id="c2"))
        assert wait_for(lambda: right.status.connected)
    finally:
        broker.stop()


def test_a_killed_kiosk_shows_offline_through_its_last_will(broker, watcher, tmp_path):
    port = free_port()
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[service]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[mqtt]\nenabled = true\nhost = "127.0.0.1"\nport = {broker.port}\nbase_topic = "moodify/killed"\n'
    )
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "MOODIFY_CONFIG")}
    process = subprocess.Popen(
        [sys.executable, "-m", "moodify_edge", "--config", str(config_file), "run", "--demo", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert watcher.last("moodify/killed/availability", timeout=60).payload == b"online"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        offline = watcher.last("moodify/killed/availability", where=lambda m: m.payload == b"offline")
        assert offline.payload == b"offline"
        assert retained(broker, "moodify/killed/")["moodify/killed/availability"] == b"offline"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_turning_mqtt_off_removes_the_kiosk_from_home_assistant(kiosk, broker, pipeline, tmp_path):
    config = kiosk_config(tmp_path, broker.port)
    controller, bridge = kiosk(config)
    assert wait_for(lambda: len(Announced(config.state_path()).topics()) == 12)
    assert len(retained(broker, "homeassistant/")) == 10
    bridge.close(2.0)
    off = config.replace("mqtt", enabled=False)
    withdrawal = start_mqtt(off, controller, controller.bus)
    assert isinstance(withdrawal, Withdrawal)
    assert withdrawal.done.wait(15)
    withdrawal.close()
    assert retained(broker, "homeassistant/") == {} and retained(broker, "moodify/test/") == {}
    assert Announced(config.state_path()).topics() == []
    assert start_mqtt(off, controller, controller.bus) is None  # nothing left to withdraw


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("base_topic", "moodify/#", "mqtt.base_topic"), ("base_topic", "moodify/", "empty level"),
     ("discovery_prefix", "home+assistant", "mqtt.discovery_prefix")],
)  # fmt: skip
def test_a_topic_that_cannot_be_published_on_is_a_config_error(key, value, message):
    with pytest.raises(ConfigError, match=message):
        Topics.from_config(MqttConfig(**{key: value}))


def test_default_names_come_from_the_host_name():
    topics = Topics.from_config(MqttConfig(), hostname="cafe-3.local")
    assert (topics.base, topics.node, topics.client_id) == ("moodify/cafe-3", "cafe-3", "moodify-edge-cafe-3")
    assert Topics.from_config(MqttConfig(), hostname="a b/c+d").node == "a_b_c_d"
