"""Configuration: the schema of every key, its default, and validation of one TOML file.

The schema is a tree of frozen dataclasses. Each field's ``metadata`` carries its documentation and
constraints (``choices``, ``min``, ``max``), so validation, defaults and the example file all come from
one place. Errors name the file, the key and what is wrong; the CLI turns them into exit status 78.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .emotions import KEYS

EX_CONFIG = 78
DEFAULT_PATH = Path("/etc/moodify-edge/config.toml")
SERVICE_STATE_DIR = Path("/var/lib/moodify-edge")  # the unit's StateDirectory
ENV_VAR = "MOODIFY_CONFIG"


class ConfigError(Exception):
    """A configuration problem, phrased for the person who wrote the file."""


def _key(doc: str, default: Any = dataclasses.MISSING, *, factory: Any = dataclasses.MISSING, **rules: Any) -> Any:
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata={"doc": doc, **rules})
    return field(default=default, metadata={"doc": doc, **rules})


@dataclass(frozen=True)
class CameraConfig:
    source: str = _key(
        '"auto" (Pi camera, then USB), "picam", "usb:N", "/dev/videoN", "demo" (shipped sample faces), '
        "or a path to a video file, an image or a folder of images",
        "auto",
    )
    width: int = _key("Capture width in pixels.", 640, min=160, max=4096)
    height: int = _key("Capture height in pixels.", 480, min=120, max=3072)
    fps: int = _key("Requested frames per second.", 30, min=1, max=120)
    loop: bool = _key("Loop a file source when it ends.", True)
    reopen_max_seconds: float = _key(
        "Longest wait between attempts to reopen a camera that failed.", 10.0, min=0.1, max=600.0
    )


@dataclass(frozen=True)
class ModelConfig:
    path: str = _key('The int8 .tflite emotion model; "" means the one shipped with Moodify Edge.', "")
    num_threads: int = _key("CPU threads LiteRT may use for one face.", 2, min=1, max=16)


@dataclass(frozen=True)
class DetectionConfig:
    seconds: float = _key("Length of one detection run in seconds.", 5.0, min=0.5, max=60.0)
    frames: int = _key("Stop after this many frames instead (0: use seconds).", 0, min=0, max=10000)
    min_face: int = _key("Smallest face side in pixels of the captured frame that counts.", 60, min=16, max=2000)
    detect_width: int = _key(
        "Frames are downscaled to this width before face detection (speed on a Pi).", 320, min=80, max=1920
    )
    margin: float = _key("Extra border around the detected face, as a fraction of its side.", 0.1, min=0.0, max=1.0)


@dataclass(frozen=True)
class GpioConfig:
    enabled: bool = _key("Use a GPIO button and LED (turned off quietly when the machine has no GPIO).", True)
    button_pin: int = _key("BCM pin of the push button (wired to GND; internal pull-up).", 17, min=0, max=27)
    led_pin: int = _key("BCM pin of the status LED, or -1 for none.", 27, min=-1, max=27)
    bounce_seconds: float = _key("Button debounce time.", 0.05, min=0.0, max=1.0)
    long_press_seconds: float = _key("Holding the button this long stops the music.", 3.0, min=0.5, max=30.0)
    press_during_run: str = _key(
        'What a button press does while a detection runs: "ignore" or "cancel".', "ignore", choices=("ignore", "cancel")
    )


@dataclass(frozen=True)
class WebConfig:
    host: str = _key(
        'Address to listen on. "127.0.0.1" keeps it to the kiosk itself; "0.0.0.0" lets paired phones on the LAN in.',
        "127.0.0.1",
    )
    port: int = _key("TCP port of the kiosk web app.", 5000, min=1, max=65535)
    language: str = _key('UI language: "auto" (the browser\'s), "en" or "ko".', "auto", choices=("auto", "en", "ko"))
    pairing_attempts_per_minute: int = _key("Wrong pairing codes tolerated per minute per address.", 5, min=1, max=100)
    max_body_bytes: int = _key("Largest request body accepted.", 16384, min=1024, max=1048576)


@dataclass(frozen=True)
class SpotifyConfig:
    client_id: str = _key('Client ID of your Spotify app (PKCE; no secret needed). "" disables Spotify.', "")
    redirect_uri: str = _key(
        "Redirect URI registered in the Spotify app; must be the literal loopback address.",
        "http://127.0.0.1:5000/callback",
    )
    device_name: str = _key("Name of the Spotify Connect receiver on this device (raspotify/librespot).", "Moodify Edge")
    market: str = _key('Two-letter market for search, or "" for the account\'s own.', "")
    autoplay: bool = _key("Start playing the first recommendation when a result is ready.", True)
    receiver_unit: str = _key('systemd unit of the Connect receiver, restarted when it has vanished ("" never).', "")
    api_url: str = _key("Web API base URL (changed only by tests).", "https://api.spotify.com/v1/")
    accounts_url: str = _key("Accounts service base URL (changed only by tests).", "https://accounts.spotify.com")
    timeout_seconds: float = _key(
        "Longest wait for Spotify in one action (all its requests together).", 2.0, min=0.1, max=2.0
    )


@dataclass(frozen=True)
class MoodProfile:
    policy: str = _key('"match" the mood, or "lift" it.', "match", choices=("match", "lift"))
    uris: list[str] = _key("Curated Spotify URIs (playlists you own, albums, tracks).", factory=list)
    playlist_keywords: list[str] = _key("Words matched against the names of your own playlists.", factory=list)
    queries: list[str] = _key("Search queries that widen the pool.", factory=list)


def _default_moods() -> dict[str, MoodProfile]:
    return {
        "angry": MoodProfile("lift", [], ["calm", "chill"], ["calm acoustic", "lofi chill", "peaceful piano"]),
        "disgust": MoodProfile("lift", [], ["fresh", "feel good"], ["feel good indie", "fresh pop", "sunny"]),
        "fear": MoodProfile("lift", [], ["comfort", "calm"], ["comforting acoustic", "warm soul", "reassuring"]),
        "happy": MoodProfile("match", [], ["happy", "party"], ["happy hits", "feel good pop", "k-pop dance"]),
        "sad": MoodProfile("lift", [], ["sad", "comfort"], ["comforting ballad", "k-ballad", "hopeful acoustic"]),
        "surprise": MoodProfile("match", [], ["energy", "upbeat"], ["upbeat electronic", "energetic pop", "funk"]),
        "neutral": MoodProfile("match", [], ["focus", "chill"], ["chill indie", "lofi beats", "jazz cafe"]),
    }


@dataclass(frozen=True)
class MusicConfig:
    items: int = _key("How many recommendations to show.", 8, min=1, max=50)
    avoid_recent: int = _key("Recommendations from this many recent runs are not repeated.", 3, min=0, max=50)
    moods: dict[str, MoodProfile] = _key("One profile per emotion.", factory=_default_moods, keys=KEYS)


@dataclass(frozen=True)
class ServiceConfig:
    demo: bool = _key("Demo mode: shipped sample faces as the camera and the offline music catalogue.", False)
    state_dir: str = _key(
        'Where tokens and pairings are kept; "" means $STATE_DIRECTORY, else /var/lib/moodify-edge when '
        "writable, else ~/.local/state/moodify-edge.",
        "",
    )
    watchdog_stall_seconds: float = _key(
        "A worker silent for this long counts as hung (no more watchdog pings).", 10.0, min=1.0, max=600.0
    )
    log_level: str = _key("Logging level.", "info", choices=("debug", "info", "warning", "error"))


@dataclass(frozen=True)
class Config:
    camera: CameraConfig = field(default_factory=CameraConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    gpio: GpioConfig = field(default_factory=GpioConfig)
    web: WebConfig = field(default_factory=WebConfig)
    spotify: SpotifyConfig = field(default_factory=SpotifyConfig)
    music: MusicConfig = field(default_factory=MusicConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    source: str = field(default="(defaults)", metadata={"internal": True})

    def state_path(self) -> Path:
        """The directory for persistent state, created on first use."""
        if self.service.state_dir:
            path = Path(self.service.state_dir)
        elif os.environ.get("STATE_DIRECTORY"):
            path = Path(os.environ["STATE_DIRECTORY"].split(":")[0])
        elif SERVICE_STATE_DIR.is_dir() and os.access(SERVICE_STATE_DIR, os.W_OK):
            # The installed service's own directory: `doctor` run by hand as the service user sees its login.
            path = SERVICE_STATE_DIR
        else:
            base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
            path = Path(base) / "moodify-edge"
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def replace(self, section: str, **changes: Any) -> Config:
        """A copy with some keys of one section changed (used for CLI overrides such as ``--demo``)."""
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **changes)})


def _type_name(tp: Any) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(tp, str(tp))


def _convert(value: Any, tp: Any, where: str, meta: dict[str, Any]) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return _build(tp, value, where)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return [_convert(v, item_tp, f"{where}[{i}]", {}) for i, v in enumerate(value)]
    if origin is dict:
        _, item_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        allowed = meta.get("keys")
        for k in value:
            if allowed and k not in allowed:
                raise ConfigError(f"{where}.{k}: unknown key (expected one of {', '.join(allowed)})")
        return {k: _convert(v, item_tp, f"{where}.{k}", {}) for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
    if "choices" in meta and value not in meta["choices"]:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(repr, meta['choices']))}")
    if "min" in meta and value < meta["min"]:
        raise ConfigError(f"{where}: {value!r} is below the minimum {meta['min']}")
    if "max" in meta and value > meta["max"]:
        raise ConfigError(f"{where}: {value!r} is above the maximum {meta['max']}")
    return value


def _build(cls: type, table: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    values = {}
    for name, value in table.items():
        if name not in fields:
            raise ConfigError(f"{where + '.' if where else ''}{name}: unknown key")
        values[name] = _convert(value, hints[name], f"{where + '.' if where else ''}{name}", dict(fields[name].metadata))
    if cls is MusicConfig and "moods" in values:
        # A partial mood table changes only the keys it names; the rest keep that emotion's defaults.
        defaults = _default_moods()
        values["moods"] = defaults | {
            k: dataclasses.replace(defaults[k], **{f: getattr(p, f) for f in table["moods"][k]})
            for k, p in values["moods"].items()
        }
    return cls(**values)


def parse(text: str, source: str = "<string>") -> Config:
    """Validate TOML text into a Config; raises ConfigError naming ``source`` and the key."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        config = _build(Config, table, "")
        _check_together(config)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return dataclasses.replace(config, source=source)


