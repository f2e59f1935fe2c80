"""Configuration: defaults that work on a fresh machine, validation that names the file and the key."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from moodify_edge import config
from moodify_edge.config import Config, ConfigError, state_dir, validation

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_working_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv(config.ENV_VAR, raising=False)
    monkeypatch.setattr(validation, "DEFAULT_PATH", tmp_path / "absent.toml")  # where load() looks
    loaded = config.load()
    assert loaded.web.host == "127.0.0.1" and loaded.web.port == 5000
    assert loaded.detection.seconds == 5.0
    assert loaded.gpio.button_pin == 17 and loaded.gpio.led_pin == 27
    assert set(loaded.music.moods) == {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}


def test_file_values_override_defaults(tmp_path):
    loaded = config.load(write(tmp_path, "[camera]\nsource = 'usb:1'\n[detection]\nseconds = 3\n"))
    assert loaded.camera.source == "usb:1"
    assert loaded.detection.seconds == 3.0 and isinstance(loaded.detection.seconds, float)
    assert loaded.camera.width == 640


def test_environment_variable_names_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv(config.ENV_VAR, str(write(tmp_path, "[web]\nport = 8080\n")))
    assert config.load().web.port == 8080


def test_partial_mood_profile_keeps_that_emotions_defaults(tmp_path):
    loaded = config.load(write(tmp_path, "[music.moods.sad]\npolicy = 'match'\n"))
    assert loaded.music.moods["sad"].policy == "match"
    assert loaded.music.moods["sad"].queries == Config().music.moods["sad"].queries


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[camera]\nwidht = 640\n", "camera.widht: unknown key"),
        ("[speaker]\nvolume = 3\n", "speaker: unknown key"),
        ("[camera]\nwidth = 'wide'\n", "camera.width: expected an integer, got 'wide'"),
        ("[gpio]\nenabled = 'yes'\n", "gpio.enabled: expected true or false"),
        ("[gpio]\nbutton_pin = true\n", "gpio.button_pin: expected an integer, got True"),
        ("[web]\nport = 70000\n", "web.port: 70000 is above the maximum 65535"),
        ("[detection]\nseconds = 0\n", "detection.seconds: 0.0 is below the minimum 0.5"),
        ("[gpio]\npress_during_run = 'explode'\n", "gpio.press_during_run: 'explode' is not one of 'ignore', 'cancel'"),
        ("[music.moods.joy]\npolicy = 'match'\n", "music.moods.joy: unknown key"),
        ("[music.moods.sad]\nuris = 'spotify:x'\n", "music.moods.sad.uris: expected a list"),
        ("[camera\n", "not valid TOML"),
        ("[camera]\nsource = 'usb:front'\n", "camera.source: camera source 'usb:front': expected \"usb:N\""),
        ("[model]\npath = '/nowhere/model.tflite'\n", "model.path: no such file: /nowhere/model.tflite"),
        ("[gpio]\nled_pin = 17\n", "gpio.led_pin: 17 is also gpio.button_pin"),
        ("[web]\nhost = 'my kiosk'\n", "web.host: 'my kiosk' is neither an IP address nor a host name"),
        ("[music]\nbackend = 'spotify'\n", 'spotify.client_id: music.backend = "spotify" needs the Client ID'),
        ("[music]\nbackend = 'jukebox'\n", "music.backend: 'jukebox' is not one of 'auto', 'spotify', 'mpd'"),
        ("[detection]\nseconds = nan\n", "detection.seconds: expected a finite number, got nan"),
        ("[detection]\nmargin = -nan\n", "detection.margin: expected a finite number, got nan"),
        (
            "[service]\nwatchdog_stall_seconds = inf\n",
            "service.watchdog_stall_seconds: expected a finite number, got inf",
        ),
        ("[gpio]\nbounce_seconds = -inf\n", "gpio.bounce_seconds: expected a finite number, got -inf"),
        ("[detection]\nseconds = 1e999\n", "detection.seconds: expected a finite number, got inf"),
        (f"[detection]\nseconds = {10**400}\n", "detection.seconds: 1000000"),
        (f"[web]\nport = {'9' * 5000}\n", "not valid TOML: Exceeds the limit"),
        ("[camera]\nsource = " + "[" * 3000 + "]" * 3000 + "\n", "not valid TOML"),
        ("[gpio]\npress_during_run = '" + "x" * 5000 + "'\n", "xxx... is not one of"),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        config.load(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_every_float_key_refuses_nan_and_inf():
    floats = [(section, key) for section, key, tp in schema_keys() if tp is float]
    assert len(floats) >= 7
    for section, key in floats:
        for value in ("nan", "inf", "-inf"):
            with pytest.raises(ConfigError, match=f"{section}.{key}: expected a finite number"):
                config.parse(f"[{section}]\n{key} = {value}\n")


def schema_keys() -> list[tuple[str, str, type]]:
    """(section, key, type) of every scalar key of the schema's sections."""
    hints = {name: typing.get_type_hints(type(getattr(Config(), name))) for name in SECTIONS}
    return [(section, key, tp) for section in SECTIONS for key, tp in hints[section].items() if isinstance(tp, type)]


