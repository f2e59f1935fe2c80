"""The player: playback on the kiosk's own Connect receiver, through Spotify's player API."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

from ...config import SpotifyConfig
from ...contract import ErrorCode
from .. import MusicError, PlayerState
from .client import SpotifyClient
from .errors import LOGIN_PROMPT
from .tracks import track_from_api, uri_kind

CONFIRM_POLL_SECONDS = 0.15
CONFIRM_MARGIN_SECONDS = 0.4  # stop asking whether playback started when less budget is left
CONTEXT_KINDS = ("playlist", "album", "artist")


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


class SpotifyPlayer:
    """Playback on the receiver named ``spotify.device_name`` (a :class:`~moodify_edge.music.MusicPlayer`).
    Thread-safe; each action is one operation of the client's time budget."""

    def __init__(self, client: SpotifyClient, spotify: SpotifyConfig, queue: PlayQueue) -> None:
        self._client = client
        self._api = client.api
        self._receiver = client.receiver
        self._market = spotify.market or "from_token"
        self._queue = queue

    def find_device(self) -> str:
        """The name of our Connect receiver as Spotify lists it now (for ``doctor``); MusicError when it is
        missing, or when there is no login."""
        if not self._client.auth.logged_in:
            raise MusicError(ErrorCode.LOGIN_REQUIRED, "Log in to Spotify first.")
        with self._client.operation():
            return str(self._device()["name"])

    def play(self, uri: str | None = None) -> PlayerState:
        with self._client.operation():
            device = self._device()
            if not device.get("is_active"):
                self._client.call(self._api.transfer_playback, device["id"], force_play=False)
            if uri is None:
                self._client.call(self._api.start_playback, device_id=device["id"])
            elif uri_kind(uri) == "track":
                queue = self._queue.around(uri)
                offset = {"uri": uri} if len(queue) > 1 else None
                self._client.call(self._api.start_playback, device_id=device["id"], uris=queue, offset=offset)
            elif uri_kind(uri) in CONTEXT_KINDS:
                self._client.call(self._api.start_playback, device_id=device["id"], context_uri=uri)
            else:
                raise MusicError(ErrorCode.BAD_URI, "That is not a playable Spotify URI.")
            return self._confirm(device, uri)

    def pause(self) -> PlayerState:
        return self._control(self._api.pause_playback)

    def next(self) -> PlayerState:
        return self._control(self._api.next_track)

    def previous(self) -> PlayerState:
        return self._control(self._api.previous_track)

    def set_volume(self, percent: int) -> PlayerState:
        if not isinstance(percent, int) or not 0 <= percent <= 100:
            raise MusicError(ErrorCode.BAD_VOLUME, "Volume must be a whole number between 0 and 100.")
        return self._control(self._api.volume, percent)

    def state(self) -> PlayerState:
        if not self._client.auth.logged_in:
            return PlayerState(available=False, message=LOGIN_PROMPT)
        with self._client.operation():
            return self._state()

    def _device(self) -> dict[str, Any]:
        """Our Connect receiver, looked up by name every time (its id changes, and it drops out)."""
        devices = (self._client.call(self._api.devices) or {}).get("devices") or []
        return self._receiver.find(devices)

    def _control(self, command: Callable[..., Any], *args: Any) -> PlayerState:
        """``command(*args)`` on our receiver, then the state it left."""
        with self._client.operation():
            device = self._device()
            self._client.call(command, *args, device_id=device["id"])
            return self._state()

    def _confirm(self, device: dict[str, Any], uri: str | None) -> PlayerState:
        """The player API does not promise to act in order: ask until it shows our device playing."""
        while True:
            state = self._state()
            ok = (
                state.device == device.get("name")
                and state.playing
                and (uri is None or uri_kind(uri) != "track" or (state.track is not None and state.track.uri == uri))
            )
            if ok or self._client.remaining() < CONFIRM_MARGIN_SECONDS:
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
            return PlayerState(available=True, message="Nothing is playing.")
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
