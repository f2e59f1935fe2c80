"""The Spotify backend against a local server that answers like Spotify's accounts service and Web API:
login (kiosk and phone), token refresh and rotation, atomic token storage, recommendations, playback
on the named device, and every failure the screen has to explain."""

from __future__ import annotations

import json
import logging
import os
import random
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from fake_receiver import FakeReceiver
from fake_spotify import USER_ID, FakeSpotify

from moodify_edge.config import Config
from moodify_edge.contract import ErrorCode, MusicBackendName
from moodify_edge.events import AccountChanged, EventBus
from moodify_edge.mood import MoodProfile
from moodify_edge.music import MusicBackend, MusicError, PlayerState
from moodify_edge.music.factory import create_music
from moodify_edge.music.spotify import device as receiver_device
from moodify_edge.music.spotify import spotify_backend
from moodify_edge.music.spotify.auth import REQUIRED_SCOPES
from moodify_edge.music.spotify.errors import RATE_LIMIT_FILE
from moodify_edge.music.spotify.tokens import TOKEN_FILE, TokenFile

DEVICE = "Moodify Edge"


@pytest.fixture
def fake():
    server = FakeSpotify().start()
    yield server
    server.stop()


def make_config(fake: FakeSpotify, state_dir: Path, **spotify) -> Config:
    config = Config().replace(
        "spotify",
        client_id=fake.client_id,
        api_url=fake.api_url,
        accounts_url=fake.url,
        device_name=DEVICE,
        **spotify,
    )
    return config.replace("service", state_dir=str(state_dir))


@pytest.fixture
def config(fake, tmp_path) -> Config:
    return make_config(fake, tmp_path)


def approve(url: str) -> str:
    """What the person's browser does: open the authorize link, approve, get redirected."""
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return answer.headers["Location"]


def logged_in(config: Config, rng: random.Random | None = None) -> MusicBackend:
    music = spotify_backend(config, rng=rng)
    music.account.finish_login(approve(music.account.login_url()))
    return music


@pytest.fixture
def music(config) -> MusicBackend:
    return logged_in(config, random.Random(7))


def stored_token(config: Config) -> dict:
    return json.loads((config.state_path() / TOKEN_FILE).read_text())


def code_of(call) -> ErrorCode:
    with pytest.raises(MusicError) as error:
        call()
    return error.value.code


def offline_because(recommendations) -> str:
    """The notice of a list that came from the offline catalogue because Spotify could not give one."""
    assert recommendations.source == MusicBackendName.OFFLINE and recommendations.tracks
    return recommendations.notice


# ---------------------------------------------------------------------------------------------- login
def test_kiosk_login_redirects_to_our_callback_and_stores_the_tokens(fake, config):
    music = spotify_backend(config)
    assert music.account.status().logged_in is False
    url = music.account.login_url()
    assert url.startswith(fake.url + "/authorize?") and "code_challenge_method=S256" in url and "state=" in url
    redirected = approve(url)
    assert redirected.startswith("http://127.0.0.1:5000/callback?code=")
    music.account.finish_login(redirected)
    account = music.account.status()
    assert account.logged_in and account.user == "Kiosk User" and account.device == DEVICE
    token = stored_token(config)
    assert token["refresh_token"] in fake.refresh_tokens and token["access_token"] in fake.access_tokens


def test_phone_login_with_the_pasted_url_works_while_another_link_is_open(fake, config):
    music = spotify_backend(config)
    kiosk_link = music.account.login_url()
    phone_link = music.account.login_url()
    music.account.finish_login("  " + approve(phone_link) + "\n")  # pasted with stray whitespace
    assert music.account.status().logged_in
    assert kiosk_link != phone_link


def test_a_redirect_with_the_wrong_state_is_refused(fake, config):
    music = spotify_backend(config)
    redirected = approve(music.account.login_url())
    forged = redirected.replace("state=", "state=x")
    assert code_of(lambda: music.account.finish_login(forged)) == ErrorCode.LOGIN_STATE
    assert (
        code_of(lambda: music.account.finish_login("http://127.0.0.1:5000/callback?code=abc")) == ErrorCode.LOGIN_STATE
    )
    assert not (config.state_path() / TOKEN_FILE).exists()


def test_a_state_is_used_once(fake, config):
    music = spotify_backend(config)
    redirected = approve(music.account.login_url())
    music.account.finish_login(redirected)
    assert code_of(lambda: music.account.finish_login(redirected)) == ErrorCode.LOGIN_STATE


def test_a_declined_login_says_so(fake, config):
    fake.deny_authorize = True
    music = spotify_backend(config)
    assert code_of(lambda: music.account.finish_login(approve(music.account.login_url()))) == ErrorCode.LOGIN_DENIED


