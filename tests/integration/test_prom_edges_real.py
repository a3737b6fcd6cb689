"""NaN samples and an over-full volume through the real queries, evaluated by a real Prometheus.

A DCGM exporter reports NaN for a reading the GPU does not give (power on some boards) and for scrapes
that failed mid-way; a share reported by NFS can hold more than the claim's capacity. Marked
``prometheus``: needs ``/usr/bin/prometheus`` and ``promtool`` (skips without them, fails in CI).
"""

from __future__ import annotations

import math

import pytest

from homelab_tui.config import PrometheusSettings, Settings
from homelab_tui.model.metrics import MetricsData
from homelab_tui.sources import promql as q
from homelab_tui.sources.prometheus import PrometheusSource
from tests.integration.prom_real import start_prometheus
from tests.integration.test_promql_real import DAY, GIB, NODE, T, _dcgm, _every, _kubelet

pytestmark = pytest.mark.prometheus

#: the history points whose scrape gave NaN
NAN_TIMES = {T - 600.0, T - 300.0}


def written_data() -> dict:
    vol_times = _every(600, 2 * DAY)
    over = [(t, 11 * GIB + 0.5 * GIB * (t - T) / DAY) for t in vol_times]  # 11 GiB on a 10 GiB claim, growing
    gpu_times = _every(30, 2100)
    gpu = _dcgm("hostname", NODE)
    return {
        q.VOLUME_USED_METRIC: [(_kubelet("apps", "n8n-data", "k3s-worker-01"), over)],
        q.VOLUME_CAPACITY_METRIC: [(_kubelet("apps", "n8n-data", "k3s-worker-01"), [(t, 10 * GIB) for t in vol_times])],
        q.DCGM_UTIL: [(gpu, [(t, math.nan if t in NAN_TIMES else 50.0) for t in gpu_times])],
        q.DCGM_FB_USED: [(gpu, [(t, 10035.0) for t in gpu_times])],
        q.DCGM_FB_FREE: [(gpu, [(t, 2253.0) for t in gpu_times])],
        q.DCGM_POWER: [(gpu, [(t, math.nan) for t in gpu_times])],
    }


@pytest.fixture(scope="module")
def metrics(tmp_path_factory) -> MetricsData:
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"), written_data())
    try:
        src = PrometheusSource(Settings(prometheus=PrometheusSettings(url=server.url, timeout=5.0)), clock=lambda: T)
        snap = src.refresh()
        src.close()
    finally:
        server.stop()
    assert snap.ok, snap.error
    assert snap.data is not None
    return snap.data


def test_a_nan_reading_is_not_reported(metrics: MetricsData) -> None:
    gpu = metrics.gpu
    assert gpu is not None and gpu.power_watts is None and gpu.utilization_percent == 50.0


def test_nan_points_are_gaps_in_the_sparkline(metrics: MetricsData) -> None:
    gpu = metrics.gpu
    assert gpu is not None
    times = [t for t, _ in gpu.utilization_history]
    assert len(times) == 61 - len(NAN_TIMES) and not NAN_TIMES & set(times)
    assert {v for _, v in gpu.utilization_history} == {50.0}


def test_a_volume_over_its_capacity_is_full_now(metrics: MetricsData) -> None:
    n8n = metrics.volumes[("apps", "n8n-data")]
    assert n8n.used_bytes == pytest.approx(11 * GIB) and n8n.days_until_full == 0.0
