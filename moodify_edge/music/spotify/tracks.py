"""Tracks: Spotify URIs and Web API track objects, read into the kiosk's :class:`Track`."""

from __future__ import annotations

from typing import Any

from .. import Track

ARTWORK_WIDTH = 300


def uri_id(uri: str) -> str:
    """``spotify:track:<id>`` → ``<id>``."""
    return uri.rsplit(":", 1)[-1]


def uri_kind(uri: str) -> str:
    """``spotify:track:<id>`` → ``track`` (also playlist, album, artist); "" for anything else."""
    parts = uri.split(":")
    return parts[1] if len(parts) >= 3 and parts[0] == "spotify" else ""


def _artwork(images: list[dict[str, Any]] | None) -> str:
    """The image nearest 300 px wide (Spotify lists them largest first)."""
    if not images:
        return ""
    nearest = min(images, key=lambda i: abs((i.get("width") or ARTWORK_WIDTH) - ARTWORK_WIDTH))
    return nearest.get("url") or ""


def track_from_api(item: dict[str, Any] | None, album_images: list[dict[str, Any]] | None = None) -> Track | None:
    """A :class:`Track` from a Web API track object; None for null, local, episode or unplayable items."""
    if not item or item.get("type", "track") != "track" or item.get("is_local") or not item.get("uri"):
        return None
    if item.get("is_playable") is False:
        return None
    album = item.get("album") or {}
    return Track(
        title=item.get("name") or "",
        artists=[a.get("name", "") for a in item.get("artists") or [] if a],
        uri=item["uri"],
        artwork_url=_artwork(album.get("images") or album_images),
        duration_ms=int(item.get("duration_ms") or 0),
    )


def tracks_from_api(
    items: list[dict[str, Any] | None], album_images: list[dict[str, Any]] | None = None
) -> list[Track]:
    """The playable tracks among ``items`` (see :func:`track_from_api`), in order."""
    return [t for t in (track_from_api(i, album_images) for i in items) if t]


def playlist_entry(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """The track object of a playlist entry."""
    # GET /playlists/{id}/items names the object "item"; older answers (and /tracks) call it "track".
    if not entry:
        return None
    return entry.get("item") or entry.get("track")
