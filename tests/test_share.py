"""Take the music home: a result's share page. Its token is random and long, one result only, rate-limited and
expiring; an unpaired phone on the LAN reaches it (and nothing else) with the token; an expired or guessed token is
a 404; the page holds no control (no form, button or script, and a CSP that forbids them) and no other kiosk data;
the link carries the LAN address and appears in the API's answer, with no link at all while the LAN is off."""

from __future__ import annotations

import re

import pytest
import requests
from browser.stack import LAN_ADDRESS, demo_config
from fake_spotify import FakeSpotify
from helpers import client_from, csrf, error_of

from moodify_edge.contract import ErrorCode, MusicBackendName
from moodify_edge.emotions import by_key
from moodify_edge.mood import Policy
from moodify_edge.music import Recommendations, Track
from moodify_edge.music.spotify.auth import REQUIRED_SCOPES
from moodify_edge.web.share import PAGES_PER_MINUTE, ShareBoard, spotify_link

LAN_HOST = "127.0.0.2"
SHARE_URL = re.compile(r"http://127\.0\.0\.2:\d+/share/([A-Za-z0-9_-]{16,})")


def recommendations(emotion: str = "sad", uri: str = "spotify:track:4uLU6hMCjMI75M1A2tKUQC") -> Recommendations:
    tracks = [Track("Never Gonna", ["Rick"], uri), Track("Local Song", ["Band"], "moods/sad/song.flac")]
    return Recommendations(emotion, Policy.LIFT, MusicBackendName.OFFLINE, tracks)


def test_spotify_links_only_for_spotify_tracks():
    assert (
        spotify_link("spotify:track:4uLU6hMCjMI75M1A2tKUQC") == "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"
    )
    for other in ("spotify:search:abba%20sos", "moods/sad/song.flac", "spotify:track:../x", "spotify:album:abc"):
        assert spotify_link(other) is None


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_random_single_result_and_expire():
    clock = Clock()
    board = ShareBoard(15, clock)
    first, second = board.add(recommendations("sad")), board.add(recommendations("happy"))
    assert len(first.token) >= 16 and re.fullmatch(r"[A-Za-z0-9_-]+", first.token) and first.token != second.token
    assert board.find(first.token).recommendations.emotion == "sad"  # each token keeps its own result
    assert board.current() is second
    clock.now += 15 * 60 - 1
    assert board.find(first.token) is not None
    clock.now += 1
    assert board.find(first.token) is None and board.current() is None


def test_pages_are_rate_limited_per_address():
    clock = Clock()
    board = ShareBoard(15, clock)
    assert all(board.allow("10.0.0.5") for _ in range(PAGES_PER_MINUTE))
    assert not board.allow("10.0.0.5") and board.allow("10.0.0.6")
    clock.now += 61
    assert board.allow("10.0.0.5")


@pytest.fixture
def shared(build, tmp_path):
    """A finished run on a kiosk whose LAN is on; (app, kiosk client, the share URL's token)."""
    stack = build(demo_config(tmp_path / "state", seconds=1.0, host=LAN_HOST))
    kiosk = client_from(stack.app)
    assert kiosk.post("/api/trigger", json={"goal": "lift"}, headers=csrf(kiosk)).status_code == 202
    stack.controller.join(10)
    return stack, kiosk


def test_the_link_is_in_the_api_answer_with_the_lan_address(shared):
    stack, kiosk = shared
    answer = kiosk.get("/api/recommendations").get_json()
    share = answer["share"]
    assert (
        share["lan"] is True
        and SHARE_URL.fullmatch(share["url"])
        and share["url"] in kiosk.get("/api/share").get_json()["url"]
    )
    assert "127.0.0.1" not in share["url"] and share["qr_svg"].startswith("<svg") and 0 < share["expires_in"] <= 15 * 60


