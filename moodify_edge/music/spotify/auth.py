"""Spotify login: Authorization Code with PKCE, owned by us end to end (no prompts, no browser).

spotipy's auth managers fall back to ``input()`` when no usable token is cached; under systemd that
is an EOFError or a hang. Here the web app drives the flow instead:

1. :meth:`SpotifyAuth.login_url` makes a fresh PKCE verifier and a random ``state`` and returns
   Spotify's authorize link (opened on the kiosk, or on a phone).
2. Spotify redirects to ``spotify.redirect_uri`` (``http://127.0.0.1:<port>/callback``, served by our
   web app on the kiosk); on a phone the redirect fails to load and the person pastes its URL back.
   :meth:`SpotifyAuth.finish_login` checks ``state`` and exchanges the code.
3. Tokens live in the token file (:mod:`.tokens`). An expired access token is refreshed on a thread of its
   own with a generous deadline (:data:`REFRESH_SECONDS`), one refresh at a time: a caller waits only what
   is left of its own budget and then hears "reconnecting", while the refresh completes and the rotated
   token is saved before anyone uses it. Only Spotify saying ``invalid_grant`` ends the login.
"""

from __future__ import annotations

import concurrent.futures
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
from spotipy.exceptions import SpotifyOauthError
from spotipy.oauth2 import SpotifyPKCE

from ...config import Config
from ...contract import ErrorCode
from .. import MusicError
from .errors import copied, from_oauth, login_required, login_unreachable, retry_after
from .tokens import TOKEN_FILE, TokenFile, request_refresh

log = logging.getLogger(__name__)

REQUIRED_SCOPES = (  # a login without one of these is not used at all
    "user-read-playback-state",
    "user-modify-playback-state",
    "user-read-currently-playing",
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-read-private",
)
PLAYLIST_SCOPE = "playlist-modify-private"  # only "save as a playlist" needs it: older logins keep working
SCOPES = (*REQUIRED_SCOPES, PLAYLIST_SCOPE)  # what a new login asks for
PENDING_LOGINS = 5  # login links that may be open at once (kiosk + a phone or two)
LOGIN_LINK_SECONDS = 600
REFRESH_SECONDS = 10.0  # a refresh runs this long whoever waits for it: a lost answer is a lost login
RECONNECTING = "Reconnecting to Spotify\u2026 Try again in a moment."

__all__ = ["PLAYLIST_SCOPE", "REQUIRED_SCOPES", "SCOPES", "TOKEN_FILE", "SpotifyAuth", "TokenFile"]


class _PKCE(SpotifyPKCE):
    """spotipy's PKCE manager pointed at our accounts URL, with every interactive path closed."""

    def __init__(self, config: Config, cache_handler: TokenFile) -> None:
        spotify = config.spotify
        super().__init__(
            client_id=spotify.client_id,
            redirect_uri=spotify.redirect_uri,
            scope=" ".join(SCOPES),
            cache_handler=cache_handler,
            requests_timeout=spotify.timeout_seconds,
            open_browser=False,
        )
        base = spotify.accounts_url.rstrip("/")
        self.OAUTH_AUTHORIZE_URL = f"{base}/authorize"
        self.OAUTH_TOKEN_URL = f"{base}/api/token"

    def get_authorization_code(self, response: str | None = None) -> str:
        if response:
            return super().get_authorization_code(response)
        raise login_required()

    # spotipy's private prompting paths (browser, input()): overridden so that none can ever run here.
    # spotipy is pinned below 3 in pyproject.toml, where these names exist.
    def _get_auth_response(self, open_browser: bool | None = None) -> str:
        raise login_required()

    @staticmethod
    def _get_user_input(prompt: str) -> str:
        raise login_required()


