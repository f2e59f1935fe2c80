"""The MPD backend against a real MPD (Debian's ``mpd``, started here on a loopback port with a null output
over generated, tagged FLAC files; see :mod:`mpd_server`): every mood profile, playback confirmed by MPD's own
status, now-playing events from MPD's idle, artwork, and the faults (MPD down or restarted, wrong password,
empty folder, unreadable or deleted file)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import mpd
import numpy as np
import pytest
from browser.stack import LAN_ADDRESS, demo_config
from helpers import client_from, error_of, next_event
from mpd_server import Library, MpdServer, corrupt, make_library, require_tools, write_flac

from moodify_edge.config import Config
from moodify_edge.contract import ErrorCode, EventType, MusicBackendName
from moodify_edge.doctor import check_mpd
from moodify_edge.emotions import KEYS
from moodify_edge.events import EventBus
from moodify_edge.mood import Policy
from moodify_edge.music import MusicBackend, MusicError
from moodify_edge.music.factory import create_music


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    require_tools()
    return make_library(tmp_path_factory.mktemp("library"))


@pytest.fixture(scope="module")
def server(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MpdServer]:
    with MpdServer(tmp_path_factory.mktemp("mpd"), library) as running:
        yield running


def mpd_config(port: int, state_dir: Path, **mpd_settings: Any) -> Config:
    config = demo_config(state_dir).replace("music", backend="mpd")
    return config.replace("mpd", port=port, **mpd_settings)


@pytest.fixture
def config(server: MpdServer, tmp_path: Path) -> Config:
    return mpd_config(server.port, tmp_path / "state")


@pytest.fixture
def music(config: Config) -> Iterator[MusicBackend]:
    backend = create_music(config)
    yield backend
    backend.close()


def status_of(server: MpdServer) -> tuple[dict[str, Any], dict[str, Any], int]:
    """MPD's own word: its status, current song and queue length, from a client of the test's own."""
    client = mpd.MPDClient()
    client.timeout = 5
    client.connect("127.0.0.1", server.port)
    try:
        if server.password:
            client.password(server.password)
        return client.status(), client.currentsong(), len(client.playlistinfo())
    finally:
        client.disconnect()


def with_profile(config: Config, emotion: str, **profile: Any) -> Config:
    moods = dict(config.music.moods)
    moods[emotion] = replace(moods[emotion], **profile)
    return config.replace("music", moods=moods)


@pytest.mark.parametrize("emotion", KEYS)
def test_every_mood_profile_recommends_from_its_own_folder(music, library, emotion):
    recommendations = music.source.recommend(emotion)
    assert recommendations.source == MusicBackendName.MPD
    assert sorted(t.uri for t in recommendations.tracks) == sorted(library.moods[emotion])
    first = recommendations.tracks[0]
    assert first.title.startswith(emotion.title()) and first.artists == [f"{emotion.title()} Band"]
    assert first.duration_ms == 30_000 and first.artwork_url.startswith("/api/artwork?uri=moods%2F")


def test_playlists_and_genres_widen_a_profile(config, library):
    config = with_profile(config, "neutral", library=["Sunny Mix"], genres=["ballad"], policy=Policy.LIFT)
    backend = create_music(config)
    uris = [t.uri for t in backend.source.recommend("neutral").tracks]
    sunny = library.moods["happy"][:2] + library.moods["surprise"][:1]
    assert sorted(uris[:3]) == sorted(sunny)  # lift: the playlist (first in the profile) first
    assert sorted(uris[3:]) == sorted(library.moods["sad"])  # then the genre "Ballad", case-insensitive


def test_runs_vary_and_the_last_runs_are_not_repeated(config):
    backend = create_music(config.replace("music", items=1, avoid_recent=2))
    picks = [backend.source.recommend("happy").tracks[0].uri for _ in range(3)]
    assert len(set(picks)) == 3


def test_an_empty_or_missing_folder_says_which(config):
    backend = create_music(with_profile(config, "sad", library=["moods/empty", "moods/nowhere"]))
    with pytest.raises(MusicError) as caught:
        backend.source.recommend("sad")
    assert caught.value.code == ErrorCode.NO_MUSIC and caught.value.status == 404
    assert "'moods/empty'" in caught.value.message and "'moods/nowhere' not found" in caught.value.message


def test_play_queues_the_whole_list_and_mpd_confirms_each_control(music, server):
    tracks = music.source.recommend("surprise").tracks
    state = music.player.play(tracks[1].uri)
    status, current, queued = status_of(server)
    assert status["state"] == "play" and current["file"] == tracks[1].uri and queued == len(tracks)
    assert state.playing and state.track is not None and state.track.uri == tracks[1].uri

    assert not music.player.pause().playing and status_of(server)[0]["state"] == "pause"
    assert music.player.play().playing and status_of(server)[0]["state"] == "play"
    assert music.player.next().track.uri == tracks[2].uri == status_of(server)[1]["file"]
    assert music.player.previous().track.uri == tracks[1].uri == status_of(server)[1]["file"]
    assert music.player.set_volume(35).volume == 35 and status_of(server)[0]["volume"] == "35"
    assert music.player.state().device == f"MPD at 127.0.0.1:{server.port}"
    music.player.pause()


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("http://127.0.0.1:9/stream.mp3", ErrorCode.BAD_URI),
        ("file:///etc/passwd", ErrorCode.BAD_URI),
        ("/etc/passwd", ErrorCode.BAD_URI),
        ("moods/happy/not-there.flac", ErrorCode.UNKNOWN_TRACK),
    ],
)
def test_only_files_of_the_library_can_be_played(music, uri, code):
    with pytest.raises(MusicError) as caught:
        music.player.play(uri)
    assert caught.value.code == code


def test_a_file_of_the_library_outside_the_list_plays_alone(music, server, library):
    music.player.play(library.with_cover)
    _, current, queued = status_of(server)
    assert current["file"] == library.with_cover and queued == 1
    music.player.pause()


def test_now_playing_changes_are_pushed_from_mpds_idle_events(config, server, library):
    bus = EventBus()
    with bus.subscribe() as events:
        backend = create_music(config, bus)
        try:
            assert next_event(events, EventType.PLAYER) is not None  # the state on connection
            other = mpd.MPDClient()  # another MPD client (a phone app, mpc) changes the music
            other.connect("127.0.0.1", server.port)
            other.clear()
            other.add(library.moods["fear"][0])
            other.play(0)
            other.disconnect()
            while (event := next_event(events, EventType.PLAYER)) is not None:
                track = event["data"]["track"] if "data" in event else event["track"]
                if track and track["uri"] == library.moods["fear"][0]:
                    break
            assert event is not None, "no player event named the song another client started"
            backend.player.pause()
        finally:
            backend.close()


def player_event_payload(event: dict[str, Any]) -> dict[str, Any]:
    return event.get("data", event)


def test_an_unreadable_file_is_reported_with_its_code_and_the_kiosk_goes_on(config, library, tmp_path):
    base = tmp_path / "mpd"
    with MpdServer(base, library) as server:
        corrupt(library, library.broken)
        config = with_profile(config.replace("mpd", port=server.port), "neutral", library=["broken"])
        bus = EventBus()
        with bus.subscribe() as events:
            backend = create_music(config, bus)
            try:
                tracks = backend.source.recommend("neutral").tracks
                assert [t.uri for t in tracks] == [library.broken]
                backend.player.play(library.broken)
                error = next_event(events, EventType.ERROR)
                assert error is not None, "MPD's playback error was not reported"
                assert str(error).count("track_unreadable") == 1 and library.broken in str(error)
                assert backend.source.recommend("happy").tracks  # the kiosk keeps working
                playing = backend.player.play(library.moods["happy"][0]).track
                assert playing is not None and playing.uri == library.moods["happy"][0]
                backend.player.pause()
            finally:
                backend.close()


def test_a_file_deleted_mid_play_is_reported_and_playback_moves_on(config, library, tmp_path):
    doomed = library.root / "moods/angry/angry-2.flac"
    with MpdServer(tmp_path / "mpd", library) as server:
        bus = EventBus()
        with bus.subscribe() as events:
            backend = create_music(config.replace("mpd", port=server.port), bus)
            try:
                backend.source.recommend("angry")
                backend.player.play("moods/angry/angry-0.flac")
                doomed.unlink()  # deleted while the queue still holds it
                backend.player.play("moods/angry/angry-2.flac")
                error = next_event(events, EventType.ERROR)
                assert error is not None and "track_unreadable" in str(error) and "angry-2.flac" in str(error)
                assert backend.player.play("moods/angry/angry-1.flac").playing
                backend.player.pause()
            finally:
                backend.close()
                write_flac(doomed, "Angry song 2", "Angry Band", "Angry Album")  # the library is shared


def test_mpd_restarted_is_reported_then_reconnected_by_itself(config, library, tmp_path):
    with MpdServer(tmp_path / "mpd", library) as server:
        bus = EventBus()
        with bus.subscribe() as events:
            backend = create_music(config.replace("mpd", port=server.port), bus)
            try:
                first = next_event(events, EventType.PLAYER)
                assert first is not None and player_event_payload(first)["available"]
                backend.player.state()
                server.stop()
                with pytest.raises(MusicError) as caught:
                    backend.player.state()
                assert caught.value.code == ErrorCode.MPD_UNAVAILABLE and caught.value.status == 503
                assert not backend.account.status().logged_in
                down = next_event(events, EventType.PLAYER)
                assert down is not None and not player_event_payload(down)["available"]
                server.start()
                up = next_event(events, EventType.PLAYER, timeout=30)
                assert up is not None and player_event_payload(up)["available"]
                assert backend.player.state().available  # the request connection reconnects too
                assert backend.account.status().logged_in
            finally:
                backend.close()


def test_a_silent_server_is_given_up_within_the_budget(tmp_path):
    """A peer that accepts and never answers: the request thread waits no longer than timeout_seconds."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        config = mpd_config(silent.getsockname()[1], tmp_path / "state", timeout_seconds=0.5)
        backend = create_music(config)
        started = time.monotonic()
        with pytest.raises(MusicError) as caught:
            backend.player.state()
        took = time.monotonic() - started
        assert caught.value.code == ErrorCode.MPD_UNAVAILABLE
        assert took < 2.0, f"waited {took:.2f} s with a 0.5 s budget"  # a hang would be unbounded


