"""A simulated Kubernetes API server on 127.0.0.1 (TLS, token auth) on its own loop thread, for tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path
from typing import Callable, TypeVar

from aiohttp import web

from homelab_tui.demo.faults import ServerFaults
from homelab_tui.demo.kube_api import create_app
from homelab_tui.demo.life import Life
from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.store import ClusterStore
from homelab_tui.demo.tls import make_server_tls

T = TypeVar("T")
TOKEN = "test-token-0123456789"
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


class KubeServer:
    """``with KubeServer(tmp_path) as srv:`` — ``srv.store``, ``srv.faults``, ``srv.url``, ``srv.kubeconfig``."""

    def __init__(self, workdir: Path, *, life_step: float | None = 0.05, history: int = 2000,
                 objects: list[dict] | None = None) -> None:
        self.workdir = workdir
        self.store = ClusterStore(build_objects(NOW) if objects is None else objects, history=history)
        self.faults = ServerFaults("kubernetes")
        self.life_step = life_step
        self.tls = make_server_tls()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._life: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def ca_file(self) -> Path:
        return self.workdir / "ca.crt"

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the server's loop (Life and the handlers run there)."""
        async def run() -> T:
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def __enter__(self) -> "KubeServer":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ca_file.write_bytes(self.tls.ca_pem)
        ca_data = self.tls.certificate_authority_data
        self.kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: sim\n  cluster:\n    server: {self.url}\n    certificate-authority-data: {ca_data}\n"
            "contexts:\n- name: sim\n  context:\n    cluster: sim\n    user: admin\n"
            f"current-context: sim\nusers:\n- name: admin\n  user:\n    token: {TOKEN}\n", encoding="utf-8")
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(create_app(self.store, self.faults, TOKEN), shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.tls.context)
        await site.start()
        self.port = self._runner.addresses[0][1]
        if self.life_step is not None:
            self._life = asyncio.get_running_loop().create_task(Life(self.store, step=self.life_step).run())

    async def _stop(self) -> None:
        if self._life is not None:
            self._life.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
