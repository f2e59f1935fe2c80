"""Configuration: the schema of every key, its default, and validation of one TOML file.

The schema (:mod:`.schema`) is a tree of frozen dataclasses. Each field's ``metadata`` carries its
documentation and constraints (``choices``, ``min``, ``max``; see :mod:`moodify_edge.setting`), so validation
(:mod:`.validation`), defaults and the example file (:mod:`.example`) all come from one place. Errors name
the file, the key and what is wrong; the CLI turns them into exit status 78. Where state is kept is
:mod:`.state_dir`.
"""

from __future__ import annotations

from .example import example_toml
from .schema import (
    CameraConfig,
    Config,
    DetectionConfig,
    GpioConfig,
    KioskConfig,
    MetricsConfig,
    ModelConfig,
    MqttConfig,
    MusicConfig,
    ServiceConfig,
    SpotifyConfig,
    WebConfig,
)
from .state_dir import SERVICE_STATE_DIR, check_state_dir
from .validation import DEFAULT_PATH, ENV_VAR, EX_CONFIG, ConfigError, load, override, parse

__all__ = [
    "DEFAULT_PATH",
    "ENV_VAR",
    "EX_CONFIG",
    "SERVICE_STATE_DIR",
    "CameraConfig",
    "Config",
    "ConfigError",
    "DetectionConfig",
    "GpioConfig",
    "ModelConfig",
    "MusicConfig",
    "KioskConfig",
    "MetricsConfig",
    "MqttConfig",
    "ServiceConfig",
    "SpotifyConfig",
    "WebConfig",
    "check_state_dir",
    "example_toml",
    "load",
    "override",
    "parse",
]
