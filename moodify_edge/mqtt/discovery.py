"""Home Assistant MQTT discovery: one device per kiosk, with its sensors, a camera binary sensor and buttons.

Each entity is one retained config message on ``<discovery_prefix>/<component>/<node>/<object_id>/config``
(Home Assistant's documented discovery topic) in Home Assistant's full key names, never the abbreviations.
Sensors read the retained ``state`` document; buttons publish a payload on the ``command`` topic. An empty
retained message on the same topic removes the entity. Pure: no MQTT library here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .. import __version__
from .commands import Command
from .topics import Topics

ONLINE = "online"
OFFLINE = "offline"


@dataclass(frozen=True)
class Entity:
    """One Home Assistant entity: its component (sensor, binary_sensor, button), id and own config keys."""

    component: str
    object_id: str
    name: str
    keys: dict[str, Any]


SENSORS = (
    Entity("sensor", "state", "State", {"value_template": "{{ value_json.state }}", "icon": "mdi:state-machine"}),
    Entity(
        "sensor", "emotion", "Last emotion", {"value_template": "{{ value_json.last_emotion }}", "icon": "mdi:emoticon"}
    ),
    Entity(
        "sensor",
        "confidence",
        "Confidence",
        {
            "value_template": "{{ ((value_json.confidence or 0) * 100) | round(1) }}",
            "unit_of_measurement": "%",
            "state_class": "measurement",
            "icon": "mdi:percent",
        },
    ),
    Entity(
        "binary_sensor",
        "camera",
        "Camera",
        {
            "value_template": "{{ 'ON' if value_json.camera.ok else 'OFF' }}",
            "payload_on": "ON",
            "payload_off": "OFF",
            "device_class": "connectivity",
            "entity_category": "diagnostic",
        },
    ),
)
BUTTONS = (
    (Command.START, "Start detection", "mdi:camera-iris"),
    (Command.CANCEL, "Cancel detection", "mdi:cancel"),
    (Command.STOP_MUSIC, "Stop music", "mdi:stop"),
    (Command.PAUSE, "Pause", "mdi:pause"),
    (Command.RESUME, "Resume", "mdi:play"),
    (Command.NEXT, "Next track", "mdi:skip-next"),
)


def entities() -> list[Entity]:
    """Every entity a kiosk announces."""
    buttons = [
        Entity("button", command.value, name, {"payload_press": command.value, "icon": icon})
        for command, name, icon in BUTTONS
    ]
    return [*SENSORS, *buttons]


def device(topics: Topics) -> dict[str, Any]:
    return {
        "identifiers": [f"moodify_edge_{topics.node}"],
        "name": f"Moodify Edge {topics.node}",
        "manufacturer": "Moodify Edge",
        "model": "Emotion-to-music kiosk",
        "sw_version": __version__,
    }


def entity_config(topics: Topics, entity: Entity) -> dict[str, Any]:
    """The discovery config of one entity."""
    config: dict[str, Any] = {
        "name": entity.name,
        "unique_id": f"moodify_{topics.node}_{entity.object_id}",
        "availability_topic": topics.availability,
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "device": device(topics),
        "origin": {"name": "Moodify Edge", "sw_version": __version__},
    }
    if entity.component == "button":
        config |= {"command_topic": topics.command, "retain": False, "qos": 1}
    else:
        config["state_topic"] = topics.state
    return config | entity.keys


def messages(topics: Topics) -> list[tuple[str, str]]:
    """(topic, retained JSON payload) of every entity; none when discovery is off."""
    if not topics.discovery_prefix:
        return []
    return [
        (topics.discovery(e.component, e.object_id), json.dumps(entity_config(topics, e), separators=(",", ":")))
        for e in entities()
    ]
