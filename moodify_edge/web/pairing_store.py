"""The persisted pairing state: the session secret, the pairing epoch and the code on the kiosk screen.

They live in ``<state dir>/web-pairing.json`` (mode 0600, written with :func:`~moodify_edge.state_file.write_atomic`),
so a restart unpairs no one; a missing or damaged file starts afresh (phones pair again).
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from pathlib import Path

from ..state_file import remove_leftovers, write_atomic

STATE_FILE = "web-pairing.json"


class PairingStore:
    """The session secret, pairing epoch and code, loaded from (or created in) ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        remove_leftovers(path)
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
        write_atomic(self.path, json.dumps(self._state()).encode("utf-8"))

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
