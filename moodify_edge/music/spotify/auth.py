"""Spotify login: Authorization Code with PKCE, owned by us end to end (no prompts, no browser).

spotipy's auth managers fall back to ``input()`` when no usable token is cached; under systemd that
is an EOFError or a hang. Here the web app drives the flow instead:

1. :meth:`SpotifyAuth.login_url` makes a fresh PKCE verifier and a random ``state`` and returns
   Spotify's authorize link (opened on the kiosk, or on a phone).
2. Spotify redirects to ``spotify.redirect_uri`` (``http://127.0.0.1:<port>/callback``, served by our
   web app on the kiosk); on a phone the redirect fails to load and the person pastes its URL back.
   :meth:`SpotifyAuth.finish_login` checks ``state`` and exchanges the code.
3. Tokens live in ``<state dir>/spotify_token.json`` (a state file: mode 0600, replaced atomically).
   Spotify rotates the refresh token on every refresh; each new one is saved before it is used.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
from spotipy.cache_handler import CacheHandler
from spotipy.exceptions import SpotifyOauthError
from spotipy.oauth2 import SpotifyPKCE

from ...config import Config
from ...contract import ErrorCode
from ...state_file import remove_leftovers, write_atomic
from .. import MusicError
from .errors import from_oauth, login_required, login_unreachable

log = logging.getLogger(__name__)

SCOPES = (
    "user-read-playback-state",
    "user-modify-playback-state",
    "user-read-currently-playing",
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-read-private",
)
TOKEN_FILE = "spotify_token.json"
PENDING_LOGINS = 5  # login links that may be open at once (kiosk + a phone or two)
LOGIN_LINK_SECONDS = 600


class TokenFile(CacheHandler):
    """spotipy's token cache as one JSON state file (:func:`~moodify_edge.state_file.write_atomic`): a
    power cut keeps either the old tokens or the new ones, never half a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        remove_leftovers(path)  # left by a crash mid-write

    def get_cached_token(self) -> dict[str, Any] | None:
        try:
            token = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable Spotify token file %s: %s", self.path, exc)
            return None
        return token if isinstance(token, dict) else None

    def save_token_to_cache(self, token_info: dict[str, Any]) -> None:
        write_atomic(self.path, json.dumps(token_info).encode("utf-8"))

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


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
        self._pending: dict[str, tuple[float, _PKCE]] = {}
        self._lock = threading.Lock()  # guards _pending
        self._refresh_lock = threading.Lock()  # one refresh at a time: the refresh token rotates

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
            with self._refresh_lock:
                pending[1].get_access_token(code=code, check_cache=False)
        except SpotifyOauthError as exc:
            raise from_oauth(exc) from exc
        except requests.RequestException as exc:
            raise login_unreachable(exc) from exc

    def logout(self) -> None:
        with self._lock:
            self._pending.clear()
        with self._refresh_lock:
            self.tokens.delete()

    # ----------------------------------------------------------------- tokens
    @property
    def logged_in(self) -> bool:
        token = self.tokens.get_cached_token()
        return bool(token and token.get("refresh_token"))

    def access_token(self, timeout: float) -> str:
        """A valid access token, refreshed when it is about to expire; never prompts."""
        token = self._usable_token()
        if SpotifyPKCE.is_token_expired(token):
            token = self.refresh(timeout, stale=token)
        return token["access_token"]

    def refresh(self, timeout: float, stale: dict[str, Any] | None = None) -> dict[str, Any]:
        """Trade the refresh token for new tokens (saved, with the rotated refresh token). ``stale`` is
        the token the caller saw: if another thread refreshed meanwhile, its result is used instead."""
        if not self._refresh_lock.acquire(timeout=max(timeout, 0.0)):
            raise MusicError(ErrorCode.SPOTIFY_UNAVAILABLE, "Spotify login is being refreshed; try again.", status=503)
        try:
            token = self._usable_token()
            if stale is not None and token.get("access_token") != stale.get("access_token"):
                return token
            manager = _PKCE(self._config, self.tokens)
            manager.requests_timeout = max(timeout, 0.1)
            return manager.refresh_access_token(token["refresh_token"])
        except SpotifyOauthError as exc:
            if exc.error == "invalid_grant":  # revoked: forget it, so the screens ask for a new login
                self.tokens.delete()
            raise from_oauth(exc) from exc
        except requests.RequestException as exc:
            raise login_unreachable(exc) from exc
        finally:
            self._refresh_lock.release()

    def _usable_token(self) -> dict[str, Any]:
        token = self.tokens.get_cached_token()
        if not token or not token.get("refresh_token") or not token.get("access_token"):
            raise login_required()
        # spotipy's own scope comparison (private; spotipy is pinned below 3): the same rule it applies
        # to cached tokens, so a login it would reject is never used here.
        if not SpotifyPKCE._is_scope_subset(" ".join(SCOPES), token.get("scope", "")):
            raise login_required("Moodify Edge needs more Spotify permissions than this login gave. Log in again.")
        return token
