"""Owner mode: who may change the kiosk (pairing code and QR, one-time codes, unpairing, Spotify login and
logout, settings), and the owner PIN pad's routes.

The owner is the kiosk's own screen while someone unlocked it with ``[kiosk] owner_pin`` (an owner session of
:data:`OWNER_SECONDS` that the owner can end with "lock"), or a phone paired while the kiosk was unlocked (its
pairing is marked "owner" in the pairing store). With no PIN the kiosk's screen is the owner only until the
first owner phone is paired (setting up); after that, owner actions come from an owner's phone. Wrong PINs are
limited like wrong pairing codes (:class:`~.limiter.PairingLimiter`, persisted in its own file). Visitors'
phones may pair only while visitor pairing is on (``[kiosk] visitor_pairing``, and the owner's switch).
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, session
from werkzeug.wrappers import Response

from ..contract import ErrorCode
from ..events import PairingChanged
from .access import PAIRING_KEY, is_kiosk, is_paired, kiosk_only, store
from .errors import ApiError
from .json_body import json_body
from .lan import lan_address
from .limiter import PairingLimiter
from .listeners import KIOSK_ONLY_HOSTS, is_wildcard, lan_enabled

OWNER_SECONDS = 300.0  # an owner session on the kiosk's screen ends by itself after five minutes
PIN_LIMITS_FILE = "web-owner-pin-limits.json"
PIN_ATTEMPTS_PER_MINUTE = 5
MAX_PIN_DIGITS = 12

bp = Blueprint("owner", __name__)


class OwnerGate:
    """The owner PIN, the kiosk screen's owner session and the visitor-pairing switch."""

    def __init__(
        self, pin: str, visitor_pairing: bool, limits: Path, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.pin = pin
        self.visitor_pairing = visitor_pairing
        self.limiter = PairingLimiter(limits, PIN_ATTEMPTS_PER_MINUTE, clock)
        self._clock = clock
        self._lock = threading.Lock()
        self._until = -math.inf

    def left(self) -> int:
        """Seconds the kiosk screen's owner session still lasts (0: locked)."""
        with self._lock:
            return math.ceil(max(0.0, self._until - self._clock()))

    def unlock(self, address: str, pin: str) -> int:
        """Start an owner session when ``pin`` is right; the seconds to wait when refused uncompared, else
        0 (right) or -1 (wrong)."""
        verdict = self.limiter.attempt(address, lambda: hmac.compare_digest(pin.encode(), self.pin.encode()))
        if verdict.wait:
            return verdict.wait
        if not verdict.right:
            return -1
        with self._lock:
            self._until = self._clock() + OWNER_SECONDS
        return 0

    def lock(self) -> None:
        with self._lock:
            self._until = -math.inf


def gate() -> OwnerGate:
    owner: OwnerGate = current_app.extensions["moodify.owner"]
    return owner


def owner_at_kiosk() -> bool:
    """Whether the kiosk's screen is the owner now: unlocked with the PIN, or no PIN and no owner phone yet.
    Phones paired meanwhile become owner phones."""
    owner = gate()
    return owner.left() > 0 or (not owner.pin and not store().owners)


def is_owner() -> bool:
    """This request comes from the owner: the kiosk's screen in :func:`owner_at_kiosk`, or an owner's phone."""
    if is_kiosk():
        return owner_at_kiosk()
    return is_paired() and store().is_owner(session.get(PAIRING_KEY))


def require_owner() -> None:
    if not is_owner():
        raise ApiError(
            ErrorCode.OWNER_REQUIRED,
            "Only the kiosk's owner can do this: unlock it with the PIN, or use the owner's phone.",
        )


def phone_host() -> str | None:
    """The address phones reach this kiosk at, or None while the LAN is off (``web.host`` on loopback)."""
    host = str(current_app.config["MOODIFY"].web.host)
    if not lan_enabled(host):
        return None
    if is_wildcard(host):
        host = lan_address()  # 127.0.0.1 when this machine has no network: nothing a phone can open
    return None if host in KIOSK_ONLY_HOSTS else host


def status() -> dict[str, Any]:
    """What the page needs to draw owner controls: whether this client is the owner, whether a PIN is set,
    the owner session's seconds left (kiosk), the visitor-pairing switch, whether phones can reach the kiosk."""
    kiosk, owner = is_kiosk(), is_owner()
    return {
        "owner": owner,
        "role": "kiosk" if kiosk else ("owner" if owner else "visitor") if is_paired() else None,
        "pin": bool(gate().pin),
        "left": gate().left() if kiosk else 0,
        "visitor_pairing": gate().visitor_pairing,
        "lan": phone_host() is not None,
    }


@bp.get("/api/owner")
def owner_status() -> Response:
    return jsonify(status())


@bp.post("/api/owner/unlock")
def unlock() -> Response:
    """The PIN pad on the kiosk's screen (phones cannot try PINs at all)."""
    kiosk_only()
    if not gate().pin:
        raise ApiError(ErrorCode.NO_PIN, "No owner PIN is set ([kiosk] owner_pin): use an owner's phone.")
    pin = json_body().get("pin")
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and len(pin) <= MAX_PIN_DIGITS):
        raise ApiError(ErrorCode.WRONG_PIN, "That is not the owner PIN.")
    outcome = gate().unlock(request.remote_addr or "?", pin)
    if outcome > 0:
        raise ApiError(
            ErrorCode.RATE_LIMITED,
            f"Too many wrong PINs; try again in {outcome} s.",
            headers={"Retry-After": str(outcome)},
        )
    if outcome < 0:
        raise ApiError(ErrorCode.WRONG_PIN, "That is not the owner PIN.")
    return jsonify(status())


@bp.post("/api/owner/lock")
def lock() -> Response:
    """End the owner session on the kiosk's screen."""
    kiosk_only()
    gate().lock()
    return jsonify(status())


@bp.post("/api/owner/visitor-pairing")
def visitor_pairing() -> Response:
    require_owner()
    on = json_body().get("on")
    if not isinstance(on, bool):
        raise ApiError(ErrorCode.BAD_REQUEST, '"on" must be true or false.')
    gate().visitor_pairing = on
    current_app.extensions["moodify.controller"].bus.publish(PairingChanged())
    return jsonify(status())


def install(app: Flask, state_dir: Path) -> None:
    """The owner gate from ``[kiosk]`` and its routes (the page template gets :func:`status` from :mod:`.pages`)."""
    config = app.config["MOODIFY"].kiosk
    app.extensions["moodify.owner"] = OwnerGate(config.owner_pin, config.visitor_pairing, state_dir / PIN_LIMITS_FILE)
    app.register_blueprint(bp)
