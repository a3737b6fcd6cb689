"""The Prometheus source against the simulated Prometheus: data follows the simulated cluster."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Awaitable, Callable, Iterator

import pytest
from aiohttp import web

from homelab_tui.config import PrometheusSettings, Settings
from homelab_tui.demo.faults import ServerFaults
from homelab_tui.demo.lab_metrics import NFS_SHARE_BYTES
from homelab_tui.demo.podgen import READY, make_pod
from homelab_tui.demo.prometheus_sim import create_app
from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.store import ClusterStore
from homelab_tui.sources import promql as q
from homelab_tui.sources.prometheus import PrometheusSource
from tests.integration.aio_server import serve

GIB = 2.0 ** 30
QWEN, R1 = "Qwen/Qwen3-8B-AWQ", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sim():
    clock = Clock()
    store = ClusterStore(build_objects(dt.datetime.fromtimestamp(clock.now, dt.timezone.utc)))
    faults = ServerFaults("prometheus")
    with serve(create_app(store, faults, clock=clock)) as url:
        src = PrometheusSource(Settings(prometheus=PrometheusSettings(url=url, timeout=5.0)), clock=clock)
        yield store, faults, clock, src
        src.close()


def _set_ready(store: ClusterStore, deployment: str, ready: bool) -> None:
    pods, _ = store.list("pods", "ml")
    for pod in pods:
        if pod["metadata"]["name"].startswith(f"{deployment}-"):
            store.delete("pods", "ml", pod["metadata"]["name"])
    if ready:
        dep = store.get("deployments", "ml", deployment)
        assert dep is not None
        now = dt.datetime.now(dt.timezone.utc)
        store.put("pods", make_pod(dep, f"{deployment}-7c9d8f6b5-x2x4z", dep["spec"]["template"], "k3s-gpu-worker",
                                   now, READY))


def test_volumes_local_path_not_reported_nfs_reports_the_share(sim):
    store, _, _, src = sim
    snap = src.refresh()
    assert snap.ok, snap.error
    volumes = snap.data.volumes
    pvcs, _ = store.list("persistentvolumeclaims")
    local = {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pvcs
             if p["spec"].get("storageClassName") == "local-path"}
    nfs = {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pvcs
           if p["spec"].get("storageClassName") == "nfs-client"}
    assert local and not local & volumes.keys()
    assert nfs & volumes.keys()
    for key in nfs & volumes.keys():
        assert volumes[key].capacity_bytes == NFS_SHARE_BYTES  # the whole Synology share, not the claim
    shares = {(v.used_bytes, v.capacity_bytes) for k, v in volumes.items() if k in nfs}
    assert len(shares) == 1  # every NFS claim reports the same filesystem


def test_ml_mode_gpu_and_vllm(sim):
    _, _, _, src = sim
    data = src.refresh().data
    gpu = data.gpu
    assert gpu is not None and gpu.origin == "prometheus" and gpu.model == "NVIDIA GeForce RTX 3060"
    assert gpu.vram_used_bytes == pytest.approx(9.8 * GIB, rel=0.01)
    assert gpu.vram_total_bytes == 12 * GIB
    assert 0 < gpu.utilization_percent <= 100
    assert [p.name.split("/")[0] for p in gpu.processes] == ["ml"]
    assert gpu.processes[0].name.startswith("ml/vllm-server-")
    assert len(gpu.utilization_history) == 61
    assert set(data.vllm) == {QWEN} and data.vllm[QWEN].kv_cache_usage is not None


def test_mode_switches_show_in_metrics_and_history(sim):
    store, _, clock, src = sim
    src.refresh()
    _set_ready(store, "vllm-server", False)
    clock.now += 600
    data = src.refresh().data
    assert data.gpu.vram_used_bytes < 0.1 * GIB and data.gpu.processes == ()
    assert data.vllm == {}
    vram = [v for _, v in data.gpu.vram_history]
    assert vram[0] > 9 * GIB and vram[-1] < 0.1 * GIB  # the switch 10 minutes ago, in the sparkline
    _set_ready(store, "vllm-r1", True)
    clock.now += 60  # seen from the next scrape on
    data = src.refresh().data
    assert data.gpu.vram_used_bytes == pytest.approx(10.6 * GIB, rel=0.01)
    assert set(data.vllm) == {R1} and data.vllm[R1].kv_cache_usage is not None  # from the old metric name
    _set_ready(store, "vllm-server", True)
    clock.now += 60
    data = src.refresh().data
    assert data.gpu.vram_used_bytes == data.gpu.vram_total_bytes  # both up: the 12 GiB are exhausted
    assert len(data.gpu.processes) == 2


def test_partial_failure_keeps_the_other_data_and_says_so(sim):
    _, faults, _, src = sim
    good = src.refresh().data
    faults.status, faults.status_path = 500, "query_range"
    snap = src.refresh()
    assert snap.error is not None and snap.error.startswith("2 of 7 queries failed")
    assert snap.data.volumes and snap.data.gpu is not None
    assert snap.data.gpu.utilization_history == good.gpu.utilization_history  # kept from before
    faults.status = 0
    assert src.refresh().ok
    # 3 refreshes of 5 instant queries; the 2 faulted range queries never reached the handler
    assert (faults.requests["GET query"], faults.requests["GET query_range"]) == (15, 4)


def test_server_down_is_one_line_and_keeps_the_last_data():
    src = PrometheusSource(Settings(prometheus=PrometheusSettings(url="http://127.0.0.1:9", timeout=2.0)))
    snap = src.refresh()
    src.close()
    assert snap.data is None and snap.error is not None
    assert "\n" not in snap.error and "Prometheus unreachable" in snap.error


Rewrite = Callable[[web.Response], Awaitable[web.StreamResponse]]


@pytest.fixture
def middle_box() -> Iterator[tuple[dict[str, Rewrite], str, PrometheusSource]]:
    """The simulated Prometheus behind a middle box that rewrites the answers to the queries in its rules
    (keyed by query text); the source waits 1 s for an answer."""
    clock = Clock()
    store = ClusterStore(build_objects(dt.datetime.fromtimestamp(clock.now, dt.timezone.utc)))
    rules: dict[str, Rewrite] = {}
    app = create_app(store, ServerFaults("prometheus"), clock=clock)

    @web.middleware
    async def rewrite(request: web.Request, handler: Callable) -> web.StreamResponse:
        answer = await handler(request)
        rule = rules.get(request.query.get("query", ""))
        return answer if rule is None else await rule(answer)

    app.middlewares.append(rewrite)
    with serve(app) as url:
        src = PrometheusSource(Settings(prometheus=PrometheusSettings(url=url, timeout=2.5)), clock=clock)
        yield rules, url, src
        src.close()


async def evaluation_error(_: web.Response) -> web.Response:
    return web.json_response({"status": "error", "errorType": "execution",
                              "error": "query processing would load too many samples into memory"}, status=422)


async def as_503(answer: web.Response) -> web.Response:
    """A load balancer marking the answer unavailable while passing Prometheus's body through."""
    return web.Response(status=503, body=answer.body, content_type="application/json")


