"""Files as a camera: a video, one image, or a folder of images, played like a live camera.

:class:`Pacer` hands out frame slots at the camera's rate; the demo camera paces itself with it too.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from .camera import CameraError, EndOfStream

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"})


class Pacer:
    """Hands out frame slots at ``fps`` so a file or the demo plays like a live camera."""

    def __init__(self, fps: float, paced: bool) -> None:
        self._interval = 1.0 / fps if paced else 0.0
        self._due = time.monotonic()

    def wait(self, timeout: float) -> bool:
        """Sleep until the next frame is due; False when that is later than ``timeout``."""
        if not self._interval:
            return True
        now = time.monotonic()
        delay = self._due - now
        if delay > timeout:
            time.sleep(max(0.0, timeout))
            return False
        if delay > 0:
            time.sleep(delay)
        self._due = max(self._due, now - self._interval) + self._interval
        return True


class FileCamera:
    """A video file, one image, or a folder of images, played at ``fps`` (or as fast as read)."""

    def __init__(self, path: Path, *, fps: int = 30, loop: bool = True, paced: bool = True) -> None:
        self.path = path
        self.description = f"file {path}"
        self._loop = loop
        self._pacer = Pacer(fps, paced)
        self._video: cv2.VideoCapture | None = None
        self._images: list[Path] = []
        self._position = 0
        if not path.exists():
            raise CameraError(f"{path}: no such file or folder")
        if path.is_dir():
            self._images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self._images:
                raise CameraError(f"{path}: folder has no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            self._images = [path]
        else:
            self._video = cv2.VideoCapture(str(path))
            if not self._video.isOpened():
                raise CameraError(f"{path}: not a video or image OpenCV can read")
        self._single = self._read_image(path) if self._images == [path] else None

    def _read_image(self, path: Path) -> np.ndarray:
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            raise CameraError(f"{path}: cannot read this image")
        return frame

    def read(self, timeout: float) -> np.ndarray | None:
        if not self._pacer.wait(timeout):
            return None
        if self._video is not None:
            ok, frame = self._video.read()
            if not ok and self._loop and self._position:
                self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = self._video.read()
            if not ok:
                raise EndOfStream(str(self.path))
            self._position += 1
            return frame
        if self._position >= len(self._images):
            if not self._loop:
                raise EndOfStream(str(self.path))
            self._position = 0
        image = self._images[self._position]
        self._position += 1
        return self._single.copy() if self._single is not None else self._read_image(image)

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
