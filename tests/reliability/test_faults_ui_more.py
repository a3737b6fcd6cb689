"""Issue 6, the remaining faults: Prometheus answering empty, NVML missing; and a check that the
keypress measurement really catches a blocking call on the UI thread."""

from __future__ import annotations

import dataclasses
import statistics
from types import SimpleNamespace
from typing import Iterator

import pynvml
import pytest

from homelab_tui.demo.runner import DemoLab
from homelab_tui.sources.nvml import NvmlGpuSource
from homelab_tui.ui.app import make_app
from tests.reliability.stubs import EmptyPrometheus
from tests.reliability.harness import (
    KEY_BOUND, LoopLag, assert_keys_answer, fast_settings, key_latencies, lab_services, record, recovery_bound,
    wait_for,
)
from tests.ui.conftest import screen_text

SIZE = (160, 50)


@pytest.fixture
def more_lab(tmp_path) -> Iterator[DemoLab]:
    with DemoLab(tmp_path / "lab", step=0.2) as running:
        yield running


async def test_prometheus_answering_empty(more_lab: DemoLab) -> None:
    lab = more_lab
    with EmptyPrometheus(lab.prometheus_url) as prom:
        prom.empty = False
        settings = fast_settings(lab)
        settings = dataclasses.replace(settings, prometheus=dataclasses.replace(settings.prometheus, url=prom.url))
        app = make_app(lab_services(lab, settings))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.latest.metrics.ok and app.latest.metrics.data.volumes,
                           "the first volume figures")
            prom.empty = True
            with LoopLag() as lag:
                shown = await wait_for(pilot, lambda: not app.latest.metrics.data.volumes, "the empty answer")
                await pilot.press("4")
                await wait_for(pilot, lambda: "n8n-data" in screen_text(app) and "no metrics" in screen_text(app),
                               "the storage screen saying there are no metrics")
                median = await assert_keys_answer(pilot, "prometheus-empty")
            prom.empty = False
            recovery = await wait_for(pilot, lambda: app.latest.metrics.data.volumes, "volume figures again")
            assert recovery <= recovery_bound(), f"volume figures came back {recovery:.2f} s after the fault cleared"
            record(fault="prometheus-empty", shown_after_s=round(shown, 2), recovered_after_s=round(recovery, 2),
                   key_median_ms=round(median * 1000, 1), loop_lag_worst_ms=round(lag.worst * 1000, 1))


class _MissingNvml(SimpleNamespace):
    """pynvml on a machine without the NVIDIA driver: ``nvmlInit`` fails with LibraryNotFound."""

    NVMLError = pynvml.NVMLError

    @staticmethod
    def nvmlInit() -> None:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)


async def test_nvml_missing_falls_back_to_dcgm(more_lab: DemoLab) -> None:
    lab = more_lab
    services = lab_services(lab)
    services.gpu = NvmlGpuSource(services.settings, services.prometheus, nvml=_MissingNvml())
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await wait_for(pilot, lambda: app.latest.gpu.ok and app.latest.gpu.data is not None, "the DCGM telemetry")
        await wait_for(pilot, lambda: "NVML: library not found" in screen_text(app), "the note saying why")
        median = await assert_keys_answer(pilot, "nvml-missing")
        text = screen_text(app)
        assert "✖" not in text.split("Screens")[0].splitlines()[-3], text
        assert "NVIDIA" in text or "VRAM" in text
        record(fault="nvml-missing", key_median_ms=round(median * 1000, 1))


async def test_the_measurement_catches_a_blocking_call_on_the_ui_thread(more_lab: DemoLab) -> None:
    """Were a slow source refreshed on the UI thread, keypresses would wait: the bound must then fail."""
    lab = more_lab
    lab.faults["prometheus"].latency = 3.0  # every refresh now hangs for the 1 s timeout
    services = lab_services(lab)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        app.set_interval(0.05, services.prometheus.refresh)  # the bug: blocking I/O in a UI timer
        await pilot.pause(0.3)
        latencies = await key_latencies(pilot, presses=9, gap=0.2)
        assert statistics.median(latencies) > KEY_BOUND, latencies
        record(fault="self-test: blocking UI thread", key_median_ms=round(statistics.median(latencies) * 1000, 1))
