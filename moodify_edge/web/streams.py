"""Live-stream slots: how many Server-Sent Event streams may be open at once, per address and in all.

Each open stream holds one worker thread of its listener, so an uncapped number of streams would let one
phone (or a page reloaded over and over) take every thread. Past a cap the *oldest* stream is told to end:
a browser that reconnects gets a fresh stream, an abandoned one simply goes away.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(eq=False)
class Slot:
    """One open stream; ``evicted`` is set when a newer stream took its place."""

    address: str
    evicted: threading.Event = field(default_factory=threading.Event)


class StreamSlots:
    """Open streams of one listener, oldest first. Thread-safe."""

    def __init__(self, per_address: int, total: int) -> None:
        self.per_address = per_address
        self.total = total
        self._open: list[Slot] = []
        self._lock = threading.Lock()

    def open(self, address: str) -> Slot:
        """A slot for a new stream from ``address``, evicting the oldest streams past the caps."""
        slot = Slot(address)
        with self._lock:
            self._open.append(slot)
            while sum(1 for s in self._open if s.address == address) > self.per_address:
                self._evict(next(s for s in self._open if s.address == address))
            while len(self._open) > self.total:
                self._evict(self._open[0])
        return slot

    def _evict(self, slot: Slot) -> None:
        slot.evicted.set()
        self._open.remove(slot)

    def close(self, slot: Slot) -> None:
        with self._lock:
            if slot in self._open:
                self._open.remove(slot)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)
