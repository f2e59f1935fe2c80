"""API errors: one JSON shape ``{"error": {"status", "code", "message"}}`` for every failure the app answers.

Handlers turn HTTP errors, music failures, a busy controller and unexpected exceptions into that shape,
so the screens can always show ``message`` and bad input never becomes an HTML 500 page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from ..controller import Busy
from ..music import MusicError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered as JSON with ``status``; raise it from any view."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, Any] | None = None) -> Response:
    response = jsonify({"error": {"status": status, "code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _http_code(exc: HTTPException) -> str:
    if exc.code == 413:  # also raised by werkzeug itself for a streamed body over MAX_CONTENT_LENGTH
        return "too_large"
    return (exc.name or "error").lower().replace(" ", "_")


def register(app: Flask) -> None:
    """Install the JSON error handlers on ``app``."""

    @app.errorhandler(ApiError)
    def _api(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return error_response(exc.code or 500, _http_code(exc), exc.description or exc.name, headers)

    @app.errorhandler(MusicError)
    def _music(exc: MusicError) -> Response:
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(Busy)
    def _busy(exc: Busy) -> Response:
        return error_response(409, "busy", str(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error in a web request")
        return error_response(500, "internal_error", "Something went wrong on the kiosk; see its log.")
