"""Pairing: who may control the kiosk. The kiosk's own browser (loopback) always may; a phone on the LAN
must first enter the 6-digit code shown on the kiosk, which marks its signed session cookie as paired.

Also here: the CSRF token every state-changing request carries, the per-address limit on wrong codes,
and revocation (a new code and a new pairing epoch, so every phone has to pair again). The session
secret, the epoch and the code persist in the state directory, so a restart does not unpair anyone.
"""

from __future__ import annotations

import collections
import hmac
import json
import math
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable

import segno
from flask import Blueprint, Flask, current_app, jsonify, request, session
from werkzeug.wrappers import Response

from .errors import ApiError

LOOPBACK_ADDRESSES = frozenset({"127.0.0.1", "::1"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATE_FILE = "web-pairing.json"
# Wrong codes from all addresses together in a minute after which the code changes: guessing from many
# addresses (a phone has plenty of IPv6 ones) then starts over against a code nobody has seen.
NEW_CODE_AFTER = 20


class AttemptLimiter:
    """Wrong attempts per address in a sliding minute; past the limit an address must wait."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._failures: dict[str, collections.deque[float]] = {}
        self._everyone: collections.deque[float] = collections.deque()  # all addresses together
        self._lock = threading.Lock()

    @staticmethod
    def _forget_old(failures: collections.deque[float], now: float) -> collections.deque[float]:
        while failures and failures[0] <= now - 60.0:
            failures.popleft()
        return failures

    def _recent(self, address: str, now: float) -> collections.deque[float]:
        for other in [a for a, f in self._failures.items() if not self._forget_old(f, now)]:
            del self._failures[other]  # addresses that stopped trying take no memory
        return self._failures.setdefault(address, collections.deque())

    def retry_after(self, address: str) -> int:
        """Seconds ``address`` must wait before trying again (0: it may try now)."""
        with self._lock:
            now = self._clock()
            failures = self._recent(address, now)
            if len(failures) < self.per_minute:
                return 0
            return max(1, math.ceil(failures[0] + 60.0 - now))

    def fail(self, address: str) -> int:
        """Count a wrong attempt; returns the wrong attempts from all addresses in the last minute."""
        with self._lock:
            now = self._clock()
            self._recent(address, now).append(now)
            self._forget_old(self._everyone, now).append(now)
            return len(self._everyone)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
            self._everyone.clear()


class PairingStore:
    """The persisted pairing state: session secret, pairing epoch and the code on the kiosk screen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        state = self._read()
        self.secret_key: str = state.get("secret_key") or secrets.token_hex(32)
        self.epoch: str = state.get("epoch") or secrets.token_hex(8)
        self.code: str = state.get("code") or _new_code()
        if state != self._state():
            self._write()

    def _state(self) -> dict[str, str]:
        return {"secret_key": self.secret_key, "epoch": self.epoch, "code": self.code}

    def _read(self) -> dict[str, str]:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # first start, or a damaged file: start afresh (phones pair again)
        if not isinstance(state, dict) or not all(isinstance(v, str) for v in state.values()):
            return {}
        return state

    def _write(self) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._state(), handle)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(code.encode(), self.code.encode())

    def new_code(self) -> None:
        """A new code on the screen; phones already paired stay paired."""
        with self._lock:
            self.code = _new_code()
            self._write()

    def revoke(self) -> None:
        """Unpair every phone: a new code and a new epoch (old sessions no longer count as paired)."""
        with self._lock:
            self.code = _new_code()
            self.epoch = secrets.token_hex(8)
            self._write()


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def lan_address() -> str:
    """This machine's address on the LAN, as phones would reach it (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


# ----------------------------------------------------------------- request checks
def store() -> PairingStore:
    return current_app.extensions["moodify.pairing"]


def is_kiosk() -> bool:
    """The kiosk's own browser: a loopback peer that also asked for a loopback host name (a page from
    another site rebound to 127.0.0.1 does not count)."""
    host, _ = split_host(request.host)
    return request.remote_addr in LOOPBACK_ADDRESSES and host.lower() in LOOPBACK_HOSTS


def split_host(host: str) -> tuple[str, str]:
    """``"[::1]:5000"`` → ``("[::1]", "5000")``; the port is "" when the Host header has none."""
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest.removeprefix(":")
    name, _, port = host.partition(":")
    return name, port


def is_paired() -> bool:
    return is_kiosk() or hmac.compare_digest(str(session.get("paired", "")), store().epoch)


def csrf_token() -> str:
    """This session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
        session.permanent = True
    return session["csrf"]


