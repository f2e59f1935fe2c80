"""Validation: turning one TOML file (or a command-line override) into a :class:`Config`.

Each value is checked against its key's type and rules in the schema; errors name the file, the key and
what is wrong, and the CLI turns them into exit status :data:`EX_CONFIG`.
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import math
import os
import re
import tomllib
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import EX_CONFIG, ConfigError
from .schema import Config, MusicConfig

__all__ = ["DEFAULT_PATH", "ENV_VAR", "EX_CONFIG", "ConfigError", "load", "override", "parse"]

DEFAULT_PATH = Path("/etc/moodify-edge/config.toml")
ENV_VAR = "MOODIFY_CONFIG"


Rules = dict[str, Any]  # a key's ``setting`` metadata: choices, min, max, keys
Converter = Callable[[Any, Any, str, Rules], Any]  # (value, type, where, rules) -> the checked value


def _type_name(tp: Any) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(tp, str(tp))


def _shown(value: Any) -> str:
    """``repr(value)``, cut short: an error message stays one readable line whatever the file holds."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _expect(value: Any, kind: type, what: str, where: str) -> None:
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: expected {what}, got {_shown(value)}")


def _convert_table(value: Any, tp: Any, where: str, rules: Rules) -> Any:
    _expect(value, dict, "a table", where)
    return _build(tp, value, where)


def _convert_list(value: Any, tp: Any, where: str, rules: Rules) -> list[Any]:
    (item_tp,) = typing.get_args(tp)
    _expect(value, list, "a list", where)
    return [_convert(item, item_tp, f"{where}[{i}]", {}) for i, item in enumerate(value)]


def _convert_dict(value: Any, tp: Any, where: str, rules: Rules) -> dict[str, Any]:
    _, item_tp = typing.get_args(tp)
    _expect(value, dict, "a table", where)
    allowed = rules.get("keys")
    for key in value:
        if allowed and key not in allowed:
            raise ConfigError(f"{where}.{key}: unknown key (expected one of {', '.join(allowed)})")
    return {key: _convert(item, item_tp, f"{where}.{key}", {}) for key, item in value.items()}


def _one_of(value: Any, choices: typing.Iterable[Any], where: str) -> ConfigError:
    return ConfigError(f"{where}: {_shown(value)} is not one of {', '.join(map(repr, choices))}")


def _convert_enum(value: Any, tp: Any, where: str, rules: Rules) -> enum.Enum:
    values = [member.value for member in tp]
    if value not in values:
        raise _one_of(value, values, where)
    return tp(value)


def _convert_scalar(value: Any, tp: Any, where: str, rules: Rules) -> Any:
    value = _as_type(value, tp, where)
    _check_rules(value, where, rules)
    return value


