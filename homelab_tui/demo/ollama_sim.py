"""A simulated Ollama (``/api/ps``, ``/api/tags``, ``/api/version``) that follows ``ml/ollama``.

qwen3:4b is loaded while the ``ollama`` deployment has a ready pod; with none, the service has no
endpoints and the simulated answer is a 503, as a Service without endpoints would leave a client with
no server to talk to (the dashboard shows the error and keeps the last known list).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Callable

from aiohttp import web

from homelab_tui.demo.faults import ServerFaults, fault_middleware

MODEL = {
    "name": "qwen3:4b",
    "model": "qwen3:4b",
    "size": 3_400_000_000,
    "digest": "e55aed6fe643f9368b2f48f8aaa56ec787b75765da69f794c0a0c4bfb2f21f1c",
    "details": {"parent_model": "", "format": "gguf", "family": "qwen3", "families": ["qwen3"],
                "parameter_size": "4.0B", "quantization_level": "Q4_K_M"},
    "size_vram": 0,  # CPU inference on k3s-worker-02
}


def _ready(store: Any) -> bool:
    dep = store.get("deployments", "ml", "ollama")
    return bool(dep and (dep.get("status") or {}).get("readyReplicas"))


def create_app(store: Any, faults: ServerFaults, clock: Callable[[], float] = time.time) -> web.Application:
    app = web.Application(middlewares=[fault_middleware(faults)])

    def unavailable() -> web.Response:
        return web.json_response({"error": "no endpoints available for service \"ollama\""}, status=503)

    async def ps(_: web.Request) -> web.Response:
        faults.count("GET ps")
        if not _ready(store):
            return unavailable()
        expires = dt.datetime.fromtimestamp(clock() + 300, dt.timezone.utc).isoformat()
        return web.json_response({"models": [{**MODEL, "expires_at": expires}]})

    async def tags(_: web.Request) -> web.Response:
        faults.count("GET tags")
        if not _ready(store):
            return unavailable()
        return web.json_response({"models": [{k: v for k, v in MODEL.items() if k != "size_vram"}]})

    async def version(_: web.Request) -> web.Response:
        return web.json_response({"version": "0.12.3"})

    app.router.add_get("/api/ps", ps)
    app.router.add_get("/api/tags", tags)
    app.router.add_get("/api/version", version)
    return app
