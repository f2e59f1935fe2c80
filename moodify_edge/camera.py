"""Camera sources behind one interface, and the feed thread that keeps one open.

A :class:`Camera` hands out BGR frames (``read(timeout)``) until it is closed. Sources: the Pi camera
(picamera2/libcamera, imported only when asked for), USB webcams (OpenCV over V4L2), files (a video,
one image, or a folder of images) and ``demo`` (real faces shipped with the package, shown one
"visitor" at a time). :class:`CameraFeed` keeps a camera open on a background thread, reopens it with
exponential backoff when it fails or is unplugged, and reports its state on the event bus.
Frames only ever live in memory.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Protocol

import cv2
import numpy as np

from .config import CameraConfig, ConfigError, parse_camera_source
from .events import EventBus

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"})
FRAME_SIZE = (640, 480)  # width, height of demo frames
DEMO_DATA = "demo_faces.npz"
USB_AUTO_DEVICES = 10  # "auto" tries /dev/video0-9; higher nodes on a Pi are its codec and ISP


class CameraError(Exception):
    """A camera that cannot be opened or has stopped delivering frames; the message says why."""


class EndOfStream(Exception):
    """A non-looping file source has no more frames (not an error: the run simply ends)."""


class Camera(Protocol):
    description: str

    def read(self, timeout: float) -> np.ndarray | None:
        """The next BGR frame, or None when none arrived within ``timeout`` seconds."""

    def close(self) -> None: ...


class _Pacer:
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


# ----------------------------------------------------------------------------- hardware
class PiCamera:
    """The Raspberry Pi camera through picamera2 (from apt: python3-picamera2)."""

    def __init__(self, width: int, height: int, fps: int) -> None:
        try:
            from picamera2 import Picamera2  # noqa: PLC0415 (only on a Pi, only when asked for)
        except ImportError as exc:
            raise CameraError(
                f"Pi camera: picamera2/libcamera is not available ({exc}); on Raspberry Pi OS install "
                "python3-picamera2 with apt and create the venv with --system-site-packages"
            ) from None
        except Exception as exc:  # e.g. "numpy.dtype size changed": a pip numpy 2 shadows the apt numpy
            raise CameraError(
                f"Pi camera: picamera2 is installed but fails to import ({type(exc).__name__}: {exc}); "
                "the venv must use the system numpy (re-run scripts/install-pi.sh)"
            ) from None
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
            raise CameraError(f"Pi camera: {exc}") from None
        self.description = f"Pi camera {width}x{height}@{fps}"

    def read(self, timeout: float) -> np.ndarray | None:
        try:
            return self._camera.capture_array("main")
        except Exception as exc:
            raise CameraError(f"{self.description}: {exc}") from None

    def close(self) -> None:
        try:
            self._camera.close()
        except Exception:  # closing a camera that already failed must not raise again
            log.debug("closing the Pi camera failed", exc_info=True)


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


# ----------------------------------------------------------------------------- files
class FileCamera:
    """A video file, one image, or a folder of images, played at ``fps`` (or as fast as read)."""

    def __init__(self, path: Path, *, fps: int = 30, loop: bool = True, paced: bool = True) -> None:
        self.path = path
        self.description = f"file {path}"
        self._loop = loop
        self._pacer = _Pacer(fps, paced)
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


# ----------------------------------------------------------------------------- demo
@dataclasses.dataclass(frozen=True)
class DemoFaces:
    """The shipped sample faces: FER2013 test faces (48×48 grey) with labels, and the astronaut photo."""

    faces: np.ndarray
    labels: np.ndarray
    astronaut: np.ndarray

    @classmethod
    def load(cls) -> DemoFaces:
        with resources.files("moodify_edge.data").joinpath(DEMO_DATA).open("rb") as f, np.load(f) as data:
            astronaut = cv2.imdecode(data["astronaut_jpg"], cv2.IMREAD_COLOR)
            return cls(data["faces"], data["labels"], astronaut)


def demo_background(size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """A plain lit wall: a soft vertical gradient in BGR."""
    width, height = size
    ramp = np.linspace(150, 95, height, dtype=np.float32)[:, None, None]
    tint = np.array([1.0, 0.97, 0.92], np.float32)[None, None, :]
    return np.ascontiguousarray(np.broadcast_to(ramp * tint, (height, width, 3)), dtype=np.uint8)


def face_portrait(face: np.ndarray, side: int = 200) -> np.ndarray:
    """A 48×48 grey FER2013 face upscaled to a ``side``×``side`` BGR patch a detector finds."""
    big = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
    return cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)


def place(background: np.ndarray, patch: np.ndarray, dx: int = 0, dy: int = 0) -> np.ndarray:
    """A copy of ``background`` with ``patch`` centred, shifted by (dx, dy) pixels."""
    frame = background.copy()
    h, w = patch.shape[:2]
    y = (frame.shape[0] - h) // 2 + dy
    x = (frame.shape[1] - w) // 2 + dx
    frame[y : y + h, x : x + w] = patch
    return frame


class DemoCamera:
    """Plays the shipped faces like a live camera: one visitor for a few seconds, then the next,
    looping, with a little movement each frame so it looks alive."""

    JITTER = 3  # pixels

    def __init__(self, *, fps: int = 30, paced: bool = True, visitor_seconds: float = 8.0, seed: int = 0) -> None:
        demo = DemoFaces.load()
        astronaut = cv2.resize(demo.astronaut, (440, 440), interpolation=cv2.INTER_CUBIC)
        self.visitors: list[np.ndarray] = [astronaut] + [face_portrait(f) for f in demo.faces]
        self.visitor_labels: list[int] = [3] + [int(v) for v in demo.labels]  # the astronaut smiles
        self.description = f"demo faces ({len(self.visitors)} visitors)"
        self._background = demo_background()
        self._pacer = _Pacer(fps, paced)
        self._frames_per_visitor = max(1, round(visitor_seconds * fps))
        self._rng = np.random.default_rng(seed)
        self._index = 0

    @property
    def visitor(self) -> int:
        """Index of the visitor the next frame shows."""
        return (self._index // self._frames_per_visitor) % len(self.visitors)

    def read(self, timeout: float) -> np.ndarray | None:
        if not self._pacer.wait(timeout):
            return None
        patch = self.visitors[self.visitor]
        dx, dy = (int(v) for v in self._rng.integers(-self.JITTER, self.JITTER + 1, 2))
        self._index += 1
        return place(self._background, patch, dx, dy)

    def close(self) -> None:
        pass


# ----------------------------------------------------------------------------- choosing a source
def parse_source(source: str) -> tuple[str, Any]:
    """(kind, argument) of a camera source (see :func:`moodify_edge.config.parse_camera_source`);
    raises CameraError for a source that names nothing."""
    try:
        return parse_camera_source(source)
    except ConfigError as exc:
        raise CameraError(str(exc)) from None


def open_camera(camera: CameraConfig, *, paced: bool = True) -> Camera:
    """Open the source ``camera.source`` names; raises CameraError saying what was tried."""
    kind, argument = parse_source(camera.source)
    size = (camera.width, camera.height, camera.fps)
    if kind == "picam":
        return PiCamera(*size)
    if kind == "usb":
        return UsbCamera(argument, *size)
    if kind == "demo":
        return DemoCamera(fps=camera.fps, paced=paced)
    if kind == "file":
        return FileCamera(argument, fps=camera.fps, loop=camera.loop, paced=paced)
    tried = []
    try:
        return PiCamera(*size)
    except CameraError as exc:
        tried.append(str(exc))
    devices = [f"/dev/video{i}" for i in range(USB_AUTO_DEVICES) if Path(f"/dev/video{i}").exists()]
    for device in devices:
        try:
            return UsbCamera(device, *size)
        except CameraError as exc:
            tried.append(str(exc))
    if not devices:
        tried.append("USB: no camera at /dev/video0-9")
    raise CameraError("no camera found; tried " + "; ".join(tried))


# ----------------------------------------------------------------------------- the feed
class CameraFeed:
    """A background thread that keeps a camera open and always has its newest frame ready.

    When opening or reading fails, the camera is closed and reopened after 0.5 s, 1 s, 2 s, …
    (at most ``camera.reopen_max_seconds``; back to 0.5 s once frames flow again). Every change of state is published as a "camera"
    event ``{ok, message, source}``; ``heartbeat`` is the monotonic time of the loop's last turn.
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
        self._status = {"ok": False, "message": "starting the camera", "source": camera.source}
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

    def status(self) -> dict[str, Any]:
        return dict(self._status)

    def read(self, timeout: float) -> np.ndarray | None:
        """The newest frame not returned before, or None if none arrives within ``timeout``."""
        with self._cond:
            fresh = self._cond.wait_for(lambda: self._sequence != self._taken or self._stop.is_set(), timeout)
            if not fresh or self._sequence == self._taken:
                return None
            self._taken = self._sequence
            return self._frame

    def _set_status(self, ok: bool, message: str) -> None:
        status = {"ok": ok, "message": message, "source": self._config.source}
        if status == self._status:
            return
        self._status = status
        (log.info if ok else log.warning)("camera: %s", message)
        if self._bus is not None:
            self._bus.publish("camera", **status)

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
