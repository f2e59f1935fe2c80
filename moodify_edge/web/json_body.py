"""JSON in and out of the web app: the one parser for request bodies, and answers that are always valid JSON.

Python's ``json`` accepts ``NaN`` and ``Infinity``, turns ``1e999`` into infinity and recurses once per nesting
level (a body nested ~1000 deep is a ``RecursionError``). :func:`parse_json` refuses all of that, bodies over
``web.max_body_bytes`` and text that is not UTF-8, as ``400 bad_json`` (``413 too_large`` for size);
:func:`json_body` is what every view that reads a body calls. On the way out, :class:`FiniteJSON` writes a
non-finite number as ``null`` instead of the bare ``NaN`` that no JSON parser reads.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider

from ..contract import ErrorCode
from .errors import ApiError

MAX_DEPTH = 32  # the API's bodies are flat objects; the screens never send more than two levels
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _refuse(message: str) -> NoReturn:
    raise ApiError(ErrorCode.BAD_JSON, message)


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        _refuse(f"The number {text[:40]} is too large.")
    return number


def _no_constant(name: str) -> NoReturn:
    _refuse(f"{name} is not a JSON number.")


def _depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings do not count)."""
    deepest = depth = 0
    for bracket in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_json(data: bytes, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``data``; raises :class:`~.errors.ApiError` (``bad_json`` or ``too_large``)."""
    if len(data) > max_bytes:
        raise ApiError(ErrorCode.TOO_LARGE, f"Request bodies are limited to {max_bytes} bytes.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        _refuse("The request body is not UTF-8 text.")
    if _depth(text) > max_depth:
        _refuse(f"JSON nested more than {max_depth} levels deep is refused.")
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, and integers over Python's 4300 digits
        raise ApiError(ErrorCode.BAD_JSON, f"The request body is not valid JSON: {str(exc)[:120]}") from exc


def json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}``. Anything else that is not a JSON object
    sent as ``application/json`` is a 400 ``bad_json``."""
    data = request.get_data(cache=True)
    if not data:
        return {}
    if not request.is_json:
        _refuse("Send the body as application/json.")
    body = parse_json(data, current_app.config["MOODIFY"].web.max_body_bytes)
    if not isinstance(body, dict):
        _refuse("The request body must be a JSON object.")
    return body


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (in dicts, lists and tuples) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def dumps_finite(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that writes a non-finite number as ``null`` (valid JSON) instead of ``NaN``."""
    try:
        return json.dumps(value, allow_nan=False, **kwargs)
    except ValueError:  # rare: only then walk the value (and what ``default`` makes of objects)
        convert = kwargs.pop("default", None)
        if convert is not None:
            kwargs["default"] = lambda obj: finite(convert(obj))
        return json.dumps(finite(value), allow_nan=False, **kwargs)


class FiniteJSON(DefaultJSONProvider):
    """Flask's JSON provider, writing non-finite numbers as ``null`` (see :func:`dumps_finite`) and keeping
    keys in the order the views build them (Flask sorts them by default)."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return dumps_finite(obj, **kwargs)
