"""The simulated Prometheus answers every query like a real Prometheus holding the same data.

The simulated home-lab's series (from the seed cluster, at a fixed clock) are written as
OpenMetrics and imported into a real Prometheus; both servers then answer every query in
``ALL_QUERIES`` and the answers must agree: status, resultType, label sets (``__name__`` kept or
dropped alike), timestamps and values.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

import httpx
import pytest

from homelab_tui.demo.faults import ServerFaults
from homelab_tui.demo.lab_metrics import LabMetrics
from homelab_tui.demo.prometheus_sim import create_app
from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.store import ClusterStore
from homelab_tui.sources import promql as q
from tests.integration.aio_server import serve
from tests.integration.prom_real import start_prometheus

pytestmark = pytest.mark.prometheus

T = float(int(time.time()) // 3600 * 3600 - 3600)
VOLUME_METRICS = (q.VOLUME_USED_METRIC, q.VOLUME_CAPACITY_METRIC)


def _store() -> ClusterStore:
    return ClusterStore(build_objects(dt.datetime.fromtimestamp(T, dt.timezone.utc)))


def _families(store: ClusterStore) -> dict:
    """The sim's series as they would have been scraped: volumes every 10 min for 2 days, the rest every 30 s."""
    frame = LabMetrics(store, clock=lambda: T).frame()
    series: dict[str, dict[tuple, tuple[dict, list]]] = defaultdict(dict)
    times = {T - k * 600 for k in range(2 * 86400 // 600 + 1)} | {T - k * 30 for k in range(71)}
    for t in sorted(times):
        for labels, v in frame.series_at(t):
            name = labels["__name__"]
            if t < T - 2100 and name not in VOLUME_METRICS:
                continue
            rest = {k: x for k, x in labels.items() if k != "__name__"}
            series[name].setdefault(tuple(sorted(rest.items())), (rest, []))[1].append((t, v))
    return {name: list(by_labels.values()) for name, by_labels in series.items()}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    store = _store()
    real = start_prometheus(tmp_path_factory.mktemp("prometheus"), _families(store))
    try:
        with serve(create_app(store, ServerFaults("prometheus"), clock=lambda: T)) as sim_url:
            yield real.url, sim_url
    finally:
        real.stop()


def _ask(base: str, query: q.Query) -> tuple[int, dict]:
    if query.kind == "range":
        params = {"query": query.text, **q.range_params(T)}
        resp = httpx.get(f"{base}/api/v1/query_range", params=params, timeout=10)
    else:
        resp = httpx.get(f"{base}/api/v1/query", params={"query": query.text, "time": str(T)}, timeout=10)
    return resp.status_code, resp.json()


def _by_labels(result: list[dict]) -> dict[tuple, dict]:
    return {tuple(sorted(item["metric"].items())): item for item in result}


@pytest.mark.parametrize("query", q.ALL_QUERIES, ids=lambda query: query.name)
def test_same_answer_shape_and_values(servers, query):
    real_url, sim_url = servers
    (real_status, real), (sim_status, sim) = _ask(real_url, query), _ask(sim_url, query)
    assert (sim_status, sim["status"]) == (real_status, real["status"]) == (200, "success")
    assert sim["data"]["resultType"] == real["data"]["resultType"]
    real_items, sim_items = _by_labels(real["data"]["result"]), _by_labels(sim["data"]["result"])
    assert real_items, f"{query.name}: the real Prometheus found nothing: the test data is wrong"
    assert sim_items.keys() == real_items.keys()
    for key, real_item in real_items.items():
        sim_item = sim_items[key]
        assert sim_item.keys() == real_item.keys()
        real_points = real_item.get("values") or [real_item["value"]]
        sim_points = sim_item.get("values") or [sim_item["value"]]
        assert [p[0] for p in sim_points] == [p[0] for p in real_points]
        assert all(isinstance(p[1], str) for p in sim_points)
        assert [float(p[1]) for p in sim_points] == pytest.approx([float(p[1]) for p in real_points], rel=1e-6)


@pytest.mark.parametrize("bad", ["max by (namespace (up)", "", "{job=\"\"}"])
def test_same_error_for_a_query_that_does_not_parse(servers, bad):
    answers = [httpx.get(f"{base}/api/v1/query", params={"query": bad, "time": str(T)}, timeout=10)
               for base in servers]
    assert [a.status_code for a in answers] == [400, 400]
    real, sim = (a.json() for a in answers)
    assert sim.keys() == real.keys() == {"status", "errorType", "error"}
    assert (sim["status"], sim["errorType"]) == (real["status"], real["errorType"]) == ("error", "bad_data")
    assert sim["error"].startswith('invalid parameter "query": 1:') and real["error"].startswith(
        'invalid parameter "query": 1:')


def test_same_errors_for_bad_range_parameters(servers):
    cases = [{"start": str(T), "end": str(T - 60), "step": "30"}, {"start": str(T), "end": str(T), "step": "0"},
             {"start": "yesterday", "end": str(T), "step": "30"}, {"end": str(T), "step": "30"}]
    for params in cases:
        real, sim = (httpx.get(f"{base}/api/v1/query_range", params={"query": "up", **params}, timeout=10)
                     for base in servers)
        assert sim.status_code == real.status_code == 400
        assert sim.json() == real.json()


def test_post_form_and_health_endpoints(servers):
    for base in servers:
        resp = httpx.post(f"{base}/api/v1/query", data={"query": q.VOLUME_USED.text, "time": str(T)}, timeout=10)
        assert resp.status_code == 200 and resp.json()["data"]["resultType"] == "vector"
        assert resp.headers["content-type"] == "application/json"
        assert httpx.get(f"{base}/-/ready", timeout=10).text == "Prometheus Server is Ready.\n"
        assert httpx.get(f"{base}/-/healthy", timeout=10).text == "Prometheus Server is Healthy.\n"
        info = httpx.get(f"{base}/api/v1/status/buildinfo", timeout=10).json()
        assert info["status"] == "success" and {"version", "revision", "goVersion"} <= info["data"].keys()