def test_an_unpaired_phone_opens_the_share_page_and_nothing_else(shared):
    stack, kiosk = shared
    token = SHARE_URL.fullmatch(kiosk.get("/api/share").get_json()["url"]).group(1)
    recs = stack.controller.snapshot().recommendations
    phone = client_from(stack.app, LAN_ADDRESS)
    page = phone.get(f"/share/{token}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.data.decode()
    assert by_key(recs.emotion).label in html and by_key(recs.emotion).colour in html and "Lifting your mood" in html
    for track in recs.tracks:
        assert track.title.replace("'", "&#39;") in html
        if link := spotify_link(track.uri):
            assert f'href="{link}"' in html
    # No control: no form, button, input or script, nothing that calls the API, no token, no cookie; the CSP agrees.
    assert not re.search(r"<(form|button|input|script|iframe)\b|/api/|csrf|onclick", html, re.IGNORECASE)
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "form-action 'none'" in policy
    assert "Set-Cookie" not in page.headers
    assert page.headers["Referrer-Policy"] == "no-referrer"
    for other in ("/api/state", "/api/result", "/api/share", "/api/recommendations"):  # still unpaired for the rest
        assert error_of(phone.get(other))["code"] == ErrorCode.PAIRING_REQUIRED
    assert error_of(phone.post("/api/trigger", headers=csrf(phone)))["code"] == ErrorCode.PAIRING_REQUIRED


def test_a_guessed_or_expired_token_is_404(shared):
    stack, kiosk = shared
    token = SHARE_URL.fullmatch(kiosk.get("/api/share").get_json()["url"]).group(1)
    phone = client_from(stack.app, LAN_ADDRESS)
    for guess in ("A" * 22, token[:-1] + ("A" if token[-1] != "A" else "B"), "short", token + "x", "../static/app.js"):
        answer = phone.get(f"/share/{guess}")
        assert answer.status_code == 404 and b"share-tracks" not in answer.data
    board = stack.app.extensions["moodify.shares"]
    now = board._clock()
    board._clock = lambda: now + 15 * 60 + 1
    expired = phone.get(f"/share/{token}")
    assert expired.status_code == 404 and b"share-expired" in expired.data
    assert error_of(kiosk.get("/api/share"))["code"] == ErrorCode.NO_RECOMMENDATIONS


def test_guessing_is_rate_limited(shared):
    stack, _kiosk = shared
    phone = client_from(stack.app, LAN_ADDRESS)
    answers = [phone.get(f"/share/{'A' * 22}").status_code for _ in range(PAGES_PER_MINUTE + 1)]
    assert answers[:-1] == [404] * PAGES_PER_MINUTE and answers[-1] == 429


def test_no_link_while_the_lan_is_off(build, tmp_path):
    stack = build(demo_config(tmp_path / "state", seconds=1.0))  # web.host 127.0.0.1
    kiosk = client_from(stack.app)
    kiosk.post("/api/trigger", headers=csrf(kiosk))
    stack.controller.join(10)
    assert kiosk.get("/api/share").get_json() == {"lan": False, "expires_in": pytest.approx(900, abs=5)}
    assert "url" not in kiosk.get("/api/recommendations").get_json()["share"]


# ---------------------------------------------------------------------------------------------- save as a playlist
def spotify_stack(build, tmp_path, fake: FakeSpotify):
    """A kiosk on ``fake`` Spotify, logged in, with ``[share] playlist`` on."""
    config = (
        demo_config(tmp_path / "state")
        .replace("service", demo=False)
        .replace("spotify", client_id=fake.client_id, api_url=fake.api_url, accounts_url=fake.url)
        .replace("share", playlist=True)
    )
    stack = build(config)
    account = stack.controller.music.account
    account.finish_login(requests.get(account.login_url(), allow_redirects=False, timeout=5).headers["Location"])
    return stack


@pytest.fixture
def spotify_kiosk(build, tmp_path):
    """:func:`spotify_stack` with a result on screen of two Spotify tracks and a local one; (fake, kiosk client,
    the tracks' ids)."""
    fake = FakeSpotify().start()
    stack = spotify_stack(build, tmp_path, fake)
    ids = [fake.add_track(f"Song {n}")["id"] for n in range(2)]
    tracks = [Track(f"Song {n}", ["A"], f"spotify:track:{i}") for n, i in enumerate(ids)]
    recs = Recommendations("sad", Policy.LIFT, MusicBackendName.SPOTIFY, [*tracks, Track("L", ["B"], "a/b.flac")])
    stack.app.extensions["moodify.shares"].add(recs)
    yield fake, client_from(stack.app), ids
    fake.stop()


def test_the_owner_saves_the_result_as_a_playlist_once(spotify_kiosk):
    fake, kiosk, ids = spotify_kiosk
    assert b'id="share-playlist"' in kiosk.get("/").data  # the button, for the owner (no PIN: the kiosk is)
    answer = kiosk.post("/api/share/playlist", headers=csrf(kiosk))
    assert answer.status_code == 200, answer.data
    saved = answer.get_json()
    playlist = fake.playlists[saved["id"]]
    assert playlist["tracks"] == ids and playlist["public"] is False and playlist["name"].startswith("Moodify · Sad")
    again = kiosk.post("/api/share/playlist", headers=csrf(kiosk))
    assert again.get_json() == saved and len(fake.playlists) == 1  # pressed twice: still one playlist


def test_a_login_without_the_playlist_scope_is_asked_to_log_in_again_not_logged_out(build, tmp_path):
    fake = FakeSpotify(scope=" ".join(REQUIRED_SCOPES)).start()  # a login from before the scope was asked for
    try:
        stack = spotify_stack(build, tmp_path, fake)
        stack.app.extensions["moodify.shares"].add(recommendations("sad"))
        kiosk = client_from(stack.app)
        error = error_of(kiosk.post("/api/share/playlist", headers=csrf(kiosk)))
        assert error["code"] == ErrorCode.PLAYLIST_PERMISSION and "Log in" in error["message"]
        assert kiosk.get("/api/spotify/status").get_json()["logged_in"] is True and fake.playlists == {}
    finally:
        fake.stop()


def test_a_locked_kiosk_cannot_save(build, tmp_path):
    config = demo_config(tmp_path / "state", seconds=1.0).replace("kiosk", owner_pin="2468")
    stack = build(config.replace("share", playlist=True))
    stack.app.extensions["moodify.shares"].add(recommendations("sad"))
    kiosk = client_from(stack.app)
    assert b'id="share-playlist"' not in kiosk.get("/").data  # the offline backend: no button
    assert error_of(kiosk.post("/api/share/playlist", headers=csrf(kiosk)))["code"] == ErrorCode.OWNER_REQUIRED


def test_offline_music_answers_playlist_unavailable(shared):
    stack, kiosk = shared
    error = error_of(kiosk.post("/api/share/playlist", headers=csrf(kiosk)))
    assert error["code"] == ErrorCode.PLAYLIST_UNAVAILABLE and error["status"] == 409
    assert b'id="share-playlist"' not in kiosk.get("/").data


def test_offline_answers_the_code_even_with_the_setting_on(build, tmp_path):
    stack = build(demo_config(tmp_path / "state", seconds=1.0).replace("share", playlist=True))
    stack.app.extensions["moodify.shares"].add(recommendations("sad"))
    kiosk = client_from(stack.app)
    assert error_of(kiosk.post("/api/share/playlist", headers=csrf(kiosk)))["code"] == ErrorCode.PLAYLIST_UNAVAILABLE
