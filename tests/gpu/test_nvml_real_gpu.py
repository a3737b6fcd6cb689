"""NVML on a real GPU: the path the dashboard takes when it runs on the GPU host.

Skipped where NVML finds no GPU (CI, laptops): there the stand-in tests in ``tests/unit/test_nvml.py``
cover the logic. Run on a GPU host with ``scripts/gpu-host-check.sh`` or ``python -m pytest --noconftest
tests/gpu -q`` (``--noconftest``: these tests need none of the suite's fixtures).
"""

from __future__ import annotations

import os
import time

import pynvml
import pytest

from homelab_tui.config import Settings
from homelab_tui.sources.nvml import NvmlGpuSource


def _gpus() -> int:
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return 0
    try:
        return pynvml.nvmlDeviceGetCount()
    finally:
        pynvml.nvmlShutdown()


pytestmark = [pytest.mark.gpu, pytest.mark.skipif(_gpus() < 1, reason="NVML finds no GPU here")]


def test_every_reading_comes_from_nvml_and_is_plausible() -> None:
    source = NvmlGpuSource(Settings())
    try:
        snap = source.refresh()
        assert snap.ok and source.using_nvml, snap.error
        gpu = snap.data
        assert gpu.origin == "nvml" and gpu.model and gpu.node
        assert gpu.vram_total_bytes > 1 << 30  # every GPU the home-lab could run vLLM on has more than 1 GiB
        assert 0 <= gpu.vram_used_bytes <= gpu.vram_total_bytes
        assert gpu.utilization_percent is None or 0 <= gpu.utilization_percent <= 100
        assert gpu.temperature_c is None or 0 < gpu.temperature_c < 120
        assert gpu.power_watts is None or 0 < gpu.power_watts < 2000
        print(f"\nNVML: {gpu.model}, {gpu.vram_used_bytes / 2**30:.1f}/{gpu.vram_total_bytes / 2**30:.1f} GiB, "
              f"util {gpu.utilization_percent} %, {gpu.temperature_c} °C, {gpu.power_watts} W, "
              f"{len(gpu.processes)} process(es) {[(p.pid, p.name) for p in gpu.processes]}, note {gpu.note!r}")
        time.sleep(1.1)
        again = source.refresh().data
        assert len(again.vram_history) == 2 and again.vram_history[0][0] < again.vram_history[1][0]
    finally:
        source.close()
    reopened = NvmlGpuSource(Settings())  # init and shutdown pair up: a second source works after close()
    try:
        assert reopened.refresh().ok
    finally:
        reopened.close()


def test_memory_a_process_takes_shows_up() -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device")
    source = NvmlGpuSource(Settings())
    try:
        before = source.refresh().data.vram_used_bytes
        block = torch.empty(2 << 30, dtype=torch.uint8, device="cuda")  # 2 GiB
        torch.cuda.synchronize()
        after = source.refresh().data
        assert after.vram_used_bytes - before >= 1.5 * 2**30
        mine = [p for p in after.processes if p.pid == os.getpid()]
        print(f"\nVRAM +{(after.vram_used_bytes - before) / 2**30:.2f} GiB; this process listed: {bool(mine)} "
              f"(containers may hide PIDs); processes {[(p.pid, p.name, p.used_bytes) for p in after.processes]}")
        del block
    finally:
        source.close()
