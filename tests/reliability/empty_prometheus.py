"""A Prometheus that answers every query successfully but empty (no series), in front of the lab's.

While ``empty`` is False it forwards each query to the lab's simulated Prometheus, so a test can
switch the "answering empty" fault on and off on a running dashboard. Binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import asyncio
import threading

import aiohttp
from aiohttp import web


class EmptyPrometheus:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.empty = True
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="empty-prometheus", daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    def __enter__(self) -> "EmptyPrometheus":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def _stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if self.empty and request.path.startswith("/api/v1/query"):
            kind = "matrix" if request.path.endswith("query_range") else "vector"
            return web.json_response({"status": "success", "data": {"resultType": kind, "result": []}})
        assert self._session is not None
        async with self._session.request(request.method, self.upstream + request.path_qs,
                                         data=await request.read()) as resp:
            return web.Response(status=resp.status, body=await resp.read(), content_type=resp.content_type)