def test_a_waiting_request_gives_up_rather_than_queue_behind_a_stuck_one(tmp_path):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        backend = create_music(mpd_config(silent.getsockname()[1], tmp_path / "state", timeout_seconds=0.5))
        errors: list[ErrorCode] = []

        def ask() -> None:
            try:
                backend.player.state()
            except MusicError as exc:
                errors.append(exc.code)

        threads = [threading.Thread(target=ask) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        assert errors == [ErrorCode.MPD_UNAVAILABLE] * 3


def test_mpd_not_running_is_a_clear_code(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = create_music(mpd_config(port, tmp_path / "state"))
    with pytest.raises(MusicError) as caught:
        backend.source.recommend("happy")
    assert caught.value.code == ErrorCode.MPD_UNAVAILABLE and "cannot be reached" in caught.value.message


def test_a_wrong_password_is_named_and_the_right_one_works(library, tmp_path):
    with MpdServer(tmp_path / "mpd", library, password="s3cret") as server:
        wrong = create_music(mpd_config(server.port, tmp_path / "state", password="guess"))
        with pytest.raises(MusicError) as caught:
            wrong.player.state()
        assert caught.value.code == ErrorCode.MPD_PASSWORD and "mpd.password" in caught.value.message
        none = create_music(mpd_config(server.port, tmp_path / "state"))
        with pytest.raises(MusicError) as caught:
            none.source.recommend("happy")
        assert caught.value.code == ErrorCode.MPD_PASSWORD
        right = create_music(mpd_config(server.port, tmp_path / "state", password="s3cret"))
        assert right.source.recommend("happy").tracks


def decoded(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_artwork_from_the_file_or_its_folder_resized_else_a_generated_tile(music, library):
    assert music.artwork is not None
    embedded = decoded(music.artwork.artwork(library.embedded))
    assert embedded.shape == (300, 300, 3) and embedded[150, 150].tolist() == pytest.approx([40, 160, 240], abs=6)
    covered = decoded(music.artwork.artwork(library.with_cover))
    assert covered.shape == (300, 300, 3) and covered[150, 150].tolist() == pytest.approx([200, 60, 60], abs=6)
    tile = decoded(music.artwork.artwork(library.bare))
    assert tile.shape == (300, 300, 3) and tile.std() > 5  # a drawn tile, not a flat colour
    with pytest.raises(MusicError) as caught:
        music.artwork.artwork("http://example.com/cover.jpg")
    assert caught.value.code == ErrorCode.BAD_URI


def test_artwork_is_served_to_the_kiosk_and_not_to_an_unpaired_phone(build, config, library):
    stack = build(config)
    url = "/api/artwork?uri=" + library.embedded.replace("/", "%2F")
    answer = client_from(stack.app).get(url)
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg" and decoded(answer.data).shape[0] == 300
    refused = client_from(stack.app, LAN_ADDRESS).get(url)
    assert refused.status_code == 403 and error_of(refused)["code"] == "pairing_required"
    assert error_of(client_from(stack.app).get("/api/artwork"))["code"] == "bad_uri"


def test_a_detection_run_on_the_astronaut_ends_with_mpd_playing_a_happy_song(build, config, server, library):
    stack = build(config.replace("detection", frames=8))
    stack.controller.trigger()
    stack.controller.join(60)
    result = stack.controller.snapshot().result
    assert result is not None and result.emotion == "happy"
    status, current, _ = status_of(server)
    assert status["state"] == "play" and current["file"] in library.moods["happy"]
    stack.controller.music.player.pause()


def test_doctor_checks_the_connection_and_that_every_mood_has_music(config, server):
    check = check_mpd(config)
    assert check.level == "ok" and "all 7 moods have music" in check.message
    empty = with_profile(config, "fear", library=["moods/empty"])
    check = check_mpd(empty)
    assert check.level == "warn" and "fear" in check.message and "moods/empty" in check.message


def test_doctor_says_when_mpd_cannot_be_reached(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    check = check_mpd(mpd_config(port, tmp_path / "state"))
    assert check.level == "warn" and "install-pi.sh --with-mpd" in check.message


def test_the_installer_with_mpd_sets_up_mpd_the_mood_folders_and_the_backend():
    import subprocess

    installer = Path(__file__).parent.parent / "scripts" / "install-pi.sh"
    result = subprocess.run(
        ["bash", str(installer), "--dry-run", "--with-mpd"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "apt-get install -y -qq mpd" in out and "[dry-run] write /etc/mpd.conf" in out
    assert '[dry-run]   | bind_to_address    "127.0.0.1"' in out and '[dry-run]   |   type        "alsa"' in out
    for emotion in KEYS:
        assert f"install -d -m 2775 -o mpd -g audio /var/lib/mpd/music/moods/{emotion}" in out
    assert '[dry-run]   | backend = "mpd"' in out


def test_the_spotify_backend_without_a_client_id_exits_78_naming_the_key(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "config.toml"
    path.write_text('[music]\nbackend = "spotify"\n')
    done = subprocess.run(
        [sys.executable, "-m", "moodify_edge", "--config", str(path), "doctor"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 78 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"moodify-edge: config error: {path}: spotify.client_id: ")