SECTIONS = [f.name for f in dataclasses.fields(Config) if not f.metadata.get("internal")]


def test_a_byte_order_mark_is_read_like_any_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf[web]\nport = 5001\n")
    assert config.load(path).web.port == 5001
    assert config.parse("\ufeff[web]\nport = 5002\n").web.port == 5002


def test_a_directory_or_undecodable_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=f"{tmp_path}: not a file"):
        config.load(tmp_path)
    path = tmp_path / "config.toml"
    path.write_bytes(b"[web]\nhost = '\xff'\n")
    with pytest.raises(ConfigError, match=f"{path}: cannot read"):
        config.load(path)


def test_an_unusable_state_directory_is_a_config_error_naming_it(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=f"service.state_dir: {blocker} is a file, not a directory"):
        Config().replace("service", state_dir=str(blocker)).state_path()
    with pytest.raises(ConfigError, match="service.state_dir: cannot use"):
        Config().replace("service", state_dir=str(blocker / "below")).state_path()
    (tmp_path / "web-pairing.json").mkdir()
    with pytest.raises(ConfigError, match="web-pairing.json is a directory, not a state file"):
        config.check_state_dir(tmp_path)
    (tmp_path / "web-pairing.json").rmdir()
    config.check_state_dir(tmp_path)  # absent state files are fine
    monkeypatch.setattr(state_dir.os, "access", lambda path, mode: False)  # root may write anywhere
    with pytest.raises(ConfigError, match=f"the state directory {tmp_path} is not writable"):
        config.check_state_dir(tmp_path)


def test_missing_file_given_explicitly_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="absent.toml: config file not found"):
        config.load(tmp_path / "absent.toml")


def test_override_is_validated_like_the_file():
    assert config.override(Config(), "web.port", 8000).web.port == 8000
    with pytest.raises(ConfigError, match="web.port: 0 is below the minimum 1"):
        config.override(Config(), "web.port", 0)
    with pytest.raises(ConfigError, match="command line: web.prot: unknown key"):
        config.override(Config(), "web.prot", 8000)


def test_example_file_documents_every_key_and_loads_to_the_defaults():
    example = ROOT / "config.example.toml"
    assert example.read_text(encoding="utf-8") == config.example_toml(), (
        "config.example.toml is stale: regenerate it with .venv/bin/python -c "
        "'from moodify_edge.config import example_toml; print(example_toml(), end=\"\")' > config.example.toml"
    )
    assert config.load(example) == Config(source=str(example))


def test_state_path_prefers_the_systemd_state_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    assert Config().state_path() == tmp_path / "state"
    assert (tmp_path / "state").is_dir()


def test_the_schema_imports_whichever_module_comes_first():
    # mood.py declares its keys with moodify_edge.setting, and the schema holds the mood profiles
    for module in ("moodify_edge.mood", "moodify_edge.config", "moodify_edge.setting"):
        done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
