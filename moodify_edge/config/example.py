"""The example configuration file: every key with its documentation, allowed values and default.

``config.example.toml`` at the top of the repository is this module's output; a test keeps them the same.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from .schema import Config
from .validation import DEFAULT_PATH, ENV_VAR


def toml_value(value: Any) -> str:
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
        lines.append(f"{f.name} = {toml_value(value)}")
    for f, table in nested:
        lines += ["", f"# {f.metadata['doc']}"]
        for key, child in table.items():
            _example_table(child, f"{header}.{f.name}.{key}", lines)


def example_toml() -> str:
    """The fully commented example file: every key with its documentation, allowed values and default."""
    lines = [
        "# Moodify Edge configuration (TOML). Every key is optional: the value shown is its default.",
        f"# On the device this file lives at {DEFAULT_PATH}; elsewhere pass --config PATH or set ${ENV_VAR}.",
        "# Ranges and choices are in [brackets]. Generated from moodify_edge/config/schema.py: "
        "edit the schema, not this file.",
    ]
    config = Config()
    for f in dataclasses.fields(config):
        if not f.metadata.get("internal"):
            _example_table(getattr(config, f.name), f.name, lines)
    return "\n".join(lines) + "\n"