def _as_type(value: Any, tp: type, where: str) -> Any:
    """``value`` if it is a ``tp`` (an integer also counts as a float; true and false are no integers)."""
    integer = isinstance(value, int) and not isinstance(value, bool)
    if tp is float and integer:
        if abs(value) > 1e300:  # float() would overflow; no key allows a number near this
            raise ConfigError(f"{where}: {_shown(value)} is far too large")
        return float(value)
    if (tp is int and not integer) or not isinstance(value, tp):
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got {_shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        # TOML has nan and inf, and every comparison with nan is false: no range would ever refuse it.
        raise ConfigError(f"{where}: expected a finite number, got {value!r}")
    return value


def _check_rules(value: Any, where: str, rules: Rules) -> None:
    if "choices" in rules and value not in rules["choices"]:
        raise _one_of(value, rules["choices"], where)
    if "min" in rules and value < rules["min"]:
        raise ConfigError(f"{where}: {value!r} is below the minimum {rules['min']}")
    if "max" in rules and value > rules["max"]:
        raise ConfigError(f"{where}: {value!r} is above the maximum {rules['max']}")


def _converter(tp: Any) -> Converter:
    """How a value of the schema type ``tp`` is checked: a section, a list, a table, an enum or a scalar."""
    if dataclasses.is_dataclass(tp):
        return _convert_table
    origin = typing.get_origin(tp)
    if origin is list:
        return _convert_list
    if origin is dict:
        return _convert_dict
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _convert_enum
    return _convert_scalar


def _convert(value: Any, tp: Any, where: str, rules: Rules) -> Any:
    """``value`` checked against the type ``tp`` and the ``rules`` of the key at ``where``."""
    return _converter(tp)(value, tp, where, rules)


def _schema(cls: type) -> dict[str, tuple[Any, Rules]]:
    """The keys of a schema dataclass, each with its type and rules."""
    hints = typing.get_type_hints(cls)
    return {
        f.name: (hints[f.name], dict(f.metadata)) for f in dataclasses.fields(cls) if not f.metadata.get("internal")
    }


def _convert_key(schema: dict[str, tuple[Any, Rules]], name: str, value: Any, where: str) -> Any:
    if name not in schema:
        raise ConfigError(f"{where}: unknown key")
    tp, rules = schema[name]
    return _convert(value, tp, where, rules)


def _build(cls: type, table: dict[str, Any], where: str) -> Any:
    schema = _schema(cls)
    values = {
        name: _convert_key(schema, name, value, f"{where}.{name}" if where else name) for name, value in table.items()
    }
    if cls is MusicConfig and "moods" in values:
        # A partial mood table changes only the keys it names; the rest keep that emotion's defaults.
        defaults = MusicConfig().moods
        values["moods"] = defaults | {
            k: dataclasses.replace(defaults[k], **{f: getattr(p, f) for f in table["moods"][k]})
            for k, p in values["moods"].items()
        }
    return cls(**values)


_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")


def _check_together(config: Config) -> None:
    """What a single key's type and range cannot say: values that must make sense on this machine or
    with each other. A mistake here would otherwise show only when the service starts, or never."""
    # Imported here: capture brings OpenCV and numpy, which `moodify-edge version` and importing the
    # schema need not load.
    from ..capture import CameraError, parse_source

    try:
        parse_source(config.camera.source)
    except CameraError as exc:
        raise ConfigError(f"camera.source: {exc}") from exc
    if config.model.path and not Path(config.model.path).expanduser().is_file():
        raise ConfigError(f"model.path: no such file: {config.model.path}")
    if config.gpio.led_pin == config.gpio.button_pin:
        raise ConfigError(f"gpio.led_pin: {config.gpio.led_pin} is also gpio.button_pin; use -1 for no LED")
    if config.music.backend == "spotify" and not config.spotify.client_id.strip():
        raise ConfigError(
            'spotify.client_id: music.backend = "spotify" needs the Client ID of your Spotify app '
            '(or choose "mpd", "offline" or "auto")'
        )
    pin = config.kiosk.owner_pin
    if pin and not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise ConfigError('kiosk.owner_pin: expected 4 to 12 digits (a TOML string such as "2468"), or ""')
    host = config.web.host
    try:
        ipaddress.ip_address(host)
    except ValueError as exc:
        if not _HOSTNAME.fullmatch(host):
            raise ConfigError(f"web.host: {host!r} is neither an IP address nor a host name") from exc


def parse(text: str, source: str = "<string>") -> Config:
    """Validate TOML text into a Config; raises ConfigError naming ``source`` and the key."""
    try:
        # A byte-order mark (Windows editors write one) is not TOML, but it is no mistake either.
        table = tomllib.loads(text.removeprefix("\ufeff"))
    except RecursionError as exc:
        raise ConfigError(f"{source}: not valid TOML: arrays or tables nested too deeply") from exc
    except ValueError as exc:  # TOMLDecodeError, and integers longer than Python's 4300 digits
        raise ConfigError(f"{source}: not valid TOML: {str(exc)[:200]}") from exc
    try:
        config = _build(Config, table, "")
        _check_together(config)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    return dataclasses.replace(config, source=source)


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the configuration: ``path``, else ``$MOODIFY_CONFIG``, else /etc/moodify-edge/config.toml if
    it exists, else the defaults. A file named explicitly must exist."""
    explicit = path or os.environ.get(ENV_VAR)
    candidate = Path(explicit) if explicit else DEFAULT_PATH
    if not candidate.is_file():
        if explicit and candidate.exists():
            raise ConfigError(f"{candidate}: not a file")
        if explicit:
            raise ConfigError(f"{candidate}: config file not found")
        return Config()
    try:
        text = candidate.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{candidate}: cannot read: {exc}") from exc
    return parse(text, str(candidate))


def override(config: Config, key: str, value: Any, source: str = "command line") -> Config:
    """A copy with one ``section.key`` set, validated like the file (for command-line overrides)."""
    section, _, name = key.partition(".")
    try:
        converted = _convert_key(_schema(type(getattr(config, section))), name, value, key)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    return config.replace(section, **{name: converted})
