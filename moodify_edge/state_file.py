"""State files: small files in the state directory (tokens, pairing secrets) written so that a power cut
keeps either the old content or the new, never half a file, and nobody else can read them.

:func:`write_atomic` writes a temporary file in the same directory (mode 0600), fsyncs it, renames it over
the target and fsyncs the directory. Temporary files a crash left behind are removed by
:func:`remove_leftovers`.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

MODE = 0o600


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably; the file is readable by its owner only."""
    temporary = _temporary(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, MODE)  # O_CREAT's mode is cut by the umask; an existing file keeps its own
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_leftovers(path: Path) -> None:
    """Delete temporary files of ``path`` left by a crash in the middle of :func:`write_atomic`."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)


def set_aside(path: Path, why: str) -> None:
    """Rename a damaged state file to ``<name>.bad`` (replacing an older one) and say so in the log."""
    bad = path.with_name(path.name + ".bad")
    path.replace(bad)
    log.warning("%s: %s; moved aside to %s, starting without it", path, why, bad.name)
