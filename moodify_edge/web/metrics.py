"""``GET /metrics``: the kiosk's Prometheus metrics (:mod:`moodify_edge.metrics`), and who may read them.

The kiosk itself and paired phones may; so may the addresses and networks in ``metrics.addresses`` (a
Prometheus server, say). Anyone else on the LAN gets ``403 pairing_required``, as for the API.
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, Flask, Response, current_app, request

from ..config import Config, ConfigError
from ..contract import ErrorCode
from ..controller import Controller
from ..metrics import CONTENT_TYPE, KioskMetrics
from .access import is_paired
from .errors import ApiError
from .streams import StreamSlots

bp = Blueprint("metrics", __name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def scrapers(config: Config) -> tuple[Network, ...]:
    """``metrics.addresses`` as networks; one that is no address or network is a :class:`ConfigError`."""
    networks = []
    for i, text in enumerate(config.metrics.addresses):
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError as exc:
            raise ConfigError(f"metrics.addresses[{i}]: {text!r} is not an IP address or network") from exc
    return tuple(networks)


def listed(address: str | None, networks: tuple[Network, ...]) -> bool:
    """Whether ``address`` lies in one of ``networks``."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def install(app: Flask, controller: Controller, config: Config) -> None:
    """Count ``controller``'s events into the app's metrics and serve them at ``/metrics``."""
    slots: dict[str, StreamSlots] = app.extensions["moodify.streams"]
    app.extensions["moodify.metrics"] = KioskMetrics(
        controller.bus, lambda: {str(name): len(s) for name, s in slots.items()}
    )
    app.extensions["moodify.scrapers"] = scrapers(config)
    app.register_blueprint(bp)


@bp.get("/metrics")
def scrape() -> Response:
    if not (is_paired() or listed(request.remote_addr, current_app.extensions["moodify.scrapers"])):
        raise ApiError(ErrorCode.PAIRING_REQUIRED, "Metrics are for the kiosk, paired phones and metrics.addresses.")
    metrics: KioskMetrics = current_app.extensions["moodify.metrics"]
    return Response(metrics.render(), content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
