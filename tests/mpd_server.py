"""A real MPD for the tests: Debian's ``mpd`` on a loopback port with a null audio output, over a temporary
music directory of short generated FLAC files with tags (made here with Python's ``wave`` and ``flac``).

:func:`make_library` writes the files (one folder per mood, a stored playlist, an embedded picture, a
``cover.png`` and an unreadable file); :class:`MpdServer` starts, restarts and stops the daemon. When ``mpd``
or ``flac`` is missing, :func:`require_tools` fails the test with what to install (never hangs)."""

from __future__ import annotations

import math
import shutil
import socket
import subprocess
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import free_port

from moodify_edge.emotions import KEYS

TOOLS = {"mpd": "mpd", "flac": "flac", "metaflac": "flac"}  # program → Debian package
SECONDS = 30  # long enough to be still playing while a test looks; the null output plays in real time
RATE = 8000
GENRES = {"happy": "Pop", "sad": "Ballad", "neutral": "Jazz"}


def require_tools() -> None:
    """Fail (not skip, not hang) when a program the MPD tests drive is missing."""
    missing = sorted({package for program, package in TOOLS.items() if shutil.which(program) is None})
    if missing:
        pytest.fail(
            f"the MPD tests need Debian's {' and '.join(missing)}: apt-get install -y {' '.join(missing)} "
            "(scripts/test.sh installs them when run as root)",
            pytrace=False,
        )


def _wav(path: Path, pitch: float) -> None:
    frames = RATE * SECONDS
    samples = (800 * np.sin(2 * math.pi * pitch * np.arange(frames) / RATE)).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())


def write_flac(path: Path, title: str, artist: str, album: str, genre: str = "", picture: Path | None = None) -> None:
    """A tagged FLAC file of a quiet tone, ``SECONDS`` long."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wav = path.with_suffix(".wav")
    _wav(wav, 220 + (sum(map(ord, title)) % 400))
    tags = [f"--tag=TITLE={title}", f"--tag=ARTIST={artist}", f"--tag=ALBUM={album}"]
    if genre:
        tags.append(f"--tag=GENRE={genre}")
    if picture is not None:
        tags.append(f"--picture={picture}")
    subprocess.run(["flac", "--silent", "--force", "-0", *tags, "-o", str(path), str(wav)], check=True)
    wav.unlink()


def write_png(path: Path, colour: tuple[int, int, int], size: int = 600) -> None:
    image = np.zeros((size, size, 3), np.uint8)
    image[:] = colour
    cv2.imwrite(str(path), image)


@dataclass
class Library:
    """What :func:`make_library` wrote: the music directory and, per mood folder, its files (MPD URIs)."""

    root: Path
    moods: dict[str, list[str]] = field(default_factory=dict)
    playlist: str = "Sunny Mix"
    embedded: str = ""  # a file with an embedded picture
    with_cover: str = ""  # a file whose folder has cover.png
    bare: str = ""  # a file with no artwork at all
    broken: str = ""  # a file for the tests to corrupt after the scan (see :func:`corrupt`)


def make_library(root: Path, per_mood: int = 3) -> Library:
    """One folder per mood under ``moods/`` (``per_mood`` tagged files each), an empty folder, a folder with
    a file to corrupt, and a playlist file (``Sunny Mix``) for ``playlists/``."""
    library = Library(root / "music")
    picture = root / "embedded.png"
    write_png(picture, (40, 160, 240))
    for emotion in KEYS:
        files = []
        for i in range(per_mood):
            uri = f"moods/{emotion}/{emotion}-{i}.flac"
            first = emotion == "happy" and i == 0
            write_flac(
                library.root / uri,
                f"{emotion.title()} song {i}",
                f"{emotion.title()} Band",
                f"{emotion.title()} Album",
                GENRES.get(emotion, ""),
                picture if first else None,
            )
            files.append(uri)
        library.moods[emotion] = files
    library.embedded = library.moods["happy"][0]
    write_flac(library.root / "extra/covered/c.flac", "Covered", "Cover Band", "Covered Album", "Pop")
    write_png(library.root / "extra/covered/cover.png", (200, 60, 60))
    library.with_cover = "extra/covered/c.flac"
    library.bare = library.moods["sad"][0]
    (library.root / "moods/empty").mkdir(parents=True)
    library.broken = "broken/noise.flac"
    write_flac(library.root / library.broken, "Noise", "Nobody", "Broken", "Noise")
    return library


def corrupt(library: Library, uri: str) -> None:
    """Overwrite a file MPD has already scanned with bytes no decoder reads (an unreadable file)."""
    (library.root / uri).write_bytes(b"not audio at all\n" * 64)


class MpdServer:
    """Debian's mpd on 127.0.0.1:<port> over ``library``, with a null output and a software mixer."""

    def __init__(self, base: Path, library: Library, password: str = "") -> None:
        require_tools()
        self.base = base
        self.library = library
        self.port = free_port()
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None
        (base / "playlists").mkdir(parents=True, exist_ok=True)
        mood_files = library.moods["happy"][:2] + library.moods["surprise"][:1]
        (base / "playlists" / f"{library.playlist}.m3u").write_text("\n".join(mood_files) + "\n")
        self.conf = base / "mpd.conf"
        lines = [
            f'music_directory "{library.root}"',
            f'playlist_directory "{base / "playlists"}"',
            f'db_file "{base / "database"}"',
            f'state_file "{base / "state"}"',
            f'log_file "{base / "log"}"',
            'bind_to_address "127.0.0.1"',
            f'port "{self.port}"',
            'auto_update "no"',
            'audio_output {\n  type "null"\n  name "Null"\n  mixer_type "software"\n}',
        ]
        if password:
            lines.append(f'password "{password}@read,add,control,admin"')
            lines.append('default_permissions ""')
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self) -> MpdServer:
        """Start mpd in the foreground (a child of the test) and wait until it answers and has scanned the
        music directory (``update`` then ``idle database``)."""
        self.process = subprocess.Popen(
            ["mpd", "--no-daemon", "--stderr", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                pytest.fail(f"mpd exited at start ({self.process.returncode}): {err[-800:]}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"mpd did not listen on port {self.port} within 20 s", pytrace=False)
                time.sleep(0.05)
        self._scan()
        return self

    def _scan(self) -> None:
        import mpd

        client = mpd.MPDClient()
        client.timeout = 20
        client.connect("127.0.0.1", self.port)
        if self.password:
            client.password(self.password)
        client.update()
        deadline = time.monotonic() + 20
        while client.status().get("updating_db") and time.monotonic() < deadline:
            time.sleep(0.02)  # setup only: MPD scans a few dozen files in well under a second
        client.disconnect()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> MpdServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
