"""The recommender's policies and variety, the offline catalogue with its demo player, and the factory."""

from __future__ import annotations

import base64
import random
import urllib.parse

import pytest

from moodify_edge.config import Config, ConfigError, parse
from moodify_edge.contract import ErrorCode, MusicBackendName
from moodify_edge.emotions import KEYS, by_key
from moodify_edge.mood import Policy
from moodify_edge.music import MusicError, Track
from moodify_edge.music.catalogue import OfflineMusic, catalogue
from moodify_edge.music.factory import backend_name, create_music
from moodify_edge.music.recommender import Recommender, choose, dedupe


def tracks(prefix: str, n: int) -> list[Track]:
    return [
        Track(title=f"{prefix} {i}", artists=[f"{prefix} artist"], uri=f"spotify:track:{prefix}{i}") for i in range(n)
    ]


def test_duplicates_across_pools_are_kept_once_in_the_first_pool():
    song = Track("Song", ["Band"], "spotify:track:a")
    album_version = Track("song ", ["band"], "spotify:track:b")  # same title and artist, other release
    pools = dedupe(
        [
            [song],
            [Track("Song", ["Band"], "spotify:track:a"), album_version, Track("Other", ["Band"], "spotify:track:c")],
        ]
    )
    assert [[t.uri for t in pool] for pool in pools] == [["spotify:track:a"], ["spotify:track:c"]]


def test_match_mixes_every_pool_and_caps_the_list():
    pools = [tracks("a", 10), tracks("b", 10), tracks("c", 10)]
    chosen = choose(pools, Policy.MATCH, 6, rng=random.Random(1))
    assert len(chosen) == 6
    assert {t.uri[14] for t in chosen} == {"a", "b", "c"}


def test_lift_goes_through_the_pools_in_profile_order():
    comforting, brighter = tracks("comfort", 10), tracks("bright", 10)
    chosen = choose([comforting, brighter], Policy.LIFT, 8, rng=random.Random(2))
    stages = ["comfort" if t in comforting else "bright" for t in chosen]
    assert stages == ["comfort"] * 4 + ["bright"] * 4


def test_lift_passes_a_short_pool_share_on():
    chosen = choose([tracks("x", 1), tracks("y", 10)], Policy.LIFT, 6, rng=random.Random(3))
    assert len(chosen) == 6 and chosen[0].uri == "spotify:track:x0"


def test_recent_runs_are_not_repeated_while_others_exist():
    recommender = Recommender(items=5, avoid_recent=2, rng=random.Random(4))
    pool = [tracks("s", 15)]
    first, second, third = (set(t.uri for t in recommender.pick(pool, Policy.MATCH)) for _ in range(3))
    assert not first & second and not second & third and not first & third
    fourth = {t.uri for t in recommender.pick(pool, Policy.MATCH)}
    assert not fourth & (second | third)  # the first run has been forgotten (avoid_recent = 2)


def test_a_small_pool_repeats_rather_than_showing_a_short_list():
    recommender = Recommender(items=4, avoid_recent=3, rng=random.Random(5))
    pool = [tracks("s", 6)]
    recommender.pick(pool, Policy.MATCH)
    assert len(recommender.pick(pool, Policy.MATCH)) == 4


@pytest.fixture
def offline() -> OfflineMusic:
    return OfflineMusic(Config())


@pytest.mark.parametrize("emotion", KEYS)
def test_the_offline_catalogue_recommends_for_every_emotion(offline, emotion):
    result = offline.recommend(emotion)
    assert result.source == MusicBackendName.OFFLINE and result.emotion == emotion
    assert result.policy == Config().music.moods[emotion].policy
    assert len(result.tracks) == Config().music.items
    assert len({t.uri for t in result.tracks}) == len(result.tracks)
    for track in result.tracks:
        assert track.title and track.artists and track.uri.startswith(("spotify:track:", "spotify:search:"))


def test_every_emotion_has_at_least_ten_catalogue_songs():
    for emotion in KEYS:
        assert sum(len(stage) for stage in catalogue()[emotion]) >= 10


def test_every_offline_track_has_a_generated_tile_in_its_emotions_colour():
    for emotion in KEYS:
        colour = by_key(emotion).colour
        for track in (t for stage in catalogue()[emotion] for t in stage):
            prefix, _, data = track.artwork_url.partition(",")
            assert prefix == "data:image/svg+xml;base64"
            svg = base64.b64decode(data, validate=True).decode()
            assert svg.startswith("<svg") and f'stop-color="{colour}"' in svg
            assert urllib.parse.quote(track.artwork_url, safe=";,/?:@&=+$-_.!~*'()#") == track.artwork_url  # encodeURI
    assert len({catalogue()[e][0][0].artwork_url for e in KEYS}) == len(KEYS)  # one tile per mood


def test_offline_lift_starts_with_the_comforting_songs(offline):
    comfort = {t.uri for t in catalogue()["sad"][0]}
    result = offline.recommend("sad")  # sad lifts by default
    assert result.policy == Policy.LIFT
    assert [t.uri in comfort for t in result.tracks] == [True] * 4 + [False] * 4


def test_offline_runs_vary(offline):
    first = {t.uri for t in offline.recommend("happy").tracks}
    second = {t.uri for t in offline.recommend("happy").tracks}
    assert first != second


def test_demo_player_keeps_its_state_and_says_it_is_a_demo(offline):
    tracks_ = offline.recommend("neutral").tracks
    state = offline.play(tracks_[2].uri)
    assert state.playing and state.track == tracks_[2] and "Demo" in state.message
    assert offline.next().track == tracks_[3]
    assert offline.previous().track == tracks_[2]
    assert offline.pause().playing is False
    assert offline.play().playing is True  # resume
    assert offline.set_volume(30).volume == 30
    assert offline.state().volume == 30


def test_demo_player_explains_what_it_cannot_do(offline):
    with pytest.raises(MusicError) as nothing:
        offline.play()
    assert nothing.value.code == ErrorCode.NOTHING_TO_PLAY
    with pytest.raises(MusicError) as loud:
        offline.set_volume(101)
    assert loud.value.status == 400


def test_the_offline_backend_has_no_login(offline):
    with pytest.raises(MusicError) as error:
        offline.login_url()
    assert error.value.code == ErrorCode.SPOTIFY_NOT_CONFIGURED and "spotify.client_id" in error.value.message
    offline.logout()  # harmless


def test_factory_chooses_offline_without_a_client_id_or_in_demo(tmp_path):
    assert create_music(Config()).account.status().backend == MusicBackendName.OFFLINE
    configured = parse(f'[spotify]\nclient_id = "abc"\n[service]\nstate_dir = "{tmp_path}"\n')
    assert create_music(configured).account.status().backend == MusicBackendName.SPOTIFY
    assert create_music(configured.replace("service", demo=True)).account.status().backend == MusicBackendName.OFFLINE


def test_an_explicit_backend_is_used_in_demo_mode_too():
    """Demo mode keeps "auto" offline; a backend named in the configuration is what the owner configured."""
    demo = parse('[service]\ndemo = true\n[spotify]\nclient_id = "abc"\n')
    assert backend_name(demo) == "offline"
    for name in ("mpd", "spotify", "offline"):
        assert backend_name(demo.replace("music", backend=name)) == name


def test_the_spotify_backend_without_a_client_id_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match=r'spotify.client_id: music.backend = "spotify" needs'):
        parse('[music]\nbackend = "spotify"\n[spotify]\nclient_id = "  "\n')
    assert parse('[music]\nbackend = "spotify"\n[spotify]\nclient_id = "abc"\n').music.backend == "spotify"
