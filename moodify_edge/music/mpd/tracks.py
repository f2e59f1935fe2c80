"""Tracks: MPD's song and status answers turned into the contract's :class:`Track` and :class:`PlayerState`."""

from __future__ import annotations

import posixpath
import urllib.parse
from typing import Any

from .. import PlayerState, Track

ARTWORK_ROUTE = "/api/artwork"
Song = dict[str, Any]  # one song as python-mpd2 returns it (a repeated tag is a list)


def _tag(song: Song, name: str) -> list[str]:
    value = song.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def artwork_url(uri: str) -> str:
    """The kiosk's own URL for a file's artwork (served to the kiosk and paired phones only)."""
    return f"{ARTWORK_ROUTE}?uri={urllib.parse.quote(uri, safe='')}"


def track(song: Song) -> Track:
    """A song (``file``, tags, ``duration``) as a :class:`Track` whose URI is its path in the library."""
    uri = str(song["file"])
    titles = _tag(song, "title")
    title = titles[0] if titles else posixpath.splitext(posixpath.basename(uri))[0]
    try:
        duration_ms = round(float(_tag(song, "duration")[0] if "duration" in song else song.get("time", 0)) * 1000)
    except (TypeError, ValueError):
        duration_ms = 0
    artists = _tag(song, "artist") or _tag(song, "albumartist")
    return Track(title=title, artists=artists, uri=uri, artwork_url=artwork_url(uri), duration_ms=duration_ms)


def songs(answer: list[Any]) -> list[Song]:
    """Only the songs of an answer that also lists folders and playlists (``lsinfo``)."""
    return [entry for entry in answer if isinstance(entry, dict) and "file" in entry]


def player_state(status: dict[str, Any], current: Song, device: str) -> PlayerState:
    """The now-playing bar from ``status`` and ``currentsong``; MPD's own error text as the message."""
    try:
        volume: int | None = int(status.get("volume", -1))
    except ValueError:
        volume = None
    if volume is not None and not 0 <= volume <= 100:
        volume = None  # -1: no mixer
    error = status.get("error")
    return PlayerState(
        available=True,
        playing=status.get("state") == "play",
        track=track(current) if current.get("file") else None,
        volume=volume,
        device=device,
        message=f"MPD could not play a file: {error}" if error else None,
    )
