"""Serve an aiohttp application on 127.0.0.1 (free port) from a background thread, for sync clients."""

from __future__ import annotations

import asyncio
import ssl
import threading
from contextlib import contextmanager
from typing import Iterator

from aiohttp import web


@contextmanager
def serve(app: web.Application, ssl_context: ssl.SSLContext | None = None, timeout: float = 10.0) -> Iterator[str]:
    """Yield the base URL of ``app`` running on its own event loop; stop it afterwards."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict = {}

    async def start() -> None:
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context).start()
        state["runner"], state["port"] = runner, runner.addresses[0][1]

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # noqa: BLE001 - reported below
            state["error"] = exc
        ready.set()
        if "error" not in state:
            loop.run_forever()
        loop.close()

    thread = threading.Thread(target=main, name="aio-test-server", daemon=True)
    thread.start()
    if not ready.wait(timeout):
        raise RuntimeError("test server did not start in time")
    if "error" in state:
        raise RuntimeError(f"test server failed to start: {state['error']}")
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{state['port']}"
    finally:
        asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