def test_no_login_means_a_login_prompt_on_screen_never_on_stdin(fake, config):
    music = spotify_backend(config)
    assert offline_because(music.source.recommend("happy")) == "Log in to Spotify to play music."
    assert code_of(lambda: music.player.play()) == ErrorCode.LOGIN_REQUIRED
    state = music.player.state()
    assert state.available is False and "Log in" in state.message
    assert fake.seen(path="/api/token") == []


def test_a_login_without_the_needed_scopes_asks_to_log_in_again(fake, config):
    fake.scope = "user-read-private"
    music = logged_in(config)
    assert code_of(lambda: music.player.state()) == ErrorCode.LOGIN_REQUIRED


# ---------------------------------------------------------------------------------------------- saving a playlist
def test_a_list_is_saved_as_a_private_playlist_in_the_owner_s_account(fake, music):
    assert "playlist-modify-private" in next(iter(fake.granted.values())).split()  # a new login asks for it
    ids = [fake.add_track(f"Song {n}")["id"] for n in range(3)]
    uris = [f"spotify:track:{i}" for i in ids] + ["moods/sad/local.flac"]  # a local file is not Spotify's
    saved = music.account.save_playlist("Moodify · Sad", "Saved from Moodify Edge.", uris)
    playlist = fake.playlists[saved["id"]]
    assert playlist["owner"] == USER_ID and playlist["name"] == "Moodify · Sad" and playlist["public"] is False
    assert playlist["tracks"] == ids and saved["tracks"] == 3
    assert saved["url"] == f"https://open.spotify.com/playlist/{saved['id']}"
    assert [r.method for r in fake.seen() if "playlist" in r.path] == ["POST", "POST"]
    assert fake.seen("POST", f"/v1/playlists/{saved['id']}/items")[0].body == [f"spotify:track:{i}" for i in ids]


def test_a_login_from_before_the_playlist_scope_is_asked_again_only_for_playlists(fake, config):
    fake.scope = " ".join(REQUIRED_SCOPES)  # a login made before saving playlists existed
    music = logged_in(config)
    track = fake.add_track("Song")["id"]
    error = pytest.raises(MusicError, music.account.save_playlist, "x", "", [f"spotify:track:{track}"]).value
    assert error.code == ErrorCode.PLAYLIST_PERMISSION and error.status == 403 and "Log in" in error.message
    assert fake.playlists == {} and fake.seen("POST", "/v1/me/playlists") == []
    # Not logged out: the login and everything else keep working.
    assert music.account.status().logged_in is True and (config.state_path() / TOKEN_FILE).exists()
    assert music.source.recommend("happy").source == MusicBackendName.SPOTIFY
    assert "Log in" not in (music.player.state().message or "")
    # Logging in again grants it.
    fake.scope = ""
    music.account.finish_login(approve(music.account.login_url()))
    assert fake.playlists[music.account.save_playlist("x", "", [f"spotify:track:{track}"])["id"]]["tracks"] == [track]


def test_saving_a_playlist_needs_a_login_and_a_spotify_track(fake, config):
    music = spotify_backend(config)
    assert code_of(lambda: music.account.save_playlist("x", "", ["spotify:track:abc"])) == ErrorCode.LOGIN_REQUIRED
    music = logged_in(config)
    assert code_of(lambda: music.account.save_playlist("x", "", ["a.flac"])) == ErrorCode.NO_RECOMMENDATIONS
    fake.fail("POST", "/v1/me/playlists", 503, times=2)
    assert code_of(lambda: music.account.save_playlist("x", "", ["spotify:track:abc"])) == ErrorCode.SPOTIFY_UNAVAILABLE


def test_logout_forgets_the_tokens(music, config):
    music.account.logout()
    assert not (config.state_path() / TOKEN_FILE).exists()
    assert music.account.status().logged_in is False


# ---------------------------------------------------------------------------------------------- tokens
def test_an_expired_token_is_refreshed_and_the_rotated_refresh_token_saved(fake, music, config):
    fake.add_device(DEVICE)
    before = stored_token(config)
    fake.expire_access_tokens()  # Spotify now answers 401 "The access token expired"
    music.player.state()
    after = stored_token(config)
    assert after["refresh_token"] != before["refresh_token"]
    assert after["refresh_token"] in fake.refresh_tokens and before["refresh_token"] not in fake.refresh_tokens
    fake.expire_access_tokens()
    music.player.state()  # the rotated token works for the next refresh too
    assert stored_token(config)["refresh_token"] != after["refresh_token"]


def test_a_token_near_its_expiry_is_refreshed_before_use(fake, music, config):
    token = stored_token(config)
    TokenFile(config.state_path() / TOKEN_FILE).save_token_to_cache(token | {"expires_at": int(time.time()) + 10})
    music.player.state()
    assert len(fake.seen("POST", "/api/token")) == 2  # login, then the refresh
    assert fake.seen("GET", "/v1/me/player")[-1].token == stored_token(config)["access_token"]


