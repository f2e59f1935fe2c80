"""The kiosk's camera view: the newest camera frame with the run's face box, as a JPEG made in memory.

:class:`Preview` listens on the event bus for :class:`~moodify_edge.events.FrameRead` (the face box of the run
in progress) and draws it on the newest frame of the :class:`~.feed.CameraFeed` only when asked: nothing is
encoded while nobody watches, an encoded picture is reused for :attr:`Preview.MIN_INTERVAL` seconds however
many requests come (a few frames a second at most, affordable on a Pi), and no picture ever reaches a file
or a log. The emotion and its confidence are written by the page, in the page's language, not on the image.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import cv2
import numpy as np

from ..emotions import EMOTIONS
from ..events import Event, EventBus, FrameRead, StateChanged

BoxColour = tuple[int, int, int]
COLOURS: dict[str, BoxColour] = {
    e.key: (int(e.colour[5:7], 16), int(e.colour[3:5], 16), int(e.colour[1:3], 16)) for e in EMOTIONS
}  # "#rrggbb" → OpenCV's BGR
NEUTRAL_BOX: BoxColour = (255, 255, 255)


class LatestFrame(Protocol):
    def latest(self) -> np.ndarray | None: ...


class Preview:
    """The picture for ``GET /api/preview.jpg``: at most :attr:`WIDTH` pixels wide, JPEG quality
    :attr:`QUALITY`, the face box (in the top emotion's colour) while a run's last reading is fresh."""

    MIN_INTERVAL = 0.2  # seconds an encoded picture is reused: at most 5 encodes a second
    BOX_SECONDS = 0.6  # a face box older than this is not drawn (the run ended, or the face left)
    WIDTH = 480
    QUALITY = 70

    def __init__(self, frames: LatestFrame, bus: EventBus, clock: Callable[[], float] = time.monotonic) -> None:
        self._frames = frames
        self._clock = clock
        self._lock = threading.Lock()
        self._face: tuple[tuple[int, int, int, int], str | None] | None = None
        self._face_at = 0.0
        self._jpeg: bytes | None = None
        self._jpeg_at = -1e9
        self.encoded = 0  # pictures encoded so far (the tests check the rate)
        bus.listen(self._on_event)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, FrameRead):
            reading = event.reading
            self._face = None if reading.face is None else (reading.face, reading.top)
            self._face_at = self._clock()
        elif isinstance(event, StateChanged):
            self._face = None

    def jpeg(self) -> bytes | None:
        """The newest picture as JPEG bytes, or None while the camera has no frame."""
        with self._lock:
            now = self._clock()
            if self._jpeg is not None and now - self._jpeg_at < self.MIN_INTERVAL:
                return self._jpeg
            frame = self._frames.latest()
            if frame is None:
                return None
            face = self._face if now - self._face_at <= self.BOX_SECONDS else None
            self._jpeg = encode(frame, face, self.WIDTH, self.QUALITY)
            self._jpeg_at = now
            self.encoded += 1
            return self._jpeg


def encode(
    frame: np.ndarray, face: tuple[tuple[int, int, int, int], str | None] | None, width: int, quality: int
) -> bytes:
    """``frame`` (BGR or grey) scaled down to ``width`` with ``face``'s box drawn, as JPEG bytes."""
    scale = min(1.0, width / frame.shape[1])
    picture = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if scale < 1.0:
        size = (round(frame.shape[1] * scale), round(frame.shape[0] * scale))
        picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
    elif picture is frame:
        picture = frame.copy()  # never draw on the feed's own frame
    if face is not None:
        (x, y, w, h), top = face
        colour = COLOURS.get(top or "", NEUTRAL_BOX)
        corner = (round(x * scale), round(y * scale))
        far = (round((x + w) * scale), round((y + h) * scale))
        thickness = max(2, round(picture.shape[1] / 160))
        cv2.rectangle(picture, corner, far, (0, 0, 0), thickness + 2)
        cv2.rectangle(picture, corner, far, colour, thickness)
    ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the camera picture could not be encoded")
    return data.tobytes()
