"""The service as systemd runs it: a subprocess with NOTIFY_SOCKET and WATCHDOG_USEC, stopped by signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from moodify_edge.config import EX_CONFIG

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """``python -m moodify_edge run --demo`` under a fake systemd: a notify socket and a watchdog."""

    def __init__(self, tmp_path: Path, config_text: str | None = None) -> None:
        self.port = free_port()
        config = tmp_path / "config.toml"
        config.write_text(config_text or f'[service]\nstate_dir = "{tmp_path / "state"}"\n')
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(tmp_path / "notify.sock"))
        env = os.environ | {
            "NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
            "WATCHDOG_USEC": "500000",  # pings every 0.25 s
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("MOODIFY_CONFIG", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moodify_edge", "--config", str(config), "run", "--demo", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_for(self, key: str, timeout: float = 60.0) -> list[dict[str, str]]:
        """Notify messages up to and including the first that sets ``key``."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            self.notify.settimeout(0.5)
            try:
                data = self.notify.recv(4096)
            except TimeoutError:
                continue
            message = dict(line.split("=", 1) for line in data.decode().splitlines())
            seen.append(message)
            if key in message:
                return seen
        raise AssertionError(f"no {key}= from the service; it said: {seen}\n{self.output()}")

    def output(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        return self.process.communicate(timeout=10)[0]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.notify.close()


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path)
    yield d
    d.close()


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def test_ready_once_the_web_server_answers_then_watchdog_pings(daemon):
    ready = daemon.wait_for("READY")[-1]
    assert ready["READY"] == "1" and str(daemon.port) in ready["STATUS"]
    state = get(f"http://127.0.0.1:{daemon.port}/api/state")  # listening by the time READY=1 is sent
    assert state["demo"] is True and state["state"] == "idle"
    daemon.wait_for("WATCHDOG", timeout=5)
    daemon.wait_for("WATCHDOG", timeout=5)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_cleanly_with_exit_status_0(daemon, sig):
    daemon.wait_for("READY")
    daemon.process.send_signal(sig)
    assert daemon.wait_for("STOPPING")[-1]["STOPPING"] == "1"
    assert daemon.process.wait(timeout=5) == 0  # it releases everything within 1.8 s; 5 s leaves CI room
    output = daemon.output()
    assert f"{sig.name} received" in output and "stopped" in output
    assert "Traceback" not in output


def test_the_ready_log_line_names_the_url(daemon):
    daemon.wait_for("READY")
    daemon.process.send_signal(signal.SIGTERM)
    daemon.process.wait(timeout=30)
    assert f"ready at http://127.0.0.1:{daemon.port}/" in daemon.output()


def run_once(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moodify_edge", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_a_port_already_taken_is_a_failure_that_systemd_restarts(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[service]\nstate_dir = "{tmp_path}"\n')
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        status = run_once("--config", str(config), "run", "--demo", "--port", str(taken.getsockname()[1]))
    assert status.returncode not in (0, EX_CONFIG)  # Restart=on-failure applies
    assert "web.port" in status.stderr and "already in use" in status.stderr
    assert "Traceback" not in status.stderr