def test_a_revoked_login_asks_to_log_in_again(fake, music):
    fake.revoke()
    assert code_of(lambda: music.player.state()) == ErrorCode.LOGIN_REQUIRED
    account = music.account.status()
    assert account.logged_in is False and account.message == "Log in to Spotify to play music."


def test_a_second_401_after_refreshing_asks_to_log_in_again(fake, music):
    fake.fail("GET", "/v1/me/player", 401, times=2)
    assert code_of(lambda: music.player.state()) == ErrorCode.LOGIN_REQUIRED
    assert len(fake.seen("POST", "/api/token")) == 2


def test_the_token_file_is_private_and_replaced_atomically(music, config):
    path = config.state_path() / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [TOKEN_FILE]  # no temporary file left behind


def test_a_crash_in_the_middle_of_a_write_keeps_the_old_tokens(music, config):
    path = config.state_path() / TOKEN_FILE
    old = path.read_text()
    # A real crash mid-write: the child may write 64 bytes; the next write kills it with SIGXFSZ.
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from moodify_edge.music.spotify.auth import TokenFile\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_DFL)\n"  # Python ignores it by default
        "resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))\n"
        "TokenFile(Path(sys.argv[1])).save_token_to_cache({'access_token': 'x' * 100000, 'refresh_token': 'new'})\n"
    )
    child = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True)
    assert child.returncode != 0
    assert path.read_text() == old
    assert json.loads(path.read_text())["refresh_token"] == stored_token(config)["refresh_token"]
    leftovers = [p for p in path.parent.iterdir() if p.name != TOKEN_FILE]
    assert leftovers and all(p.stat().st_size <= 64 for p in leftovers)  # the partial file is a temporary one
    TokenFile(path)  # the next start clears it away
    assert [p.name for p in path.parent.iterdir()] == [TOKEN_FILE]


# ---------------------------------------------------------------------------------------------- recommendations
def moods(config: Config, emotion: str, **profile) -> Config:
    return config.replace("music", moods=config.music.moods | {emotion: MoodProfile(**profile)})


def test_recommendations_for_each_emotion_come_from_search(fake, music, config):
    for emotion, profile in config.music.moods.items():
        result = music.source.recommend(emotion)
        assert result.source == MusicBackendName.SPOTIFY and result.policy == profile.policy
        assert len(result.tracks) == config.music.items
        assert len({t.uri for t in result.tracks}) == len(result.tracks)
        track = result.tracks[0]
        assert track.title and track.artists and track.duration_ms == 200000
        assert track.artwork_url.endswith("-300")
    searches = fake.seen("GET", "/v1/search")
    assert all(int(s.query["limit"]) <= 10 and s.query["market"] == "from_token" for s in searches)


def test_search_paginates_and_drops_null_items(fake, config, tmp_path):
    fake.search_results["only query"] = (
        [fake.add_track(f"s{i}")["id"] for i in range(8)]
        + [None, None]
        + [fake.add_track(f"s{i}")["id"] for i in range(8, 20)]
    )
    config = moods(config.replace("spotify", market="KR"), "happy", policy="match", queries=["only query"])
    music = logged_in(config)
    result = music.source.recommend("happy")
    offsets = [int(s.query["offset"]) for s in fake.seen("GET", "/v1/search")]
    assert offsets == [0, 10, 20]  # 22 results, 10 a page; the last page has no "next"
    assert all(s.query["market"] == "KR" for s in fake.seen("GET", "/v1/search"))
    assert len(result.tracks) == 8 and all(t.uri for t in result.tracks)


def test_recommendations_vary_between_runs(fake, config):
    config = moods(config, "neutral", policy="match", queries=["lofi"]).replace("music", items=5, avoid_recent=2)
    fake.search_size = 30
    music = logged_in(config)
    runs = [{t.uri for t in music.source.recommend("neutral").tracks} for _ in range(3)]
    assert not runs[0] & runs[1] and not runs[1] & runs[2] and not runs[0] & runs[2]


def test_curated_uris_and_matching_playlists_are_used_and_deduplicated(fake, config):
    curated = fake.add_track("Curated song", "Curator")
    shared = fake.add_track("In both", "Both")
    mine = fake.add_playlist("My Sad Songs", [shared["id"], None, fake.add_track("Playlist song")["id"]])
    fake.add_playlist("Gym", [fake.add_track("Not this one")["id"]])
    config = moods(
        config,
        "sad",
        policy="lift",
        uris=[curated["uri"], shared["uri"]],
        playlist_keywords=["sad"],
        queries=[],
    )
    music = logged_in(config)
    titles = [t.title for t in music.source.recommend("sad").tracks]
    assert titles[:2] in (["Curated song", "In both"], ["In both", "Curated song"])  # curated first when lifting
    assert titles[2:] == ["Playlist song"]  # the shared track appears once; the null item is dropped
    assert fake.seen("GET", f"/v1/playlists/{mine}/items")


