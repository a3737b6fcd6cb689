"""The simulated LiteLLM proxy: status codes, headers and bodies as litellm 1.106.0 answers them.

Backends follow the simulated cluster: ``vllm-qwen`` is up iff ``ml/vllm-server`` has ready
replicas, ``vllm-r1`` iff ``ml/vllm-r1``, ``ollama-qwen`` iff ``ml/ollama``. ``openai-gpt4o`` is
simulated and never contacts anything; it is up unless a test sets ``app[STATE_KEY].openai_up``.

Routes: ``/health/liveliness``, ``/health/readiness`` (no key), ``/health`` (key; 401 without,
400 "No connected db." for any key other than the master key, as a proxy without a database
answers), ``/v1/models`` and ``/models``, ``/model/info`` and ``/v1/model/info``, and
``/v1/chat/completions`` and ``/chat/completions`` with the fallback chain
``vllm-qwen -> ollama-qwen -> openai-gpt4o``.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from homelab_tui.config import InferenceSettings
from homelab_tui.demo import litellm_bodies as bodies
from homelab_tui.demo.faults import ServerFaults, fault_middleware

#: simulated upstream latency per provider (seconds)
_LATENCY = {"hosted_vllm": 0.03, "ollama_chat": 0.12, "openai": 0.08}
_SECURITY_HEADERS = {"vary": "Origin", "x-frame-options": "DENY",
                     "content-security-policy": "frame-ancestors 'none'", "x-content-type-options": "nosniff"}


@dataclass
class LiteLLMSimState:
    """Switches tests can flip; the cluster decides everything else."""

    openai_up: bool = True


STATE_KEY = web.AppKey("litellm_state", LiteLLMSimState)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=json.dumps(body, separators=(",", ":")).encode(), status=status,
                        headers={**(headers or {}), "content-type": "application/json"})


def create_app(store: Any, faults: ServerFaults, master_key: str) -> web.Application:
    """The simulated LiteLLM proxy over ``store`` (a :class:`homelab_tui.demo.store.ClusterStore`)."""
    app = web.Application(middlewares=[fault_middleware(faults)])
    state = LiteLLMSimState()
    app[STATE_KEY] = state
    backends = {b.alias: b for b in InferenceSettings().backends}

    async def add_headers(_: web.Request, response: web.StreamResponse) -> None:
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)

    app.on_response_prepare.append(add_headers)

    def upstream(alias: str) -> tuple[bool, str]:
        """(reachable, the IP LiteLLM would name in its connection error)."""
        if alias == "openai-gpt4o":
            return state.openai_up, "162.159.140.245"
        b = backends.get(alias)
        if b is None or not b.deployment:
            return False, "0.0.0.0"
        dep = store.get("deployments", b.namespace, b.deployment) or {}
        svc = store.get("services", b.namespace, b.deployment) or {}
        ip = svc.get("spec", {}).get("clusterIP") or "10.43.0.10"
        return (dep.get("status", {}).get("readyReplicas") or 0) > 0, ip

    def auth_error(request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else header.strip()
        key = key or request.headers.get("x-litellm-api-key", "").strip()
        if not key:
            return _json(bodies.NO_KEY, 401)
        if key != master_key:
            return _json(bodies.NO_DB, 400)
        return None

    async def liveliness(request: web.Request) -> web.Response:
        faults.count(f"{request.method} liveliness")
        return _json("I'm alive!")

    async def readiness(request: web.Request) -> web.Response:
        faults.count(f"{request.method} readiness")
        return _json({"status": "healthy", "db": "Not connected"})

    async def health(request: web.Request) -> web.Response:
        faults.count(f"{request.method} health")
        if (denied := auth_error(request)) is not None:
            return denied
        states = {m.alias: upstream(m.alias) for m in bodies.MODELS}
        await asyncio.sleep(max(_LATENCY[m.provider] for m in bodies.MODELS))  # it calls every model
        return _json(bodies.health_body(states))

    async def models(request: web.Request) -> web.Response:
        faults.count(f"{request.method} models")
        return auth_error(request) or _json(bodies.models_body())

    async def model_info(request: web.Request) -> web.Response:
        faults.count(f"{request.method} model_info")
        return auth_error(request) or _json(bodies.model_info_body())

    async def chat(request: web.Request) -> web.Response:
        faults.count(f"{request.method} chat")
        if (denied := auth_error(request)) is not None:
            return denied
        try:
            payload = await request.json()
            requested = str(payload["model"])
            max_tokens = int(payload.get("max_tokens") or 16)
        except (ValueError, KeyError, TypeError):
            return _json(bodies.error_body("Invalid request body: expected JSON with 'model' and 'messages'",
                                           "invalid_request_error", 400, "None"), 400)
        if requested not in bodies.BY_ALIAS:
            return _json(bodies.error_body(
                f"/chat/completions: Invalid model name passed in model={requested}. "
                "Call `/v1/models` to view available models for your key.", "invalid_request_error", 400,
                "model"), 400)
        started = time.perf_counter()
        tried: list[tuple[bodies.SimModel, str]] = []
        alias: str | None = requested
        while alias is not None:
            m = bodies.BY_ALIAS[alias]
            ok, ip = upstream(alias)
            await asyncio.sleep(_LATENCY[m.provider] if ok else 0.005)
            if ok:
                duration = (time.perf_counter() - started) * 1000.0
                return _json(bodies.chat_body(requested, m, max_tokens),
                             headers=bodies.chat_headers(m, len(tried), duration))
            tried.append((m, ip))
            alias = next(iter(bodies.FALLBACKS.get(alias, ())), None)
        body, headers = bodies.chat_failure(requested, tried)
        return _json(body, 500, headers)

    app.router.add_get("/health/liveliness", liveliness)
    app.router.add_get("/health/readiness", readiness)
    app.router.add_get("/health", health)
    for path, handler in (("/v1/models", models), ("/models", models), ("/model/info", model_info),
                          ("/v1/model/info", model_info)):
        app.router.add_get(path, handler)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/chat/completions", chat)
    return app

