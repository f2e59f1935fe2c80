"""Spotify login from the kiosk or a phone: start the PKCE login, finish it, log out, show the account.

The music backend's account owns the flow (``login_url``, ``finish_login``, ``logout``, ``status``); these views only
pass URLs along. The kiosk's browser lands on ``/callback`` itself; a phone, whose browser cannot reach the
loopback redirect, pastes the redirected address into ``/api/spotify/finish``. Logging in, finishing and
logging out are the owner's (:func:`.owner.require_owner`); anyone paired may see the account's status. The
kiosk's page opens the login in a window of its own that it closes again (it never leaves the kiosk page).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request
from werkzeug.wrappers import Response

from ..contract import ErrorCode, ErrorSource
from ..events import AccountChanged, ErrorRaised
from ..music import AccountStatus, MusicAccount, MusicError
from .errors import ApiError
from .json_body import json_body
from .owner import require_owner

bp = Blueprint("account", __name__)

MAX_URL_LENGTH = 4096


def _account() -> MusicAccount:
    return current_app.extensions["moodify.account"]


def _announce(account: AccountStatus) -> AccountStatus:
    current_app.extensions["moodify.controller"].bus.publish(AccountChanged(account))
    return account


@bp.get("/api/spotify/status")
def status() -> Response:
    return jsonify(_account().status().to_dict())


@bp.post("/api/spotify/login")
def login() -> Response:
    require_owner()
    return jsonify({"url": _account().login_url()})


@bp.post("/api/spotify/finish")
def finish() -> Response:
    require_owner()
    url = json_body().get("url")
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL_LENGTH:
        raise ApiError(ErrorCode.BAD_URL, "Paste the whole address the browser was sent to after logging in.")
    return jsonify(_announce(_account().finish_login(url)).to_dict())


@bp.post("/api/spotify/logout")
def logout() -> Response:
    require_owner()
    return jsonify(_announce(_account().logout()).to_dict())


@bp.get("/callback")
def callback() -> Response:
    """The kiosk's own browser lands here from Spotify. It has no address bar or back button, so it goes
    back to the kiosk page either way; a failed login is shown there as an error."""
    bus = current_app.extensions["moodify.controller"].bus
    try:
        account = _account().finish_login(request.url)
    except MusicError as exc:
        bus.publish(ErrorRaised(ErrorSource.MUSIC, exc.code, exc.message))
        account = _account().status()
    _announce(account)
    return redirect("/", code=303)
