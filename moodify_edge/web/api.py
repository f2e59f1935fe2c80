"""The JSON API of the kiosk: state, trigger, cancel, last result, recommendations and player controls.

Thin views over the :class:`~moodify_edge.controller.Controller`; docs/API.md documents each route. Bodies are
read by :func:`.json_body.json_body` (depth, size and number limits); input is validated here and answered
with a JSON error (see :mod:`.errors`), never passed on raw.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from ..contract import ErrorCode, KioskState, TriggerOrigin
from ..controller import Controller
from ..emotions import EMOTIONS
from ..mood import Policy
from .errors import ApiError
from .json_body import json_body
from .share import link_info

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_URI_LENGTH = 512


def controller() -> Controller:
    return current_app.extensions["moodify.controller"]


def emotions_table() -> list[dict[str, Any]]:
    """The seven emotions with their labels and colours, as the screens draw them."""
    return [{"key": e.key, "label": e.label, "label_ko": e.label_ko, "colour": e.colour} for e in EMOTIONS]


@bp.get("/state")
def state() -> Response:
    return jsonify(controller().snapshot().payload())


@bp.get("/emotions")
def emotions() -> Response:
    return jsonify(emotions_table())


def _goal() -> Policy | None:
    """The visitor's goal from the body (``{"goal": "match" | "lift"}``); None (``[kiosk] goal``) without one."""
    goal = json_body().get("goal")
    if goal is not None and not (isinstance(goal, str) and goal in tuple(Policy)):
        raise ApiError(ErrorCode.BAD_REQUEST, '"goal" must be "match" or "lift", or absent.')
    return Policy(goal) if goal else None


@bp.post("/trigger")
def trigger() -> tuple[Response, int]:
    run = controller().trigger(TriggerOrigin.WEB, _goal())  # Busy becomes 409
    return jsonify({"state": str(KioskState.DETECTING), "run": run.to_dict()}), 202


@bp.post("/cancel")
def cancel() -> Response:
    return jsonify({"cancelled": controller().cancel()})


@bp.get("/result")
def result() -> Response:
    finished = controller().snapshot().result
    if finished is None:
        raise ApiError(ErrorCode.NO_RESULT, "No detection has finished yet.")
    return jsonify(finished.to_dict())


@bp.get("/recommendations")
def recommendations() -> Response:
    ready = controller().snapshot().recommendations
    if ready is None:
        raise ApiError(ErrorCode.NO_RECOMMENDATIONS, "No recommendations yet: run a detection first.")
    return jsonify(ready.to_dict() | {"share": link_info()})


@bp.get("/player")
def player() -> Response:
    return jsonify(controller().refresh_player().to_dict())


@bp.post("/player/play")
def play() -> Response:
    uri = json_body().get("uri")
    if uri is not None and not (isinstance(uri, str) and 0 < len(uri) <= MAX_URI_LENGTH):
        raise ApiError(ErrorCode.BAD_URI, f'"uri" must be a string of 1 to {MAX_URI_LENGTH} characters, or absent.')
    return jsonify(controller().play(uri or None).to_dict())


@bp.post("/player/pause")
def pause() -> Response:
    return jsonify(controller().pause().to_dict())


@bp.post("/player/next")
def next_track() -> Response:
    return jsonify(controller().next_track().to_dict())


@bp.post("/player/previous")
def previous_track() -> Response:
    return jsonify(controller().previous_track().to_dict())


@bp.post("/player/volume")
def volume() -> Response:
    percent = json_body().get("percent")
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise ApiError(ErrorCode.BAD_VOLUME, '"percent" must be a whole number from 0 to 100.')
    return jsonify(controller().set_volume(percent).to_dict())
