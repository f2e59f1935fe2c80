"""Access control for the whole app: who may call what.

The kiosk's own browser (loopback) may do everything; a phone on the LAN must pair first (its signed
session cookie then carries the pairing epoch and its pairing id, which counts only while the pairing store
lists it). Every state-changing request carries the session's CSRF token, and a few routes answer only the
kiosk itself. :func:`guard` runs before every request.
"""

from __future__ import annotations

import hmac
import secrets

from flask import current_app, request, session

from ..contract import ErrorCode
from .errors import ApiError
from .listeners import ENVIRON_KEY, Listener
from .pairing_store import PairingStore

LOOPBACK_ADDRESSES = frozenset({"127.0.0.1", "::1"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Endpoints an unpaired phone may reach: the pairing status and the pairing itself, the static files, and a
# result's read-only share page (only with its token: see share.py).
OPEN_ENDPOINTS = frozenset({"pairing.status", "pairing.pair", "static", "share.page"})
PAIRING_KEY = "pairing"  # the session key of the pairing id


def store() -> PairingStore:
    """The app's pairing state."""
    pairing: PairingStore = current_app.extensions["moodify.pairing"]
    return pairing


def split_host(host: str) -> tuple[str, str]:
    """``"[::1]:5000"`` → ``("[::1]", "5000")``; the port is "" when the Host header has none."""
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest.removeprefix(":")
    name, _, port = host.partition(":")
    return name, port


def is_kiosk() -> bool:
    """The kiosk's own browser: a loopback peer that also asked for a loopback host name (a page from
    another site rebound to 127.0.0.1 does not count), and never through the LAN's listener."""
    host, _ = split_host(request.host)
    if request.environ.get(ENVIRON_KEY) == Listener.LAN:
        return False
    return request.remote_addr in LOOPBACK_ADDRESSES and host.lower() in LOOPBACK_HOSTS


def is_paired() -> bool:
    """The kiosk, or a session whose pairing (epoch and id) the pairing store still lists."""
    if is_kiosk():
        return True
    pairing = store()
    return hmac.compare_digest(str(session.get("paired", "")), pairing.epoch) and pairing.is_listed(
        session.get(PAIRING_KEY)
    )


def mark_paired(pairing_id: str, *, lasting: bool = True) -> None:
    """Record a new pairing in this session's cookie (a visitor's cookie ends with the browser's session)."""
    session["paired"] = store().epoch
    session[PAIRING_KEY] = pairing_id
    session.permanent = lasting


def csrf_token() -> str:
    """This session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
        session.permanent = True
    return str(session["csrf"])


def check_csrf() -> None:
    """Refuse a request without this session's CSRF token in ``X-CSRF-Token``."""
    sent = request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), str(expected).encode()):
        raise ApiError(ErrorCode.CSRF, "Missing or wrong CSRF token; reload the page.")


def kiosk_only() -> None:
    """Refuse a request that does not come from the kiosk's own browser."""
    if not is_kiosk():
        raise ApiError(ErrorCode.KIOSK_ONLY, "Only the kiosk itself can do this.")


def guard() -> None:
    """Before every request: the API and the login callback need pairing, state changes need the CSRF token."""
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return
    needs_pairing = request.path.startswith("/api/") or request.path == "/callback"
    if needs_pairing and not is_paired():
        raise ApiError(ErrorCode.PAIRING_REQUIRED, "Pair this device first with the code shown on the kiosk.")
    if request.method not in SAFE_METHODS:
        check_csrf()