def test_a_curated_album_contributes_its_tracks_with_the_album_artwork(fake, config):
    album = fake.add_album("Calm album", [fake.add_track("Calm one")["id"], fake.add_track("Calm two")["id"]])
    music = logged_in(moods(config, "angry", policy="lift", uris=[f"spotify:album:{album}"], queries=[]))
    tracks = music.source.recommend("angry").tracks
    assert sorted(t.title for t in tracks) == ["Calm one", "Calm two"]
    assert all(t.artwork_url == f"https://i.scdn.co/image/{album}" for t in tracks)


def test_lift_puts_the_comforting_queries_before_the_brighter_ones(fake, config):
    config = moods(config, "sad", policy="lift", queries=["comforting ballad", "hopeful acoustic"])
    music = logged_in(config)
    titles = [t.title for t in music.source.recommend("sad").tracks]
    assert [t.startswith("comforting") for t in titles] == [True] * 4 + [False] * 4


def test_a_failing_source_is_skipped_and_the_others_still_count(fake, config):
    curated = fake.add_track("Curated song")
    config = moods(config, "fear", policy="lift", uris=[curated["uri"]], playlist_keywords=["calm"], queries=["x"])
    music = logged_in(config)
    fake.fail("GET", "/v1/me/playlists", 503, times=2)
    titles = [t.title for t in music.source.recommend("fear").tracks]
    assert "Curated song" in titles and any(t.startswith("x #") for t in titles)  # search still ran


def test_a_dead_curated_playlist_does_not_empty_the_list(fake, config):
    # Spotify's editorial playlists answer 404 to new apps (SPEC §3): exactly what people paste in.
    config = moods(
        config, "sad", uris=["spotify:playlist:37i9dQZF1DX3rxVfibe1L0"], playlist_keywords=[], queries=["rainy"]
    )
    music = logged_in(config)
    titles = [t.title for t in music.source.recommend("sad").tracks]
    assert titles and all(t.startswith("rainy") for t in titles)


def test_a_rate_limit_stops_the_other_sources_at_once(fake, config):
    config = moods(config, "sad", uris=[], playlist_keywords=["calm"], queries=["rainy", "grey"])
    music = logged_in(config)
    fake.fail("GET", "/v1/me/playlists", 429, headers={"Retry-After": "30"})
    assert "slow down" in offline_because(music.source.recommend("sad"))
    assert fake.seen("GET", "/v1/search") == []


def test_search_failing_everywhere_gives_the_offline_list_and_says_why(fake, music):
    fake.fail("GET", "/v1/search", 503, times=10)
    assert "Spotify is having trouble" in offline_because(music.source.recommend("happy"))


# ---------------------------------------------------------------------------------------------- playback
def test_play_finds_the_device_by_name_transfers_plays_and_confirms(fake, music):
    fake.add_device("Phone", active=True)
    speaker = fake.add_device(DEVICE)
    tracks = music.source.recommend("happy").tracks
    state = music.player.play(tracks[1].uri)
    assert state.playing and state.device == DEVICE and state.track.uri == tracks[1].uri and state.message is None
    transfer = fake.seen("PUT", "/v1/me/player")[0]
    assert transfer.body == {"device_ids": [speaker["id"]], "play": False}
    play = fake.seen("PUT", "/v1/me/player/play")[0]
    assert play.query["device_id"] == speaker["id"]
    assert play.body["uris"] == [t.uri for t in tracks] and play.body["offset"] == {"uri": tracks[1].uri}
    assert fake.seen("GET", "/v1/me/player")


def test_controls_act_on_the_kiosk_speaker(fake, music):
    speaker = fake.add_device(DEVICE)
    tracks = music.source.recommend("happy").tracks
    music.player.play(tracks[0].uri)
    assert music.player.next().track.uri == tracks[1].uri
    assert music.player.previous().track.uri == tracks[0].uri
    assert music.player.pause().playing is False
    assert music.player.play().playing is True  # resume
    assert music.player.set_volume(35).volume == 35
    for request in fake.seen("PUT", "/v1/me/player/pause") + fake.seen("POST", "/v1/me/player/next"):
        assert request.query["device_id"] == speaker["id"]
    assert len(fake.seen("PUT", "/v1/me/player")) == 1  # already active: no second transfer


def test_a_playlist_uri_plays_as_a_context(fake, music):
    fake.add_device(DEVICE)
    playlist = fake.add_playlist("Mine", [fake.add_track("One")["id"]])
    state = music.player.play(f"spotify:playlist:{playlist}")
    assert state.playing and fake.seen("PUT", "/v1/me/player/play")[0].body == {
        "context_uri": f"spotify:playlist:{playlist}"
    }


