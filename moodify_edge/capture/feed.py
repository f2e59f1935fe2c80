"""The camera feed: a background thread that keeps one camera open and its newest frame ready.

It reopens the camera with exponential backoff when it fails or is unplugged, and reports each change of
state on the event bus.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..events import CameraChanged, EventBus
from .camera import Camera, CameraError, CameraStatus, EndOfStream
from .source import open_camera

if TYPE_CHECKING:
    from ..config import CameraConfig

log = logging.getLogger(__name__)


class CameraFeed:
    """A background thread that keeps a camera open and always has its newest frame ready.

    When opening or reading fails, the camera is closed and reopened after 0.5 s, 1 s, 2 s, …
    (at most ``camera.reopen_max_seconds``; back to 0.5 s once frames flow again). Every change of state
    is published as a :class:`~moodify_edge.events.CameraChanged`; ``heartbeat`` is the monotonic time of
    the loop's last turn.
    """

    FIRST_BACKOFF = 0.5
    READ_TIMEOUT = 0.5

    def __init__(
        self,
        camera: CameraConfig,
        bus: EventBus | None = None,
        *,
        opener: Callable[[], Camera] | None = None,
    ) -> None:
        self._config = camera
        self._bus = bus
        self._open = opener or (lambda: open_camera(camera))
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self._sequence = 0
        self._taken = 0
        self._status = CameraStatus(ok=False, message="starting the camera", source=camera.source, starting=True)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.heartbeat = time.monotonic()
        self.failures = 0  # failed opens and lost cameras so far

    def start(self) -> CameraFeed:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="camera", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> CameraFeed:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def status(self) -> CameraStatus:
        return self._status

    def read(self, timeout: float) -> np.ndarray | None:
        """The newest frame not returned before, or None if none arrives within ``timeout``."""
        with self._cond:
            fresh = self._cond.wait_for(lambda: self._sequence != self._taken or self._stop.is_set(), timeout)
            if not fresh or self._sequence == self._taken:
                return None
            self._taken = self._sequence
            return self._frame

    def latest(self) -> np.ndarray | None:
        """The newest frame (None before the first, or while the camera is failing), without taking it from
        :meth:`read`: the kiosk's camera view looks at the same frames a run reads."""
        with self._cond:
            return self._frame if self._status.ok else None

    def _set_status(self, ok: bool, message: str) -> None:
        status = CameraStatus(ok=ok, message=message, source=self._config.source)
        if status == self._status:
            return
        self._status = status
        (log.info if ok else log.warning)("camera: %s", message)
        if self._bus is not None:
            self._bus.publish(CameraChanged(status))

    def _loop(self) -> None:
        camera: Camera | None = None
        backoff = self.FIRST_BACKOFF
        while not self._stop.is_set():
            self.heartbeat = time.monotonic()
            try:
                if camera is None:
                    camera = self._open()
                    self._set_status(True, camera.description)
                frame = camera.read(self.READ_TIMEOUT)
            except Exception as exc:  # drivers fail in assorted ways; the loop must outlive them all
                if not isinstance(exc, (CameraError, EndOfStream, cv2.error)):
                    log.exception("camera: unexpected error")
                if camera is not None:
                    camera.close()
                    camera = None
                    message = f"camera lost: {exc}"
                else:
                    message = str(exc)
                self._set_status(False, message)
                self.failures += 1
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._config.reopen_max_seconds)
                continue
            if frame is not None:
                backoff = self.FIRST_BACKOFF
                with self._cond:
                    self._frame = frame
                    self._sequence += 1
                    self._cond.notify_all()
        if camera is not None:
            camera.close()
