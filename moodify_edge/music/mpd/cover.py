"""Cover: a file's artwork from MPD (``readpicture`` for an embedded picture, else ``albumart`` for a cover
file in its folder), resized to a small JPEG; a generated tile when there is none. Recent answers are cached.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import cv2
import mpd
import numpy as np

from .connection import MpdConnection
from .errors import ACK_NO_EXIST, ack_code
from .player import check_uri

SIZE = 300  # pixels on the longer side
MAX_PICTURE_BYTES = 8 << 20
CACHE_ENTRIES = 64


def _picture(client: mpd.MPDClient, uri: str) -> bytes | None:
    for command in (client.readpicture, client.albumart):
        try:
            answer = command(uri)
        except mpd.CommandError as exc:
            if ack_code(exc) != ACK_NO_EXIST:
                raise
            continue
        data = answer.get("binary") if isinstance(answer, dict) else None
        if data:
            return bytes(data)
    return None


def resized(data: bytes) -> bytes | None:
    """``data`` (any image OpenCV reads) as a JPEG at most ``SIZE`` pixels on a side; None when unreadable."""
    if len(data) > MAX_PICTURE_BYTES:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    height, width = image.shape[:2]
    scale = SIZE / max(height, width)
    if scale < 1:
        image = cv2.resize(
            image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
        )
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return jpeg.tobytes() if ok else None


def tile(uri: str) -> bytes:
    """A generated square for a file without artwork: a diagonal gradient in colours taken from its folder
    (one album, one tile) with a record's rings."""
    digest = hashlib.sha256(uri.rpartition("/")[0].encode()).digest()
    start, end = np.array(list(digest[:3]), np.float32), np.array(list(digest[3:6]), np.float32)
    ramp = (np.add.outer(np.arange(SIZE), np.arange(SIZE)) / (2 * SIZE - 2)).astype(np.float32)
    image = (start + (end - start) * ramp[..., None]).astype(np.uint8)
    centre = (SIZE // 2, SIZE // 2)
    for radius in (SIZE // 3, SIZE // 5, SIZE // 16):
        cv2.circle(image, centre, radius, (255, 255, 255), 2, cv2.LINE_AA)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(jpeg.tobytes())


class MpdArtwork:
    """Artwork for files of MPD's library, as JPEG bytes. Thread-safe."""

    def __init__(self, connection: MpdConnection) -> None:
        self._connection = connection
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def artwork(self, uri: str) -> bytes:
        check_uri(uri)
        with self._lock:
            if uri in self._cache:
                self._cache.move_to_end(uri)
                return self._cache[uri]
        picture = self._connection.run(lambda client: _picture(client, uri))
        image = (resized(picture) if picture else None) or tile(uri)
        with self._lock:
            self._cache[uri] = image
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return image
