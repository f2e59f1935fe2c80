"""The long-running kiosk service: one process wiring camera feed, pipeline, music, controller, web server
and GPIO, reporting to systemd (READY, STATUS, watchdog) and stopping cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import errno
import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from .config import EX_CONFIG, Config, ConfigError, check_state_dir
from .events import EventBus
from .service_manager import (
    Notifier,
    Watchdog,
    heartbeat_check,
    report_status,
    setup_logging,
    thread_check,
    watchdog_interval,
)

if TYPE_CHECKING:
    from .pipeline import FramePipeline

log = logging.getLogger(__name__)

EX_SOFTWARE = 70  # sysexits: a worker died or start-up failed; systemd restarts us (Restart=on-failure)
EX_UNAVAILABLE = 69  # sysexits: web.port is taken; systemd retries (it may be an old copy still stopping)
STOP_SECONDS = 1.8  # everything released within this, so SIGTERM ends the process inside 2 s


def check_files(config: Config) -> None:
    """Before anything starts: the state directory and the state files in it are usable (a problem there is
    a :class:`ConfigError` naming the path, exit 78, not a traceback from deep inside start-up)."""
    check_state_dir(config.state_path())


def load_pipeline(config: Config) -> FramePipeline:
    """The frame pipeline; a model file LiteRT cannot load is a :class:`ConfigError` naming ``model.path``."""
    from .pipeline import FramePipeline

    try:
        return FramePipeline.from_config(config)
    except (OSError, ValueError, RuntimeError) as exc:
        model = config.model.path or "the shipped model"
        reason = " ".join(str(exc).split())  # one line in the journal, whatever LiteRT says
        raise ConfigError(f"model.path: cannot load {model}: {reason}") from exc


def demo_config(config: Config) -> Config:
    """Demo mode: the shipped sample faces as the camera, the offline catalogue (chosen by the music
    factory from ``service.demo``), no GPIO."""
    return config.replace("camera", source="demo").replace("gpio", enabled=False)


class Service:
    """The running kiosk. :meth:`start` returns once it is ready; :meth:`stop` from any thread ends it."""

    def __init__(self, config: Config, notifier: Notifier | None = None) -> None:
        self.config = demo_config(config) if config.service.demo else config
        self.notifier = notifier or Notifier()
        self.bus = EventBus()
        self.stopped = threading.Event()
        self.failure: str | None = None
        self._parts: list[Callable[[float], Any]] = []  # release(seconds left), called in reverse order
        self.url = ""

    def start(self) -> None:
        from .capture import CameraFeed, Preview
        from .controller import Controller
        from .gpio import KioskGpio
        from .mqtt import start_mqtt
        from .music.factory import create_music
        from .web import create_app
        from .web.server import serve

        config = self.config
        started = time.monotonic()
        report_status(self.bus, self.notifier)
        self.notifier.status("loading the model")
        pipeline = load_pipeline(config)
        self.feed = CameraFeed(config.camera, self.bus).start()
        self._parts.append(self.feed.stop)
        music = create_music(config, self.bus)
        self._parts.append(lambda _left: music.close())
        self.controller = Controller(config, self.bus, self.feed, pipeline, music, camera_status=self.feed.status)
        self._parts.append(self._end_run)
        camera_view = Preview(self.feed, self.bus) if config.kiosk.preview else None
        self.web = serve(create_app(self.controller, config, camera_view), config.web.host, config.web.port)
        self._parts.append(self.web.close)
        self.web.start(on_stop=self._web_stopped)
        self.gpio = gpio = KioskGpio.open(config.gpio, self.controller, self.bus)
        if gpio is not None:
            self._parts.append(lambda _left: gpio.close())
        mqtt = start_mqtt(config, self.controller, self.bus)
        if mqtt is not None:
            self._parts.append(mqtt.close)
        interval = watchdog_interval()
        if interval:
            # A camera that cannot be opened still turns the loop over after each backoff wait, so a stall
            # shorter than the longest backoff would count a missing camera as a hung thread.
            stall = max(config.service.watchdog_stall_seconds, config.camera.reopen_max_seconds + 2)
            checks = [
                heartbeat_check("camera loop", lambda: self.feed.heartbeat, stall),
                heartbeat_check("detection run (past its end)", self.controller.run_due, stall),
                *(thread_check(thread.name, thread) for thread in self.web.threads),
            ]
            watchdog = Watchdog(self.notifier, interval, checks).start()
            self._parts.append(lambda _left: watchdog.stop())
        self.url = self.web.url
        mode = " (demo mode)" if config.service.demo else ""
        self.notifier.ready(f"idle; listening on {self.url}{mode}")
        log.info("Moodify Edge ready at %s/%s in %.1f s", self.url, mode, time.monotonic() - started)

    def _web_stopped(self, reason: str) -> None:
        if not self.stopped.is_set():
            self.fail(reason)

    def _end_run(self, timeout: float) -> None:
        self.controller.cancel()
        self.controller.join(timeout)

    def fail(self, reason: str) -> None:
        self.failure = reason
        self.stopped.set()

    def stop(self) -> None:
        self.stopped.set()

    def close(self) -> None:
        """Release everything started so far (reverse order); safe after a failed :meth:`start`."""
        self.stopped.set()
        self.notifier.stopping()
        deadline = time.monotonic() + STOP_SECONDS
        while self._parts:
            release = self._parts.pop()
            try:
                release(max(0.0, deadline - time.monotonic()))
            except Exception:
                log.exception("error while stopping")
        self.notifier.close()


def run_service(config: Config) -> int:
    """Run the kiosk until SIGTERM or SIGINT; 0 after a clean stop, 78 for a configuration problem,
    69 when ``web.port`` is already in use (one line naming it), 70 when start-up or a worker failed (systemd
    restarts it)."""
    setup_logging(config.service.log_level)
    service = Service(config)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        service.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        check_files(service.config)
        service.start()
        # Polling, not Event.wait(): the handler sets the event, and must never wait for a lock that the
        # interrupted main thread holds inside Event.wait().
        while not service.stopped.is_set():
            time.sleep(0.1)
    except ConfigError as exc:
        log.error("config error: %s", exc)
        return EX_CONFIG
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            log.exception("start-up failed: %s", exc)
            service.failure = str(exc)
        else:  # one line, no traceback: the most common start-up problem of all
            web = service.config.web
            log.error(
                "web.port: port %d is already in use on %s (another Moodify Edge, or another program) → stop it, "
                "or choose another port (web.port in the config, or run --port)",
                web.port,
                web.host,
            )
            return EX_UNAVAILABLE
    except Exception as exc:
        log.exception("start-up failed: %s", exc)
        service.failure = str(exc)
    finally:
        service.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if service.failure:
        log.error("stopped: %s", service.failure)
        return EX_SOFTWARE
    log.info("stopped")
    return 0
