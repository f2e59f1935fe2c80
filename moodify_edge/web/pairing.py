"""Pairing a phone: the routes that pair, unpair and revoke, and the code with its QR link on the kiosk.

A phone on the LAN enters the 6-digit code shown on the kiosk, which marks its session as paired with a
pairing id of its own (forgetting strikes that id off). Wrong codes are limited per address and for all
addresses together (:mod:`.limiter`, persisted: no restart or code change resets them); when all addresses
together use up their budget the code changes (at most once per lock-out, so about hourly at the most).
Guessing raises an alarm (a :class:`~moodify_edge.events.PairingAlarm` the kiosk screen shows, and a line in
the journal). Meanwhile the kiosk's owner can still pair a phone: "Pair a phone now" shows a 12-digit
one-time code, good for one pairing within two minutes and not subject to the limits (at the server's
fastest, guessing it within its two minutes has a chance under one in a million). Revoking gives a new
code, a new epoch and drops every pairing id, so every phone has to pair again. The state itself is in
:mod:`.pairing_store`, the checks on every request in :mod:`.access`.

Who may do what is :mod:`.owner`'s: the code and QR show on the kiosk to the owner (and to everyone while
visitor pairing is on), and only while phones can reach the kiosk (never a loopback link); a phone paired
while the owner has the kiosk unlocked (or with the owner's one-time code then) is an owner phone; other
phones pair only while visitor pairing is on, as visitors. Unpairing everyone and one-time codes need the owner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from flask import Blueprint, Flask, current_app, jsonify, request, session
from werkzeug.wrappers import Response

from ..contract import ErrorCode
from ..events import Event, PairingAlarm, PairingChanged
from . import owner
from .access import (
    PAIRING_KEY,
    check_csrf,
    csrf_token,
    guard,
    is_kiosk,
    is_paired,
    kiosk_only,
    mark_paired,
    split_host,
    store,
)
from .errors import ApiError
from .json_body import json_body
from .limiter import LIMITS_FILE, Alarm, GuessingAlarm, PairingLimiter
from .owner import gate, owner_at_kiosk, phone_host, require_owner
from .pairing_store import CODE_DIGITS, STATE_FILE, TICKET_DIGITS, PairingStore

CODE_LENGTHS = (CODE_DIGITS, TICKET_DIGITS)  # the kiosk's code, the one-time code

bp = Blueprint("pairing", __name__)


def _publish(event: Event) -> None:
    current_app.extensions["moodify.controller"].bus.publish(event)


def _limiter() -> PairingLimiter:
    limiter: PairingLimiter = current_app.extensions["moodify.pairing_limiter"]
    return limiter


def _sound_alarm(changes: list[Alarm]) -> None:
    for change in changes:
        _publish(PairingAlarm(active=change.active, attempts=change.attempts, addresses=change.addresses))


def _alarm() -> GuessingAlarm:
    alarm: GuessingAlarm = current_app.extensions["moodify.pairing_alarm"]
    _sound_alarm(alarm.check())  # an episode that went quiet ends here
    return alarm


@bp.get("/api/pairing")
def status() -> Response:
    return jsonify({"kiosk": is_kiosk(), "paired": is_paired(), "csrf_token": csrf_token()})


def _compare(address: str, code: str) -> bool:
    """Whether ``code`` pairs: the one-time code (compared whenever one is open: it is too long to guess), or
    the kiosk's code within the limits. Raises ``429 rate_limited`` past them."""
    if len(code) == TICKET_DIGITS:
        return store().redeem_ticket(code)
    verdict = _limiter().attempt(address, lambda: store().matches(code))
    if verdict.locked:  # all addresses together used up their budget: guessing starts over on a new code
        store().new_code()
        _publish(PairingChanged(new_code=True))
    if verdict.wait:
        _sound_alarm(_alarm().seen(address))
        raise ApiError(
            ErrorCode.RATE_LIMITED,
            f"Too many wrong codes; try again in {verdict.wait} s, or ask at the kiosk for a one-time code.",
            headers={"Retry-After": str(verdict.wait)},
        )
    return verdict.right


