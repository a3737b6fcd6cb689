"""A TCP proxy on 127.0.0.1 that can go silent: while frozen its sockets stay open and no byte moves either
way, as when a k3s server hangs or loses power behind a NAT that keeps the connection (review conc #1)."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path


class FreezeProxy:
    """``with FreezeProxy(target_port) as proxy:`` — ``proxy.port``; ``freeze()`` and ``thaw()``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._flowing = threading.Event()
        self._flowing.set()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    def kubeconfig(self, original: Path, dest: Path) -> Path:
        """A copy of ``original`` whose server is this proxy (same host, so its TLS certificate still fits)."""
        text = re.sub(r"(server: https://127\.0\.0\.1:)\d+", rf"\g<1>{self.port}", original.read_text())
        dest.write_text(text, encoding="utf-8")
        return dest

    def __enter__(self) -> "FreezeProxy":
        threading.Thread(target=self._accept, name="freeze-proxy", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()
        self._flowing.set()
        with self._lock:
            for s in self._sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                return
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                self._flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
