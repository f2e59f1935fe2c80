"""Shared fixtures: the real frame pipeline (Haar detector + the shipped int8 model) and the sample photo."""

from __future__ import annotations

from pathlib import Path

import pytest

from moodify_edge.config import Config
from moodify_edge.pipeline import FramePipeline

ASTRONAUT = Path(__file__).parent / "data" / "astronaut.png"


@pytest.fixture(scope="session")
def pipeline() -> FramePipeline:
    return FramePipeline.from_config(Config())
