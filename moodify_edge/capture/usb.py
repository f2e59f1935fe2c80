"""A USB (UVC) webcam, through OpenCV's V4L2 backend."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .camera import CameraError

AUTO_DEVICES = 10  # "auto" tries /dev/video0-9; higher nodes on a Pi are its codec and ISP


class UsbCamera:
    """A UVC webcam through OpenCV's V4L2 backend."""

    def __init__(self, device: int | str, width: int, height: int, fps: int) -> None:
        path = f"/dev/video{device}" if isinstance(device, int) else device
        self.description = f"USB camera {path}"
        if not Path(path).exists():
            raise CameraError(f"{self.description}: no such device (is the camera plugged in?)")
        self._capture = cv2.VideoCapture(path, cv2.CAP_V4L2)
        if not self._capture.isOpened():
            self._capture.release()
            raise CameraError(f"{self.description}: cannot open it (in use, or no permission: join group 'video')")
        self._capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture.set(cv2.CAP_PROP_FPS, fps)
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)

    def read(self, timeout: float) -> np.ndarray | None:
        ok, frame = self._capture.read()
        if not ok or frame is None:
            raise CameraError(f"{self.description}: stopped delivering frames (unplugged?)")
        return frame

    def close(self) -> None:
        self._capture.release()


def present_devices() -> list[str]:
    """The /dev/video0-9 nodes that exist now (the ones "auto" tries)."""
    return [f"/dev/video{i}" for i in range(AUTO_DEVICES) if Path(f"/dev/video{i}").exists()]
