"""The JSON API of the kiosk: state, trigger, cancel, last result, recommendations and player controls.

Thin views over the :class:`~moodify_edge.controller.Controller`; docs/API.md documents each route.
Input is validated here and answered with a JSON error (see :mod:`.errors`), never passed on raw.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from ..controller import Controller
from ..emotions import EMOTIONS
from .errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_URI_LENGTH = 512


def controller() -> Controller:
    return current_app.extensions["moodify.controller"]


def json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}``, anything else that is not an object is a 400."""
    if not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "The request body must be a JSON object.")
    return body


def emotions_table() -> list[dict[str, Any]]:
    """The seven emotions with their labels and colours, as the screens draw them."""
    return [{"key": e.key, "label": e.label, "label_ko": e.label_ko, "colour": e.colour} for e in EMOTIONS]


@bp.get("/state")
def state() -> Response:
    return jsonify(controller().snapshot())


@bp.get("/emotions")
def emotions() -> Response:
    return jsonify(emotions_table())


@bp.post("/trigger")
def trigger() -> tuple[Response, int]:
    run = controller().trigger("web")  # Busy becomes 409
    return jsonify({"state": "detecting", "run": run}), 202


@bp.post("/cancel")
def cancel() -> Response:
    return jsonify({"cancelled": controller().cancel()})


def _from_snapshot(key: str, code: str, message: str) -> Response:
    value = controller().snapshot()[key]
    if value is None:
        raise ApiError(404, code, message)
    return jsonify(value)


@bp.get("/result")
def result() -> Response:
    return _from_snapshot("result", "no_result", "No detection has finished yet.")


@bp.get("/recommendations")
def recommendations() -> Response:
    return _from_snapshot("recommendations", "no_recommendations", "No recommendations yet: run a detection first.")


@bp.get("/player")
def player() -> Response:
    return jsonify(controller().player_call("player_state").to_dict())


@bp.post("/player/play")
def play() -> Response:
    uri = json_body().get("uri")
    if uri is not None and not (isinstance(uri, str) and 0 < len(uri) <= MAX_URI_LENGTH):
        raise ApiError(400, "bad_uri", f'"uri" must be a string of 1 to {MAX_URI_LENGTH} characters, or absent.')
    args = (uri,) if uri else ()
    return jsonify(controller().player_call("play", *args).to_dict())


@bp.post("/player/<any(pause, next, previous):action>")
def step(action: str) -> Response:
    return jsonify(controller().player_call(action).to_dict())


@bp.post("/player/volume")
def volume() -> Response:
    percent = json_body().get("percent")
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise ApiError(400, "bad_volume", '"percent" must be a whole number from 0 to 100.')
    return jsonify(controller().player_call("set_volume", percent).to_dict())
