"""Account: MPD needs no login; its status says whether MPD answers (the backend's :class:`MusicAccount`).

The status never contacts MPD (the snapshot asks for it under the controller's lock): it reports what the
last action and the idle watcher saw.
"""

from __future__ import annotations

from collections.abc import Callable

from ...contract import MusicBackendName
from .. import AccountStatus, NoLogin


class MpdAccount(NoLogin):
    """The account of the MPD backend: configured, "logged in" while MPD answers."""

    NO_LOGIN = 'Music comes from the local library through MPD: there is no login (music.backend = "mpd").'

    def __init__(self, device: str, problem: Callable[[], str | None]) -> None:
        self._device = device
        self._problem = problem

    def status(self) -> AccountStatus:
        problem = self._problem()
        return AccountStatus(
            backend=MusicBackendName.MPD,
            configured=True,
            logged_in=problem is None,
            device=self._device,
            message=problem or "Music comes from the local library through MPD.",
        )
