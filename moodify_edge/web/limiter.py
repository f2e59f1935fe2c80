"""The limit on wrong pairing codes: how many each address may send in a sliding minute, and how many
came from all addresses together (which :mod:`.pairing` answers by changing the code)."""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable


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
