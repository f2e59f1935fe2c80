"""The receiver's own local control API, where it has one (``spotify.receiver_api_url``).

go-librespot serves a small REST API on the Pi itself (``server_port`` in its ``config.yml``). Moodify Edge
uses two of its calls when the receiver has dropped out of Spotify's device list: ``GET /status`` (no
content, or no ``username``, while it has no Spotify session: it needs a login) and ``POST /player/play``
with ``{"uri": …}`` (plays on the receiver itself, which brings it back into the device list). Each call
waits no longer than it is given; a receiver that does not answer is "unknown", never an error of its own.
"""

from __future__ import annotations

import logging

import requests

log = logging.getLogger(__name__)

MIN_SECONDS = 0.05  # below this a local request cannot succeed: give up instead


class ReceiverApi:
    """The local control API at ``url`` (e.g. ``http://127.0.0.1:3678``). Thread-safe (no state)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def logged_in(self, seconds: float) -> bool | None:
        """True when the receiver has a Spotify session, False when it answers that it has none, None when
        it does not answer (or answers something else)."""
        if seconds < MIN_SECONDS:
            return None
        try:
            answer = requests.get(f"{self.url}/status", timeout=seconds)
            if answer.status_code == 204:  # no session
                return False
            body = answer.json() if answer.status_code == 200 else None
        except (requests.RequestException, ValueError) as exc:
            log.info("the receiver's API at %s did not answer: %s", self.url, exc)
            return None
        return bool(body.get("username")) if isinstance(body, dict) else None

    def play(self, uri: str, seconds: float) -> bool:
        """Start ``uri`` on the receiver itself; whether it accepted."""
        if seconds < MIN_SECONDS:
            return False
        try:
            answer = requests.post(f"{self.url}/player/play", json={"uri": uri, "paused": False}, timeout=seconds)
        except requests.RequestException as exc:
            log.info("the receiver's API at %s did not answer: %s", self.url, exc)
            return False
        if not answer.ok:
            log.info("the receiver's API refused to play: HTTP %d", answer.status_code)
        return answer.ok
