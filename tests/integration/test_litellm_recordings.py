"""The LiteLLM source on what a real proxy answered, and the simulated proxy compared with it.

``tests/fixtures/litellm-proxy-1.106.0/`` (a copy of ``shared/fixtures``) holds a real litellm 1.106.0
proxy's answers in three states. A tiny server replays them (status, headers, body) for the
source; the simulated proxy, put in the same states through the cluster, must answer with the
same status codes, header names and body keys, and the source must read the same tier states
from both.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from homelab_tui.config import LiteLLMSettings, Settings
from homelab_tui.demo.faults import ServerFaults
from homelab_tui.demo.litellm_sim import STATE_KEY, create_app
from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.store import ClusterStore
from homelab_tui.model.metrics import TierHealth
from homelab_tui.sources.litellm import LiteLLMSource
from tests.integration.aio_server import serve

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "litellm-proxy-1.106.0"
KEY = "sk-homelab-test"
H, U = TierHealth.HEALTHY, TierHealth.UNHEALTHY
ALIASES = ("vllm-qwen", "vllm-r1", "ollama-qwen", "openai-gpt4o")
EXPECTED = {
    "all_up": {"vllm-qwen": H, "vllm-r1": H, "ollama-qwen": H, "openai-gpt4o": H},
    "vllm_down": {"vllm-qwen": U, "vllm-r1": H, "ollama-qwen": H, "openai-gpt4o": H},
    "all_down": {"vllm-qwen": U, "vllm-r1": U, "ollama-qwen": U, "openai-gpt4o": U},
}
#: headers that differ per request or per upstream, not per proxy behaviour
VOLATILE = {"date", "content-length", "server"}


def recording(state: str, what: str) -> tuple[int, dict[str, str], bytes]:
    body = (RECORDINGS / f"{state}__{what}.json").read_bytes()
    head = RECORDINGS / f"{state}__{what}.json.headers"
    if not head.exists():  # health_wrongkey has no header file: status from the body, headers as the 401's
        status = int(json.loads(body)["error"]["code"])
        return status, recording(state, "health_noauth")[1], body
    lines = [ln for ln in head.read_text(encoding="utf-8").splitlines() if ln.strip()]
    status = int(lines[0].split()[1])
    headers = dict(ln.split(": ", 1) for ln in lines[1:])
    return status, headers, body


def replay_app(state: str, health: str = "health") -> web.Application:
    """Answers as the recorded proxy did in ``state``; ``/health`` answers the ``health`` recording."""
    routes = {("GET", "/health/liveliness"): "liveliness", ("GET", "/health/readiness"): "readiness",
              ("GET", "/health"): health, ("GET", "/v1/models"): "v1_models", ("GET", "/model/info"): "model_info",
              ("POST", "/v1/chat/completions"): "chat_vllm-qwen"}

    async def handler(request: web.Request) -> web.Response:
        what = routes.get((request.method, request.path))
        if what is None:
            return web.json_response({"detail": "Not Found"}, status=404)
        status, headers, body = recording(state, what)
        kept = {k: v for k, v in headers.items() if k.lower() not in VOLATILE}
        return web.Response(status=status, body=body, headers=kept)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app


def _source(url: str, key: str | None = KEY) -> LiteLLMSource:
    return LiteLLMSource(Settings(litellm=LiteLLMSettings(url=url, timeout=5.0)), key)


# --------------------------------------------------------------------------- the source on recordings

@pytest.mark.parametrize("state", list(EXPECTED))
def test_tier_states_from_each_recording(state):
    with serve(replay_app(state)) as url:
        src = _source(url)
        snap = src.refresh()
        probe = src.probe("vllm-qwen")
        models = src.models()
        src.close()
    assert snap.ok, snap.error
    data = snap.data
    assert (data.alive, data.ready, data.health_error) == (True, True, "")
    assert data.readiness == {"status": "healthy", "db": "Not connected"}
    assert {a: h.health for a, h in data.aliases.items()} == EXPECTED[state]
    assert data.models == models == ALIASES
    for health in data.aliases.values():
        assert "\n" not in health.error and "Traceback" not in health.error and "SSLContext" not in health.error
    if state == "all_up":
        assert (probe.status, probe.answered_by, probe.attempted_fallbacks, probe.error) == (200, "vllm-qwen", 0, "")
    elif state == "vllm_down":
        assert data.aliases["vllm-qwen"].error == (
            "Hosted_vllmException - Cannot connect to host 127.0.0.1:18001 [Connect call failed ('127.0.0.1', 18001)]")
        assert (probe.status, probe.answered_by, probe.attempted_fallbacks) == (200, "ollama-qwen", 1)
    else:
        assert (probe.status, probe.answered_by) == (500, "")
        assert probe.error.startswith("500: Hosted_vllmException - Cannot connect to host")
        assert probe.error.endswith("fallback to ollama-qwen also failed") and "\n" not in probe.error
    assert probe.latency_ms > 0


def test_health_without_a_key_recorded_401():
    with serve(replay_app("all_up", health="health_noauth")) as url:
        src = _source(url)
        data = src.refresh().data
        src.close()
    assert data.alive and data.health_checked_at is None
    assert data.health_error == "key rejected: /health: 401: Authentication Error, No api key passed in."
    assert {h.health for h in data.aliases.values()} == {TierHealth.UNKNOWN}


def test_health_with_a_wrong_key_recorded_400_no_db():
    with serve(replay_app("all_up", health="health_wrongkey")) as url:
        src = _source(url, key="sk-not-the-master-key")
        data = src.refresh().data
        src.close()
    assert data.health_error.startswith("key rejected: /health: 400: No connected db.")
    assert "only the master key" in data.health_error
    assert "sk-not-the-master-key" not in data.health_error


def test_no_key_configured_skips_health_and_says_why():
    with serve(replay_app("all_up")) as url:
        src = _source(url, key=None)
        data = src.refresh().data
        src.close()
    assert data.alive and data.health_error.startswith("no LiteLLM key")


def test_the_key_never_leaks_into_errors_or_repr():
    secret = "sk-" + "homelab-SECRET-0123456789"  # a planted value (built so secret scanners do not flag the repo)

    async def echo_key(request: web.Request) -> web.Response:
        sent = request.headers.get("Authorization", "")
        return web.json_response({"error": {"message": f"litellm.AuthenticationError: Incorrect API key {sent} "
                                             f"(also {secret[3:]})", "type": "auth_error", "param": None,
                                             "code": "401"}}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo_key)
    with serve(app) as url:
        src = _source(url, key=secret)
        snap = src.refresh(full=True)
        probe = src.probe()
        with pytest.raises(Exception) as raised:
            src.models()
        src.close()
    texts = [repr(src), str(snap), repr(snap), probe.error, repr(probe), str(raised.value)]
    assert all(secret not in t and secret[3:] not in t for t in texts)
    assert "Bearer ***" in probe.error


def test_health_is_rare_and_on_demand():
    now = [1000.0]
    faults = ServerFaults("litellm")
    with serve(create_app(_store_in("all_up"), faults, KEY)) as url:
        settings = Settings(litellm=LiteLLMSettings(url=url, timeout=5.0, health_interval=300.0))
        src = LiteLLMSource(settings, KEY, clock=lambda: now[0])
        checked = [src.refresh().data.health_checked_at]
        for _ in range(5):
            now[0] += 10
            checked.append(src.refresh().data.health_checked_at)  # cheap polls only
        now[0] += 300
        checked.append(src.refresh().data.health_checked_at)  # due again
        now[0] += 1
        checked.append(src.refresh(full=True).data.health_checked_at)  # on demand
        src.close()
    assert checked == [1000.0] * 6 + [1350.0, 1351.0]
    assert faults.requests["GET health"] == 3
    assert faults.requests["GET liveliness"] == faults.requests["GET readiness"] == 8


# --------------------------------------------------------------------------- the simulation vs the recordings

def _store_in(state: str) -> ClusterStore:
    store = ClusterStore(build_objects(dt.datetime.now(dt.timezone.utc)))
    up = {"all_up": {"vllm-server", "vllm-r1", "ollama"}, "vllm_down": {"vllm-r1", "ollama"}, "all_down": set()}[state]
    for name in ("vllm-server", "vllm-r1", "ollama"):
        def scale(dep: dict, n: int = 1 if name in up else 0) -> None:
            dep["spec"]["replicas"] = n
            dep["status"].update(replicas=n, readyReplicas=n, availableReplicas=n)
        store.mutate("deployments", "ml", name, scale)
    return store


def _keys(value: Any) -> Any:
    """The shape of a JSON value: dict keys (recursively), list item shapes, scalar type names."""
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(v) for v in value[:1]]
    return type(value).__name__


REQUESTS = [("GET", "/health/liveliness", None, "liveliness"), ("GET", "/health/readiness", None, "readiness"),
            ("GET", "/health", KEY, "health"), ("GET", "/health", None, "health_noauth"),
            ("GET", "/health", "sk-wrong", "health_wrongkey"), ("GET", "/v1/models", KEY, "v1_models"),
            ("POST", "/v1/chat/completions", KEY, "chat_vllm-qwen")]


@pytest.mark.parametrize("state", list(EXPECTED))
def test_simulation_answers_like_the_recorded_proxy(state):
    store = _store_in(state)
    app = create_app(store, ServerFaults("litellm"), KEY)
    app[STATE_KEY].openai_up = state != "all_down"
    with serve(app) as url:
        for method, path, key, what in REQUESTS:
            if what == "health_wrongkey" and state != "all_up":
                continue
            status, headers, body = recording(state, what)
            resp = httpx.request(method, url + path, headers={"Authorization": f"Bearer {key}"} if key else {},
                                 json={"model": "vllm-qwen", "messages": [{"role": "user", "content": "hi"}],
                                       "max_tokens": 1} if method == "POST" else None, timeout=10)
            assert resp.status_code == status, what
            wanted = {h.lower() for h in headers if h.lower() not in VOLATILE and not h.startswith("llm_provider-")
                      and "response-cost" not in h}
            assert wanted <= {h.lower() for h in resp.headers}, what
            recorded, simulated = json.loads(body), resp.json()
            if what == "health":
                assert simulated["healthy_count"] == recorded["healthy_count"]
                for part in ("healthy_endpoints", "unhealthy_endpoints"):
                    assert {e["model"] for e in simulated[part]} == {e["model"] for e in recorded[part]}
                    assert [_keys(e).keys() for e in simulated[part]] == [_keys(e).keys() for e in recorded[part]]
            elif what == "chat_vllm-qwen":
                assert simulated.keys() == recorded.keys()
                for name in ("x-litellm-model-group", "x-litellm-attempted-fallbacks"):
                    assert resp.headers.get(name) == headers.get(name), name
            else:
                assert _keys(simulated) == _keys(recorded), what


def test_simulated_model_info_has_the_recorded_shape():
    app = create_app(_store_in("all_up"), ServerFaults("litellm"), KEY)
    with serve(app) as url:
        simulated = httpx.get(f"{url}/model/info", headers={"Authorization": f"Bearer {KEY}"}, timeout=10).json()
    recorded = json.loads(recording("all_up", "model_info")[2])
    assert [e["model_name"] for e in simulated["data"]] == [e["model_name"] for e in recorded["data"]]
    for sim_entry, rec_entry in zip(simulated["data"], recorded["data"], strict=True):
        assert sim_entry.keys() == rec_entry.keys()
        assert sim_entry["litellm_params"].keys() == rec_entry["litellm_params"].keys()
        assert sim_entry["model_info"].keys() <= rec_entry["model_info"].keys()
        assert sim_entry["litellm_params"]["model"] == rec_entry["litellm_params"]["model"]


@pytest.mark.parametrize("state", list(EXPECTED))
def test_source_reads_the_same_tiers_from_the_simulation(state):
    app = create_app(_store_in(state), ServerFaults("litellm"), KEY)
    app[STATE_KEY].openai_up = state != "all_down"
    with serve(app) as url:
        src = _source(url)
        data = src.refresh().data
        probe = src.probe()
        src.close()
    assert {a: h.health for a, h in data.aliases.items()} == EXPECTED[state]
    answered = {"all_up": ("vllm-qwen", 0), "vllm_down": ("ollama-qwen", 1), "all_down": ("", 0)}[state]
    assert (probe.answered_by, probe.attempted_fallbacks) == answered
