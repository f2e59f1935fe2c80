"""The service manager (systemd) adapter: sd_notify (READY, STATUS, STOPPING, WATCHDOG), the health-gated
watchdog, journal logging.

The notify protocol is one datagram per message to the unix socket named by ``$NOTIFY_SOCKET`` (a path,
or an abstract name written with a leading ``@``). It is spoken here with a plain socket, so it works
with or without systemd-python. Outside systemd every call is a quiet no-op.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from .contract import KioskState
from .events import CameraChanged, ErrorRaised, Event, EventBus, PlayerChanged, RunFinished, StateChanged

log = logging.getLogger(__name__)

HealthCheck = Callable[[], "str | None"]  # None when healthy, else what is wrong


class Notifier:
    """Sends sd_notify messages to ``address`` (default ``$NOTIFY_SOCKET``); does nothing without one."""

    def __init__(self, address: str | None = None) -> None:
        address = os.environ.get("NOTIFY_SOCKET") if address is None else address
        self.address = address or None
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._failed = False

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, **fields: Any) -> bool:
        """Send ``KEY=value`` lines (e.g. ``notify(READY=1, STATUS="idle")``); True when delivered."""
        if self.address is None:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        payload = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._socket.sendto(payload, target)
            except OSError as exc:
                if not self._failed:  # a missing socket would otherwise flood the log every ping
                    log.warning("sd_notify to %s failed: %s", self.address, exc)
                    self._failed = True
                return False
        return True

    def ready(self, status: str) -> bool:
        return self.notify(READY=1, STATUS=status)

    def status(self, text: str) -> bool:
        return self.notify(STATUS=text)

    def stopping(self) -> bool:
        return self.notify(STOPPING=1, STATUS="stopping")

    def watchdog(self) -> bool:
        return self.notify(WATCHDOG=1)

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


def watchdog_interval(environ: dict[str, str] | None = None) -> float | None:
    """Seconds between pings (half of ``$WATCHDOG_USEC``), or None when systemd expects none from us."""
    env = os.environ if environ is None else environ
    try:
        usec = int(env.get("WATCHDOG_USEC", "0"))
        pid = int(env.get("WATCHDOG_PID", "0"))
    except ValueError:
        return None
    if usec <= 0 or (pid and pid != os.getpid()):
        return None
    return usec / 2_000_000


class Watchdog:
    """Pings WATCHDOG=1 every ``interval`` seconds while every health check passes.

    When a check fails (a hung camera loop, a dead web server thread) the pings stop, and systemd
    restarts the service once ``WatchdogSec`` runs out.
    """

    def __init__(self, notifier: Notifier, interval: float, checks: list[HealthCheck]) -> None:
        self._notifier = notifier
        self._interval = interval
        self._checks = checks
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="watchdog", daemon=True)
        self._problem: str | None = None

    def problem(self) -> str | None:
        """The first failing check's message, or None when all pass."""
        for check in self._checks:
            message = check()
            if message:
                return message
        return None

    def beat(self) -> bool:
        """One round: ping when healthy; True when pinged."""
        problem = self.problem()
        if problem != self._problem:
            if problem:
                log.error("watchdog pings withheld: %s", problem)
                self._notifier.status(f"unhealthy: {problem}")
            else:
                log.info("workers healthy again; watchdog pings resumed")
            self._problem = problem
        return problem is None and self._notifier.watchdog()

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while True:
            self.beat()
            if self._stop.wait(self._interval):
                return


def heartbeat_check(name: str, heartbeat: Callable[[], float], stall_seconds: float) -> HealthCheck:
    """A check that fails when ``heartbeat()`` (a time.monotonic() stamp) is older than ``stall_seconds``."""

    def check() -> str | None:
        stalled = time.monotonic() - heartbeat() > stall_seconds
        return f"{name} silent for more than {stall_seconds:g} s" if stalled else None

    return check


def thread_check(name: str, thread: threading.Thread) -> HealthCheck:
    """A check that fails once ``thread`` has ended."""
    return lambda: None if thread.is_alive() else f"{name} thread has stopped"


def status_text(event: Event) -> str | None:
    """The STATUS= line for a bus event, or None when the event does not change the status."""
    match event:
        case StateChanged(state=KioskState.DETECTING, run=run):
            return f"detecting (started by {run.origin if run else '?'})"
        case StateChanged(state=KioskState.RESULT, outcome=outcome):
            return f"result: {outcome or ''}"
        case StateChanged(state=KioskState.IDLE, error=error):
            return f"idle ({error})" if error else "idle"
        case RunFinished(result=result) if result.emotion:
            return f"result: {result.emotion} {result.confidence:.0%}"
        case CameraChanged(camera=camera):
            return "camera ok" if camera.ok else f"camera unavailable: {camera.message}"
        case PlayerChanged(player=player) if player.playing:
            return f"playing {player.track.title if player.track else ''}".strip()
        case ErrorRaised(source=source, message=message):
            return f"{source} error: {message}"
    return None


def report_status(bus: EventBus, notifier: Notifier) -> None:
    """Keep systemd's STATUS= line following the kiosk's events."""
    if not notifier.enabled:
        return

    def on_event(event: Event) -> None:
        text = status_text(event)
        if text:
            notifier.status(text)

    bus.listen(on_event)


def under_systemd(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("JOURNAL_STREAM") or env.get("INVOCATION_ID"))


def setup_logging(level: str) -> str:
    """Log to the journal (systemd-python's JournalHandler) when running under systemd and it is
    installed, else to stderr. Returns "journal" or "stderr"."""
    handler: logging.Handler | None = None
    if under_systemd():
        try:
            from systemd.journal import JournalHandler  # apt: python3-systemd
        except ImportError:
            pass
        else:
            handler = JournalHandler(SYSLOG_IDENTIFIER="moodify-edge")
            handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    target = "journal" if handler else "stderr"
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    return target
