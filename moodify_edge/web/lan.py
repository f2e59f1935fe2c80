"""This machine's address on the LAN, for the pairing link a phone opens."""

from __future__ import annotations

import socket


def lan_address() -> str:
    """This machine's address on the LAN, as phones would reach it (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
