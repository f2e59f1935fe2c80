"""The unit files as systemd sees them: `systemd-analyze verify` is clean, the service's exposure is ≤ 1.5 and it
has caps on memory and tasks.

`verify` also checks that ExecStart= points at an executable; the installed path (/opt/moodify-edge/...)
does not exist here, so each unit is checked in a temporary copy whose ExecStart= names /bin/true.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from moodify_edge.config import EX_CONFIG

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "systemd" / "moodify-edge.service"
KIOSK = ROOT / "kiosk" / "launcher" / "moodify-kiosk.service"

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="apt package systemd not installed")


def unit_settings(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path)
    return parser


def runnable_copy(unit: Path, tmp_path: Path) -> Path:
    copy = tmp_path / unit.name
    copy.write_text(re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", unit.read_text(), flags=re.M))
    return copy


def analyze(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60, env=os.environ | env)


def test_service_unit_verifies_clean(tmp_path):
    result = analyze("verify", str(runnable_copy(SERVICE, tmp_path)))
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_kiosk_user_unit_verifies_clean(tmp_path):
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    result = analyze("verify", "--user", str(runnable_copy(KIOSK, tmp_path)), XDG_RUNTIME_DIR=str(runtime))
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_service_exposure_is_at_most_1_5(tmp_path):
    result = analyze("security", "--offline=yes", "--threshold=15", str(runnable_copy(SERVICE, tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    exposure = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout).group(1))
    assert exposure <= 1.5, result.stdout


def test_service_memory_and_tasks_are_capped_with_room_for_what_it_runs():
    service = unit_settings(SERVICE)["Service"]
    memory = re.fullmatch(r"(\d+)M", service["MemoryMax"])
    assert memory and 256 <= int(memory.group(1)) <= 1024  # ~130 MB resident; a 2 GB Pi 4 keeps most of its memory
    # 23 threads idle, about 50 with the LAN listener, Spotify, a run and one LiteRT/OpenCV worker per core
    assert 64 <= int(service["TasksMax"]) <= 256


def test_service_is_a_notify_daemon_with_a_watchdog_that_config_errors_do_not_restart():
    service = unit_settings(SERVICE)["Service"]
    assert service["Type"] == "notify"
    assert int(service["WatchdogSec"]) > 0
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == str(EX_CONFIG)  # a config error exits 78: no restart loop


def test_service_keeps_its_state_and_config_where_the_code_looks():
    service = unit_settings(SERVICE)["Service"]
    assert service["StateDirectory"] == "moodify-edge"  # config.state_path() reads $STATE_DIRECTORY
    assert service["ConfigurationDirectory"] == "moodify-edge"  # config.DEFAULT_PATH is /etc/moodify-edge/config.toml


def test_kiosk_browser_is_restarted_whatever_way_it_ends():
    assert unit_settings(KIOSK)["Service"]["Restart"] == "always"


MDWE = """
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit(77)
os.execv(sys.executable, [sys.executable, "-m", "moodify_edge", "detect", "--source", "demo", "--max-frames", "15"])
"""


def test_detection_runs_without_writable_executable_memory():
    # MemoryDenyWriteExecute=yes in the unit: the kernel's own W^X switch (Linux ≥ 6.3) does the same here.
    result = subprocess.run([sys.executable, "-c", MDWE], capture_output=True, text=True, timeout=120, cwd=ROOT)
    if result.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE")
    assert result.returncode == 0, result.stderr
    assert "frames" in result.stdout
