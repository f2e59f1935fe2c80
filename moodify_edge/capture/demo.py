"""The demo camera: real faces shipped with the package, shown one "visitor" at a time on a plain wall.

The drawing helpers (:func:`demo_background`, :func:`face_portrait`, :func:`place`) are also what the
tests and ``scripts/make_demo_faces.py`` build their scenes with.
"""

from __future__ import annotations

import dataclasses
from importlib import resources

import cv2
import numpy as np

from .camera import CameraError
from .files import Pacer

FRAME_SIZE = (640, 480)  # width, height of demo frames
DEMO_DATA = "demo_faces.npz"


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
            if astronaut is None:
                raise CameraError(f"{DEMO_DATA}: the astronaut photo in it cannot be decoded")
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
        self._pacer = Pacer(fps, paced)
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
