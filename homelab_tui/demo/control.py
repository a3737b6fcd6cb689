"""The control URL of the simulated home-lab: fault injection and request counters over HTTP.

    GET  /-/control                      every server's faults and request counters
    POST /-/control/faults/{server}      JSON {down, latency, status, status_path, status_method, malformed,
                                              watch_gone}
    POST /-/control/drop-watches         end every open Kubernetes watch stream
    POST /-/control/reset                clear every fault (servers come back up)

``server`` is one of kubernetes, prometheus, litellm, ollama.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from homelab_tui.demo.runner import DemoLab

_FIELDS: dict[str, type] = {
    "latency": float, "status": int, "status_path": str, "status_method": str, "malformed": bool,
    "watch_gone": bool, "watch_status": int, "watch_close": bool,
}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def create_control_app(lab: "DemoLab") -> web.Application:
    app = web.Application()

    async def state(_: web.Request) -> web.Response:
        return web.json_response({name: f.as_dict() for name, f in lab.faults.servers.items()})

    async def set_faults(request: web.Request) -> web.Response:
        server = request.match_info["server"]
        if server not in lab.faults.servers:
            return _error(404, f"unknown server {server!r}")
        try:
            body: Any = await request.json()
        except ValueError:
            return _error(400, "body must be a JSON object")
        if not isinstance(body, dict):
            return _error(400, "body must be a JSON object")
        faults = lab.faults[server]
        for key, value in body.items():
            if key == "down":
                continue
            kind = _FIELDS.get(key)
            if kind is None:
                return _error(400, f"unknown fault {key!r} (known: down, {', '.join(_FIELDS)})")
            if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                return _error(400, f"{key}: expected {kind.__name__}")
            if key in ("status", "watch_status") and value != 0 and not 100 <= value <= 599:
                return _error(400, f"{key}: expected an HTTP status 100-599 (0 clears it)")
        for key, value in body.items():
            if key != "down":
                setattr(faults, key, float(value) if _FIELDS[key] is float else value)
        if "down" in body:
            if not isinstance(body["down"], bool):
                return _error(400, "down: expected bool")
            await lab._set_down(server, body["down"])  # noqa: SLF001 - same package, on the lab's loop
        return web.json_response(faults.as_dict())

    async def drop_watches(_: web.Request) -> web.Response:
        lab.faults["kubernetes"].drop_watches_epoch += 1
        await asyncio.sleep(0)
        return web.json_response({"drop_watches_epoch": lab.faults["kubernetes"].drop_watches_epoch})

    async def reset(_: web.Request) -> web.Response:
        for name in lab.faults.servers:
            if lab.faults[name].down:
                await lab._set_down(name, False)  # noqa: SLF001
        lab.faults.reset()
        return web.json_response({name: f.as_dict() for name, f in lab.faults.servers.items()})

    app.router.add_get("/-/control", state)
    app.router.add_post("/-/control/faults/{server}", set_faults)
    app.router.add_post("/-/control/drop-watches", drop_watches)
    app.router.add_post("/-/control/reset", reset)
    return app
