"""The command line: exit statuses and the one-line messages a person sees."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from helpers import DATA, free_port

from moodify_edge import __version__

EX_CONFIG = 78


def moodify(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moodify_edge", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_version_prints_the_package_version():
    done = moodify("version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"moodify-edge {__version__}"


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("moodify-edge")
    done = subprocess.run([str(script), "version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and __version__ in done.stdout


def test_unknown_key_exits_78_with_one_line_naming_file_and_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[camera]\nresolution = 'hd'\n")
    for command in (["run"], ["detect"], ["doctor"]):
        done = moodify("--config", str(path), *command)
        assert done.returncode == EX_CONFIG, command
        assert done.stderr == f"moodify-edge: config error: {path}: camera.resolution: unknown key\n"
        assert "Traceback" not in done.stderr


def test_wrong_type_and_out_of_range_exit_78(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[detection]\nseconds = 'five'\n")
    done = moodify("--config", str(path), "run")
    assert done.returncode == EX_CONFIG
    assert "detection.seconds: expected a number, got 'five'" in done.stderr
    path.write_text("[web]\nport = 0\n")
    done = moodify("--config", str(path), "run")
    assert done.returncode == EX_CONFIG
    assert "web.port: 0 is below the minimum 1" in done.stderr


def test_missing_config_file_exits_78_from_flag_and_environment(tmp_path):
    absent = tmp_path / "nope.toml"
    done = moodify("--config", str(absent), "run")
    assert (done.returncode, done.stderr) == (
        EX_CONFIG,
        f"moodify-edge: config error: {absent}: config file not found\n",
    )
    env = {**__import__("os").environ, "MOODIFY_CONFIG": str(absent)}
    done = moodify("run", env=env)
    assert done.returncode == EX_CONFIG and "config file not found" in done.stderr


def test_bad_port_on_the_command_line_exits_78():
    done = moodify("run", "--demo", "--port", "99999")
    assert done.returncode == EX_CONFIG
    assert done.stderr.strip() == "moodify-edge: config error: command line: web.port: 99999 is above the maximum 65535"


def test_usage_errors_exit_2():
    assert moodify().returncode == 2
    assert moodify("dance").returncode == 2


def start_problem(tmp_path: Path, toml: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.toml"
    path.write_text(toml + f"[web]\nport = {free_port()}\n")
    return moodify("--config", str(path), "run", "--demo")


def one_config_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == EX_CONFIG, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "config error" in line]
    return line


def test_a_model_file_litert_cannot_load_exits_78_naming_the_key(tmp_path):
    bad = tmp_path / "emotion.tflite"
    bad.write_bytes(b"not a flatbuffer\n")
    line = one_config_line(start_problem(tmp_path, f"[model]\npath = '{bad}'\n[service]\nstate_dir = '{tmp_path}'\n"))
    assert f"model.path: cannot load {bad}" in line


def test_an_unusable_state_directory_exits_78_naming_the_path(tmp_path):
    blocker = tmp_path / "state"
    blocker.write_text("")
    line = one_config_line(start_problem(tmp_path, f"[service]\nstate_dir = '{blocker}'\n"))
    assert f"service.state_dir: {blocker} is a file, not a directory" in line
    state = tmp_path / "real-state"
    (state / "web-pairing.json").mkdir(parents=True)
    line = one_config_line(start_problem(tmp_path, f"[service]\nstate_dir = '{state}'\n"))
    assert f"{state / 'web-pairing.json'} is a directory" in line


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf[web]\nport = 99999\n")  # read: so its error is about the value
    done = moodify("--config", str(path), "run")
    assert (done.returncode, done.stderr) == (
        EX_CONFIG,
        f"moodify-edge: config error: {path}: web.port: 99999 is above the maximum 65535\n",
    )


# ------------------------------------------------------------------------------------- newcomer traps (#13)
ROOT = Path(__file__).resolve().parents[1]


def demo_file(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[service]\nstate_dir = '{tmp_path / 'state'}'\n[camera]\nsource = 'demo'\n[web]\nport = {port}\n")
    return path


def test_config_goes_before_or_after_the_command(tmp_path):
    path = demo_file(tmp_path, free_port())
    for args in (("doctor", "--config", str(path)), ("--config", str(path), "doctor")):
        done = moodify(*args)
        assert done.stdout.startswith(f"Moodify Edge doctor (config: {path})"), (args, done.stdout, done.stderr)


def test_a_busy_port_is_one_line_naming_web_port_and_exit_69(tmp_path):
    port = free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))
        other.listen()
        done = moodify("run", "--demo", "--config", str(demo_file(tmp_path, port)))
    assert done.returncode == 69, done.stderr
    assert "Traceback" not in done.stderr
    problem = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert len(problem) == 1 and "web.port" in problem[0] and str(port) in problem[0]


def test_commands_are_quiet_and_count_frames_in_good_english(tmp_path):
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((240, 320, 3), 128, np.uint8))
    done = moodify("detect", "--source", str(blank), "--max-frames", "1")
    assert (done.returncode, done.stdout) == (0, "No face seen in 1 frame\n")
    assert "XNNPACK" not in done.stderr and done.stderr == ""
    face = moodify("detect", "--source", str(DATA / "astronaut.png"))  # an image is one frame
    assert face.stdout.endswith(" in 1 of 1 frame\n") and face.stderr == ""
    doctor = moodify("doctor", "--config", str(demo_file(tmp_path, free_port())))
    assert "XNNPACK" not in doctor.stdout + doctor.stderr


def test_the_demo_command_prints_the_port_it_really_uses(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "demo.sh"), "--port", str(port)],
        env={
            **os.environ,
            "MOODIFY_VENV": str(Path(sys.executable).parent.parent),
            "MOODIFY_CONFIG": str(demo_file(tmp_path, 5999)),
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        while line and "open http" not in line:
            line = process.stdout.readline()
    finally:
        process.terminate()
        process.wait(10)
    assert f"open http://127.0.0.1:{port} " in line, line