class SpotifyAuth:
    """Login state of the one Spotify account of this kiosk. Thread-safe."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self.tokens = TokenFile(config.state_path() / TOKEN_FILE)
        self.on_revoked: Callable[[], object] = lambda: None  # Spotify revoked the login (told once)
        self._pending: dict[str, tuple[float, _PKCE]] = {}
        self._lock = threading.Lock()  # guards _pending
        self._file_lock = threading.Lock()  # a login, a logout and a refresh's save never interleave
        self._refresh_lock = threading.Lock()  # guards the refresh state below
        self._refresher = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="spotify-refresh")
        self._refreshing: concurrent.futures.Future[dict[str, Any]] | None = None
        self._blocked: MusicError | None = None  # the accounts service's 429, until _blocked_until
        self._blocked_until = 0.0

    # ----------------------------------------------------------------- the login flow
    def login_url(self) -> str:
        """A fresh authorize link; its ``state`` is remembered for :meth:`finish_login`."""
        manager = _PKCE(self._config, self.tokens)
        manager.get_pkce_handshake_parameters()
        state = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            self._pending = {s: p for s, p in self._pending.items() if now - p[0] < LOGIN_LINK_SECONDS}
            while len(self._pending) >= PENDING_LOGINS:
                self._pending.pop(next(iter(self._pending)))
            self._pending[state] = (now, manager)
        return manager.get_authorize_url(state)

    def finish_login(self, redirected_url: str) -> None:
        """Complete a login from the URL Spotify redirected to (``...?code=...&state=...``)."""
        try:
            query = parse_qs(urlparse(redirected_url.strip()).query)
        except ValueError as exc:
            raise MusicError(
                ErrorCode.BAD_URL, "That is not a web address. Paste the whole address the browser was sent to."
            ) from exc
        state = (query.get("state") or [""])[0]
        with self._lock:
            pending = self._pending.pop(state, None) if state else None
        if pending is None or time.monotonic() - pending[0] >= LOGIN_LINK_SECONDS:
            raise MusicError(
                ErrorCode.LOGIN_STATE,
                "This login answer does not match a login started here (or it is too old). Start the login again.",
            )
        if "error" in query:
            raise MusicError(ErrorCode.LOGIN_DENIED, f"Spotify login was not completed: {query['error'][0]}.")
        code = (query.get("code") or [""])[0]
        if not code:
            raise MusicError(ErrorCode.LOGIN_STATE, "The pasted address has no login code in it.")
        try:
            with self._file_lock:
                pending[1].get_access_token(code=code, check_cache=False)
        except SpotifyOauthError as exc:
            raise from_oauth(exc) from exc
        except requests.RequestException as exc:
            raise login_unreachable(exc) from exc

    def logout(self) -> None:
        with self._lock:
            self._pending.clear()
        with self._file_lock:
            self.tokens.delete()

    # ----------------------------------------------------------------- tokens
    @property
    def logged_in(self) -> bool:
        return self.tokens.get_cached_token() is not None

    def access_token(self, timeout: float) -> str:
        """A valid access token, refreshed when it is about to expire; never prompts."""
        token = self._usable_token()
        if SpotifyPKCE.is_token_expired(token):
            token = self.refresh(timeout, stale=token["access_token"])
        return str(token["access_token"])

    def refresh(self, timeout: float, stale: str = "") -> dict[str, Any]:
        """Fresh tokens, waiting at most ``timeout`` s for them. ``stale`` is the access token the caller
        saw fail or expire: when the file already holds a newer one, that is the answer. Otherwise the one
        refresh in flight is joined, or started on the refresh thread; if it outlasts ``timeout`` the caller
        hears "reconnecting" while it goes on."""
        with self._refresh_lock:
            token = self._usable_token()
            if token["access_token"] != stale and not SpotifyPKCE.is_token_expired(token):
                return token
            if time.monotonic() < self._blocked_until and self._blocked is not None:
                raise copied(self._blocked)
            if self._refreshing is None or self._refreshing.done():
                self._refreshing = self._refresher.submit(self._refresh, token["refresh_token"])
            refreshing = self._refreshing
        try:
            return refreshing.result(timeout=max(timeout, 0.0))
        except concurrent.futures.TimeoutError as exc:
            raise MusicError(ErrorCode.SPOTIFY_UNAVAILABLE, RECONNECTING, status=503) from exc
        except MusicError as exc:  # one error, many waiters: each gets its own
            raise copied(exc) from exc

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        """On the refresh thread: ask, then save before returning (the old refresh token is dead now)."""
        try:
            token = request_refresh(self._config, refresh_token, REFRESH_SECONDS)
        except MusicError as exc:
            log.warning("Spotify token refresh failed: %s", exc.message)
            if exc.code == ErrorCode.RATE_LIMITED:
                self._blocked, self._blocked_until = exc, time.monotonic() + retry_after(exc.headers)
            elif exc.code == ErrorCode.LOGIN_REQUIRED and self._forget(refresh_token):
                self.on_revoked()
            raise
        with self._file_lock:
            current = self.tokens.get_cached_token()
            if current is None or current["refresh_token"] != refresh_token:
                log.info("a login or logout happened during the token refresh: its result is dropped")
                raise login_required()
            self.tokens.save_token_to_cache(token)
        log.info("Spotify token refreshed")
        return token

    def _forget(self, refresh_token: str) -> bool:
        """Delete the tokens Spotify revoked (unless a new login replaced them meanwhile); True if deleted."""
        with self._file_lock:
            current = self.tokens.get_cached_token()
            if current is None or current["refresh_token"] != refresh_token:
                return False
            self.tokens.delete()
        log.warning("Spotify revoked the login: the token file is deleted, a new login is needed")
        return True

    def _usable_token(self) -> dict[str, Any]:
        token = self.tokens.get_cached_token()
        if token is None:
            raise login_required()
        if not _granted(token, REQUIRED_SCOPES):
            raise login_required("Moodify Edge needs more Spotify permissions than this login gave. Log in again.")
        return token

    def granted(self, scope: str) -> bool:
        """Whether the login on file includes ``scope`` (False with no login). An optional scope added after a
        login was made is asked for by the action that needs it, never by logging the owner out."""
        token = self.tokens.get_cached_token()
        return token is not None and _granted(token, (scope,))


def _granted(token: dict[str, Any], scopes: tuple[str, ...]) -> bool:
    # spotipy's own scope comparison (private; spotipy is pinned below 3): the same rule it applies to cached
    # tokens, so a login it would reject is never used here.
    return bool(SpotifyPKCE._is_scope_subset(" ".join(scopes), token.get("scope", "")))
