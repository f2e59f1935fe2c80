"""The player: playback on the kiosk's own Connect receiver, through Spotify's player API.

An action (play, pause, next, previous, volume) is a sequence of requests (find the receiver, transfer,
command, confirm) that runs on the player's own thread, one action at a time, with a generous deadline
(:data:`ACTION_SECONDS`). The caller waits its usual budget: a sequence done by then answers with the state
it left; one still going answers "accepted" at once and reports how it ended through ``on_change`` (a
:class:`PlayerChanged` on the bus), so a slow Spotify never reads as a failure. "Failed" is said only when
Spotify says so.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from ...config import SpotifyConfig
from ...contract import ErrorCode
from .. import MusicError, PlayerState
from .client import SpotifyClient
from .errors import LOGIN_PROMPT, copied, login_required
from .tracks import track_from_api, uri_kind

log = logging.getLogger(__name__)

ACTION_SECONDS = 10.0  # one action's whole sequence, whoever still waits for it
CONFIRM_SECONDS = 3.0  # ask at most this long whether playback started
CONFIRM_POLL_SECONDS = 0.15
CONFIRM_MARGIN_SECONDS = 0.4  # stop asking whether playback started when less budget is left
PLAYABLE_URI = re.compile(r"spotify:(track|playlist|album|artist):[0-9A-Za-z]{1,64}")
NOTHING_PLAYING = "Nothing is playing."


class PlayQueue:
    """The track URIs of the last recommendations: playing one of them plays them all, from it on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uris: list[str] = []

    def replace(self, uris: list[str]) -> None:
        with self._lock:
            self._uris = list(uris)

    def around(self, uri: str) -> list[str]:
        """The queue to play for ``uri``: the last recommendations when it is one of them, else itself."""
        with self._lock:
            return list(self._uris) if uri in self._uris else [uri]


def check_uri(uri: str | None) -> None:
    """Refuse (400 ``bad_uri``) anything but a Spotify track, playlist, album or artist URI."""
    if uri is not None and not (isinstance(uri, str) and PLAYABLE_URI.fullmatch(uri)):
        raise MusicError(ErrorCode.BAD_URI, "That is not a playable Spotify URI.")


