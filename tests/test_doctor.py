"""`moodify-edge doctor`: one readable line per check, exit 1 only when the kiosk cannot work."""

from __future__ import annotations

import socket
import subprocess

import pytest
import requests
from fake_spotify import FakeSpotify
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from moodify_edge import doctor_system
from moodify_edge.config import Config
from moodify_edge.doctor import check_camera, check_kiosk, run_checks
from moodify_edge.doctor_system import korean_fonts
from moodify_edge.music.spotify import spotify_backend
from moodify_edge.service import Service


@pytest.fixture(autouse=True)
def only_our_services(monkeypatch):
    """Doctor looks for a running service on every loopback port; other tests' services on this machine must
    not count, so by default it finds none beyond the config's port."""
    monkeypatch.setattr(doctor_system, "listening_ports", lambda: iter(()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_setup(tmp_path, **camera) -> Config:
    return (
        Config()
        .replace("service", state_dir=str(tmp_path))
        .replace("camera", **({"source": "demo"} | camera))
        .replace("web", port=free_port())
    )


def lines_of(capsys) -> dict[str, str]:
    """The check lines by name: {"camera": "OK    camera   ...", ...}."""
    out = capsys.readouterr().out.splitlines()
    return {line[6:21].strip(): line for line in out if line[:4].strip() in ("OK", "WARN", "FAIL")}


def test_a_working_setup_passes_and_names_what_is_optional(tmp_path, capsys):
    assert run_checks(demo_setup(tmp_path)) == 0
    lines = lines_of(capsys)
    assert list(lines) == [
        "camera",
        "model",
        "gpio",
        "web port",
        "spotify",
        "connect device",
        "mpd",
        "kiosk screen",
        "korean fonts",
    ]
    assert lines["camera"].startswith("OK") and "demo faces" in lines["camera"]
    assert lines["model"].startswith("OK") and "classifies a test face" in lines["model"]
    assert lines["web port"].startswith("OK")
    assert lines["spotify"].startswith("WARN") and "spotify.client_id is empty" in lines["spotify"]
    assert lines["gpio"].startswith("WARN") and "no GPIO on this machine" in lines["gpio"]


def test_a_missing_camera_is_critical_and_says_what_to_do(tmp_path, capsys):
    assert run_checks(demo_setup(tmp_path, source=str(tmp_path / "missing.mp4"))) == 1
    camera = lines_of(capsys)["camera"]
    assert camera.startswith("FAIL") and "camera.source" in camera


def test_a_missing_model_is_critical(tmp_path, capsys):
    config = demo_setup(tmp_path).replace("model", path=str(tmp_path / "nothing.tflite"))
    assert run_checks(config) == 1
    assert lines_of(capsys)["model"].startswith("FAIL")


def test_a_port_taken_by_another_program_is_critical(tmp_path, capsys):
    config = demo_setup(tmp_path)
    with socket.socket() as other:
        other.bind(("127.0.0.1", config.web.port))
        other.listen()
        assert run_checks(config) == 1
    web = lines_of(capsys)["web port"]
    assert web.startswith("FAIL") and "change web.port" in web


def test_a_port_served_by_the_running_service_is_fine(tmp_path, capsys):
    config = demo_setup(tmp_path).replace("service", demo=True, state_dir=str(tmp_path))
    service = Service(config)
    try:
        service.start()
        assert service.feed.read(10.0) is not None  # the camera is up
        assert run_checks(config) == 0
    finally:
        service.close()
    lines = lines_of(capsys)
    assert "served by Moodify Edge" in lines["web port"]
    assert lines["camera"].startswith("OK") and "in use by the running service" in lines["camera"]


def test_gpio_is_ok_where_the_pins_exist(tmp_path, capsys):
    Device.pin_factory = MockFactory()
    try:
        run_checks(demo_setup(tmp_path))
    finally:
        Device.pin_factory.reset()
        Device.pin_factory = None
    assert lines_of(capsys)["gpio"].startswith("OK")


def test_spotify_configured_but_not_logged_in_tells_how_to_log_in(tmp_path, capsys):
    config = demo_setup(tmp_path).replace("spotify", client_id="0123456789abcdef", api_url="http://127.0.0.1:9/")
    assert run_checks(config) == 0
    lines = lines_of(capsys)
    assert lines["spotify"].startswith("WARN") and "log in to Spotify" in lines["spotify"]
    assert lines["connect device"].startswith("WARN")


@pytest.mark.parametrize("installed", [(), ("unit",), ("unit", "autostart")])
def test_the_kiosk_screen_is_installed_when_its_unit_and_autostart_are(tmp_path, installed):
    unit, autostart = tmp_path / "moodify-kiosk.service", tmp_path / "moodify-kiosk.desktop"
    for name in installed:
        (unit if name == "unit" else autostart).write_text("x")
    check = check_kiosk(unit, autostart)
    assert check.level == ("ok" if len(installed) == 2 else "warn")


@pytest.mark.parametrize("receiver_running", [True, False])
def test_the_connect_device_is_looked_up_by_name_at_spotify(tmp_path, capsys, receiver_running):
    fake = FakeSpotify().start()
    try:
        if receiver_running:
            fake.add_device("Moodify Edge")
        fake.add_device("Kitchen speaker")
        config = demo_setup(tmp_path).replace(
            "spotify", client_id=fake.client_id, api_url=fake.api_url, accounts_url=fake.url, device_name="Moodify Edge"
        )
        music = spotify_backend(config)
        login = requests.get(music.account.login_url(), allow_redirects=False, timeout=5)
        music.account.finish_login(login.headers["Location"])
        run_checks(config)
    finally:
        fake.stop()
    line = lines_of(capsys)["connect device"]
    if receiver_running:
        assert line.startswith("OK") and "“Moodify Edge” is visible to Spotify" in line
    else:
        assert line.startswith("WARN") and "is raspotify running" in line


def test_a_demo_service_running_on_another_port_is_not_a_camera_failure(tmp_path, capsys, monkeypatch):
    # `scripts/demo.sh --port N` runs while doctor reads the real config (another port, a real camera).
    demo = demo_setup(tmp_path).replace("service", demo=True, state_dir=str(tmp_path))
    service = Service(demo)
    try:
        service.start()
        assert service.feed.read(10.0) is not None
        real = demo_setup(tmp_path / "real", source=str(tmp_path / "no-camera.mp4"))
        monkeypatch.setattr(doctor_system, "listening_ports", lambda: iter([real.web.port, demo.web.port]))
        run_checks(real)
    finally:
        service.close()
    camera = lines_of(capsys)["camera"]
    assert camera.startswith("WARN") and f"demo service on port {demo.web.port}" in camera, camera


def test_a_camera_the_running_service_is_still_opening_is_not_a_failure(tmp_path):
    config = demo_setup(tmp_path)
    running = {"port": config.web.port, "camera": {"ok": False, "starting": True, "message": "starting"}}
    check = check_camera(config, running)
    assert check.level == "warn" and "still opening" in check.message


def fc_list(stdout: str):
    return lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, stdout, "")


def test_missing_korean_fonts_say_what_to_install():
    level, message = korean_fonts(fc_list(""))
    assert level == "warn" and "fonts-nanum" in message and "fonts-noto-cjk" in message
    level, message = korean_fonts(fc_list("NanumGothic,나눔고딕\nNoto Sans CJK KR\n"))
    assert level == "ok" and "NanumGothic" in message
