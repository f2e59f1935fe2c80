"""Camera sources: what a ``camera.source`` value names, and opening the camera it names.

The configuration validates ``camera.source`` with :func:`parse_source`, and :func:`open_camera` opens
it, so a value means the same thing in both places.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from .camera import Camera, CameraError
from .demo import DemoCamera
from .files import FileCamera
from .picamera import PiCamera
from .usb import UsbCamera, present_devices

if TYPE_CHECKING:
    from ..config import CameraConfig


class SourceKind(StrEnum):
    """The kinds of camera source."""

    AUTO = "auto"  # the Pi camera, else the first USB camera that opens
    PICAM = "picam"
    USB = "usb"
    DEMO = "demo"  # the shipped sample faces
    FILE = "file"  # a video, an image or a folder of images


SourceArgument = int | str | Path | None


def parse_source(source: str) -> tuple[SourceKind, SourceArgument]:
    """(kind, argument) of a ``camera.source`` value: (AUTO | PICAM | DEMO, None), (USB, index or device
    path) or (FILE, Path); raises CameraError for a source that names nothing."""
    text = source.strip()
    if text in (SourceKind.AUTO, SourceKind.PICAM, SourceKind.DEMO):
        return SourceKind(text), None
    if text.startswith("usb:"):
        index = text[4:]
        if not index.isdigit():
            raise CameraError(f'camera source {source!r}: expected "usb:N" with a number N')
        return SourceKind.USB, int(index)
    if text.startswith("/dev/video"):
        return SourceKind.USB, text
    return SourceKind.FILE, Path(text).expanduser()


def open_camera(camera: CameraConfig, *, paced: bool = True) -> Camera:
    """Open the source ``camera.source`` names; raises CameraError saying what was tried."""
    size = (camera.width, camera.height, camera.fps)
    match parse_source(camera.source):
        case (SourceKind.PICAM, _):
            return PiCamera(*size)
        case (SourceKind.USB, int() | str() as device):
            return UsbCamera(device, *size)
        case (SourceKind.DEMO, _):
            return DemoCamera(fps=camera.fps, paced=paced)
        case (SourceKind.FILE, Path() as path):
            return FileCamera(path, fps=camera.fps, loop=camera.loop, paced=paced)
        case _:
            return _open_any(*size)


def _open_any(width: int, height: int, fps: int) -> Camera:
    """The Pi camera, else the first USB camera that opens ("auto")."""
    tried = []
    try:
        return PiCamera(width, height, fps)
    except CameraError as exc:
        tried.append(str(exc))
    devices = present_devices()
    for device in devices:
        try:
            return UsbCamera(device, width, height, fps)
        except CameraError as exc:
            tried.append(str(exc))
    if not devices:
        tried.append("USB: no camera at /dev/video0-9")
    raise CameraError("no camera found; tried " + "; ".join(tried))
