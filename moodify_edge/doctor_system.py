"""What ``moodify-edge doctor`` asks the machine: a Moodify Edge service already running here (on the config's
``web.port``, else on any other loopback port, e.g. a demo started with ``--port``), and Korean fonts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

PROC_TCP = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
LISTEN = "0A"
LOOPBACK_HEX = {"0100007F", "00000000", "00000000000000000000000001000000", "00000000000000000000000000000000"}
MAX_PROBES = 32
FONT_PACKAGES = "fonts-nanum (or fonts-noto-cjk)"


def running_service(port: int, timeout: float = 3.0) -> dict[str, Any] | None:
    """The state of the Moodify Edge service answering on ``port`` (with ``"port"`` added), or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/state", timeout=timeout) as response:
            if response.headers.get("Server") != "moodify-edge":
                return None
            state = json.load(response)
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return {**state, "port": port} if isinstance(state, dict) else None


def listening_ports(tables: tuple[Path, ...] = PROC_TCP) -> Iterator[int]:
    """TCP ports something listens on for loopback (its own address or a wildcard), from /proc/net/tcp*."""
    seen: set[int] = set()
    for table in tables:
        try:
            rows = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 4 or fields[3] != LISTEN:
                continue
            address, _, port_hex = fields[1].partition(":")
            port = int(port_hex, 16)
            if address in LOOPBACK_HEX and port not in seen:
                seen.add(port)
                yield port


def any_running_service(port: int, ports: Callable[[], Iterator[int]] | None = None) -> dict[str, Any] | None:
    """The service on ``port``, else the first one found on another loopback port (a few probes at most;
    ``ports``: where to look, :func:`listening_ports` by default)."""
    found = running_service(port)
    if found is not None:
        return found
    for index, other in enumerate(p for p in (ports or listening_ports)() if p != port):
        if index >= MAX_PROBES:
            break
        found = running_service(other, timeout=1.0)
        if found is not None:
            return found
    return None


def korean_fonts(run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run) -> tuple[str, str]:
    """("ok" | "warn", message): whether fontconfig knows a font with Korean glyphs (else the kiosk's Korean
    shows as boxes)."""
    if shutil.which("fc-list") is None and run is subprocess.run:
        return (
            "warn",
            f"fc-list not found: cannot check for Korean fonts → sudo apt-get install fontconfig {FONT_PACKAGES}",
        )
    try:
        done = run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        return "warn", f"fc-list failed ({exc}): cannot check for Korean fonts"
    families = sorted({line.split(",")[0].strip() for line in done.stdout.splitlines() if line.strip()})
    if not families:
        return "warn", f"no Korean font: Korean text shows as boxes → sudo apt-get install {FONT_PACKAGES}"
    more = f" and {len(families) - 1} more" if len(families) > 1 else ""
    return "ok", f"{families[0]}{more}"
