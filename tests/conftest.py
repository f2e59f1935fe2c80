"""Shared fixtures: the real frame pipeline (Haar detector + the shipped int8 model), the sample photo, and
reading what a run published on the event bus."""

from __future__ import annotations

from pathlib import Path

import pytest

from moodify_edge.config import Config
from moodify_edge.pipeline import FramePipeline

ASTRONAUT = Path(__file__).parent / "data" / "astronaut.png"


@pytest.fixture(scope="session")
def pipeline() -> FramePipeline:
    return FramePipeline.from_config(Config())


def events_until_quiet(subscription) -> list[dict]:
    """The events an :class:`~moodify_edge.events.EventBus` subscription receives until none has come for
    half a second (a finished run has published everything by then)."""
    received = []
    while (event := subscription.get(timeout=0.5)) is not None:
        received.append(event)
    return received
