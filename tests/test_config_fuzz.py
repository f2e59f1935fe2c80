"""Random configuration files: whatever a file holds, ``config.parse`` gives a Config or a ConfigError.

200 files of random keys from the schema (and unknown ones) with random values of random types: nan and inf,
huge numbers, wrong types, tables where values belong and values where tables belong, byte-order marks, deep
nesting. A traceback (any other exception) fails the test; so does an accepted config with a non-finite number.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import random
from typing import Any

from moodify_edge import config
from moodify_edge.config import Config, ConfigError
from moodify_edge.config.example import toml_value
from moodify_edge.emotions import KEYS

CONFIGS = 200
SEED = 12


def schema() -> dict[str, dict[str, Any]]:
    """Each section's keys with their defaults, and the mood profiles' as ``music.moods.<emotion>``."""
    defaults = Config()
    sections = [getattr(defaults, f.name) for f in dataclasses.fields(Config) if not f.metadata.get("internal")]
    tables = {type(s).__name__.removesuffix("Config").lower(): table(s) for s in sections}
    return tables | {f"music.moods.{key}": table(defaults.music.moods[key]) for key in KEYS}


def table(section: Any) -> dict[str, Any]:
    values = {f.name: getattr(section, f.name) for f in dataclasses.fields(section)}
    return {key: value for key, value in values.items() if not isinstance(value, dict)}


def near(default: Any, rng: random.Random) -> str:
    """A value of the key's own type: its default, or a number near it."""
    if isinstance(default, (int, float)) and not isinstance(default, bool) and rng.random() < 0.5:
        return repr(type(default)(default * rng.choice([0, 0.5, 2, 100])))
    return toml_value(default.value if hasattr(default, "value") else default)


def toml_string(rng: random.Random) -> str:
    alphabet = "abc usb:0 /dev/video0 demo auto 127.0.0.1 ignore cancel match lift 감정 \\\"'\t\n\x00\x7f\U0001f600"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


NUMBERS = ["nan", "+nan", "-nan", "inf", "+inf", "-inf", "1e999", "-1e999", "1e308", "5e-324", "0", "-0", "-1"]


def value(rng: random.Random, depth: int = 0) -> str:
    """A random TOML value."""
    kind = rng.randrange(11 if depth < 3 else 7)
    if kind == 0:
        return rng.choice(NUMBERS)
    if kind == 1:
        return str(rng.choice([rng.randrange(-100, 70000), 2**63 - 1, -(2**63), 10 ** rng.randrange(1, 40)]))
    if kind == 2:
        return repr(rng.uniform(-1e6, 1e6))
    if kind == 3:
        return rng.choice(["true", "false"])
    if kind in (4, 5):
        return toml_string(rng)
    if kind == 6:
        return datetime.datetime(2024, 1, 1, rng.randrange(24)).isoformat()
    if kind in (7, 8):
        return "[" + ", ".join(value(rng, depth + 1) for _ in range(rng.randrange(4))) + "]"
    if kind == 9:
        return "{" + ", ".join(f"k{i} = {value(rng, depth + 1)}" for i in range(rng.randrange(3))) + "}"
    return "[" * 40 + "1" + "]" * 40  # deep, within what TOML allows


def random_file(rng: random.Random, tables: dict[str, dict[str, Any]]) -> str:
    lines = ["\ufeff"] if rng.random() < 0.1 else []
    for _ in range(rng.randrange(1, 5)):
        section = rng.choice(
            [*tables, "speaker", "music.moods.joy", "camera.source"] if rng.random() < 0.1 else [*tables]
        )
        if rng.random() < 0.05:
            lines.append(f"{section.split('.')[0]} = {value(rng)}")  # a value where a table belongs
            continue
        lines.append(f"[{section}]")
        keys = tables.get(section, {"volume": 3})
        for key in rng.sample(sorted(keys), min(len(keys), rng.randrange(1, 4))):
            lines.append(f"{key} = {near(keys[key], rng) if rng.random() < 0.8 else value(rng)}")
        if rng.random() < 0.05:
            lines.append(f"{rng.choice(['unknown', 'moods'])} = {value(rng)}")
    return "\n".join(lines) + "\n"


def all_finite(obj: Any) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if dataclasses.is_dataclass(obj):
        return all(all_finite(getattr(obj, f.name)) for f in dataclasses.fields(obj))
    if isinstance(obj, dict):
        return all(all_finite(v) for v in obj.values())
    return all(all_finite(v) for v in obj) if isinstance(obj, list) else True


def test_random_configs_give_a_config_or_a_config_error():
    rng, tables = random.Random(SEED), schema()
    outcomes: dict[str, int] = {"accepted": 0, "refused": 0}
    tracebacks = []
    for n in range(CONFIGS):
        text = random_file(rng, tables)
        try:
            parsed = config.parse(text, f"random-{n}.toml")
        except ConfigError as exc:
            outcomes["refused"] += 1
            assert "\n" not in str(exc) and str(exc).startswith(f"random-{n}.toml: "), exc
        except Exception as exc:  # a traceback for the person who wrote the file
            tracebacks.append((text, repr(exc)))
        else:
            outcomes["accepted"] += 1
            assert all_finite(parsed), text
    assert tracebacks == [], tracebacks[:3]
    assert outcomes["accepted"] > 0 and outcomes["refused"] > 100, outcomes