def test_nothing_playing_is_a_state_not_an_error(fake, music):
    state = music.player.state()
    assert state.available and not state.playing and state.track is None


# ---------------------------------------------------------------------------------------------- failures
def test_no_premium_is_explained(fake, music):
    fake.add_device(DEVICE)
    fake.premium = False
    with pytest.raises(MusicError) as error:
        music.player.play("spotify:track:" + fake.add_track("x")["id"])
    assert (
        error.value.code == ErrorCode.PREMIUM_REQUIRED
        and error.value.status == 403
        and "Premium" in error.value.message
    )


def test_an_account_missing_from_the_allow_list_is_explained(fake, music):
    message = "Check settings on developer.spotify.com/dashboard, the user may not be registered."
    fake.fail("GET", "/v1/me/player", 403, body={"error": {"status": 403, "message": message}})
    with pytest.raises(MusicError) as error:
        music.player.state()
    assert error.value.code == ErrorCode.USER_NOT_ALLOWED and "User Management" in error.value.message


def test_other_refusals_show_spotify_s_reason(fake, music):
    fake.fail("GET", "/v1/me/player", 403, body={"error": {"status": 403, "message": "Restriction violated"}})
    with pytest.raises(MusicError) as error:
        music.player.state()
    assert error.value.message == "Spotify refused this: Restriction violated"


def test_a_missing_receiver_is_explained_with_the_hint_to_restart_it(fake, music):
    fake.add_device("Phone", active=True)
    with pytest.raises(MusicError) as error:
        music.player.play()
    assert (
        error.value.code == ErrorCode.DEVICE_MISSING
        and DEVICE in error.value.message
        and "raspotify" in error.value.message
    )
    assert fake.seen("PUT", "/v1/me/player/play") == []


