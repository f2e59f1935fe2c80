"""The Raspberry Pi installer and kiosk launcher: shellcheck clean, and a dry run that shows every action
and changes nothing. (The real run happens in an arm64 Debian root filesystem; too slow for CI.)"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "scripts" / "install-pi.sh"
LAUNCHER = ROOT / "kiosk" / "launcher" / "moodify-kiosk.sh"
STARTING_PAGE = ROOT / "kiosk" / "launcher" / "starting.html"


def installer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INSTALLER), *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="apt package shellcheck not installed")
def test_scripts_are_shellcheck_clean():  # the launcher included
    helpers = [INSTALLER.parent / name for name in ("bootstrap.sh", "demo.sh", "test.sh")]
    result = subprocess.run(
        ["shellcheck", "-x", str(INSTALLER), str(LAUNCHER), *map(str, helpers)],
        capture_output=True,
        text=True,
        cwd=INSTALLER.parent,
    )
    assert result.returncode == 0, result.stdout


def test_dry_run_prints_every_action_and_changes_nothing():
    before = [
        Path(p).exists() for p in ("/opt/moodify-edge", "/etc/moodify-edge", "/etc/systemd/system/moodify-edge.service")
    ]
    result = installer("--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[dry-run] python3 -m venv --system-site-packages /opt/moodify-edge/venv" in out
    assert "/opt/moodify-edge/venv/bin/pip install" in out
    assert "[dry-run] write /etc/systemd/system/moodify-edge.service" in out
    assert "[dry-run] write /etc/systemd/user/moodify-kiosk.service" in out
    assert "[dry-run] write /opt/moodify-edge/kiosk/moodify-kiosk.sh" in out
    assert "[dry-run] write /opt/moodify-edge/kiosk/starting.html" in out  # beside the launcher, where it looks
    assert "[dry-run] write /etc/xdg/autostart/moodify-kiosk.desktop" in out
    assert "systemctl enable moodify-edge.service" in out
    assert "apt-get install" in out and "python3-systemd" in out
    assert [
        Path(p).exists() for p in ("/opt/moodify-edge", "/etc/moodify-edge", "/etc/systemd/system/moodify-edge.service")
    ] == before


def test_the_installed_config_lets_paired_phones_in():
    out = installer("--dry-run", "--no-kiosk").stdout
    if "kept the existing /etc/moodify-edge/config.toml" in out:
        pytest.skip("this machine already has an installed config")
    config = [line.removeprefix("[dry-run]   | ") for line in out.splitlines() if line.startswith("[dry-run]   | ")]
    web = config.index("[web]")
    assert 'host = "0.0.0.0"' in config[web : web + 4]
    assert "/etc/xdg/autostart/moodify-kiosk.desktop" not in out  # --no-kiosk: headless


def test_uninstall_dry_run_keeps_config_and_state_unless_purged():
    assert "kept /etc/moodify-edge" in installer("--uninstall", "--dry-run").stdout
    assert "kept" not in installer("--uninstall", "--purge", "--dry-run").stdout


def test_unknown_options_are_refused():
    result = installer("--frobnicate")
    assert result.returncode == 1 and "unknown option: --frobnicate" in result.stderr


def test_kiosk_browser_flags_leave_no_prompts_or_restore_bar():
    script = LAUNCHER.read_text()
    for flag in (
        "--kiosk",
        "--noerrdialogs",
        "--disable-infobars",
        "--password-store=basic",
        "--disable-session-crashed-bubble",
        "--hide-crash-restore-bubble",
        "--check-for-update-interval=31536000",
        "--no-first-run",
    ):
        assert flag in script


def launcher_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    """A browser stand-in on PATH that records how it was started (the real one needs a display)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    browser = bin_dir / "chromium"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "args"}\n')
    browser.chmod(0o755)
    env = os.environ | {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "MOODIFY_URL": f"http://127.0.0.1:{port}/",
        "MOODIFY_KIOSK_PROFILE": str(tmp_path / "profile"),
        **extra,
    }
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("DISPLAY", None)
    return env


def free_port() -> int:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return int(port)


