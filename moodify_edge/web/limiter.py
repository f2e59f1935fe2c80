"""The limits on wrong pairing codes, per address and for all addresses together, that no restart, code
change or number of addresses resets.

Each limit is a :class:`Budget`: so many wrong codes in a sliding window, then a lock-out that doubles each
time the allowance runs out again (forgotten after a day without wrong codes). An address may send
``web.pairing_attempts_per_minute`` wrong codes a minute; all addresses together :data:`GLOBAL_PER_HOUR` an
hour. :meth:`PairingLimiter.attempt` checks both limits, compares the code and counts a wrong one under one
lock, so no burst of parallel requests gets more codes compared than the limits allow.

The state is kept in ``<state dir>/web-pairing-limits.json`` (via :func:`~moodify_edge.state_file.write_atomic`,
only when a wrong code is counted, so at most as often as codes are compared). Times are stored as ages
relative to the write: time while the kiosk is off does not count, and a wall clock set wrong (a Pi has no
real-time clock) neither shortens nor lengthens a lock-out. A damaged file is set aside as ``*.bad``.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..state_file import remove_leftovers, set_aside, write_atomic

log = logging.getLogger(__name__)

LIMITS_FILE = "web-pairing-limits.json"
ADDRESS_WINDOW = 60.0
GLOBAL_WINDOW = 3600.0
GLOBAL_PER_HOUR = 30  # wrong codes compared per hour from all addresses together, at the very most
MAX_LOCK = 86400.0  # the longest lock-out: a day
FORGIVE_AFTER = 86400.0  # a day without wrong codes forgets earlier lock-outs
MAX_ADDRESSES = 1024  # addresses remembered (only those whose wrong codes were compared: ≤ 30 an hour)
ALARM_AFTER = 10  # wrong or refused codes within ALARM_WINDOW that raise the alarm
ALARM_WINDOW = 600.0
ALARM_QUIET = 600.0  # an episode of guessing ends after this long without wrong or refused codes


@dataclass
class Budget:
    """Wrong codes in a sliding window; when ``allowance`` is reached, a lock-out of ``window`` seconds
    that doubles with each further one (``strikes``), at most :data:`MAX_LOCK`. Times are monotonic."""

    allowance: int
    window: float
    failures: list[float] = field(default_factory=list)
    strikes: int = 0
    locked_until: float = -math.inf
    last_failure: float = -math.inf

    def wait(self, now: float) -> float:
        """Seconds until a code may be compared again (0: now)."""
        return max(0.0, self.locked_until - now)

    def fail(self, now: float) -> bool:
        """Count a wrong code; True when this one used up the allowance (a lock-out begins)."""
        if now - self.last_failure > FORGIVE_AFTER:
            self.strikes = 0
        self.last_failure = now
        self.failures = [t for t in self.failures if t > now - self.window] + [now]
        if len(self.failures) < self.allowance:
            return False
        self.strikes += 1
        # At least a whole window after the last counted failure: no sliding window ever holds more.
        self.locked_until = now + min(MAX_LOCK, self.window * 2 ** min(self.strikes - 1, 32))
        self.failures = []
        return True

    def forgotten(self, now: float) -> bool:
        """Whether nothing is left worth remembering."""
        return now - self.last_failure > FORGIVE_AFTER and self.wait(now) == 0

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "failures": [round(now - t, 3) for t in self.failures],
            "strikes": self.strikes,
            "locked_for": round(self.wait(now), 3),
            "last_failure": round(now - self.last_failure, 3) if math.isfinite(self.last_failure) else None,
        }

    @classmethod
    def from_json(cls, data: Any, allowance: int, window: float, now: float) -> Budget:
        """A budget from :meth:`to_json` taken ``now``; raises ValueError when ``data`` is not one."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        ages, strikes, locked, last = data["failures"], data["strikes"], data["locked_for"], data["last_failure"]
        if not isinstance(ages, list) or len(ages) > allowance or not all(_seconds(a) for a in ages):
            raise ValueError("bad failures")
        if type(strikes) is not int or not 0 <= strikes <= 64 or not _seconds(locked) or locked > MAX_LOCK:
            raise ValueError("bad strikes or lock-out")
        if last is not None and not _seconds(last):
            raise ValueError("bad last failure")
        budget = cls(allowance, window, [now - a for a in ages if a < window], strikes)
        budget.locked_until = now + locked if locked else -math.inf
        budget.last_failure = now - last if last is not None else -math.inf
        return budget


def _seconds(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value) and value >= 0


@dataclass(frozen=True)
class Verdict:
    """The outcome of one attempt: ``wait`` > 0 (refused, the code was not compared), else ``right``;
    ``locked`` when this wrong code started a lock-out for all addresses."""

    right: bool = False
    wait: int = 0
    locked: bool = False


