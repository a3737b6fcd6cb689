"""NVML edge cases: a host with the driver and no GPU, a GPU lost mid-run, the sparkline window, and the
fallback's wording and timing when Prometheus has no DCGM data to lend."""

from __future__ import annotations

import pynvml

from homelab_tui.config import Settings
from homelab_tui.model.metrics import MetricsData
from homelab_tui.model.snapshot import Snapshot, freshness_text
from homelab_tui.sources.base import StaticSource
from homelab_tui.sources.nvml import NvmlGpuSource
from homelab_tui.sources.promql import HISTORY_SECONDS
from tests.unit.test_nvml import DCGM, FakeNvml, _prometheus

NOT_FOUND = pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)


class NoGpuNvml(FakeNvml):
    """The driver is loaded but the host has no GPU (the control-plane node)."""

    def nvmlDeviceGetCount(self) -> int:
        return 0


class LostGpuNvml(FakeNvml):
    """The GPU fell off the bus: every reading, optional or not, fails with "GPU is lost"."""

    def nvmlDeviceGetTemperature(self, handle: str, sensor: int) -> int:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST)


def test_a_driver_without_a_gpu_falls_back_to_dcgm() -> None:
    nv = NoGpuNvml()
    src = NvmlGpuSource(Settings(), _prometheus(DCGM), nvml=nv)
    snap = src.refresh()
    assert not src.using_nvml and nv.shutdowns == 1
    assert snap.ok and snap.data is not None and snap.data.origin == "prometheus"
    assert snap.data.note == "NVML: no GPU found — showing DCGM metrics from Prometheus"


def test_a_lost_gpu_is_an_error_not_a_missing_reading() -> None:
    src = NvmlGpuSource(Settings(), None, nvml=LostGpuNvml(), clock=lambda: 1000.0)
    snap = src.refresh()
    assert snap.error == "NVML: GPU is lost" and snap.data is None


def test_the_sparkline_keeps_only_the_history_window() -> None:
    refreshes = [1000.0, 2000.0, 3000.0, 4000.0]
    now = [0.0]
    src = NvmlGpuSource(Settings(), None, nvml=FakeNvml(), clock=lambda: now[0])
    for now[0] in refreshes:
        snap = src.refresh()
    gpu = snap.data
    assert gpu is not None
    window = [t for t in refreshes if t >= refreshes[-1] - HISTORY_SECONDS]
    assert len(window) < len(refreshes)  # the early points fall out
    assert [t for t, _ in gpu.utilization_history] == [t for t, _ in gpu.vram_history] == window


def test_before_the_first_refresh_the_source_is_loading_not_the_fallback() -> None:
    src = NvmlGpuSource(Settings(), _prometheus(DCGM), nvml=FakeNvml())
    snap = src.current()
    assert (snap.source, snap.data, snap.error) == ("nvml", None, None)


def test_prometheus_failing_before_any_data_is_named() -> None:
    prom = StaticSource(Snapshot[MetricsData]("prometheus").failed("connection refused", now=500.0))
    src = NvmlGpuSource(Settings(), prom, nvml=FakeNvml(init_error=NOT_FOUND))
    snap = src.refresh()
    assert snap.error == "NVML: library not found; Prometheus: connection refused"
    assert snap.error_since == 500.0


def test_no_dcgm_metrics_fails_since_the_prometheus_answer() -> None:
    prom = StaticSource(Snapshot[MetricsData]("prometheus").succeeded(MetricsData(), now=500.0))
    snap = NvmlGpuSource(Settings(), prom, nvml=FakeNvml(init_error=NOT_FOUND)).refresh()
    assert snap.error_since == 500.0
    assert freshness_text(snap, now=512.0) == (
        "gpu (DCGM via prometheus): failing for 12 s: NVML: library not found; Prometheus has no DCGM metrics")