async def hang(answer: web.Response) -> web.Response:
    await asyncio.sleep(6.0)
    return answer


@pytest.mark.parametrize(("query", "part"), [(q.VOLUME_USED, "volumes"), (q.VLLM_NOW, "vllm")])
def test_one_failed_query_keeps_its_last_figures(middle_box, query: q.Query, part: str) -> None:
    rules, _, src = middle_box
    good = src.refresh().data
    assert getattr(good, part)
    rules[query.text] = evaluation_error
    snap = src.refresh()
    assert snap.error == f"1 of 7 queries failed: {query.name}: execution: query processing would load too many " \
                         "samples into memory"
    assert getattr(snap.data, part) == getattr(good, part)


def test_a_non_200_answer_fails_even_with_a_success_body(middle_box) -> None:
    rules, _, src = middle_box
    rules[q.VOLUME_USED.text] = as_503
    assert src.refresh().error == "1 of 7 queries failed: volume_used: HTTP 503: no error message"


def test_queries_failing_alike_still_say_how_many_failed(middle_box) -> None:
    rules, url, src = middle_box
    rules[q.GPU_UTIL_HISTORY.text] = rules[q.GPU_VRAM_HISTORY.text] = hang
    snap = src.refresh()
    assert snap.error == f"2 of 7 queries failed: Prometheus unreachable: timed out ({url})"
    assert snap.data.volumes  # the other five answered