class PairingLimiter:
    """The per-address and global budgets of wrong pairing codes, kept in ``path``."""

    def __init__(self, path: Path, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self.everyone = Budget(GLOBAL_PER_HOUR, GLOBAL_WINDOW)
        self.addresses: dict[str, Budget] = {}
        remove_leftovers(path)
        self._load()

    def _address(self) -> Budget:
        return Budget(self.per_minute, ADDRESS_WINDOW)

    def attempt(self, address: str, is_right: Callable[[], bool]) -> Verdict:
        """Compare a code with ``is_right()`` if neither ``address`` nor everyone is locked out; count it if
        wrong (and persist the count)."""
        with self._lock:
            now = self._clock()
            budget = self.addresses.get(address)
            wait = max(self.everyone.wait(now), budget.wait(now) if budget else 0.0)
            if wait:
                return Verdict(wait=max(1, math.ceil(wait)))
            if is_right():
                return Verdict(right=True)
            budget = self.addresses.pop(address, None) or self._address()
            self.addresses[address] = budget  # the most recent last: the oldest are dropped first
            budget.fail(now)
            locked = self.everyone.fail(now)
            self._trim(now)
            self._save(now)
            return Verdict(locked=locked)

    def retry_after(self, address: str) -> int:
        """Seconds ``address`` must wait before a code of its is compared (0: now)."""
        with self._lock:
            now = self._clock()
            budget = self.addresses.get(address)
            return math.ceil(max(self.everyone.wait(now), budget.wait(now) if budget else 0.0))

    def _trim(self, now: float) -> None:
        for address in [a for a, b in self.addresses.items() if b.forgotten(now)]:
            del self.addresses[address]
        while len(self.addresses) > MAX_ADDRESSES:
            del self.addresses[next(iter(self.addresses))]

    def _save(self, now: float) -> None:
        state = {
            "everyone": self.everyone.to_json(now),
            "addresses": {address: budget.to_json(now) for address, budget in self.addresses.items()},
        }
        write_atomic(self.path, json.dumps(state, separators=(",", ":")).encode("utf-8"))

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        now = self._clock()
        try:
            state = json.loads(text)
            everyone = Budget.from_json(state["everyone"], GLOBAL_PER_HOUR, GLOBAL_WINDOW, now)
            addresses = state["addresses"]
            if not isinstance(addresses, dict) or len(addresses) > MAX_ADDRESSES:
                raise ValueError("bad addresses")
            self.addresses = {
                str(a): Budget.from_json(b, self.per_minute, ADDRESS_WINDOW, now) for a, b in addresses.items()
            }
            self.everyone = everyone
        except (ValueError, KeyError, TypeError) as exc:
            set_aside(self.path, f"not a valid pairing-limits file ({exc})")


@dataclass(frozen=True)
class Alarm:
    """An episode of guessing began (``active``) or ended: attempts and addresses seen in it so far."""

    active: bool
    attempts: int
    addresses: int


class GuessingAlarm:
    """Notices guessing: :data:`ALARM_AFTER` wrong or refused codes within :data:`ALARM_WINDOW` begin an
    episode, :data:`ALARM_QUIET` seconds without any end it. Each is logged once, not per request."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: collections.deque[float] = collections.deque(maxlen=ALARM_AFTER)
        self._attempts = 0
        self._addresses: set[str] = set()
        self._last = -math.inf
        self.active = False

    def seen(self, address: str) -> list[Alarm]:
        """Count a wrong or refused code from ``address``; the changes it brings (an episode ended, or began)."""
        with self._lock:
            now = self._clock()
            changes = self._quiet(now)
            self._last = now
            self._recent.append(now)
            self._attempts += 1
            if len(self._addresses) < MAX_ADDRESSES:
                self._addresses.add(address)
            if not self.active and len(self._recent) == ALARM_AFTER and now - self._recent[0] <= ALARM_WINDOW:
                self.active = True
                log.warning(
                    "someone is guessing the pairing code: %d wrong or refused codes from %d addresses; "
                    "a phone can still pair with the one-time code from the kiosk's screen (Pair a phone now)",
                    self._attempts,
                    len(self._addresses),
                )
                changes.append(self._state())
            return changes

    def check(self) -> list[Alarm]:
        """End an episode that has gone quiet (the changes: none or its end)."""
        with self._lock:
            return self._quiet(self._clock())

    def _quiet(self, now: float) -> list[Alarm]:
        if now - self._last < ALARM_QUIET:
            return []
        ended = [Alarm(False, self._attempts, len(self._addresses))] if self.active else []
        if ended:
            log.warning(
                "pairing-code guessing stopped: %d attempts from %d addresses", self._attempts, len(self._addresses)
            )
        self.active, self._attempts = False, 0
        self._addresses.clear()
        self._recent.clear()
        return ended

    def _state(self) -> Alarm:
        return Alarm(self.active, self._attempts, len(self._addresses))
