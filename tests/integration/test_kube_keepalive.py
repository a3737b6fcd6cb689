"""The Kubernetes connections keep TCP keepalive on, so a watch whose connection died without a word (a dropped
NAT or Tailscale path) fails within about a minute instead of looking healthy until its read timeout."""

from __future__ import annotations

import socket

from homelab_tui.sources.kube_client import KubeTarget, load_kube_api
from homelab_tui.sources.tcp import KEEPALIVE_COUNT, KEEPALIVE_IDLE, KEEPALIVE_INTERVAL


def test_the_direct_transports_connections_have_keepalive_on(lab) -> None:
    api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 5)
    assert api.get("/version")
    pool = api._transport._pool.connection_from_url(api._transport.host)
    conn = pool.pool.get(block=False)  # the idle connection the request just returned
    try:
        sock = conn.sock
        assert sock is not None
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        if hasattr(socket, "TCP_KEEPIDLE"):  # Linux: dead within idle + interval × count = 60 s
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == KEEPALIVE_IDLE
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == KEEPALIVE_INTERVAL
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == KEEPALIVE_COUNT
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1  # urllib3's default kept
    finally:
        pool.pool.put(conn)
