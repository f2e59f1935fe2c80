"""``moodify-edge doctor``: checks the setup piece by piece and says, one line each, what is wrong and what to do.

Camera, model and web port are critical (the kiosk cannot work without them): any of those failing makes the
exit status 1. GPIO, Spotify, the Connect speaker and the kiosk screen are optional: they warn.
"""

from __future__ import annotations

import errno
import functools
import socket
import urllib.parse
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import Config
from .contract import MusicBackendName
from .doctor_system import any_running_service, korean_fonts
from .music import MusicBackend, MusicError

KIOSK_UNIT = Path("/etc/systemd/user/moodify-kiosk.service")
KIOSK_AUTOSTART = Path("/etc/xdg/autostart/moodify-kiosk.desktop")
CAMERA_TIMEOUT = 5.0


@dataclass(frozen=True)
class Check:
    """The outcome of one check: "ok", "warn" (optional part missing) or "fail" (the kiosk cannot work)."""

    name: str
    level: str
    message: str

    def line(self) -> str:
        return f"{self.level.upper():<4}  {self.name:<15} {self.message}"


def check_camera(config: Config, running: dict[str, Any] | None) -> Check:
    """``running``: the state of the service already running here, on any port (None: not running)."""
    from .capture import CameraError, open_camera

    if running is not None:  # the service holds the camera: ask it rather than fight it for the device
        camera = running.get("camera") or {}
        where = "" if running.get("port") == config.web.port else f" on port {running.get('port')}"
        if running.get("demo") and config.camera.source != "demo":
            return Check(
                "camera",
                "warn",
                f"the demo service{where} is running (sample faces) → stop it, then run doctor again to check "
                f'camera.source "{config.camera.source}"',
            )
        if camera.get("ok"):
            return Check("camera", "ok", f"{camera.get('message')} (in use by the running service{where})")
        if camera.get("starting"):
            return Check("camera", "warn", f"the running service{where} is still opening the camera → run doctor again")
        return Check(
            "camera",
            "fail",
            f"the running service reports: {camera.get('message')} → connect a camera or set camera.source",
        )
    try:
        camera = open_camera(config.camera)
    except CameraError as exc:
        return Check("camera", "fail", f'{exc} → connect a camera or set camera.source ("demo" for a trial)')
    try:
        frame = camera.read(CAMERA_TIMEOUT)
    except Exception as exc:  # a driver error is the answer here, not a crash
        frame, error = None, str(exc)
    else:
        error = f"no frame within {CAMERA_TIMEOUT:.0f} s"
    finally:
        camera.close()
    if frame is None:
        return Check("camera", "fail", f"{camera.description} opened but {error} → is another program using it?")
    return Check("camera", "ok", f"{camera.description}, {frame.shape[1]}x{frame.shape[0]}")


def check_model(config: Config) -> Check:
    try:
        from .classifier import EmotionClassifier, default_model_path

        path = Path(config.model.path) if config.model.path else default_model_path()
        classifier = EmotionClassifier(path, num_threads=config.model.num_threads)
        size = classifier.input_size
        probabilities = classifier.classify(np.full((size, size), 128, np.uint8))
    except (OSError, ValueError, ImportError, RuntimeError) as exc:
        return Check("model", "fail", f"{exc} → reinstall, or fix model.path")
    if probabilities.shape != (7,) or not np.isclose(probabilities.sum(), 1.0, atol=1e-3):
        return Check("model", "fail", f'{path} does not give 7 probabilities → use the shipped model (model.path = "")')
    return Check("model", "ok", f"{path.name}, {size}x{size} input, classifies a test face")


def check_gpio(config: Config) -> Check:
    if not config.gpio.enabled:
        return Check("gpio", "ok", "disabled in config (screen and phone triggers only)")
    try:
        from gpiozero import Button
        from gpiozero.exc import BadPinFactory, GPIOPinInUse, GPIOZeroError
    except ImportError:
        return Check("gpio", "warn", "gpiozero is not installed → pip install gpiozero")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Button(config.gpio.button_pin, pull_up=True).close()
    except BadPinFactory:
        return Check("gpio", "warn", "no GPIO on this machine: no button or LED (screen and phone triggers work)")
    except GPIOPinInUse:
        return Check("gpio", "ok", f"BCM {config.gpio.button_pin} is in use (by the running service?)")
    except (GPIOZeroError, OSError) as exc:
        return Check("gpio", "warn", f"button on BCM {config.gpio.button_pin}: {exc} → is the user in group gpio?")
    return Check("gpio", "ok", f"button on BCM {config.gpio.button_pin} can be read")


def check_web_port(config: Config, running: dict[str, Any] | None) -> Check:
    host, port = config.web.host, config.web.port
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                return Check("web port", "fail", f"cannot listen on {host}:{port}: {exc.strerror} → check web.host")
            if running is not None and running.get("port") == port:
                return Check("web port", "ok", f"{host}:{port} is served by Moodify Edge (the service is running)")
            return Check("web port", "fail", f"port {port} is used by another program → stop it or change web.port")
    return Check("web port", "ok", f"{host}:{port} is free for the service")


