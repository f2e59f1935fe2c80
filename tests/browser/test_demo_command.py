"""The README's demo command itself: ``scripts/demo.sh`` starts the service in demo mode, and in real
Chromium the kiosk page goes from the start button to a result with recommendations; SIGTERM ends it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import free_port

from .conftest import KIOSK

ROOT = Path(__file__).resolve().parents[2]


def wait_until_answering(url: str, process: subprocess.Popen, within: float = 180.0) -> None:
    """First runs of demo.sh install packages, so allow minutes; stop early if the process died."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"demo.sh exited with {process.returncode}:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url + "api/state", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {within:.0f} s")


@pytest.fixture
def demo_command(tmp_path):
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[service]\nstate_dir = "{tmp_path / "state"}"\n[detection]\nseconds = 2.0\n')
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "demo.sh"), "--port", str(port)],
        env={**os.environ, "MOODIFY_CONFIG": str(config)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_answering(url, process)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_demo_command_serves_the_whole_loop_and_stops_on_sigterm(demo_command, open_page, console):
    url, process = demo_command
    page = open_page(url, KIOSK)
    assert page.locator("#demo-badge").is_visible()
    page.get_by_role("button", name="Start Emotion Detection").tap()
    page.wait_for_selector("body[data-state=detecting]")
    page.wait_for_selector("body[data-state=result]", timeout=30000)
    page.locator(".rec").first.wait_for()
    assert page.locator("#result-label").inner_text() != ""
    assert console.errors == []

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
