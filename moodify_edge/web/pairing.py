"""Pairing a phone: the routes that pair, unpair and revoke, and the code with its QR link on the kiosk.

A phone on the LAN enters the 6-digit code shown on the kiosk, which marks its session as paired; wrong
codes are limited per address (:mod:`.limiter`), and many wrong codes from everywhere change the code.
Revoking gives a new code and a new epoch, so every phone has to pair again. The state itself is in
:mod:`.pairing_store`, the checks on every request in :mod:`.access`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from flask import Blueprint, Flask, current_app, jsonify, request, session
from werkzeug.wrappers import Response

from ..contract import ErrorCode
from ..events import PairingChanged
from .access import check_csrf, csrf_token, guard, is_kiosk, is_paired, kiosk_only, split_host, store
from .errors import ApiError
from .lan import lan_address
from .limiter import AttemptLimiter
from .pairing_store import STATE_FILE, PairingStore

# Wrong codes from all addresses together in a minute after which the code changes: guessing from many
# addresses (a phone has plenty of IPv6 ones) then starts over against a code nobody has seen.
NEW_CODE_AFTER = 20
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})
LOOPBACK_ONLY = frozenset({"127.0.0.1", "::1", "localhost"})

bp = Blueprint("pairing", __name__)


def _publish(change: PairingChanged) -> None:
    current_app.extensions["moodify.controller"].bus.publish(change)


@bp.get("/api/pairing")
def status() -> Response:
    return jsonify({"kiosk": is_kiosk(), "paired": is_paired(), "csrf_token": csrf_token()})


@bp.post("/api/pairing/pair")
def pair() -> Response:
    check_csrf()
    address = request.remote_addr or "?"
    limiter: AttemptLimiter = current_app.extensions["moodify.pairing_limiter"]
    wait = limiter.retry_after(address)
    if wait:
        raise ApiError(
            ErrorCode.RATE_LIMITED, f"Too many wrong codes; try again in {wait} s.", headers={"Retry-After": str(wait)}
        )
    body = request.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ApiError(ErrorCode.BAD_CODE, "The pairing code is 6 digits.")
    if not store().matches(code):
        if limiter.fail(address) >= NEW_CODE_AFTER:
            store().new_code()
            limiter.clear()
            _publish(PairingChanged(new_code=True))
        raise ApiError(ErrorCode.WRONG_CODE, "That code is not the one on the kiosk screen.")
    session["paired"] = store().epoch
    session.permanent = True
    return jsonify({"paired": True})


@bp.post("/api/pairing/forget")
def forget() -> Response:
    session.pop("paired", None)
    return jsonify({"paired": is_paired()})


@bp.get("/api/pairing/code")
def code() -> Response:
    kiosk_only()
    return jsonify(code_info())


@bp.post("/api/pairing/revoke")
def revoke() -> Response:
    kiosk_only()
    store().revoke()
    _publish(PairingChanged(revoked=True))
    return jsonify(code_info())


def code_info() -> dict[str, Any]:
    """The code, the address a phone opens to pair, and that address as an inline SVG QR code."""
    port = split_host(request.host)[1] or "80"
    config_host = current_app.config["MOODIFY"].web.host
    host = lan_address() if config_host in ANY_ADDRESS else config_host
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{port}/pair?code={store().code}"
    qr = segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")
    return {"code": store().code, "url": url, "qr_svg": qr, "lan": config_host not in LOOPBACK_ONLY}


def install(app: Flask, state_dir: Path, attempts_per_minute: int) -> None:
    """Load (or create) the pairing state and put the access checks in front of every request."""
    pairing = PairingStore(state_dir / STATE_FILE)
    app.secret_key = pairing.secret_key
    app.extensions["moodify.pairing"] = pairing
    app.extensions["moodify.pairing_limiter"] = AttemptLimiter(attempts_per_minute)
    app.before_request(guard)
    app.register_blueprint(bp)
