"""Back to idle by itself: the kiosk's named one-shot timers, and the music's gentle fade-out.

The controller arms ``"idle"`` (the result screen goes back to the attract screen) and ``"music"`` (the music
fades out) when a result is shown, and cancels both when the next visitor starts a run. Each timer is a
:class:`threading.Timer`; arming a name again replaces the one armed before, so a late timer never acts on a
newer visitor (the callbacks also check which run they belong to).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .music import MusicError, MusicPlayer, PlayerState

log = logging.getLogger(__name__)

FADE_SECONDS = 4.0  # how long the music takes to fade from its volume to silence
FADE_STEPS = 8


class Timers:
    """Named one-shot timers on daemon threads; safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timers: dict[str, threading.Timer] = {}

    def arm(self, name: str, seconds: float, action: Callable[[], None]) -> None:
        """Run ``action`` after ``seconds`` unless cancelled or armed again before."""
        timer = threading.Timer(seconds, action)
        timer.name = f"kiosk-{name}"
        timer.daemon = True
        with self._lock:
            previous = self._timers.pop(name, None)
            self._timers[name] = timer
        if previous is not None:
            previous.cancel()
        timer.start()

    def cancel(self, *names: str) -> None:
        """Cancel the named timers (all of them without names); an action already running finishes."""
        with self._lock:
            cancelled = [self._timers.pop(n) for n in (names or tuple(self._timers)) if n in self._timers]
        for timer in cancelled:
            timer.cancel()


def fade_out(
    player: MusicPlayer, still_wanted: Callable[[], bool], seconds: float = FADE_SECONDS, steps: int = FADE_STEPS
) -> PlayerState | None:
    """Lower the volume in ``steps`` over ``seconds``, pause, and put the volume back where it was (the next
    play starts audible). A player that cannot change its volume is simply paused. Stops early, doing nothing
    more, once ``still_wanted()`` is false (a new visitor started). Returns the player's last state, or None
    when the fade was abandoned. :class:`MusicError` from pausing is raised."""
    start = player.state()
    if not start.playing:
        return None
    volume = start.volume
    if volume:
        for step in range(steps - 1, 0, -1):
            time.sleep(seconds / steps)
            if not still_wanted():
                return None
            try:
                player.set_volume(volume * step // steps)
            except MusicError as exc:  # no volume control on this device: just pause
                log.info("music fade: %s", exc.message)
                break
    if not still_wanted():
        return None
    state = player.pause()
    if volume is not None and state.volume != volume:
        try:
            state = player.set_volume(volume)
        except MusicError as exc:
            log.info("music fade: volume not restored: %s", exc.message)
    return state
