"""Camera sources behind one interface, and the feed thread that keeps one open.

Sources: the Pi camera (:mod:`.picamera`), USB webcams (:mod:`.usb`), files: a video, one image or a
folder of images (:mod:`.files`), and ``demo``, real faces shipped with the package (:mod:`.demo`).
:mod:`.source` turns a ``camera.source`` value into one of them; :class:`CameraFeed` (:mod:`.feed`) keeps
a camera open on a background thread; :class:`Preview` (:mod:`.preview`) is the kiosk's camera view. The
interface, errors and status are in :mod:`.camera`.
"""

from __future__ import annotations

from .camera import Camera, CameraError, CameraStatus, EndOfStream
from .demo import DEMO_DATA, DemoCamera, DemoFaces, demo_background, face_portrait, place
from .feed import CameraFeed
from .files import FileCamera
from .picamera import PiCamera
from .preview import Preview
from .source import SourceKind, open_camera, parse_source
from .usb import UsbCamera

__all__ = [
    "DEMO_DATA",
    "Camera",
    "CameraError",
    "CameraFeed",
    "CameraStatus",
    "DemoCamera",
    "DemoFaces",
    "EndOfStream",
    "FileCamera",
    "PiCamera",
    "Preview",
    "SourceKind",
    "UsbCamera",
    "demo_background",
    "face_portrait",
    "open_camera",
    "parse_source",
    "place",
]
