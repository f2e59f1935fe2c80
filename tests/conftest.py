"""Shared fixtures: the real frame pipeline (Haar detector + the shipped int8 model), and the cheap web app with
test clients for the kiosk and a phone. Shared helper functions live in :mod:`helpers`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser.stack import LAN_ADDRESS, demo_config
from helpers import WebApp, client_from, web_apps

from moodify_edge.config import Config
from moodify_edge.pipeline import FramePipeline


@pytest.fixture(scope="session")
def pipeline() -> FramePipeline:
    return FramePipeline.from_config(Config())


@pytest.fixture
def build(pipeline: FramePipeline) -> Iterator[Callable[[Config], WebApp]]:
    """Fixture: ``build(config)`` → a cheap :class:`WebApp` (see :func:`web_apps`)."""
    with web_apps(pipeline) as build:
        yield build


@pytest.fixture
def stack(build: Callable[[Config], WebApp], tmp_path: Path) -> WebApp:
    """Fixture: the cheap web app in demo mode, with 30-second runs."""
    return build(demo_config(tmp_path / "state", seconds=30.0))


@pytest.fixture
def kiosk(stack: WebApp) -> Any:
    """Fixture: the kiosk's own browser (loopback)."""
    return client_from(stack.app)


@pytest.fixture
def phone(stack: WebApp) -> Any:
    """Fixture: a phone on the LAN."""
    return client_from(stack.app, LAN_ADDRESS)
