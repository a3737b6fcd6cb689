"""The NVML GPU source: the GPU path through a stand-in for pynvml, and the no-GPU fallback to Prometheus."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pynvml
import pytest

from homelab_tui.config import Settings
from homelab_tui.model.metrics import GpuTelemetry, MetricsData
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.sources.base import StaticSource
from homelab_tui.sources.nvml import NvmlGpuSource, make_gpu_source, nvml_library_loadable

GIB = 2 ** 30


class FakeNvml:
    """The pynvml functions the source calls, answering like an RTX 3060 running vLLM."""

    NVMLError = pynvml.NVMLError
    NVMLError_NotSupported = pynvml.NVMLError_NotSupported
    NVML_TEMPERATURE_GPU = pynvml.NVML_TEMPERATURE_GPU

    def __init__(self, init_error: BaseException | None = None, power_supported: bool = True) -> None:
        self.init_error = init_error
        self.power_supported = power_supported
        self.init_threads: list[str] = []
        self.shutdowns = 0
        self.util = 40

    def nvmlInit(self) -> None:
        self.init_threads.append(threading.current_thread().name)
        if self.init_error is not None:
            raise self.init_error

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlDeviceGetCount(self) -> int:
        return 1

    def nvmlDeviceGetHandleByIndex(self, index: int) -> str:
        assert index == 0
        return "handle-0"

    def nvmlDeviceGetName(self, handle: str) -> str:
        return "NVIDIA GeForce RTX 3060"

    def nvmlDeviceGetMemoryInfo(self, handle: str) -> SimpleNamespace:
        return SimpleNamespace(total=12 * GIB, used=int(9.8 * GIB), free=12 * GIB - int(9.8 * GIB))

    def nvmlDeviceGetUtilizationRates(self, handle: str) -> SimpleNamespace:
        return SimpleNamespace(gpu=self.util, memory=30)

    def nvmlDeviceGetTemperature(self, handle: str, sensor: int) -> int:
        assert sensor == pynvml.NVML_TEMPERATURE_GPU
        return 63

    def nvmlDeviceGetPowerUsage(self, handle: str) -> int:
        if not self.power_supported:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)
        return 118_250  # milliwatts

    def nvmlDeviceGetComputeRunningProcesses(self, handle: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(pid=4242, usedGpuMemory=int(9.5 * GIB)), SimpleNamespace(pid=99, usedGpuMemory=None)]

    def nvmlSystemGetProcessName(self, pid: int) -> bytes:
        if pid == 99:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_FOUND)
        return b"python3 -m vllm.entrypoints.openai.api_server"


def _prometheus(gpu: GpuTelemetry | None = None, error: str | None = None) -> StaticSource:
    snap: Snapshot[MetricsData] = Snapshot("prometheus")
    snap = snap.succeeded(MetricsData(gpu=gpu), now=500.0)
    if error:
        snap = snap.failed(error, now=510.0)
    return StaticSource(snap)


DCGM = GpuTelemetry(origin="prometheus", node="k3s-gpu-worker", model="NVIDIA GeForce RTX 3060",
                    vram_used_bytes=9.8 * GIB, vram_total_bytes=12 * GIB, utilization_percent=55.0)


def test_gpu_path_reads_every_value_and_initialises_once():
    nv = FakeNvml()
    src = NvmlGpuSource(Settings(), None, nvml=nv, clock=iter(range(1000, 2000, 10)).__next__, hostname="gpu-host")
    assert nv.init_threads == []  # nothing happens before the first refresh
    snaps = []
    for util in (10, 20, 30):
        nv.util = util
        snaps.append(src.refresh())
    assert len(nv.init_threads) == 1 and src.using_nvml
    gpu = snaps[-1].data
    assert snaps[-1].ok and gpu is not None
    assert (gpu.origin, gpu.node, gpu.model, gpu.note) == ("nvml", "gpu-host", "NVIDIA GeForce RTX 3060", "")
    assert (gpu.vram_used_bytes, gpu.vram_total_bytes) == (int(9.8 * GIB), 12 * GIB)
    assert (gpu.utilization_percent, gpu.temperature_c, gpu.power_watts) == (30.0, 63.0, 118.25)
    assert [(p.pid, p.name, p.used_bytes) for p in gpu.processes] == [
        (4242, "python3 -m vllm.entrypoints.openai.api_server", float(int(9.5 * GIB))), (99, "pid 99", None)]
    assert [v for _, v in gpu.utilization_history] == [10.0, 20.0, 30.0]
    src.close()
    assert nv.shutdowns == 1


def test_unsupported_reading_is_none_not_an_error():
    src = NvmlGpuSource(Settings(), None, nvml=FakeNvml(power_supported=False), hostname="gpu-host")
    snap = src.refresh()
    assert snap.ok and snap.data is not None and snap.data.power_watts is None


def test_init_happens_in_the_refreshing_worker_thread():
    nv = FakeNvml()
    src = NvmlGpuSource(Settings(), None, nvml=nv)
    worker = threading.Thread(target=src.refresh, name="gpu-worker")
    worker.start()
    worker.join(10)
    assert nv.init_threads == ["gpu-worker"]


def test_library_not_found_falls_back_to_prometheus_and_says_so():
    nv = FakeNvml(init_error=pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND))
    src = NvmlGpuSource(Settings(), _prometheus(DCGM), nvml=nv)
    snap = src.refresh()
    src.refresh()
    assert len(nv.init_threads) == 1  # not retried on every refresh
    assert not src.using_nvml
    assert snap.data is not None and snap.data.origin == "prometheus"
    assert snap.data.note == "NVML: library not found — showing DCGM metrics from Prometheus"
    assert snap.data.utilization_percent == 55.0
    assert snap.fetched_at == 500.0  # as fresh as the Prometheus data, not fresher
    assert src.current().data == snap.data


def test_fallback_carries_the_prometheus_error():
    nv = FakeNvml(init_error=pynvml.NVMLError(pynvml.NVML_ERROR_DRIVER_NOT_LOADED))
    snap = NvmlGpuSource(Settings(), _prometheus(DCGM, error="Prometheus unreachable: timed out"), nvml=nv).refresh()
    assert snap.data is not None and snap.data.note.startswith("NVML: driver not loaded")
    assert snap.error == "Prometheus unreachable: timed out"


def test_fallback_without_dcgm_metrics_says_what_is_missing():
    nv = FakeNvml(init_error=pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND))
    snap = NvmlGpuSource(Settings(), _prometheus(None), nvml=nv).refresh()
    assert snap.data is None
    assert snap.error == "NVML: library not found; Prometheus has no DCGM metrics"


def test_real_pynvml_without_a_gpu_falls_back():
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        pass
    else:
        pynvml.nvmlShutdown()
        pytest.skip("this machine has a working NVIDIA driver; the fake covers the fallback")
    src = make_gpu_source(Settings(), _prometheus(DCGM))
    snap = src.refresh()
    assert isinstance(src, NvmlGpuSource) and not src.using_nvml
    assert snap.data is not None and snap.data.origin == "prometheus"
    assert snap.data.note.startswith("NVML: ") and snap.data.note.endswith("showing DCGM metrics from Prometheus")


def test_the_library_check_agrees_with_pynvml():
    """Where the loader cannot find libnvidia-ml.so.1, pynvml itself says "library not found"."""
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError_LibraryNotFound:
        assert not nvml_library_loadable()
    except pynvml.NVMLError:
        assert nvml_library_loadable()  # found, but no driver or no permission: pynvml is asked
    else:
        pynvml.nvmlShutdown()
        assert nvml_library_loadable()


def test_without_the_library_pynvml_is_never_imported():
    import subprocess
    import sys

    if nvml_library_loadable():
        pytest.skip("this machine has libnvidia-ml.so.1")
    code = ("import sys; from homelab_tui.config import Settings; from homelab_tui.sources.nvml import NvmlGpuSource; "
            "src = NvmlGpuSource(Settings()); snap = src.refresh(); "
            "print('pynvml' in sys.modules, snap.error)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(" ", 1)[0] == "False"
    assert "NVML: library not found" in out.stdout
