"""Shared fixtures: the real frame pipeline (Haar detector + the shipped int8 model). Shared helper functions
live in :mod:`helpers`."""

from __future__ import annotations

import pytest

from moodify_edge.config import Config
from moodify_edge.pipeline import FramePipeline


@pytest.fixture(scope="session")
def pipeline() -> FramePipeline:
    return FramePipeline.from_config(Config())