@bp.post("/api/pairing/pair")
def pair() -> Response:
    check_csrf()
    address = request.remote_addr or "?"
    code = json_body().get("code")
    if not isinstance(code, str) or not (code.isascii() and code.isdigit() and len(code) in CODE_LENGTHS):
        raise ApiError(ErrorCode.BAD_CODE, "The pairing code is 6 digits.")
    is_owner_phone = owner_at_kiosk()  # the owner has the kiosk unlocked: this is the owner's phone
    if len(code) == CODE_DIGITS and not (is_owner_phone or gate().visitor_pairing):
        raise ApiError(ErrorCode.PAIRING_CLOSED, "Phones cannot pair right now: ask the kiosk's owner.")
    if not _compare(address, code):
        _sound_alarm(_alarm().seen(address))
        raise ApiError(ErrorCode.WRONG_CODE, "That code is not the one on the kiosk screen.")
    mark_paired(store().add_pairing(owner=is_owner_phone), lasting=is_owner_phone)
    return jsonify({"paired": True, "owner": is_owner_phone})


@bp.post("/api/pairing/forget")
def forget() -> Response:
    """Unpair this phone: its pairing id is struck off, so a copy of its cookie no longer counts either."""
    store().forget(session.pop(PAIRING_KEY, None))
    session.pop("paired", None)
    return jsonify({"paired": is_paired()})


@bp.get("/api/pairing/code")
def code() -> Response:
    """The code and QR for the kiosk's screen: for the owner, or for everyone while visitor pairing is on."""
    kiosk_only()
    if not gate().visitor_pairing:
        require_owner()
    return jsonify(code_info())


@bp.post("/api/pairing/revoke")
def revoke() -> Response:
    """Unpair every phone: the owner's, on the kiosk's screen or from an owner's phone."""
    require_owner()
    store().revoke()
    _publish(PairingChanged(revoked=True))
    return jsonify(code_info())


@bp.post("/api/pairing/open")
def open_ticket() -> Response:
    """The kiosk's "Pair a phone now": a one-time code that pairs one phone in the next two minutes,
    whatever the limits (someone guessing may have used them up)."""
    kiosk_only()
    require_owner()
    host = phone_host()
    if host is None:
        raise ApiError(ErrorCode.PAIRING_CLOSED, "Phones cannot reach the kiosk: LAN access is off (web.host).")
    ticket, seconds = store().open_ticket()
    url = _link(host, f"/pair#ticket={ticket}")
    return jsonify({"code": ticket, "url": url, "qr_svg": _qr(url), "expires_in": seconds})


def _link(host: str, path: str) -> str:
    """The address a phone opens for ``path`` on this kiosk at ``host`` (:func:`~.owner.phone_host`)."""
    port = split_host(request.host)[1] or "80"
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}{path}"


def _qr(url: str) -> str:
    return str(segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff"))


def code_info() -> dict[str, Any]:
    """The code, the address a phone opens to pair, that address as an inline SVG QR code, and whether
    someone is guessing (``alarm``) and how long a one-time code is still open (``ticket_left``). While
    phones cannot reach the kiosk (``lan`` false) there is nothing to pair with: no code, link or QR."""
    host = phone_host()
    info: dict[str, Any] = {"lan": host is not None, "alarm": _alarm().active}
    if host is None:
        return info
    url = _link(host, f"/pair?code={store().code}")
    return {"code": store().code, "url": url, "qr_svg": _qr(url), **info, "ticket_left": store().ticket_left()}


def install(app: Flask, state_dir: Path, attempts_per_minute: int) -> None:
    """Load (or create) the pairing state and its limits, and put the access checks in front of every request."""
    pairing = PairingStore(state_dir / STATE_FILE)
    app.secret_key = pairing.secret_key
    app.extensions["moodify.pairing"] = pairing
    app.extensions["moodify.pairing_limiter"] = PairingLimiter(state_dir / LIMITS_FILE, attempts_per_minute)
    app.extensions["moodify.pairing_alarm"] = GuessingAlarm()
    app.before_request(guard)
    app.register_blueprint(bp)
    owner.install(app, state_dir)
