"""The LiteLLM source on a recorded litellm 1.106.0 proxy with one answer changed to what a recording lacks:
a readiness that is not healthy, an HTML page or a redirect where liveliness should be, a slow ``/health``
or a proxy that does not answer in time. Every other path answers as the real proxy did."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

from homelab_tui.config import LiteLLMSettings, Settings
from homelab_tui.model.metrics import LiteLLMData, TierHealth
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.sources.litellm import LiteLLMSource
from tests.integration.aio_server import serve
from tests.integration.test_litellm_recordings import KEY, VOLATILE, recording
from tests.pki import TestCA

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROUTES = {"/health/liveliness": "liveliness", "/health/readiness": "readiness", "/health": "health",
          "/v1/models": "v1_models", "/model/info": "model_info"}


async def recorded(request: web.Request) -> web.Response:
    """What the real proxy answered in the ``all_up`` state (GET only: no chat is sent here)."""
    status, headers, body = recording("all_up", ROUTES[request.path])
    return web.Response(status=status, body=body, headers={k: v for k, v in headers.items()
                                                           if k.lower() not in VOLATILE})


def proxy(**changed: Handler) -> web.Application:
    """The recorded proxy, with the answers of ``changed`` (keyed by ROUTES name) replaced; another name
    (``login=...``) adds the path ``/login``."""
    by_path = {path: changed.get(name, recorded) for path, name in ROUTES.items()}
    by_path.update({f"/{name}": handler for name, handler in changed.items() if name not in ROUTES.values()})

    async def handler(request: web.Request) -> web.StreamResponse:
        return await by_path[request.path](request)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    return app


def read(app: web.Application, timeout: float = 5.0, tls: ssl.SSLContext | None = None,
         ca_bundle: str = "") -> tuple[str, Snapshot[LiteLLMData]]:
    with serve(app, ssl_context=tls) as url:
        settings = LiteLLMSettings(url=url, timeout=timeout, ca_bundle=ca_bundle)
        src = LiteLLMSource(Settings(litellm=settings), KEY)
        try:
            return url, src.refresh()
        finally:
            src.close()


def test_a_readiness_answer_that_is_not_healthy_is_not_ready() -> None:
    """LiteLLM's readiness says 200 with the state in the body: "unhealthy" (its DB is down) is not ready."""
    async def unhealthy(_: web.Request) -> web.Response:
        return web.json_response({"status": "unhealthy", "db": "Not connected"})

    _, snap = read(proxy(readiness=unhealthy))
    assert snap.ok and snap.data.alive and not snap.data.ready
    assert snap.data.readiness == {"status": "unhealthy", "db": "Not connected"}


def test_an_html_page_answering_liveliness_is_not_a_live_proxy() -> None:
    """A default backend or captive portal answers 200 with HTML: not a LiteLLM, so nothing is known."""
    async def portal(_: web.Request) -> web.Response:
        return web.Response(text="<html><body>default backend</body></html>", content_type="text/html")

    _, snap = read(proxy(liveliness=portal))
    assert snap.error == "/health/liveliness: HTTP 200, answer is not JSON" and snap.data is None


async def recorded_liveliness(_: web.Request) -> web.Response:
    status, _, body = recording("all_up", "liveliness")
    return web.Response(status=status, body=body, content_type="application/json")


def test_a_redirect_is_not_followed() -> None:
    """An SSO gateway redirecting the probe elsewhere is not the proxy saying it is alive."""
    async def sso(_: web.Request) -> web.Response:
        raise web.HTTPFound("/login")

    _, snap = read(proxy(liveliness=sso, login=recorded_liveliness))
    assert snap.error == "/health/liveliness: 302: no error message"
    assert snap.data is not None and not snap.data.alive


def test_the_full_health_may_take_longer_than_the_cheap_calls() -> None:
    """``/health`` waits on every upstream (a cold Ollama load): the 2 s timeout of the cheap calls is not its."""
    async def slow_health(request: web.Request) -> web.Response:
        await asyncio.sleep(3.5)
        return await recorded(request)

    _, snap = read(proxy(health=slow_health), timeout=2.0)
    assert snap.ok and snap.data.health_error == ""
    assert {h.health for h in snap.data.aliases.values()} == {TierHealth.HEALTHY}


def test_a_proxy_behind_tls_that_does_not_answer_in_time_says_timed_out(tmp_path: Path) -> None:
    """Over TLS the socket's own words are "The read operation timed out": the error says it one way."""
    ca = TestCA()
    issued = ca.server()
    for name, pem in (("ca.pem", ca.pem), ("cert.pem", issued.cert_pem), ("key.pem", issued.key_pem)):
        (tmp_path / name).write_bytes(pem)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")

    async def hanging(request: web.Request) -> web.Response:
        await asyncio.sleep(5.0)
        return await recorded(request)

    url, snap = read(proxy(liveliness=hanging), timeout=2.0, tls=tls, ca_bundle=str(tmp_path / "ca.pem"))
    assert url.startswith("https://")
    assert snap.error == f"LiteLLM unreachable: timed out ({url})"
