"""Save a result's list as a new private playlist in the kiosk's Spotify account (``[share] playlist``).

Two Web API calls inside one operation: ``POST /me/playlists`` (private) and ``POST /playlists/{id}/items`` with
the tracks' URIs (100 a request). Only Spotify track URIs are saved. The login must include
:data:`~.auth.PLAYLIST_SCOPE`; one made before that scope was asked for keeps working for everything else, and
only this action answers :attr:`ErrorCode.PLAYLIST_PERMISSION` ("log in again to allow saving playlists").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ...contract import ErrorCode
from .. import MusicError
from .auth import PLAYLIST_SCOPE
from .client import SpotifyClient
from .errors import login_required

ITEMS_PER_REQUEST = 100  # Spotify's limit for one "add items" request
TRACK_URI = re.compile(r"spotify:track:[0-9A-Za-z]{1,64}")
NEEDS_LOGIN = "Log in to Spotify again to allow saving playlists: this login does not include it. Music plays on."


def save_playlist(client: SpotifyClient, name: str, description: str, uris: Sequence[str]) -> dict[str, Any]:
    """A new private playlist ``name`` holding the Spotify tracks of ``uris`` (in order): ``{"id", "name", "url",
    "tracks"}``. :class:`MusicError` when there is no login, the login lacks the scope, or Spotify fails."""
    if not client.auth.logged_in:
        raise login_required()
    if not client.auth.granted(PLAYLIST_SCOPE):
        raise MusicError(ErrorCode.PLAYLIST_PERMISSION, NEEDS_LOGIN)
    tracks = [uri for uri in uris if TRACK_URI.fullmatch(uri)]
    if not tracks:
        raise MusicError(ErrorCode.NO_RECOMMENDATIONS, "There are no Spotify tracks in this list to save.")
    with client.operation():
        created = client.call(client.api.current_user_playlist_create, name, public=False, description=description)
        playlist_id = (created or {}).get("id")
        if not isinstance(playlist_id, str) or not playlist_id:
            raise MusicError(ErrorCode.SPOTIFY_ERROR, "Spotify did not say which playlist it made.")
        for start in range(0, len(tracks), ITEMS_PER_REQUEST):
            client.call(client.api.playlist_add_items, playlist_id, tracks[start : start + ITEMS_PER_REQUEST])
    url = ((created or {}).get("external_urls") or {}).get("spotify")
    return {
        "id": playlist_id,
        "name": name,
        "url": url if isinstance(url, str) else f"https://open.spotify.com/playlist/{playlist_id}",
        "tracks": len(tracks),
    }
