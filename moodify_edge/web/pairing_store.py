"""The persisted pairing state: the session secret, the pairing epoch, the code on the kiosk screen and the
ids of the phones paired now, and which of them are the owner's; and the one-time code the kiosk's owner can
show and visitors' pairings (both kept in memory only: a visitor's pairing ends after
:data:`VISITOR_SECONDS`, or with a restart).

The state lives in ``<state dir>/web-pairing.json`` (mode 0600, written with
:func:`~moodify_edge.state_file.write_atomic`), so a restart unpairs no one. Each value is checked on load: a
file that is not JSON, or whose code is not 6 digits, whose signing key is shorter than 32 hex digits, whose
epoch or pairing ids are malformed, is set aside as ``web-pairing.json.bad`` with a log line and the kiosk
starts afresh (phones pair again). A session counts as paired only while its pairing id is listed here, so
"forget" (one id) and "revoke" (all of them, and a new epoch) also end copies of a phone's cookie.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..state_file import remove_leftovers, set_aside, write_atomic

STATE_FILE = "web-pairing.json"
MAX_PAIRINGS = 64  # phones paired at once; pairing one more unpairs the one paired longest ago
CODE_DIGITS = 6
TICKET_DIGITS = 12  # the one-time code: a million times harder to guess than the kiosk's code
TICKET_SECONDS = 120.0
VISITOR_SECONDS = 900.0  # a visitor's phone controls the kiosk for one visit: a quarter of an hour
FORMATS = {
    "secret_key": re.compile(r"[0-9a-f]{32,256}"),
    "epoch": re.compile(r"[0-9a-f]{8,64}"),
    "code": re.compile(r"[0-9]{6}"),
}
PAIRING_ID = re.compile(r"[0-9a-f]{32}")


def _digits(count: int) -> str:
    return f"{secrets.randbelow(10**count):0{count}d}"


def new_pairing_id() -> str:
    return secrets.token_hex(16)


def check_state(state: Any) -> dict[str, Any]:
    """``state`` if it is a valid pairing state; raises ValueError naming what is wrong."""
    if not isinstance(state, dict):
        raise ValueError("not a JSON object")
    for key, pattern in FORMATS.items():
        if not (isinstance(state.get(key), str) and pattern.fullmatch(state[key])):
            raise ValueError(f"{key} is missing or malformed")
    pairings = state.setdefault("pairings", [])  # files from before pairing ids have none
    if not isinstance(pairings, list) or len(pairings) > MAX_PAIRINGS:
        raise ValueError(f"pairings is not a list of at most {MAX_PAIRINGS}")
    if not all(isinstance(p, str) and PAIRING_ID.fullmatch(p) for p in pairings):
        raise ValueError("a pairing id is malformed")
    owners = state.setdefault("owners", [])  # files from before owner phones have none
    if not isinstance(owners, list) or not all(o in pairings for o in owners):
        raise ValueError("owners is not a list of listed pairing ids")
    return state


class PairingStore:
    """The session secret, pairing epoch, code and pairing ids, loaded from (or created in) ``path``."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        remove_leftovers(path)
        state = self._read()
        self.secret_key: str = state.get("secret_key") or secrets.token_hex(32)
        self.epoch: str = state.get("epoch") or secrets.token_hex(8)
        self.code: str = state.get("code") or _digits(CODE_DIGITS)
        self.pairings: list[str] = list(dict.fromkeys(state.get("pairings", [])))
        self.owners: list[str] = list(dict.fromkeys(state.get("owners", [])))
        self._visitors: dict[str, float] = {}  # a visitor's pairing id → when its pairing ends
        self._ticket: tuple[str, float] | None = None  # the one-time code and when it expires
        if state != self._state():
            self._write()

    def _state(self) -> dict[str, Any]:
        return {
            "secret_key": self.secret_key,
            "epoch": self.epoch,
            "code": self.code,
            "pairings": self.pairings,
            "owners": self.owners,
        }

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}  # first start
        except UnicodeDecodeError:
            text = ""
        try:
            return check_state(json.loads(text))
        except ValueError as exc:  # JSONDecodeError is one too
            set_aside(self.path, f"not a valid pairing file ({exc})")
            return {}

    def _write(self) -> None:
        write_atomic(self.path, json.dumps(self._state()).encode("utf-8"))

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(code.encode(), self.code.encode())

    def new_code(self) -> None:
        """A new code on the screen; phones already paired stay paired."""
        with self._lock:
            self.code = _digits(CODE_DIGITS)
            self._write()

    def revoke(self) -> None:
        """Unpair every phone: a new code, a new epoch and no pairing ids (old sessions no longer count)."""
        with self._lock:
            self.code = _digits(CODE_DIGITS)
            self.epoch = secrets.token_hex(8)
            self.pairings, self.owners, self._visitors = [], [], {}
            self._ticket = None
            self._write()

    def add_pairing(self, owner: bool = True) -> str:
        """A new pairing's id (for its session): the owner's (persisted; past :data:`MAX_PAIRINGS` the oldest
        pairing ends), or a visitor's (in memory, for :data:`VISITOR_SECONDS`)."""
        pairing_id = new_pairing_id()
        with self._lock:
            if not owner:
                now = self._clock()
                live = {p: end for p, end in self._visitors.items() if end > now}
                self._visitors = dict(list(live.items())[-(MAX_PAIRINGS - 1) :]) | {pairing_id: now + VISITOR_SECONDS}
                return pairing_id
            self.pairings = [*self.pairings, pairing_id][-MAX_PAIRINGS:]
            self.owners = [p for p in [*self.owners, pairing_id] if p in self.pairings]
            self._write()
        return pairing_id

    def is_listed(self, pairing_id: object) -> bool:
        if not isinstance(pairing_id, str):
            return False
        return pairing_id in self.pairings or self._visitors.get(pairing_id, 0.0) > self._clock()

    def is_owner(self, pairing_id: object) -> bool:
        """Whether ``pairing_id`` is an owner's phone (paired while the owner had unlocked the kiosk)."""
        return isinstance(pairing_id, str) and pairing_id in self.owners

    def forget(self, pairing_id: object) -> None:
        """End one pairing: a session (or a copy of its cookie) with this id is no longer paired."""
        with self._lock:
            self._visitors.pop(str(pairing_id), None)
            if isinstance(pairing_id, str) and pairing_id in self.pairings:
                self.pairings = [p for p in self.pairings if p != pairing_id]
                self.owners = [p for p in self.owners if p != pairing_id]
                self._write()

    def open_ticket(self) -> tuple[str, int]:
        """A new one-time code (replacing any earlier one) and its lifetime in seconds: it pairs one phone."""
        code = _digits(TICKET_DIGITS)
        with self._lock:
            self._ticket = (code, self._clock() + TICKET_SECONDS)
        return code, int(TICKET_SECONDS)

    def ticket_left(self) -> int:
        """Seconds the one-time code is still good for (0: there is none)."""
        with self._lock:
            return max(0, round(self._ticket[1] - self._clock())) if self._ticket else 0

    def redeem_ticket(self, code: str) -> bool:
        """Whether ``code`` is the open one-time code (which then closes: it pairs one phone only)."""
        with self._lock:
            if self._ticket is None or self._clock() >= self._ticket[1]:
                self._ticket = None
                return False
            if not hmac.compare_digest(code.encode(), self._ticket[0].encode()):
                return False  # a wrong guess leaves it open for the phone it is meant for
            self._ticket = None
            return True