def test_a_missing_receiver_is_restarted_when_its_unit_is_configured(fake, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "systemctl.calls"
    (bin_dir / "systemctl").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "systemctl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    music = logged_in(make_config(fake, tmp_path / "state", receiver_unit="raspotify.service"))
    assert code_of(music.player.play) == ErrorCode.DEVICE_MISSING
    assert calls.read_text().split() == ["restart", "--no-block", "raspotify.service"]
    assert code_of(music.player.play) == ErrorCode.DEVICE_MISSING
    assert len(calls.read_text().splitlines()) == 1  # not again within a minute


def test_a_device_that_vanishes_before_play_is_reported_missing(fake, music):
    fake.add_device(DEVICE, active=True)
    fake.fail("PUT", "/v1/me/player/play", 404, body={"error": {"status": 404, "message": "Device not found"}})
    assert code_of(music.player.play) == ErrorCode.DEVICE_MISSING


def test_no_active_device_is_explained(fake, music):
    fake.add_device(DEVICE, active=True)
    fake.fail("POST", "/v1/me/player/next", 404)
    with pytest.raises(MusicError) as error:
        music.player.next()
    assert error.value.code == ErrorCode.NO_ACTIVE_DEVICE and error.value.status == 404
    assert "Choose a song" in error.value.message and "Press play again" not in error.value.message


def test_pausing_a_speaker_that_plays_nothing_is_not_an_error(fake, music):
    fake.add_device(DEVICE, active=True)
    fake.fail("PUT", "/v1/me/player/pause", 404)
    state = music.player.pause()
    assert state.playing is False and state.message == "Nothing is playing."


def test_rate_limiting_answers_at_once_without_asking_spotify_again(fake, music):
    fake.fail("GET", "/v1/me/player/devices", 429, headers={"Retry-After": "3600"})
    with pytest.raises(MusicError) as error:
        music.player.play()
    assert error.value.code == ErrorCode.RATE_LIMITED and error.value.status == 429
    assert "quota" in error.value.message and "1 h" in error.value.message
    requests_before = len(fake.requests)
    assert code_of(music.player.play) == ErrorCode.RATE_LIMITED
    assert "quota" in offline_because(music.source.recommend("happy"))
    assert len(fake.requests) == requests_before  # nothing was sent, nothing waited for
    assert "quota" in music.account.status().message


def test_a_short_rate_limit_says_when_to_try_again(fake, music):
    fake.fail("GET", "/v1/me/player", 429, headers={"Retry-After": "1"})
    with pytest.raises(MusicError) as error:
        music.player.state()
    assert "1 s" in error.value.message and "quota" not in error.value.message
    time.sleep(1.1)
    assert music.player.state().available  # asks Spotify again once the time has passed


def test_a_5xx_is_retried_once(fake, music):
    fake.fail("GET", "/v1/me/player", 502)
    assert music.player.state().available
    assert len(fake.seen("GET", "/v1/me/player")) == 2


def test_repeated_5xx_is_reported_as_unavailable(fake, music):
    fake.fail("GET", "/v1/me/player", 503, times=5)
    with pytest.raises(MusicError) as error:
        music.player.state()
    assert error.value.code == ErrorCode.SPOTIFY_UNAVAILABLE
    assert len(fake.seen("GET", "/v1/me/player")) == 2


def test_an_answer_trickling_in_is_given_up_on_within_the_budget(fake, config, tmp_path):
    music = logged_in(make_config(fake, tmp_path / "s", timeout_seconds=0.5))
    fake.fail("GET", "/v1/me/player", 200, body={"is_playing": False, "device": None}, trickle=0.2)
    started = time.monotonic()
    assert code_of(music.player.state) == ErrorCode.SPOTIFY_UNAVAILABLE
    assert time.monotonic() - started < 1.0  # each byte came within the read timeout; the budget ended it


def test_a_slow_spotify_is_given_up_on_within_the_budget(fake, config, tmp_path):
    music = logged_in(make_config(fake, tmp_path / "s", timeout_seconds=0.5))
    fake.fail("GET", "/v1/me/player", None, delay=1.0, times=3)
    started = time.monotonic()
    assert code_of(music.player.state) == ErrorCode.SPOTIFY_UNAVAILABLE
    assert time.monotonic() - started < 1.0  # behaviour, not speed: the budget ended the call


def test_a_bad_uri_is_refused_before_any_request(fake, music):
    fake.add_device(DEVICE)
    sent = len(fake.requests)
    for uri in ("garbage", "spotify:track:", "spotify:episode:abc", "spotify:track:a/b", 42):
        with pytest.raises(MusicError) as error:
            music.player.play(uri)
        assert error.value.code == ErrorCode.BAD_URI and error.value.status == 400
    assert len(fake.requests) == sent


# ---------------------------------------------------------------------------------------------- issue 14
def expire_stored_token(config: Config) -> None:
    """The access token's hour is up (the stored expiry has passed, and Spotify no longer takes it)."""
    TokenFile(config.state_path() / TOKEN_FILE).save_token_to_cache(
        stored_token(config) | {"expires_at": int(time.time()) - 1}
    )


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("delay", [1.5, 5.0])
def test_a_slow_refresh_keeps_the_login_across_a_restart(fake, music, config, delay):
    fake.add_device(DEVICE)
    before = stored_token(config)["refresh_token"]
    fake.expire_access_tokens()
    expire_stored_token(config)
    fake.refresh_delay = delay  # the old refresh token stops working when the request arrives
    started = time.monotonic()
    try:
        music.player.state()
    except MusicError as exc:
        assert exc.code == ErrorCode.SPOTIFY_UNAVAILABLE and exc.message.startswith("Reconnecting to Spotify")
    assert time.monotonic() - started < 2.3  # the caller's budget, not the refresh's
    wait_for(lambda: stored_token(config)["refresh_token"] != before)
    fake.refresh_delay = 0
    restarted = spotify_backend(config)  # a restart: a new backend on the same state directory
    assert restarted.account.status().logged_in
    assert restarted.player.state().available
    assert stored_token(config)["refresh_token"] in fake.refresh_tokens
    assert len(fake.seen("POST", "/api/token")) == 2  # the login, then one refresh


def test_a_refresh_the_login_service_fails_keeps_the_login_and_says_so(fake, music, config):
    fake.add_device(DEVICE)
    expire_stored_token(config)
    fake.fail("POST", "/api/token", 503, body={"error": {"status": 503, "message": "injected"}})
    with pytest.raises(MusicError) as error:
        music.player.state()
    assert error.value.code == ErrorCode.SPOTIFY_UNAVAILABLE and "login service" in error.value.message
    assert "{" not in error.value.message and "injected" not in error.value.message
    assert music.account.status().logged_in
    assert music.player.state().available  # the next action refreshes


def test_a_rate_limited_refresh_honours_retry_after_and_keeps_the_login(fake, music, config):
    expire_stored_token(config)
    fake.fail(
        "POST",
        "/api/token",
        429,
        body={"error": {"status": 429, "message": "slow down"}},
        headers={"Retry-After": "30"},
    )
    with pytest.raises(MusicError) as error:
        music.player.state()
    assert error.value.code == ErrorCode.RATE_LIMITED and "30 s" in error.value.message
    assert error.value.headers == {"Retry-After": "30"} and "{" not in error.value.message
    asked = len(fake.seen("POST", "/api/token"))
    assert code_of(music.player.state) == ErrorCode.RATE_LIMITED
    assert len(fake.seen("POST", "/api/token")) == asked  # not asked again before Retry-After
    assert music.account.status().logged_in


def test_a_revoked_login_is_announced_to_the_settings_panel(fake, config):
    bus = EventBus()
    events: list = []
    bus.listen(events.append)
    music = create_music(config, bus)
    music.account.finish_login(approve(music.account.login_url()))
    fake.revoke()
    assert code_of(music.player.state) == ErrorCode.LOGIN_REQUIRED
    changes = [e for e in events if isinstance(e, AccountChanged)]
    assert len(changes) == 1 and changes[0].account.logged_in is False and changes[0].account.user is None


def test_a_slow_spotify_plays_and_reports_it_without_a_false_failure(fake, config):
    changes: list[PlayerState] = []
    music = spotify_backend(config, on_player_change=changes.append)
    music.account.finish_login(approve(music.account.login_url()))
    fake.add_device("Phone", active=True)
    fake.add_device(DEVICE)
    track = fake.add_track("Slow song")
    for method, path in [
        ("GET", "/v1/me/player/devices"),
        ("PUT", "/v1/me/player"),
        ("PUT", "/v1/me/player/play"),
        ("GET", "/v1/me/player"),
    ]:
        fake.fail(method, path, None, delay=0.6, times=10)
    started = time.monotonic()
    state = music.player.play(track["uri"])
    assert time.monotonic() - started < 2.3
    assert state.available and "did not answer" not in (state.message or "") and DEVICE in state.message
    wait_for(lambda: changes)
    assert changes[0].playing and changes[0].track.uri == track["uri"] and changes[0].message is None
    assert fake.playing


def test_only_the_owner_s_matching_playlists_are_read_and_one_failing_spares_the_others(fake, config):
    followed = fake.add_playlist("Happy Hits", [fake.add_track("Not mine")["id"]], owner="someone-else")
    mine = fake.add_playlist("Happy Vibes", [fake.add_track("Mine")["id"]])
    broken = fake.add_playlist("Happy Days", [fake.add_track("Broken")["id"]])
    fake.fail("GET", f"/v1/playlists/{broken}/items", 500, times=100)
    config = moods(config, "happy", policy="match", uris=[], playlist_keywords=["happy"], queries=[])
    music = logged_in(config)
    for _ in range(3):
        result = music.source.recommend("happy")
        assert result.source == MusicBackendName.SPOTIFY and [t.title for t in result.tracks] == ["Mine"]
    assert fake.seen("GET", f"/v1/playlists/{mine}/items")
    assert not fake.seen("GET", f"/v1/playlists/{followed}/items")


def test_the_user_s_playlists_are_read_page_by_page(fake, config):
    for n in range(60):
        fake.add_playlist(f"Workout {n}", [fake.add_track(f"Gym {n}")["id"]])
    fake.add_playlist("Late Calm", [fake.add_track("Calm one")["id"]])
    music = logged_in(moods(config, "fear", policy="lift", uris=[], playlist_keywords=["calm"], queries=[]))
    assert [t.title for t in music.source.recommend("fear").tracks] == ["Calm one"]
    assert [int(r.query["offset"]) for r in fake.seen("GET", "/v1/me/playlists")] == [0, 50]


def test_the_rate_limit_survives_a_restart(fake, music, config):
    fake.fail("GET", "/v1/me/player/devices", 429, headers={"Retry-After": "3600"})
    assert code_of(music.player.play) == ErrorCode.RATE_LIMITED
    kept = config.state_path() / RATE_LIMIT_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    sent = len(fake.requests)
    restarted = spotify_backend(config)
    assert code_of(restarted.player.play) == ErrorCode.RATE_LIMITED
    assert "quota" in restarted.account.status().message
    assert len(fake.requests) == sent


def test_the_account_name_is_asked_once(fake, config):
    music = logged_in(moods(config, "happy", policy="match", uris=[], playlist_keywords=["happy"], queries=["x"]))
    for _ in range(3):
        music.source.recommend("happy")
    assert music.account.status().user == "Kiosk User" and music.account.user_id == USER_ID
    assert len(fake.seen("GET", "/v1/me/")) == 1  # at the login


@pytest.mark.parametrize(
    "content",
    [
        {"expires_at": "soon"},
        {"scope": ["user-read-private"]},
        {"refresh_token": None},
        {"access_token": 12},
    ],
)
def test_a_token_file_with_wrong_types_is_set_aside_as_if_absent(fake, music, config, content, caplog):
    path = config.state_path() / TOKEN_FILE
    path.write_text(json.dumps(stored_token(config) | content))
    assert music.account.status().logged_in is False
    assert music.player.state().available is False
    assert "Log in" in offline_because(music.source.recommend("happy"))
    assert code_of(music.player.play) == ErrorCode.LOGIN_REQUIRED
    assert not path.exists() and [p.suffix for p in path.parent.glob(f"{TOKEN_FILE}.*")] == [".bad"]
    assert "set aside" in caplog.text
    music.account.finish_login(approve(music.account.login_url()))  # log in again
    assert music.account.status().logged_in


def test_a_directory_in_place_of_the_token_file_is_set_aside(fake, config):
    path = config.state_path() / TOKEN_FILE
    path.mkdir(parents=True)
    music = spotify_backend(config)
    assert music.account.status().logged_in is False
    music.account.finish_login(approve(music.account.login_url()))
    assert music.account.status().logged_in and path.is_file()


def test_no_secret_reaches_the_log_even_at_debug(fake, config, caplog):
    caplog.set_level(logging.DEBUG)
    fake.add_device(DEVICE)
    music = logged_in(config)
    fake.expire_access_tokens()
    music.player.play("spotify:track:" + fake.add_track("x")["id"])
    assert len(fake.seen("POST", "/api/token")) == 2  # a login and a refresh happened
    assert caplog.records  # debug logging was on
    assert "Bearer" not in caplog.text
    assert not [token for token in fake.issued if token in caplog.text]


# ---------------------------------------------------------------------------------------------- issue 14: receiver
def stub_systemctl(tmp_path: Path, monkeypatch) -> Path:
    """A systemctl on PATH that records its arguments in the file returned."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "systemctl.calls"
    (bin_dir / "systemctl").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "systemctl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return calls


@pytest.fixture
def receiver():
    server = FakeReceiver(DEVICE).start()
    yield server
    server.stop()


def test_a_receiver_that_drops_out_for_a_moment_is_found_again(fake, music):
    track = fake.add_track("Back again")
    threading.Timer(0.4, fake.add_device, args=(DEVICE,)).start()  # re-registers while we look
    state = music.player.play(track["uri"])
    assert state.playing and state.device == DEVICE
    assert len(fake.seen("GET", "/v1/me/player/devices")) >= 2


def test_a_dropped_receiver_is_woken_through_its_local_api(fake, receiver, tmp_path):
    receiver.on_play = lambda uri: fake.add_device(DEVICE)  # playing on it brings it back into the list
    music = logged_in(make_config(fake, tmp_path, receiver_api_url=receiver.url))
    track = fake.add_track("Wake up")
    state = music.player.play(track["uri"])
    assert ("POST", "/player/play", {"uri": track["uri"], "paused": False}) in receiver.requests
    wait_for(lambda: fake.playing)
    assert state.available and state.message is None or DEVICE in (state.message or "")
    assert fake.seen("PUT", "/v1/me/player/play")[-1].query["device_id"] == fake.devices[0]["id"]


def test_a_receiver_without_a_login_asks_for_the_phone_and_the_screen_says_so(fake, receiver, tmp_path, monkeypatch):
    calls = stub_systemctl(tmp_path, monkeypatch)
    receiver.logged_in = False
    config = make_config(fake, tmp_path / "state", receiver_api_url=receiver.url, receiver_unit="raspotify.service")
    music = logged_in(config)
    with pytest.raises(MusicError) as error:
        music.player.play(fake.add_track("x")["uri"])
    assert error.value.code == ErrorCode.RECEIVER_LOGIN_NEEDED and error.value.status == 503
    assert "Spotify app" in error.value.message and DEVICE in error.value.message
    assert music.account.status().message == error.value.message  # the settings panel says it too
    assert not calls.exists() and fake.seen("PUT", "/v1/me/player/play") == []  # a restart would not help
    receiver.logged_in = True
    fake.add_device(DEVICE)
    music.player.pause()  # found again
    assert music.account.status().message is None


def test_raspotify_without_cached_credentials_asks_for_its_login(fake, tmp_path, monkeypatch):
    calls = stub_systemctl(tmp_path, monkeypatch)
    cache = tmp_path / "raspotify"
    cache.mkdir()
    monkeypatch.setattr(receiver_device, "CREDENTIALS", cache / "credentials.json")
    music = logged_in(make_config(fake, tmp_path / "state", receiver_unit="raspotify.service"))
    assert code_of(music.player.play) == ErrorCode.RECEIVER_LOGIN_NEEDED
    assert not calls.exists()
    (cache / "credentials.json").write_text("{}")  # the phone has handed it a login: now a restart may help
    assert code_of(music.player.play) == ErrorCode.DEVICE_MISSING
    assert calls.read_text().split() == ["restart", "--no-block", "raspotify.service"]


def test_an_account_not_on_the_allow_list_is_shown_user_not_allowed(fake, config):
    fake.registered = False  # Spotify's 403 "the user may not be registered" to every Web API call
    music = logged_in(config)
    account = music.account.status()
    assert account.logged_in and "user list" in account.message and "User Management" in account.message
    fake.add_device(DEVICE)
    with pytest.raises(MusicError) as error:
        music.player.play(fake.add_track("x")["uri"])
    assert error.value.code == ErrorCode.USER_NOT_ALLOWED and error.value.status == 403
    assert "User Management" in error.value.message
    assert "user list" in offline_because(music.source.recommend("happy"))
