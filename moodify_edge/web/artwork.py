"""Artwork: cover images from a backend that serves them itself (MPD's are inside the music files).

``GET /api/artwork?uri=<track uri>`` answers a JPEG; as an ``/api/`` route it is for the kiosk and paired
phones only (:func:`.access.guard`). A backend without artwork of its own answers ``404 not_found``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from ..contract import ErrorCode
from ..music import MusicBackend
from .api import MAX_URI_LENGTH
from .errors import ApiError

bp = Blueprint("artwork", __name__, url_prefix="/api")


@bp.get("/artwork")
def artwork() -> Response:
    uri = request.args.get("uri", "")
    if not 0 < len(uri) <= MAX_URI_LENGTH:
        raise ApiError(ErrorCode.BAD_URI, f'"uri" must be a track URI of 1 to {MAX_URI_LENGTH} characters.')
    music: MusicBackend = current_app.extensions["moodify.controller"].music
    if music.artwork is None:
        raise ApiError(ErrorCode.NOT_FOUND, "This music backend has no artwork to serve.")
    response = Response(music.artwork.artwork(uri), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
