"""``build_services`` wires the real sources together: on a host without NVML the GPU source shows the DCGM
metrics the Prometheus source read from the demo lab."""

from __future__ import annotations

import pytest

from homelab_tui.demo.runner import DemoLab
from homelab_tui.services import build_services
from homelab_tui.sources.nvml import NvmlGpuSource
from tests.reliability.harness import fast_settings


def test_without_nvml_the_gpu_source_shows_prometheus_dcgm_data(lab: DemoLab) -> None:
    services = build_services(fast_settings(lab), kubeconfig=str(lab.kubeconfig_path), litellm_key=lab.litellm_key)
    try:
        assert services.prometheus.refresh().ok
        gpu = services.gpu.refresh()
    finally:
        services.close()
    assert isinstance(services.gpu, NvmlGpuSource)
    if services.gpu.using_nvml:
        pytest.skip("this host has a working NVIDIA GPU: NVML is read, not the fallback")
    assert gpu.ok, gpu.error
    assert gpu.data is not None and gpu.data.origin == "prometheus" and gpu.data.vram_total_bytes
    assert gpu.fetched_at == services.prometheus.current().fetched_at
