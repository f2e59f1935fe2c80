"""API errors: one JSON shape ``{"error": {"status", "code", "message"}}`` for every failure the app answers.

Handlers turn HTTP errors, every :class:`~moodify_edge.contract.KioskError` and unexpected exceptions into that shape,
so the screens can always show ``message`` and bad input never becomes an HTML 500 page. Requests that waitress
refuses before the app sees them (a bad ``Content-Length``, headers or body too large, broken chunking) are
answered in the same shape by :class:`JsonErrorChannel`, the channel class the servers build connections with.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, jsonify
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..contract import ErrorCode, KioskError

log = logging.getLogger(__name__)


class ApiError(KioskError):
    """A bad or refused web request; raise it from any view."""


def error_response(error: KioskError) -> Response:
    response = jsonify({"error": error.to_json()})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


HTTP_CODES = {
    400: ErrorCode.BAD_REQUEST,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.TOO_LARGE,  # also raised by werkzeug itself for a streamed body over MAX_CONTENT_LENGTH
}
SERVER_CODES = HTTP_CODES | {431: ErrorCode.TOO_LARGE, 500: ErrorCode.INTERNAL_ERROR}


def register(app: Flask) -> None:
    """Install the JSON error handlers on ``app``."""

    @app.errorhandler(KioskError)
    def _kiosk(exc: KioskError) -> Response:
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        status = exc.code or 500
        code = HTTP_CODES.get(status, ErrorCode.HTTP_ERROR)
        return error_response(ApiError(code, exc.description or exc.name, status=status, headers=headers))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error in a web request")
        return error_response(ApiError(ErrorCode.INTERNAL_ERROR, "Something went wrong on the kiosk; see its log."))


class JsonErrorTask(ErrorTask):
    """waitress's own error answer (``request.error``, a ``waitress.utilities.Error``) as the app's JSON error."""

    def execute(self) -> None:
        error = self.request.error
        status = int(error.code)
        code = SERVER_CODES.get(status, ErrorCode.HTTP_ERROR)
        payload = {"error": ApiError(code, f"{error.reason}: {error.body}", status=status).to_json()}
        body = json.dumps(payload).encode("utf-8")
        self.status = f"{status} {error.reason}"
        self.response_headers.extend(
            [("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class JsonErrorChannel(HTTPChannel):
    """A waitress connection whose server-level errors are JSON (see :class:`JsonErrorTask`)."""

    error_task_class = JsonErrorTask
