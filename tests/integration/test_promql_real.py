"""Every query the app sends, evaluated by a real Prometheus on data this test writes.

Marked ``prometheus``: needs ``/usr/bin/prometheus`` and ``promtool`` (skips without them, fails in CI).
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from homelab_tui.config import PrometheusSettings, Settings
from homelab_tui.model.metrics import MetricsData
from homelab_tui.sources import promql as q
from homelab_tui.sources.prometheus import PrometheusSource
from tests.integration.prom_real import start_prometheus

pytestmark = pytest.mark.prometheus

GIB = 2.0 ** 30
MIB = 2.0 ** 20
#: evaluation time: a whole hour back, inside the retention, never touching the head block
T = float(int(time.time()) // 3600 * 3600 - 3600)
DAY = 86400.0
NODE = "k3s-gpu-worker"
QWEN, R1 = "Qwen/Qwen3-8B-AWQ", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"


def _every(step: float, span: float) -> list[float]:
    return [T - span + k * step for k in range(int(span // step) + 1)]


def _kubelet(ns: str, pvc: str, node: str) -> dict[str, str]:
    return {"job": "kubelet", "namespace": ns, "persistentvolumeclaim": pvc, "node": node,
            "instance": f"{node}:10250"}


def _dcgm(host_label: str, host: str, gpu: str = "0", **extra: str) -> dict[str, str]:
    return {host_label: host, "gpu": gpu, "UUID": f"GPU-{host}-{gpu}", "modelName": "NVIDIA GeForce RTX 3060",
            "job": "nvidia-dcgm-exporter", "namespace": "gpu-operator", "pod": "nvidia-dcgm-exporter-abcde", **extra}


def written_data() -> dict:
    vol_times = _every(600, 2 * DAY)
    n8n_used = [(t, 8 * GIB + 0.5 * GIB * (t - (T - 2 * DAY)) / DAY) for t in vol_times]  # 9 GiB at T
    gpu_times = _every(30, 2100)
    switch = T - 900  # the exporter was upgraded: "Hostname" before, "hostname" after
    util = [(t, float(int(t // 30) % 100)) for t in gpu_times]
    in_use = {"exported_namespace": "ml", "exported_pod": "vllm-server-6d9f-abcde", "exported_container": "vllm"}
    old = _dcgm("Hostname", NODE, **in_use)
    new = _dcgm("hostname", NODE, **in_use)
    spare = _dcgm("Hostname", "spare-gpu")
    before = [t for t in gpu_times if t < switch]
    after = [t for t in gpu_times if t >= switch]

    def gpu_series(value: float, spare_value: float):
        return [(old, [(t, value) for t in before]), (new, [(t, value) for t in after]),
                (spare, [(t, spare_value) for t in gpu_times])]

    vllm_times = _every(30, 600)

    def pod(model: str, name: str) -> dict[str, str]:
        return {"model_name": model, "pod": name, "namespace": "ml", "engine": "0", "job": "vllm"}

    return {
        q.VOLUME_USED_METRIC: [
            (_kubelet("apps", "n8n-data", "k3s-worker-01"), n8n_used),
            (_kubelet("apps", "n8n-data", "k3s-worker-02"), n8n_used),  # same NFS claim on two nodes
            (_kubelet("data", "data-postgresql-0", "k3s-worker-01"), [(t, 5 * GIB) for t in vol_times]),
        ],
        q.VOLUME_CAPACITY_METRIC: [
            (_kubelet("apps", "n8n-data", "k3s-worker-01"), [(t, 10 * GIB) for t in vol_times]),
            (_kubelet("apps", "n8n-data", "k3s-worker-02"), [(t, 10 * GIB) for t in vol_times]),
            (_kubelet("data", "data-postgresql-0", "k3s-worker-01"), [(t, 20 * GIB) for t in vol_times]),
        ],
        q.DCGM_UTIL: [(old, [p for p in util if p[0] < switch]), (new, [p for p in util if p[0] >= switch]),
                      (spare, [(t, 3.0) for t in gpu_times])],
        q.DCGM_FB_USED: gpu_series(10035.0, 100.0),
        q.DCGM_FB_FREE: gpu_series(2253.0, 12188.0),
        q.DCGM_TEMP: gpu_series(61.0, 30.0),
        q.DCGM_POWER: gpu_series(123.4, 15.0),
        q.VLLM_RUNNING: [(pod(QWEN, "a"), [(t, 2.0) for t in vllm_times]),
                         (pod(QWEN, "b"), [(t, 1.0) for t in vllm_times]),
                         (pod(R1, "r"), [(t, 0.0) for t in vllm_times])],
        q.VLLM_WAITING: [(pod(QWEN, "a"), [(t, 0.0) for t in vllm_times]),
                         (pod(QWEN, "b"), [(t, 1.0) for t in vllm_times]),
                         (pod(R1, "r"), [(t, 0.0) for t in vllm_times])],
        q.VLLM_KV_CACHE: [(pod(QWEN, "a"), [(t, 0.25) for t in vllm_times]),
                          (pod(QWEN, "b"), [(t, 0.3) for t in vllm_times])],
        q.VLLM_KV_CACHE_OLD: [(pod(R1, "r"), [(t, 0.4) for t in vllm_times])],
    }


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"), written_data())
    yield server
    server.stop()


def _source(url: str, node: str = NODE) -> PrometheusSource:
    settings = Settings(prometheus=PrometheusSettings(url=url, timeout=5.0))
    settings = dataclasses.replace(settings, gpu=dataclasses.replace(settings.gpu, node=node))
    return PrometheusSource(settings, clock=lambda: T)


@pytest.mark.parametrize("query", q.ALL_QUERIES, ids=lambda query: query.name)
def test_every_query_is_valid_and_finds_data(prometheus, query):
    src = _source(prometheus.url)
    try:
        data = src.query(query, at=T)
    finally:
        src.close()
    assert data["resultType"] == ("matrix" if query.kind == "range" else "vector")
    assert data["result"], f"{query.name} found nothing in data written for it"


@pytest.fixture(scope="module")
def metrics(prometheus) -> MetricsData:
    src = _source(prometheus.url)
    snap = src.refresh()
    src.close()
    assert snap.ok, snap.error
    assert snap.data is not None
    return snap.data


def test_volume_stats_and_days_until_full(metrics):
    n8n = metrics.volumes[("apps", "n8n-data")]
    assert n8n.used_bytes == pytest.approx(9 * GIB)
    assert n8n.capacity_bytes == pytest.approx(10 * GIB)
    assert n8n.percent == pytest.approx(90.0)
    assert n8n.days_until_full == pytest.approx(2.0, rel=1e-3)  # 1 GiB left at 0.5 GiB/day
    pg = metrics.volumes[("data", "data-postgresql-0")]
    assert pg.percent == pytest.approx(25.0)
    assert pg.days_until_full is None  # not growing
    assert set(metrics.volumes) == {("apps", "n8n-data"), ("data", "data-postgresql-0")}


def test_gpu_telemetry_from_dcgm_with_the_new_hostname_label(metrics):
    gpu = metrics.gpu
    assert gpu is not None
    assert (gpu.origin, gpu.node, gpu.model) == ("prometheus", NODE, "NVIDIA GeForce RTX 3060")
    assert gpu.vram_used_bytes == pytest.approx(10035 * MIB)
    assert gpu.vram_total_bytes == pytest.approx(12288 * MIB)
    assert gpu.utilization_percent == float(int(T // 30) % 100)
    assert (gpu.temperature_c, gpu.power_watts) == (61.0, pytest.approx(123.4))
    assert [p.name for p in gpu.processes] == ["ml/vllm-server-6d9f-abcde"]


def test_history_merges_old_and_new_host_labels(metrics):
    gpu = metrics.gpu
    assert gpu is not None
    times = [t for t, _ in gpu.utilization_history]
    assert times == [T - q.HISTORY_SECONDS + k * q.HISTORY_STEP for k in range(61)]
    assert [v for _, v in gpu.utilization_history] == [float(int(t // 30) % 100) for t in times]
    assert {v for _, v in gpu.vram_history} == {10035 * MIB}


def test_old_hostname_label_and_gpu_choice_by_node(prometheus):
    src = _source(prometheus.url, node="spare-gpu")
    snap = src.refresh()
    src.close()
    assert snap.data is not None and snap.data.gpu is not None
    assert snap.data.gpu.node == "spare-gpu"
    assert snap.data.gpu.vram_used_bytes == pytest.approx(100 * MIB)
    assert snap.data.gpu.processes == ()
    assert {v for _, v in snap.data.gpu.utilization_history} == {3.0}


def test_vllm_stats_sum_replicas_and_fall_back_to_the_old_cache_metric(metrics):
    qwen, r1 = metrics.vllm[QWEN], metrics.vllm[R1]
    assert (qwen.requests_running, qwen.requests_waiting, qwen.kv_cache_usage) == (3.0, 1.0, 0.3)
    assert (r1.requests_running, r1.requests_waiting, r1.kv_cache_usage) == (0.0, 0.0, 0.4)


def test_an_unknown_metric_is_an_empty_answer_not_an_error(prometheus):
    src = _source(prometheus.url)
    try:
        data = src.query(q.Query("probe", "kubelet_volume_stats_used_bytes{namespace=\"nope\"}", "instant"), at=T)
    finally:
        src.close()
    assert data == {"resultType": "vector", "result": []}


@pytest.mark.parametrize("query", q.ALL_QUERIES, ids=lambda query: query.name)
def test_source_reads_what_the_reference_client_reads(prometheus, query):
    """prometheus-api-client (the ecosystem's client, ADR-005) as an independent reference for every query."""
    import datetime as dt

    from prometheus_api_client import PrometheusConnect

    reference = PrometheusConnect(url=prometheus.url, disable_ssl=True, timeout=5)
    if query.kind == "range":
        params = q.range_params(T)
        expected = reference.custom_query_range(
            query.text, start_time=dt.datetime.fromtimestamp(float(params["start"]), dt.timezone.utc),
            end_time=dt.datetime.fromtimestamp(float(params["end"]), dt.timezone.utc), step=params["step"])
    else:
        expected = reference.custom_query(query.text, params={"time": T})
    src = _source(prometheus.url)
    try:
        got = src.query(query, at=T)["result"]
    finally:
        src.close()
    key = lambda s: sorted(s["metric"].items())  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)