def test_the_waiting_page_says_so_in_both_languages_and_moves_on_to_the_service():
    page = STARTING_PAGE.read_text(encoding="utf-8")
    assert "Starting Moodify Edge…" in page and "Moodify Edge를 시작하는 중…" in page
    assert "location.hash" in page and "location.replace(target)" in page  # polls the address it was given
    assert "http://" not in page.replace("http://127.0.0.1:5000/", "")  # nothing else is ever loaded


@pytest.mark.skipif(shutil.which("curl") is None, reason="apt package curl not installed")
def test_launcher_shows_the_waiting_page_while_the_service_starts(tmp_path):
    port = free_port()  # nothing answers
    env = launcher_env(tmp_path, port)
    result = subprocess.run(["bash", str(LAUNCHER)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    args = (tmp_path / "args").read_text().splitlines()
    assert args[:2] == ["--kiosk", f"file://{STARTING_PAGE}#http://127.0.0.1:{port}/"]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:  # the service answers already: straight to it
        result = subprocess.run(["bash", str(LAUNCHER)], env=env, capture_output=True, text=True, timeout=30)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "args").read_text().splitlines()[:2] == ["--kiosk", f"http://127.0.0.1:{port}/"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="apt package curl not installed")
def test_launcher_waits_for_the_service_cleans_the_crash_state_and_opens_the_kiosk(tmp_path):
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text('{"profile":{"exit_type":"Crashed","exited_cleanly":false}}')

    port = free_port()  # nothing answers yet and there is no waiting page: the launcher must wait
    env = launcher_env(
        tmp_path, port, MOODIFY_WAIT_SECONDS="60", MOODIFY_STARTING_PAGE=str(tmp_path / "no-such-page.html")
    )
    launcher = subprocess.Popen(["bash", str(LAUNCHER)], env=env, stderr=subprocess.PIPE, text=True)
    server = None
    try:
        time.sleep(2.0)
        assert launcher.poll() is None  # still waiting for the service
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        assert launcher.wait(timeout=30) == 0, launcher.stderr and launcher.stderr.read()
    finally:
        launcher.kill()
        if server is not None:
            server.shutdown()
    args = (tmp_path / "args").read_text().splitlines()
    assert args[:2] == ["--kiosk", f"http://127.0.0.1:{port}/"]
    assert f"--user-data-dir={profile}" in args and "--password-store=basic" in args
    assert (
        profile / "Default" / "Preferences"
    ).read_text() == '{"profile":{"exit_type":"Normal","exited_cleanly":true}}'


def test_with_raspotify_the_receiver_is_set_up_for_a_phone_login_without_a_shell():
    result = installer("--dry-run", "--no-kiosk", "--with-raspotify")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "apt-get install -y -qq raspotify" in out and "/etc/raspotify/conf" in out
    assert "DISABLE_DISCOVERY" in out and "DISABLE_CREDENTIAL_CACHE" in out  # both kept off: Zeroconf + cache
    assert "Spotify app" in out and "receiver_login_needed" in out
    assert "--enable-oauth" not in out and "sudo librespot" not in out  # no SSH step any more


def test_the_raspotify_conf_keeps_discovery_and_the_credentials_cache(tmp_path):
    conf = tmp_path / "conf"
    conf.write_text(
        'LIBRESPOT_NAME="raspotify (%H)"\n'
        "LIBRESPOT_DISABLE_DISCOVERY=\n"
        "LIBRESPOT_DISABLE_CREDENTIAL_CACHE=\n"
        "LIBRESPOT_ENABLE_OAUTH=\n"
        'LIBRESPOT_USERNAME="someone"\n'
        'LIBRESPOT_PASSWORD="secret"\n'
        "LIBRESPOT_BITRATE=320\n"
    )
    # The installer's own function, with its file writer replaced by a plain copy.
    script = (
        f'source <(sed -n "/^configure_raspotify()/,/^}}/p" {INSTALLER}); '
        'put() { cat > "$3"; }; run() { "$@"; }; done_list=(); configure_raspotify "$1" "A & B/C"'
    )
    result = subprocess.run(["bash", "-c", script, "bash", str(conf)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    lines = conf.read_text().splitlines()
    assert lines[0] == 'LIBRESPOT_NAME="A & B/C"'
    active = [line for line in lines if not line.startswith("#")]
    assert active == ['LIBRESPOT_NAME="A & B/C"', "LIBRESPOT_BITRATE=320"]
