"""The client: spotipy's Web API client bounded by one time budget per operation.

Every public action spends one budget (``spotify.timeout_seconds``, 2 s by default) across all the
requests it makes, so no caller waits longer: each request runs on a small pool of threads and the
caller stops waiting when the budget is spent, however slowly a server trickles its answer. spotipy
runs with ``retries=0`` and a ``status_forcelist`` without 429, so a 429 reaches us with its
``Retry-After``; we then answer "rate limited" at once, without a request, until that time has passed.
5xx answers and timeouts are retried once while the budget allows. A 401 refreshes the token once; a
second 401 asks for a login.

spotipy's DEBUG lines print request headers (``Authorization: Bearer …``) and token request bodies, so
its loggers are kept at INFO here whatever the root level: no secret reaches the log.
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
import spotipy
from spotipy.exceptions import SpotifyException

from ...config import Config
from .auth import SpotifyAuth
from .device import Receiver
from .errors import RATE_LIMIT_FILE, RateLimit, from_web_api, out_of_time, unreachable

logging.getLogger("spotipy").setLevel(logging.INFO)  # its DEBUG lines carry tokens (see above)

MIN_REQUEST_SECONDS = 0.05  # below this, a request cannot succeed: give up instead
RETRY_PAUSE_SECONDS = 0.1
RETRY_MARGIN_SECONDS = 0.2  # a retry needs this much budget after its pause
REQUEST_THREADS = 8


class _Budget(threading.local):
    """The deadline of the operation running on this thread, and the token its requests used."""

    deadline: float = math.inf
    token: str = ""

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class _Api(spotipy.Spotify):
    """spotipy's client whose request timeout is what is left of the calling operation's budget."""

    def __init__(self, budget: _Budget, **kwargs: Any) -> None:
        self._budget = budget
        super().__init__(**kwargs)

    # spotipy reads ``requests_timeout`` for every request (and sets it in its __init__): a property
    # turns the fixed timeout into the budget's remainder.
    @property
    def requests_timeout(self) -> float:
        return max(min(self._max_timeout, self._budget.remaining()), MIN_REQUEST_SECONDS)

    @requests_timeout.setter
    def requests_timeout(self, value: float) -> None:
        self._max_timeout = value


class _Tokens:
    """What spotipy asks for a bearer token: our login, never spotipy's prompting auth managers."""

    def __init__(self, auth: SpotifyAuth, budget: _Budget) -> None:
        self._auth = auth
        self._budget = budget

    def get_access_token(self, as_dict: bool = False) -> str:
        self._budget.token = self._auth.access_token(self._budget.remaining())
        return self._budget.token


class SpotifyClient:
    """The Web API for one kiosk account: :attr:`api` (spotipy) called through :meth:`call`, inside an
    :meth:`operation`. Also holds what every part shares: the login (:attr:`auth`), the
    :attr:`rate_limit` and the :attr:`receiver`. Thread-safe."""

    def __init__(self, config: Config) -> None:
        spotify = config.spotify
        self.timeout = spotify.timeout_seconds  # one action's budget, in seconds
        self._budget = _Budget()
        self.auth = SpotifyAuth(config)
        self.rate_limit = RateLimit(config.state_path() / RATE_LIMIT_FILE)
        self.receiver = Receiver(spotify, self.remaining)
        self.api = _Api(
            self._budget,
            auth_manager=_Tokens(self.auth, self._budget),
            requests_timeout=spotify.timeout_seconds,
            retries=0,
            status_forcelist=[599],  # any list without 429: spotipy then keeps Retry-After for us
        )
        self.api.prefix = spotify.api_url.rstrip("/") + "/"
        self._requests = concurrent.futures.ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix="spotify")

    def remaining(self) -> float:
        """Seconds left of the budget of the operation running on this thread."""
        return self._budget.remaining()

    @contextmanager
    def operation(self, seconds: float | None = None) -> Iterator[None]:
        """One budget (``seconds``, by default :attr:`timeout`) for everything the enclosed code asks of
        Spotify (nested operations share the outer one's)."""
        outer = self._budget.deadline
        if outer == math.inf:
            self._budget.deadline = time.monotonic() + (self.timeout if seconds is None else seconds)
        try:
            yield
        finally:
            self._budget.deadline = outer

    def bounded(self, request: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``request(*args, **kwargs)`` on the request pool, waited for no longer than the budget has left.
        The budget (a thread-local) travels with it: spotipy's timeouts and token refreshes read it."""
        deadline = self._budget.deadline
        used: dict[str, str] = {}

        def on_pool_thread() -> Any:
            self._budget.deadline = deadline
            try:
                return request(*args, **kwargs)
            finally:
                used["token"] = self._budget.token
                self._budget.deadline, self._budget.token = math.inf, ""

        future = self._requests.submit(on_pool_thread)
        try:
            return future.result(timeout=max(self._budget.remaining(), 0.0))
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise out_of_time() from exc
        finally:
            self._budget.token = used.get("token", self._budget.token)

    def call(self, request: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One Web API call, ``request(*args, **kwargs)`` with a method of :attr:`api`, with our handling
        of 401, 429, 5xx and timeouts."""
        refreshed = retried = False
        while True:
            self.rate_limit.check()
            if self._budget.remaining() < MIN_REQUEST_SECONDS:
                raise out_of_time()
            try:
                # A refresh is waited for here, on the caller's thread, for what is left of the budget: it
                # then says "reconnecting" (the refresh goes on) rather than "did not answer in time".
                self.auth.access_token(self._budget.remaining())
                return self.bounded(request, *args, **kwargs)
            except SpotifyException as exc:
                if exc.http_status == 401 and not refreshed:
                    refreshed = True
                    self.auth.refresh(self._budget.remaining(), stale=self._budget.token)
                    continue
                if exc.http_status >= 500 and not retried and self._pause_for_retry():
                    retried = True
                    continue
                raise from_web_api(exc, self.rate_limit, self.receiver.missing) from exc
            except requests.RequestException as exc:  # timeouts, refused connections, broken answers
                if not retried and self._pause_for_retry():
                    retried = True
                    continue
                raise unreachable(exc) from exc

    def _pause_for_retry(self) -> bool:
        """When the budget has room for a retry: pause before it, and say True."""
        if self._budget.remaining() <= RETRY_PAUSE_SECONDS + RETRY_MARGIN_SECONDS:
            return False
        time.sleep(RETRY_PAUSE_SECONDS)
        return True
