#!/usr/bin/env python3
"""Soak: many detection runs back to back on the real demo service, watching the process for growth.

Starts the service in demo mode (shipped faces as the camera, the real pipeline and model, the offline
music backend with its demo player, the web servers), then triggers ``--runs`` short runs one after another
through the controller, as the button would. Prints the resident memory (RSS), threads and open file
descriptors after a warm-up and at the end, and the growth per run.

    python scripts/bench_soak.py [--runs 600] [--frames 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from moodify_edge.config import Config
from moodify_edge.service import Service

WARM_UP_RUNS = 20


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def runs(service: Service, count: int) -> None:
    controller = service.controller
    for _ in range(count):
        controller.trigger()
        controller.join(30)


def snapshot(label: str) -> tuple[int, int, int]:
    figures = (rss_kib(), threading.active_count(), open_fds())
    print(f"{label}: RSS {figures[0] / 1024:.1f} MiB, {figures[1]} threads, {figures[2]} open fds")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=600, help="detection runs after the warm-up")
    parser.add_argument("--frames", type=int, default=5, help="frames per run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state_dir:
        config = Config().replace("service", demo=True, state_dir=state_dir)
        config = config.replace("detection", frames=args.frames).replace("web", port=0)
        service = Service(config)
        service.start()
        try:
            runs(service, WARM_UP_RUNS)
            before = snapshot(f"after {WARM_UP_RUNS} warm-up runs")
            started = time.monotonic()
            runs(service, args.runs)
            elapsed = time.monotonic() - started
            after = snapshot(f"after {args.runs} more runs ({elapsed:.0f} s)")
        finally:
            service.close()
    growth = (after[0] - before[0]) / 1024
    print(
        f"growth over {args.runs} runs: RSS {growth:+.2f} MiB ({growth * 1024 / args.runs:+.2f} KiB a run), "
        f"threads {after[1] - before[1]:+d}, fds {after[2] - before[2]:+d}"
    )


if __name__ == "__main__":
    main()
