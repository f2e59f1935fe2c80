"""The pages: one responsive single page for the kiosk screen and for phones (``/`` and ``/pair``).

The page is rendered with what it needs to start: the UI strings in the chosen language (from the one
table, ``kiosk/static/i18n.json``), the emotions and their colours (from :mod:`moodify_edge.emotions`),
and the session's CSRF token. Everything after that comes from the API and the live event stream.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template, request
from werkzeug.wrappers import Response

from .access import csrf_token, is_kiosk, is_paired
from .api import emotions_table
from .owner import status as owner_status


def _kiosk_dir() -> Path:
    """The front end: ``<repo>/kiosk`` for a checkout or editable install, else where a regular install puts it."""
    candidates = (Path(__file__).resolve().parents[2] / "kiosk", Path(sys.prefix) / "share" / "moodify-edge" / "kiosk")
    return next((c for c in candidates if (c / "templates" / "index.html").is_file()), candidates[0])


KIOSK_DIR = _kiosk_dir()
LANGUAGES = ("en", "ko")

bp = Blueprint("pages", __name__)


@functools.cache
def strings() -> dict[str, dict[str, Any]]:
    """The UI text table: ``{language: {key: text}}``; ``errors`` maps API error codes to text."""
    return json.loads((KIOSK_DIR / "static" / "i18n.json").read_text(encoding="utf-8"))


def language() -> str:
    """The configured language, or with "auto" the best match for the browser's Accept-Language."""
    configured = current_app.config["MOODIFY"].web.language
    if configured != "auto":
        return configured
    return request.accept_languages.best_match(LANGUAGES, default="en")


def _boot() -> dict[str, Any]:
    config = current_app.config["MOODIFY"]
    lang = language()
    return {
        "lang": lang,
        "strings": strings()[lang],
        "emotions": emotions_table(),
        "csrf": csrf_token(),
        "kiosk": is_kiosk(),
        "paired": is_paired(),
        "demo": config.service.demo,
        "pair_code": request.args.get("code", "")[:6] if request.path == "/pair" else "",
    }


@bp.get("/")
@bp.get("/pair")
def index() -> Response:
    boot = _boot()
    page = render_template("index.html", boot=boot, t=boot["strings"], owner=owner_status())
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response
