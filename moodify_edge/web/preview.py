"""The kiosk's camera view: ``GET /api/preview.jpg``, the newest camera picture with the face box.

Only the kiosk's own browser gets it (:func:`.access.kiosk_only`: a loopback peer through the kiosk's own
listener; every LAN client and every request through the LAN listener is refused ``403 kiosk_only``), only
with ``[kiosk] preview`` on, and never cached (``Cache-Control: no-store``). The picture is made in memory by
:class:`moodify_edge.capture.Preview` and never written anywhere; the page polls it a few times a second while
its camera view shows.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from werkzeug.wrappers import Response

from ..capture import Preview
from ..contract import ErrorCode
from .access import kiosk_only
from .errors import ApiError

bp = Blueprint("preview", __name__, url_prefix="/api")
EXTENSION = "moodify.preview"


@bp.get("/preview.jpg")
def preview() -> Response:
    kiosk_only()
    source: Preview | None = current_app.extensions.get(EXTENSION)
    if source is None or not current_app.config["MOODIFY"].kiosk.preview:
        raise ApiError(ErrorCode.NOT_FOUND, "The camera view is turned off ([kiosk] preview).")
    picture = source.jpeg()
    if picture is None:
        raise ApiError(ErrorCode.CAMERA_UNAVAILABLE, "The camera has no picture yet.")
    response = Response(picture, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    return response
