"""Recommender: turns candidate pools for one mood into a short, varied, de-duplicated list (pure logic).

A *pool* is an ordered group of candidates from one source: the curated URIs, a playlist of the
user's whose name matched, or one search query. Two policies:

* ``match`` stays in the mood: the pools are mixed round-robin in a random order, so every source
  contributes and no single query dominates.
* ``lift`` moves the mood along: pools are used *in profile order* (curated, playlists, then the
  queries as listed, e.g. "comforting ballad" before "hopeful acoustic"), each contributing its
  share in turn, so the list starts comforting and ends brighter.

Variety: each pool is shuffled, and tracks recommended in the last ``avoid_recent`` runs are left
out while enough other candidates exist (older repeats are preferred to a short list).
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Sequence, Set

from ..mood import Policy
from . import Track


def _identity(track: Track) -> str:
    artist = track.artists[0] if track.artists else ""
    return f"{track.title.casefold().strip()}\x00{artist.casefold().strip()}"


def dedupe(pools: Sequence[Sequence[Track]]) -> list[list[Track]]:
    """Each track once, in the first pool that has it: same URI, or same title by the same first artist
    (a single and its album version)."""
    seen: set[str] = set()
    result = []
    for pool in pools:
        kept = []
        for track in pool:
            keys = {track.uri, _identity(track)}
            if track.uri and not keys & seen:
                seen |= keys
                kept.append(track)
        result.append(kept)
    return result


def _round_robin(pools: list[list[Track]], items: int) -> list[Track]:
    chosen: list[Track] = []
    queues = [deque(pool) for pool in pools if pool]
    while queues and len(chosen) < items:
        for queue in list(queues):
            if len(chosen) == items:
                break
            chosen.append(queue.popleft())
            if not queue:
                queues.remove(queue)
    return chosen


def _in_stages(pools: list[list[Track]], items: int) -> list[Track]:
    """Pools in order; each gets an equal share (earlier ones take the remainder), and a pool that runs
    short passes its unused share on to the next ones."""
    nonempty = [pool for pool in pools if pool]
    chosen: list[Track] = []
    for index, pool in enumerate(nonempty):
        left = len(nonempty) - index
        share = -(-(items - len(chosen)) // left)  # ceiling
        chosen += pool[:share]
    if len(chosen) < items:  # late pools ran short: top up from earlier leftovers, keeping stage order
        used = {t.uri for t in chosen}
        spare = [t for pool in nonempty for t in pool if t.uri not in used]
        chosen += spare[: items - len(chosen)]
    return chosen


def choose(
    pools: Sequence[Sequence[Track]],
    policy: Policy,
    items: int,
    recent: Set[str] = frozenset(),
    rng: random.Random | None = None,
) -> list[Track]:
    """Pick up to ``items`` tracks from ``pools`` by ``policy`` ("match" or "lift"), avoiding ``recent``
    URIs while enough others exist."""
    rng = rng or random.Random()
    unique = dedupe(pools)
    fresh = [rng.sample(pool, len(pool)) for pool in ([t for t in p if t.uri not in recent] for p in unique)]
    again = [rng.sample(pool, len(pool)) for pool in ([t for t in p if t.uri in recent] for p in unique)]
    if policy == Policy.LIFT:
        pick = _in_stages
    else:
        order = rng.sample(range(len(unique)), len(unique))
        fresh, again = [fresh[i] for i in order], [again[i] for i in order]
        pick = _round_robin
    chosen = pick(fresh, items)
    if len(chosen) < items:  # too few new tracks: older recommendations rather than a short list
        chosen += pick(again, items - len(chosen))
    if policy != Policy.LIFT:
        rng.shuffle(chosen)
    return chosen


class Recommender:
    """Remembers what the last runs recommended so the next run differs. Thread-safe."""

    def __init__(self, items: int, avoid_recent: int, rng: random.Random | None = None) -> None:
        self.items = items
        self._history: deque[set[str]] = deque(maxlen=max(avoid_recent, 1))
        self._remember = avoid_recent > 0
        self._rng = rng or random.Random()
        self._lock = threading.Lock()

    def pick(self, pools: Sequence[Sequence[Track]], policy: Policy) -> list[Track]:
        """Choose this run's tracks and remember them."""
        with self._lock:
            recent: set[str] = set().union(*self._history)
            chosen = choose(pools, policy, self.items, recent, self._rng)
            if self._remember:
                self._history.append({t.uri for t in chosen})
            return chosen
