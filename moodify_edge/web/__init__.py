"""The kiosk web app: a Flask app factory wiring the JSON API, live events, pages and pairing to one controller.

``create_app(controller, config)`` builds the app; :func:`moodify_edge.web.server.serve` runs it on waitress.
Static files and the page template live in the repository's ``kiosk/`` folder.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

from flask import Flask, request

from ..capture import Preview
from ..config import Config
from ..contract import ErrorCode
from ..controller import Controller
from . import account, api, artwork, errors, journal, live, metrics, pages, pairing, preview, share
from .errors import ApiError
from .json_body import FiniteJSON


def create_app(controller: Controller, config: Config, camera_view: Preview | None = None) -> Flask:
    """The web app for ``controller``; the music account's login goes to ``controller.music.account``;
    ``camera_view`` is the kiosk's camera picture (none: ``/api/preview.jpg`` answers 404)."""
    app = Flask(
        __name__,
        static_folder=str(pages.KIOSK_DIR / "static"),
        static_url_path="/static",
        template_folder=str(pages.KIOSK_DIR / "templates"),
    )
    app.config.update(
        MOODIFY=config,
        MAX_CONTENT_LENGTH=config.web.max_body_bytes,
        SESSION_COOKIE_NAME="moodify_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(days=365),
    )
    app.json = FiniteJSON(app)
    app.extensions["moodify.controller"] = controller
    app.extensions["moodify.account"] = controller.music.account
    app.extensions["moodify.stopping"] = threading.Event()
    app.extensions["moodify.streams"] = live.stream_slots()
    app.extensions[preview.EXTENSION] = camera_view

    @app.before_request
    def _limit_body() -> None:
        # Views that never read the body would otherwise accept any size.
        if (request.content_length or 0) > config.web.max_body_bytes:
            raise ApiError(ErrorCode.TOO_LARGE, f"Request bodies are limited to {config.web.max_body_bytes} bytes.")

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    errors.register(app)
    pairing.install(app, config.state_path(), config.web.pairing_attempts_per_minute)
    metrics.install(app, controller, config)
    share.install(app, controller, config)
    journal.install(app, controller, config)
    for blueprint in (api.bp, live.bp, account.bp, artwork.bp, preview.bp, pages.bp):
        app.register_blueprint(blueprint)
    return app
