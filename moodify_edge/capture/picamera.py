"""The Raspberry Pi camera, through picamera2/libcamera (imported only when this camera is opened)."""

from __future__ import annotations

import logging

import numpy as np

from .camera import CameraError

log = logging.getLogger(__name__)


class PiCamera:
    """The Raspberry Pi camera through picamera2 (from apt: python3-picamera2)."""

    def __init__(self, width: int, height: int, fps: int) -> None:
        try:
            from picamera2 import Picamera2  # only on a Pi, only when asked for
        except ImportError as exc:
            raise CameraError(
                f"Pi camera: picamera2/libcamera is not available ({exc}); on Raspberry Pi OS install "
                "python3-picamera2 with apt and create the venv with --system-site-packages"
            ) from exc
        except Exception as exc:  # e.g. "numpy.dtype size changed": a pip numpy 2 shadows the apt numpy
            raise CameraError(
                f"Pi camera: picamera2 is installed but fails to import ({type(exc).__name__}: {exc}); "
                "the venv must use the system numpy (re-run scripts/install-pi.sh)"
            ) from exc
        try:
            if not Picamera2.global_camera_info():
                raise CameraError("Pi camera: libcamera found no camera (check the ribbon cable)")
            self._camera = Picamera2()
            self._camera.configure(
                self._camera.create_video_configuration(
                    main={"size": (width, height), "format": "RGB888"},  # BGR byte order, as OpenCV wants
                    controls={"FrameRate": float(fps)},
                )
            )
            self._camera.start()
        except CameraError:
            raise
        except Exception as exc:  # libcamera reports busy or missing cameras with assorted exceptions
            raise CameraError(f"Pi camera: {exc}") from exc
        self.description = f"Pi camera {width}x{height}@{fps}"

    def read(self, timeout: float) -> np.ndarray | None:
        try:
            return self._camera.capture_array("main")
        except Exception as exc:
            raise CameraError(f"{self.description}: {exc}") from exc

    def close(self) -> None:
        try:
            self._camera.close()
        except Exception:  # closing a camera that already failed must not raise again
            log.debug("closing the Pi camera failed", exc_info=True)
