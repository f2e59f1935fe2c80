"""The configuration schema: one frozen dataclass per section of the TOML file, and :class:`Config`.

Each key is declared with :func:`~moodify_edge.setting.setting`, which keeps its documentation and
rules (``choices``, ``min``, ``max``, ``keys``) in the field's metadata; validation and the example file
read them from there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..emotions import KEYS
from ..mood import GOALS, MoodProfile, default_moods
from ..setting import setting
from .state_dir import state_directory


@dataclass(frozen=True)
class CameraConfig:
    source: str = setting(
        '"auto" (Pi camera, then USB), "picam", "usb:N", "/dev/videoN", "demo" (shipped sample faces), '
        "or a path to a video file, an image or a folder of images",
        "auto",
    )
    width: int = setting("Capture width in pixels.", 640, min=160, max=4096)
    height: int = setting("Capture height in pixels.", 480, min=120, max=3072)
    fps: int = setting("Requested frames per second.", 30, min=1, max=120)
    loop: bool = setting("Loop a file source when it ends.", True)
    reopen_max_seconds: float = setting(
        "Longest wait between attempts to reopen a camera that failed.", 10.0, min=0.1, max=600.0
    )


@dataclass(frozen=True)
class ModelConfig:
    path: str = setting('The int8 .tflite emotion model; "" means the one shipped with Moodify Edge.', "")
    num_threads: int = setting("CPU threads LiteRT may use for one face.", 2, min=1, max=16)


@dataclass(frozen=True)
class DetectionConfig:
    seconds: float = setting("Length of one detection run in seconds.", 5.0, min=0.5, max=60.0)
    frames: int = setting("Stop after this many frames instead (0: use seconds).", 0, min=0, max=10000)
    detector: str = setting(
        'Face detector: "blazeface" (landmarks, aligned crop) or "haar" (OpenCV\'s cascade, the fallback).',
        "blazeface",
        choices=("blazeface", "haar"),
    )
    min_face: int = setting("Smallest face side in pixels of the captured frame that counts.", 60, min=16, max=2000)
    detect_width: int = setting(
        "Haar only: frames are downscaled to this width before face detection (speed on a Pi).", 320, min=80, max=1920
    )
    margin: float = setting(
        "Extra border around the face crop, as a fraction of its side (0: the training framing).", 0.0, min=0.0, max=1.0
    )


@dataclass(frozen=True)
class GpioConfig:
    enabled: bool = setting("Use a GPIO button and LED (turned off quietly when the machine has no GPIO).", True)
    button_pin: int = setting("BCM pin of the push button (wired to GND; internal pull-up).", 17, min=0, max=27)
    led_pin: int = setting("BCM pin of the status LED, or -1 for none.", 27, min=-1, max=27)
    bounce_seconds: float = setting("Button debounce time.", 0.05, min=0.0, max=1.0)
    long_press_seconds: float = setting("Holding the button this long stops the music.", 3.0, min=0.5, max=30.0)
    press_during_run: str = setting(
        'What a button press does while a detection runs: "ignore" or "cancel".', "ignore", choices=("ignore", "cancel")
    )


@dataclass(frozen=True)
class WebConfig:
    host: str = setting(
        'Address to listen on. "127.0.0.1" keeps it to the kiosk itself; "0.0.0.0" lets paired phones on the LAN in.',
        "127.0.0.1",
    )
    port: int = setting("TCP port of the kiosk web app.", 5000, min=1, max=65535)
    language: str = setting('UI language: "auto" (the browser\'s), "en" or "ko".', "auto", choices=("auto", "en", "ko"))
    pairing_attempts_per_minute: int = setting(
        "Wrong pairing codes tolerated per minute per address.", 5, min=1, max=100
    )
    max_body_bytes: int = setting("Largest request body accepted.", 16384, min=1024, max=1048576)


@dataclass(frozen=True)
class SpotifyConfig:
    client_id: str = setting('Client ID of your Spotify app (PKCE; no secret needed). "" disables Spotify.', "")
    redirect_uri: str = setting(
        "Redirect URI registered in the Spotify app; must be the literal loopback address.",
        "http://127.0.0.1:5000/callback",
    )
    device_name: str = setting(
        "Name of the Spotify Connect receiver on this device (raspotify/librespot).", "Moodify Edge"
    )
    market: str = setting('Two-letter market for search, or "" for the account\'s own.', "")
    autoplay: bool = setting("Start playing the first recommendation when a result is ready.", True)
    receiver_unit: str = setting('systemd unit of the Connect receiver, restarted when it has vanished ("" never).', "")
    receiver_api_url: str = setting(
        'Local control API of the receiver, e.g. go-librespot\'s "http://127.0.0.1:3678" ("" none): asked whether '
        "it is logged in, and woken with a play command when it has vanished.",
        "",
    )
    api_url: str = setting("Web API base URL (changed only by tests).", "https://api.spotify.com/v1/")
    accounts_url: str = setting("Accounts service base URL (changed only by tests).", "https://accounts.spotify.com")
    timeout_seconds: float = setting(
        "Longest wait for Spotify in one action (all its requests together).", 2.0, min=0.1, max=2.0
    )


@dataclass(frozen=True)
class MpdConfig:
    host: str = setting("MPD's address, or the path of its unix socket.", "127.0.0.1")
    port: int = setting("MPD's TCP port (unused with a socket path).", 6600, min=1, max=65535)
    password: str = setting('MPD\'s password, "" for none.', "")
    timeout_seconds: float = setting("Longest wait for MPD in one action.", 2.0, min=0.1, max=2.0)


@dataclass(frozen=True)
class MusicConfig:
    backend: str = setting(
        '"spotify", "mpd" (a local library through MPD), "offline", or "auto": Spotify when spotify.client_id '
        "is set (and not in demo mode), else offline.",
        "auto",
        choices=("auto", "spotify", "mpd", "offline"),
    )
    items: int = setting("How many recommendations to show.", 8, min=1, max=50)
    avoid_recent: int = setting("Recommendations from this many recent runs are not repeated.", 3, min=0, max=50)
    moods: dict[str, MoodProfile] = setting("One profile per emotion.", factory=default_moods, keys=KEYS)


@dataclass(frozen=True)
class KioskConfig:
    owner_pin: str = setting(
        'Digits the owner types on the kiosk screen for owner actions (pairing, Spotify login, settings); "" means '
        "owner actions only from a phone the owner paired.",
        "",
    )
    visitor_pairing: bool = setting("Let visitors' phones pair (the owner turns it on; else owner phones only).", False)
    idle_seconds: int = setting("A result goes back to the idle screen after this many seconds.", 90, min=5, max=3600)
    music_minutes: float = setting("Music fades out this long after a result (0: never).", 10.0, min=0.0, max=600.0)
    default_volume: int = setting("Volume the player returns to for each new visitor.", 50, min=0, max=100)
    max_volume: int = setting("No one can set the volume above this.", 80, min=0, max=100)
    preview: bool = setting("Show the live camera picture on the kiosk's own screen (never to the LAN).", True)
    goal: str = setting(
        'The music of a run the visitor did not choose a goal for (the GPIO button): "profile" (each mood '
        'profile\'s own policy), "match" or "lift".',
        "profile",
        choices=GOALS,
    )


@dataclass(frozen=True)
class ShareConfig:
    minutes: int = setting(
        "A result's share page (its QR code on the kiosk, for phones on the LAN) works this long.", 15, min=1, max=240
    )
    playlist: bool = setting(
        "Offer the owner a button on the result screen that saves its list as a private playlist in the kiosk's "
        "Spotify account (Spotify only; a login from before needs to be made again once).",
        False,
    )


@dataclass(frozen=True)
class JournalConfig:
    enabled: bool = setting(
        "Keep a mood journal: counts per emotion per hour on this device only (no faces, images or people).", False
    )
    days: int = setting("The journal keeps this many days.", 30, min=1, max=366)


@dataclass(frozen=True)
class MqttConfig:
    enabled: bool = setting("Publish state and results to an MQTT broker and take commands from it.", False)
    host: str = setting("The broker's host name or address.", "localhost")
    port: int = setting("The broker's TCP port (8883 is usual with TLS).", 1883, min=1, max=65535)
    username: str = setting('User name for the broker ("" for none).', "")
    password: str = setting('Password for the broker ("" for none).', "")
    tls: bool = setting("Connect with TLS.", False)
    ca_file: str = setting('CA certificate file for TLS; "" means the system\'s CAs.', "")
    base_topic: str = setting('Topic prefix of this kiosk; "" means moodify/HOSTNAME.', "")
    discovery_prefix: str = setting('Home Assistant discovery prefix ("" turns discovery off).', "homeassistant")
    client_id: str = setting('MQTT client id; "" means moodify-edge-HOSTNAME.', "")
    keepalive_seconds: int = setting(
        "Keep-alive interval; the broker marks a silent kiosk offline.", 30, min=5, max=3600
    )


@dataclass(frozen=True)
class MetricsConfig:
    addresses: list[str] = setting(
        "Addresses or networks (CIDR) that may read /metrics without pairing, e.g. a Prometheus server; "
        "the kiosk itself and paired phones always may.",
        factory=list,
    )


@dataclass(frozen=True)
class ServiceConfig:
    demo: bool = setting("Demo mode: shipped sample faces as the camera and the offline music catalogue.", False)
    state_dir: str = setting(
        'Where tokens and pairings are kept; "" means $STATE_DIRECTORY, else /var/lib/moodify-edge when '
        "writable, else ~/.local/state/moodify-edge.",
        "",
    )
    watchdog_stall_seconds: float = setting(
        "A worker silent for this long counts as hung (no more watchdog pings).", 10.0, min=1.0, max=600.0
    )
    log_level: str = setting("Logging level.", "info", choices=("debug", "info", "warning", "error"))


@dataclass(frozen=True)
class Config:
    camera: CameraConfig = field(default_factory=CameraConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    gpio: GpioConfig = field(default_factory=GpioConfig)
    web: WebConfig = field(default_factory=WebConfig)
    spotify: SpotifyConfig = field(default_factory=SpotifyConfig)
    mpd: MpdConfig = field(default_factory=MpdConfig)
    music: MusicConfig = field(default_factory=MusicConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    share: ShareConfig = field(default_factory=ShareConfig)
    journal: JournalConfig = field(default_factory=JournalConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    source: str = field(default="(defaults)", metadata={"internal": True})

    def state_path(self) -> Path:
        """The directory for persistent state, created on first use (see :mod:`.state_dir`)."""
        return state_directory(self.service.state_dir)

    def replace(self, section: str, **changes: Any) -> Config:
        """A copy with some keys of one section changed (used for CLI overrides such as ``--demo``)."""
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **changes)})