class SpotifyPlayer:
    """Playback on the receiver named ``spotify.device_name`` (a :class:`~moodify_edge.music.MusicPlayer`).
    Thread-safe. ``on_change`` hears the outcome of an action its caller stopped waiting for."""

    def __init__(
        self,
        client: SpotifyClient,
        spotify: SpotifyConfig,
        queue: PlayQueue,
        on_change: Callable[[PlayerState], object] | None = None,
    ) -> None:
        self._client = client
        self._api = client.api
        self._receiver = client.receiver
        self._market = spotify.market or "from_token"
        self._queue = queue
        self._on_change = on_change
        self._actions = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="spotify-player")

    def find_device(self) -> str:
        """The name of our Connect receiver as Spotify lists it now (for ``doctor``); MusicError when it is
        missing, or when there is no login."""
        if not self._client.auth.logged_in:
            raise MusicError(ErrorCode.LOGIN_REQUIRED, "Log in to Spotify first.")
        with self._client.operation():
            return str(self._device()["name"])

    def play(self, uri: str | None = None) -> PlayerState:
        check_uri(uri)  # before any request
        return self._act(lambda: self._play(uri), "Starting playback")

    def pause(self) -> PlayerState:
        return self._act(lambda: self._control(self._api.pause_playback), "Pausing")

    def next(self) -> PlayerState:
        return self._act(lambda: self._control(self._api.next_track), "Skipping")

    def previous(self) -> PlayerState:
        return self._act(lambda: self._control(self._api.previous_track), "Going back")

    def set_volume(self, percent: int) -> PlayerState:
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            raise MusicError(ErrorCode.BAD_VOLUME, "Volume must be a whole number between 0 and 100.")
        return self._act(lambda: self._control(self._api.volume, percent), "Changing the volume")

    def state(self) -> PlayerState:
        if not self._client.auth.logged_in:
            return PlayerState(available=False, message=LOGIN_PROMPT)
        with self._client.operation():
            return self._state()

    # ----------------------------------------------------------------- one action
    def _act(self, action: Callable[[], PlayerState], doing: str) -> PlayerState:
        """``action`` on the player thread within :data:`ACTION_SECONDS`; its state when it is done within the
        caller's budget, else "accepted" now and the outcome through ``on_change`` later."""
        if not self._client.auth.logged_in:
            raise login_required()
        future = self._actions.submit(self._in_operation, action)
        try:
            return future.result(timeout=self._client.timeout)
        except concurrent.futures.TimeoutError:
            future.add_done_callback(self._report)
            return PlayerState(
                available=True,
                device=self._receiver.name,
                message=f"{doing} on \u201c{self._receiver.name}\u201d\u2026 Spotify is answering slowly.",
            )
        except MusicError as exc:  # raised again here, on the caller's thread
            raise copied(exc) from exc

    def _in_operation(self, action: Callable[[], PlayerState]) -> PlayerState:
        with self._client.operation(ACTION_SECONDS):
            return action()

    def _report(self, future: concurrent.futures.Future[PlayerState]) -> None:
        """How an action nobody waited for ended, for the screens."""
        error = future.exception()
        if isinstance(error, MusicError):
            log.info("a slow player action failed: %s", error.message)
            state = PlayerState(available=True, device=self._receiver.name, message=error.message)
        elif error is not None:
            log.error("a slow player action failed", exc_info=error)
            state = PlayerState(available=True, device=self._receiver.name, message="Spotify playback failed.")
        else:
            state = future.result()
        if self._on_change is not None:
            self._on_change(state)

    def _play(self, uri: str | None) -> PlayerState:
        device = self._device(wake=uri)
        if not device.get("is_active"):
            self._client.call(self._api.transfer_playback, device["id"], force_play=False)
        if uri is None:
            self._client.call(self._api.start_playback, device_id=device["id"])
        elif uri_kind(uri) == "track":
            queue = self._queue.around(uri)
            offset = {"uri": uri} if len(queue) > 1 else None
            self._client.call(self._api.start_playback, device_id=device["id"], uris=queue, offset=offset)
        else:
            self._client.call(self._api.start_playback, device_id=device["id"], context_uri=uri)
        return self._confirm(device, uri)

    def _device(self, wake: str | None = None) -> dict[str, Any]:
        """Our Connect receiver, looked up by name every time (its id changes, and it drops out: then it is
        re-found or woken, with ``wake`` played on it where its local API allows)."""
        return self._receiver.locate(self._devices, wake)

    def _devices(self) -> list[dict[str, Any]]:
        return list((self._client.call(self._api.devices) or {}).get("devices") or [])

    def _control(self, command: Callable[..., Any], *args: Any) -> PlayerState:
        """``command(*args)`` on our receiver, then the state it left. Pausing a receiver that plays nothing
        leaves it as asked; another command on it says what to do instead."""
        device = self._device()
        try:
            self._client.call(command, *args, device_id=device["id"])
        except MusicError as exc:
            if exc.code != ErrorCode.NO_ACTIVE_DEVICE:
                raise
            if command == self._api.pause_playback:
                return PlayerState(available=True, device=device.get("name"), message=NOTHING_PLAYING)
            raise MusicError(
                ErrorCode.NO_ACTIVE_DEVICE, "Nothing is playing on the speaker yet. Choose a song to play first."
            ) from exc
        return self._state()

    def _confirm(self, device: dict[str, Any], uri: str | None) -> PlayerState:
        """The player API does not promise to act in order: ask until it shows our device playing."""
        until = time.monotonic() + CONFIRM_SECONDS
        while True:
            state = self._state()
            ok = (
                state.device == device.get("name")
                and state.playing
                and (uri is None or uri_kind(uri) != "track" or (state.track is not None and state.track.uri == uri))
            )
            if ok or self._client.remaining() < CONFIRM_MARGIN_SECONDS or time.monotonic() >= until:
                break
            time.sleep(CONFIRM_POLL_SECONDS)
        if ok:
            return state
        return dataclasses.replace(
            state,
            available=True,
            message=f"Sent to \u201c{device.get('name')}\u201d; Spotify has not confirmed playback yet.",
        )

    def _state(self) -> PlayerState:
        playback = self._client.call(self._api.current_playback, market=self._market)
        if not playback:  # 204: nothing is playing anywhere
            return PlayerState(available=True, message=NOTHING_PLAYING)
        device = playback.get("device") or {}
        name = device.get("name")
        message = None
        if name and not self._receiver.is_named(name):
            message = f"Playing on \u201c{name}\u201d, not on this kiosk's speaker."
        return PlayerState(
            available=True,
            playing=bool(playback.get("is_playing")),
            track=track_from_api(playback.get("item")),
            volume=device.get("volume_percent"),
            device=name,
            message=message,
        )
