"""The account: the kiosk's one Spotify login as the settings panel shows it, and the flow that makes it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ...config import SpotifyConfig
from ...contract import ErrorCode, MusicBackendName
from .. import AccountStatus, MusicError
from .client import SpotifyClient
from .errors import LOGIN_PROMPT
from .playlists import save_playlist

log = logging.getLogger(__name__)


class SpotifyAccount:
    """The Spotify account of this kiosk (a :class:`~moodify_edge.music.MusicAccount`). Thread-safe."""

    def __init__(self, client: SpotifyClient, spotify: SpotifyConfig) -> None:
        self._client = client
        self._device_name = spotify.device_name
        self.user: str | None = None  # the account's display name, once Spotify has told it (kept)
        self.user_id: str | None = None  # its Spotify id: whose playlists are the owner's own
        self.refusal: str | None = None  # why Spotify refuses this account (not on the app's user list)

    def login_url(self) -> str:
        return self._client.auth.login_url()

    def finish_login(self, redirected_url: str) -> AccountStatus:
        with self._client.operation():
            self._client.bounded(self._client.auth.finish_login, redirected_url)
            self.user = self.user_id = self.refusal = None
            try:
                self.load_user()
            except MusicError as exc:
                log.info("logged in; the account name is not known yet: %s", exc.message)
        return self.status()

    def logout(self) -> AccountStatus:
        self._client.auth.logout()
        self.user = self.user_id = self.refusal = None
        return self.status()

    def status(self) -> AccountStatus:
        logged_in = self._client.auth.logged_in
        if not logged_in:
            message: str | None = LOGIN_PROMPT
        elif self._client.rate_limit.active:
            message = self._client.rate_limit.message
        elif self.refusal:
            message = self.refusal
        elif self._client.receiver.needs_login:
            message = self._client.receiver.login_message()
        else:
            message = None
        return AccountStatus(
            backend=MusicBackendName.SPOTIFY,
            configured=True,
            logged_in=logged_in,
            user=self.user if logged_in else None,
            device=self._device_name,
            message=message,
        )

    def load_user(self) -> None:
        """Ask Spotify for the account's name (within the caller's operation)."""
        try:
            me = self._client.call(self._client.api.me) or {}
        except MusicError as exc:
            if exc.code == ErrorCode.USER_NOT_ALLOWED:
                self.refusal = exc.message
            raise
        self.refusal = None
        self.user_id = me.get("id") or None
        self.user = me.get("display_name") or self.user_id

    def owner_id(self) -> str | None:
        """The account's Spotify id, asked once (within the caller's operation) and then kept."""
        if self.user_id is None:
            self.load_user()
        return self.user_id

    def save_playlist(self, name: str, description: str, uris: Sequence[str]) -> dict[str, Any]:
        """Save ``uris`` as a new private playlist in this account (:func:`.playlists.save_playlist`)."""
        return save_playlist(self._client, name, description, uris)
