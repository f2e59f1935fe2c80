"""What a camera is: the interface every source implements, the errors it raises and the status it reports.

A :class:`Camera` hands out BGR frames (``read(timeout)``) until it is closed. Frames only ever live in
memory.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import numpy as np

from ..contract import ErrorCode, KioskError


class CameraError(KioskError):
    """A camera that cannot be opened or has stopped delivering frames; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.CAMERA_UNAVAILABLE, message)


class EndOfStream(Exception):
    """A non-looping file source has no more frames (not an error: the run simply ends)."""


@dataclasses.dataclass(frozen=True)
class CameraStatus:
    """Whether frames flow, and what the camera is (or what went wrong), for the screens and ``doctor``."""

    ok: bool
    message: str
    source: str = ""
    starting: bool = False  # not open yet, and not failed yet either

    @classmethod
    def working(cls) -> CameraStatus:
        return cls(ok=True, message="")

    @property
    def failed(self) -> bool:
        return not self.ok and not self.starting

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Camera(Protocol):
    """A source of frames: the Pi camera, a USB webcam, a file or the demo."""

    description: str

    def read(self, timeout: float) -> np.ndarray | None:
        """The next BGR frame, or None when none arrived within ``timeout`` seconds."""

    def close(self) -> None: ...