def _guard() -> None:
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return
    needs_pairing = request.path.startswith("/api/") or request.path == "/callback"
    if needs_pairing and not is_paired():
        raise ApiError(403, "pairing_required", "Pair this device first with the code shown on the kiosk.")
    if request.method not in SAFE_METHODS:
        _check_csrf()


def _check_csrf() -> None:
    sent = request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), str(expected).encode()):
        raise ApiError(403, "csrf", "Missing or wrong CSRF token; reload the page.")


def _kiosk_only() -> None:
    if not is_kiosk():
        raise ApiError(403, "kiosk_only", "Only the kiosk itself can do this.")


# ----------------------------------------------------------------- routes
bp = Blueprint("pairing", __name__)
OPEN_ENDPOINTS = frozenset({"pairing.status", "pairing.pair", "static"})


@bp.get("/api/pairing")
def status() -> Response:
    return jsonify({"kiosk": is_kiosk(), "paired": is_paired(), "csrf_token": csrf_token()})


@bp.post("/api/pairing/pair")
def pair() -> Response:
    _check_csrf()
    address = request.remote_addr or "?"
    limiter: AttemptLimiter = current_app.extensions["moodify.pairing_limiter"]
    wait = limiter.retry_after(address)
    if wait:
        raise ApiError(429, "rate_limited", f"Too many wrong codes; try again in {wait} s.", {"Retry-After": str(wait)})
    body = request.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ApiError(400, "bad_code", "The pairing code is 6 digits.")
    if not store().matches(code):
        if limiter.fail(address) >= NEW_CODE_AFTER:
            store().new_code()
            limiter.clear()
            current_app.extensions["moodify.controller"].bus.publish("pairing", new_code=True)
        raise ApiError(403, "wrong_code", "That code is not the one on the kiosk screen.")
    session["paired"] = store().epoch
    session.permanent = True
    return jsonify({"paired": True})


@bp.post("/api/pairing/forget")
def forget() -> Response:
    session.pop("paired", None)
    return jsonify({"paired": is_paired()})


@bp.get("/api/pairing/code")
def code() -> Response:
    _kiosk_only()
    return jsonify(code_info())


@bp.post("/api/pairing/revoke")
def revoke() -> Response:
    _kiosk_only()
    store().revoke()
    current_app.extensions["moodify.controller"].bus.publish("pairing", revoked=True)
    return jsonify(code_info())


def code_info() -> dict[str, Any]:
    """The code, the address a phone opens to pair, and that address as an inline SVG QR code."""
    port = split_host(request.host)[1] or "80"
    config_host = current_app.config["MOODIFY"].web.host
    host = config_host if config_host not in ("0.0.0.0", "::", "") else lan_address()
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{port}/pair?code={store().code}"
    qr = segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")
    return {"code": store().code, "url": url, "qr_svg": qr, "lan": config_host not in ("127.0.0.1", "::1", "localhost")}


def install(app: Flask, state_dir: Path, attempts_per_minute: int) -> None:
    """Load (or create) the pairing state and put the checks in front of every request."""
    pairing = PairingStore(state_dir / STATE_FILE)
    app.secret_key = pairing.secret_key
    app.extensions["moodify.pairing"] = pairing
    app.extensions["moodify.pairing_limiter"] = AttemptLimiter(attempts_per_minute)
    app.before_request(_guard)
    app.register_blueprint(bp)
