"""Spotify login from the kiosk or a phone: start the PKCE login, finish it, log out, show the account.

The music backend owns the flow (``login_url``, ``finish_login``, ``logout``, ``account``); these views only
pass URLs along. The kiosk's browser lands on ``/callback`` itself; a phone, whose browser cannot reach the
loopback redirect, pastes the redirected address into ``/api/spotify/finish``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request
from werkzeug.wrappers import Response

from ..music import Music, MusicError
from .api import json_body
from .errors import ApiError

bp = Blueprint("account", __name__)

MAX_URL_LENGTH = 4096


def _music() -> Music:
    return current_app.extensions["moodify.music"]


def _account_changed() -> dict[str, Any]:
    account = _music().account()
    current_app.extensions["moodify.controller"].bus.publish("account", **account)
    return account


@bp.get("/api/spotify/status")
def status() -> Response:
    return jsonify(_music().account())


@bp.post("/api/spotify/login")
def login() -> Response:
    return jsonify({"url": _music().login_url()})


@bp.post("/api/spotify/finish")
def finish() -> Response:
    url = json_body().get("url")
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL_LENGTH:
        raise ApiError(400, "bad_url", "Paste the whole address the browser was sent to after logging in.")
    _music().finish_login(url)
    return jsonify(_account_changed())


@bp.post("/api/spotify/logout")
def logout() -> Response:
    _music().logout()
    return jsonify(_account_changed())


@bp.get("/callback")
def callback() -> Response:
    """The kiosk's own browser lands here from Spotify. It has no address bar or back button, so it goes
    back to the kiosk page either way; a failed login is shown there as an error."""
    try:
        _music().finish_login(request.url)
    except MusicError as exc:
        current_app.extensions["moodify.controller"].bus.publish(
            "error", source="music", message=exc.message, code=exc.code
        )
    _account_changed()
    return redirect("/", code=303)
