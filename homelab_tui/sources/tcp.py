"""TCP keepalive for the Kubernetes connections: a watch whose connection died silently (a NAT or Tailscale path
that dropped it, a peer that lost power) fails within about a minute instead of waiting out its read timeout.

Without it, a dead watch of a quiet resource (nodes, StorageClasses) would look open and healthy for up to
``watch_timeout`` + 15 s while the API server itself answers the liveness probe (ADR-002).
"""

from __future__ import annotations

import socket

#: seconds idle before the first probe, seconds between probes, unanswered probes before the kernel gives up
KEEPALIVE_IDLE = 30
KEEPALIVE_INTERVAL = 10
KEEPALIVE_COUNT = 3


def keepalive_options() -> list[tuple[int, int, int]]:
    """Socket options for urllib3 (``socket_options``): its defaults (TCP_NODELAY) plus keepalive, with the
    timings on platforms that have them (Linux; macOS has TCP_KEEPALIVE for the idle time)."""
    options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1), (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    idle = getattr(socket, "TCP_KEEPIDLE", None) or getattr(socket, "TCP_KEEPALIVE", None)
    for name, value in ((idle, KEEPALIVE_IDLE), (getattr(socket, "TCP_KEEPINTVL", None), KEEPALIVE_INTERVAL),
                        (getattr(socket, "TCP_KEEPCNT", None), KEEPALIVE_COUNT)):
        if name is not None:
            options.append((socket.IPPROTO_TCP, name, value))
    return options