def parse_camera_source(source: str) -> tuple[str, Any]:
    """(kind, argument) of a ``camera.source`` value: ("auto"|"picam"|"demo", None), ("usb", index or
    device path) or ("file", Path)."""
    text = source.strip()
    if text in ("auto", "picam", "demo"):
        return text, None
    if text.startswith("usb:"):
        index = text[4:]
        if not index.isdigit():
            raise ConfigError(f'camera source {source!r}: expected "usb:N" with a number N')
        return "usb", int(index)
    if text.startswith("/dev/video"):
        return "usb", text
    return "file", Path(text).expanduser()


_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")


def _check_together(config: Config) -> None:
    """What a single key's type and range cannot say: values that must make sense on this machine or
    with each other. A mistake here would otherwise show only when the service starts, or never."""
    try:
        parse_camera_source(config.camera.source)
    except ConfigError as exc:
        raise ConfigError(f"camera.source: {exc}") from None
    if config.model.path and not Path(config.model.path).expanduser().is_file():
        raise ConfigError(f"model.path: no such file: {config.model.path}")
    if config.gpio.led_pin == config.gpio.button_pin:
        raise ConfigError(f"gpio.led_pin: {config.gpio.led_pin} is also gpio.button_pin; use -1 for no LED")
    host = config.web.host
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOSTNAME.fullmatch(host):
            raise ConfigError(f"web.host: {host!r} is neither an IP address nor a host name") from None


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the configuration: ``path``, else ``$MOODIFY_CONFIG``, else /etc/moodify-edge/config.toml if
    it exists, else the defaults. A file named explicitly must exist."""
    explicit = path or os.environ.get(ENV_VAR)
    candidate = Path(explicit) if explicit else DEFAULT_PATH
    if not candidate.is_file():
        if explicit:
            raise ConfigError(f"{candidate}: config file not found")
        return Config()
    try:
        text = candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{candidate}: cannot read: {exc}") from None
    return parse(text, str(candidate))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)  # strings and lists of strings are valid TOML this way


def _rules(meta: typing.Mapping[str, Any]) -> str:
    parts = []
    if "min" in meta:
        parts.append(f"{meta['min']}..{meta['max']}")
    if "choices" in meta:
        parts.append(" | ".join(meta["choices"]))
    return f" [{'; '.join(parts)}]" if parts else ""


def _example_table(obj: Any, header: str, lines: list[str]) -> None:
    lines += ["", f"[{header}]"]
    nested = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, dict):
            nested.append((f, value))
            continue
        lines.append(f"# {f.metadata['doc']}{_rules(f.metadata)}")
        lines.append(f"{f.name} = {_toml_value(value)}")
    for f, table in nested:
        lines += ["", f"# {f.metadata['doc']}"]
        for key, child in table.items():
            _example_table(child, f"{header}.{f.name}.{key}", lines)


def example_toml() -> str:
    """The fully commented example file: every key with its documentation, allowed values and default."""
    lines = [
        "# Moodify Edge configuration (TOML). Every key is optional: the value shown is its default.",
        f"# On the device this file lives at {DEFAULT_PATH}; elsewhere pass --config PATH or set ${ENV_VAR}.",
        "# Ranges and choices are in [brackets]. Generated from moodify_edge/config.py: edit the schema, not this file.",
    ]
    config = Config()
    for f in dataclasses.fields(config):
        if not f.metadata.get("internal"):
            _example_table(getattr(config, f.name), f.name, lines)
    return "\n".join(lines) + "\n"



def override(config: Config, key: str, value: Any, source: str = "command line") -> Config:
    """A copy with one ``section.key`` set, validated like the file (for command-line overrides)."""
    section, _, name = key.partition(".")
    cls = type(getattr(config, section))
    fields = {f.name: f for f in dataclasses.fields(cls)}
    try:
        converted = _convert(value, typing.get_type_hints(cls)[name], key, dict(fields[name].metadata))
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return config.replace(section, **{name: converted})
