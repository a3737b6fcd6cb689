"""Small HTTP servers for faults the simulated home-lab does not offer (127.0.0.1, free ports, own thread).

* :class:`EmptyPrometheus` answers every query successfully but with no series ("answering empty");
  with ``empty`` False it forwards to the lab's Prometheus, so the fault can be switched on and off.
* :class:`EchoLiteLLM` is a LiteLLM whose errors echo the key it was sent, as real LiteLLM's
  "Authentication Error ... Received API Key = ..." does: the dashboard must never show it.
"""

from __future__ import annotations

import asyncio
import threading

import aiohttp
from aiohttp import web


class _StubServer:
    def __init__(self) -> None:
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=type(self).__name__, daemon=True)
        self._runner: web.AppRunner | None = None

    def __enter__(self):
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError


class EmptyPrometheus(_StubServer):
    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.empty = True
        self._session: aiohttp.ClientSession | None = None

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        await super()._start()

    async def _stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        await super()._stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.empty and request.path.startswith("/api/v1/query"):
            kind = "matrix" if request.path.endswith("query_range") else "vector"
            return web.json_response({"status": "success", "data": {"resultType": kind, "result": []}})
        assert self._session is not None
        async with self._session.request(request.method, self.upstream + request.path_qs,
                                         data=await request.read()) as resp:
            return web.Response(status=resp.status, body=await resp.read(), content_type=resp.content_type)


class EchoLiteLLM(_StubServer):
    """Alive, ready, and every keyed call fails with ``status`` (401 or 500), echoing the key."""

    def __init__(self, status: int = 401) -> None:
        super().__init__()
        self.status = status
        self.seen_keys: list[str] = []

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/health/liveliness":
            return web.json_response("I'm alive!")
        if request.path == "/health/readiness":
            return web.json_response({"status": "healthy", "db": "Not connected"})
        auth = request.headers.get("Authorization", "")
        key = auth.removeprefix("Bearer ").strip()
        self.seen_keys.append(key)
        if self.status == 401:
            message = (f"Authentication Error, Invalid proxy server token passed. Received API Key = {key}, "
                       f"Key Hash (Token) = none. Unable to find token in cache or `LiteLLM_VerificationTokenTable`")
            body = {"error": {"message": message, "type": "auth_error", "param": "None", "code": "401"}}
        else:
            message = (f"litellm.InternalServerError: upstream said: request headers were "
                       f"{{'Authorization': '{auth}', 'api_key': '{key}'}}\nstack trace: Traceback ... {key}")
            body = {"error": {"message": message, "type": "None", "param": "None", "code": "500"}}
        return web.json_response(body, status=self.status)
