"""Tokens: the kiosk's one Spotify login on disk, and the request that refreshes it.

The token file (``<state dir>/spotify_token.json``) is a state file: mode 0600, replaced atomically
(:func:`~moodify_edge.state_file.write_atomic`), so a power cut keeps either the old tokens or the new ones.
A file that is not a valid token (wrong field types, not JSON, a directory in its place) is set aside as
``*.bad`` with a log line and treated as absent: the screens ask for a login, nothing raises.

:func:`request_refresh` trades the refresh token for new tokens. Spotify rotates the refresh token on
every refresh (the old one stops working at once), so its answer must be saved before anything else.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import requests
from spotipy.cache_handler import CacheHandler

from ...config import Config
from ...state_file import remove_leftovers, write_atomic
from .errors import accounts_error, login_unreachable

log = logging.getLogger(__name__)

TOKEN_FILE = "spotify_token.json"
# Each field a token may carry, and the types it may have; the first three must be there.
FIELDS: dict[str, tuple[type, ...]] = {
    "access_token": (str,),
    "refresh_token": (str,),
    "expires_at": (int, float),
    "expires_in": (int, float),
    "token_type": (str,),
    "scope": (str,),
}
REQUIRED = ("access_token", "refresh_token", "expires_at")


def token_problem(token: Any) -> str | None:
    """Why ``token`` is not a usable token (a phrase for the log), or None when it is one."""
    if not isinstance(token, dict):
        return "is not a JSON object"
    for name, kinds in FIELDS.items():
        value = token.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
            return f"has a {type(value).__name__} as {name}"
    missing = [name for name in REQUIRED if not token.get(name)]
    return f"has no {', '.join(missing)}" if missing else None


class TokenFile(CacheHandler):
    """spotipy's token cache as one JSON state file. Reading never raises: a broken file is set aside."""

    def __init__(self, path: Path) -> None:
        self.path = path
        remove_leftovers(path)  # left by a crash mid-write

    def get_cached_token(self) -> dict[str, Any] | None:
        try:
            token = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            self._set_aside("is a directory")
            return None
        except OSError as exc:
            log.warning("ignoring unreadable Spotify token file %s: %s", self.path, exc)
            return None
        except ValueError:
            self._set_aside("is not JSON")
            return None
        problem = token_problem(token)
        if problem:
            self._set_aside(problem)
            return None
        return dict(token)

    def save_token_to_cache(self, token_info: dict[str, Any]) -> None:
        if self.path.is_dir():
            self._set_aside("is a directory")
        write_atomic(self.path, json.dumps(token_info).encode("utf-8"))

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)

    def _set_aside(self, problem: str) -> None:
        """Rename the broken file out of the way (kept for a person to look at), so a new login can be saved."""
        target = self.path.with_name(f"{self.path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bad")
        try:
            self.path.rename(target)
        except OSError as exc:
            log.warning("Spotify token file %s %s and cannot be set aside (%s): ignored", self.path, problem, exc)
            return
        log.warning("Spotify token file %s %s: set aside as %s; log in to Spotify again", self.path, problem, target)


def request_refresh(config: Config, refresh_token: str, timeout: float) -> dict[str, Any]:
    """New tokens for ``refresh_token`` from the accounts service (PKCE: the client id, no secret), with
    ``expires_at`` set and the refresh token kept when Spotify did not rotate it. :class:`MusicError`
    when Spotify refuses (see :func:`~.errors.accounts_error`) or cannot be asked."""
    url = config.spotify.accounts_url.rstrip("/") + "/api/token"
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": config.spotify.client_id}
    try:
        answer = requests.post(url, data=form, timeout=timeout)
        body = answer.json() if answer.content else {}
    except requests.RequestException as exc:  # also a body that is not JSON (requests' JSONDecodeError)
        raise login_unreachable(exc) from exc
    if answer.status_code != 200:
        raise accounts_error(answer.status_code, body, answer.headers)
    token = dict(body) if isinstance(body, dict) else {}
    token.setdefault("refresh_token", refresh_token)
    expires_in = token.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        token["expires_at"] = int(time.time()) + int(expires_in)
    problem = token_problem(token)
    if problem:
        raise accounts_error(answer.status_code, {"error": f"the new token {problem}"}, answer.headers)
    return token
