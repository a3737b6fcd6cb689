"""Fault injection for the simulated home-lab's servers.

Each server (``kubernetes``, ``prometheus``, ``litellm``) has one :class:`ServerFaults`.
Tests set them from Python; ``demo-server`` exposes them over its control URL.
The aiohttp :func:`fault_middleware` applies latency, forced statuses and
malformed bodies; the Kubernetes API reads ``drop_watches_epoch``,
``watch_gone``, ``watch_status`` and ``watch_close`` itself; "down" is real (the
listening socket is closed) and is handled by :class:`homelab_tui.demo.runner.DemoLab`.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class ServerFaults:
    name: str
    down: bool = False
    #: seconds added before every answer
    latency: float = 0.0
    #: answer every request with this HTTP status (e.g. 403, 500); 0 = off
    status: int = 0
    #: only apply ``status`` to paths containing this substring ("" = every path)
    status_path: str = ""
    #: only apply ``status`` to requests with this HTTP method, e.g. "PATCH" ("" = every method)
    status_method: str = ""
    #: answer 200 with a body that is not valid JSON
    malformed: bool = False
    #: incremented to end every open watch stream at once
    drop_watches_epoch: int = 0
    #: answer watches with an ERROR event carrying a 410 Gone Status
    watch_gone: bool = False
    #: answer watch requests (only) with this HTTP status, e.g. 410 or 500; 0 = off
    watch_status: int = 0
    #: answer every watch with 200 and end its stream at once, sending nothing (a proxy that cuts watches)
    watch_close: bool = False
    #: requests seen, keyed by "METHOD kind" (kind: list, watch, get, patch, ...)
    requests: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, key: str) -> None:
        with self.lock:
            self.requests[key] += 1

    def reset(self) -> None:
        self.down = False
        self.latency = 0.0
        self.status = 0
        self.status_path = ""
        self.status_method = ""
        self.malformed = False
        self.watch_gone = False
        self.watch_status = 0
        self.watch_close = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "down": self.down,
            "latency": self.latency,
            "status": self.status,
            "status_path": self.status_path,
            "status_method": self.status_method,
            "malformed": self.malformed,
            "watch_gone": self.watch_gone,
            "watch_status": self.watch_status,
            "watch_close": self.watch_close,
            "drop_watches_epoch": self.drop_watches_epoch,
            "requests": dict(self.requests),
        }


class Faults:
    """All servers' fault switches."""

    SERVERS = ("kubernetes", "prometheus", "litellm", "ollama")

    def __init__(self) -> None:
        self.servers: dict[str, ServerFaults] = {n: ServerFaults(n) for n in self.SERVERS}

    def __getitem__(self, name: str) -> ServerFaults:
        return self.servers[name]

    def reset(self) -> None:
        for s in self.servers.values():
            s.reset()


_REASONS = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
    410: "Gone", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
}


def status_body(code: int, message: str, reason: str | None = None, details: dict | None = None) -> dict:
    """A Kubernetes ``Status`` object."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason or _REASONS.get(code, "Unknown"),
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def fault_middleware(faults: ServerFaults):
    """aiohttp middleware applying latency, forced status and malformed answers."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path.startswith("/-/control"):
            return await handler(request)
        if faults.latency > 0:
            await asyncio.sleep(faults.latency)
        if faults.status and (not faults.status_path or faults.status_path in request.path) \
                and (not faults.status_method or faults.status_method.upper() == request.method):
            code = faults.status
            if faults.name == "kubernetes":
                return web.json_response(status_body(code, f"injected fault: {code}"), status=code)
            if faults.name == "prometheus":
                return web.json_response(
                    {"status": "error", "errorType": "server_error", "error": f"injected fault: {code}"},
                    status=code)
            return web.json_response({"error": {"message": f"injected fault: {code}", "type": "None",
                                                 "param": "None", "code": str(code)}}, status=code)
        if faults.malformed:
            return web.Response(status=200, text='{"kind": "Lis', content_type="application/json")
        return await handler(request)

    return middleware