def check_spotify(config: Config, music: MusicBackend) -> Check:
    redirect = urllib.parse.urlsplit(config.spotify.redirect_uri)
    if config.spotify.client_id and (redirect.port or 80) != config.web.port:
        return Check(
            "spotify",
            "warn",
            f"spotify.redirect_uri {config.spotify.redirect_uri} is not on web.port {config.web.port}: a login "
            f"cannot come back → set it to http://127.0.0.1:{config.web.port}/callback here and in the Spotify "
            "app, then log in to Spotify",
        )
    account = music.account.status()
    if account.backend == MusicBackendName.MPD:
        return Check("spotify", "ok", "not used: music comes from the local library through MPD")
    if account.backend != MusicBackendName.SPOTIFY:
        reason = "demo mode" if config.service.demo else "spotify.client_id is empty"
        return Check("spotify", "warn", f"{reason}: the offline catalogue is used → see docs/SPOTIFY.md to connect")
    if not account.logged_in:
        return Check(
            "spotify",
            "warn",
            f"not logged in → open http://127.0.0.1:{config.web.port}/ on the kiosk and log in to Spotify",
        )
    return Check("spotify", "ok", f"logged in as {account.user or 'unknown user'}")


def check_connect_device(config: Config, music: MusicBackend) -> Check:
    from .music.spotify import SpotifyPlayer

    name = config.spotify.device_name
    if not isinstance(music.player, SpotifyPlayer):
        return Check("connect device", "ok", "not needed: the offline catalogue has its own player")
    if not music.account.status().logged_in:
        return Check("connect device", "warn", f"“{name}” not checked: Spotify is not logged in")
    try:
        found = music.player.find_device()
    except MusicError as exc:
        return Check(
            "connect device",
            "warn",
            f"{exc.message} → is raspotify running and logged in as “{name}”? "
            "(sudo systemctl status raspotify; spotify.device_name)",
        )
    return Check("connect device", "ok", f"“{found}” is visible to Spotify")


def check_mpd(config: Config) -> Check:
    """With ``music.backend = "mpd"``: MPD answers, and every mood's folders or playlists hold music."""
    from .music.factory import backend_name

    if backend_name(config) != "mpd":
        return Check("mpd", "ok", 'not used (music.backend is not "mpd")')
    from .music.mpd import MpdConnection
    from .music.mpd.library import profile_pools

    settings = config.mpd
    connection = MpdConnection(settings.host, settings.port, settings.password, settings.timeout_seconds)
    empty = []
    try:
        for emotion, profile in config.music.moods.items():
            pools, _ = connection.run(functools.partial(profile_pools, profile=profile))
            if not any(pools):
                empty.append(f"{emotion} ({', '.join(profile.library + profile.genres) or 'nothing configured'})")
    except MusicError as exc:
        return Check("mpd", "warn", f"{exc.message} → is mpd running? (scripts/install-pi.sh --with-mpd; mpd.*)")
    finally:
        connection.close()
    if empty:
        return Check("mpd", "warn", f"no music for {'; '.join(empty)} → put files there and update MPD's database")
    return Check("mpd", "ok", f"{connection.where} answers; all {len(config.music.moods)} moods have music")


def check_kiosk(unit: Path = KIOSK_UNIT, autostart: Path = KIOSK_AUTOSTART) -> Check:
    if not unit.is_file():
        return Check("kiosk screen", "warn", f"{unit} is missing: headless (run scripts/install-pi.sh for the screen)")
    if not autostart.is_file():
        return Check("kiosk screen", "warn", f"{autostart} is missing: the browser will not start with the desktop")
    return Check("kiosk screen", "ok", f"{unit.name} starts with the desktop")


def check_fonts() -> Check:
    level, message = korean_fonts()
    return Check("korean fonts", level, message)


CRITICAL = {"camera", "model", "web port"}


def checks(config: Config) -> list[tuple[str, Callable[[], Check]]]:
    """Every check by name, in the order they are shown."""
    from .music.factory import create_music

    music = functools.cache(lambda: create_music(config))
    running = functools.cache(lambda: any_running_service(config.web.port))  # asked once, for two checks
    return [
        ("camera", lambda: check_camera(config, running())),
        ("model", lambda: check_model(config)),
        ("gpio", lambda: check_gpio(config)),
        ("web port", lambda: check_web_port(config, running())),
        ("spotify", lambda: check_spotify(config, music())),
        ("connect device", lambda: check_connect_device(config, music())),
        ("mpd", lambda: check_mpd(config)),
        ("kiosk screen", check_kiosk),
        ("korean fonts", check_fonts),
    ]


def run_checks(config: Config) -> int:
    """Print one line per check; 0 when nothing critical failed, else 1."""
    print(f"Moodify Edge doctor (config: {config.source})")
    results = []
    for name, check in checks(config):
        try:
            result = check()
        except Exception as exc:  # one broken check must not hide the others
            result = Check(name, "fail", f"unexpected error: {exc!r}")
        results.append(result)
        print(result.line(), flush=True)
    failed = [r.name for r in results if r.level == "fail" and r.name in CRITICAL]
    if failed:
        print(f"The kiosk cannot work until {', '.join(failed)} {'is' if len(failed) == 1 else 'are'} fixed.")
        return 1
    optional = [r.name for r in results if r.level != "ok"]
    print("The kiosk can run." + (f" Optional parts to look at: {', '.join(optional)}." if optional else ""))
    return 0
