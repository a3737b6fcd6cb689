"""Variations of the demo state for the data screens (ingress, storage, GPU, inference) and a fake LiteLLM source.

Built on :mod:`tests.ui.demo_state`: the same seed and fixed clock, with the
hand-made Prometheus, LiteLLM and GPU figures each test needs.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Callable

from homelab_tui.model.metrics import (
    AliasHealth, GpuProcess, GpuTelemetry, LiteLLMData, MetricsData, ProbeResult, TierHealth, VllmStats, VolumeStats,
)
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState
from homelab_tui.services import Services
from homelab_tui.ui.app import HomelabApp, make_app
from tests.ui.demo_state import (
    FIXED, GIB, cluster_state, demo_objects, demo_services, demo_state, fixed_clock, gpu_telemetry, litellm_data,
)

TIB = 1024 * GIB
QWEN = "Qwen/Qwen3-8B-AWQ"


def with_objects(change: Callable[[list[dict[str, Any]]], None]) -> DashboardState:
    """The demo state with the seed's objects changed by ``change`` (a copy; the seed is not touched)."""
    objects = copy.deepcopy(demo_objects())
    change(objects)
    state = demo_state()
    return dataclasses.replace(state, cluster=dataclasses.replace(state.cluster, data=cluster_state(objects)))


def scale(objects: list[dict[str, Any]], namespace: str, name: str, replicas: int) -> None:
    """Set a deployment's desired and ready replicas, as if it had settled there."""
    for o in objects:
        md = o["metadata"]
        if o["kind"] == "Deployment" and md.get("namespace") == namespace and md["name"] == name:
            o["spec"]["replicas"] = replicas
            o["status"] = {**o.get("status", {}), "replicas": replicas, "readyReplicas": replicas,
                           "availableReplicas": replicas, "updatedReplicas": replicas}
            return
    raise KeyError(f"{namespace}/{name}")


def gpu_with_history() -> GpuTelemetry:
    """Thirty minutes of one sample a minute: utilisation ramps up, VRAM steady near 10.4 GiB; one process."""
    times = [FIXED - 60 * (30 - i) for i in range(30)]
    util = tuple((t, float(10 + 3 * i)) for i, t in enumerate(times))
    vram = tuple((t, 10.4 * GIB - (0.5 * GIB if i < 5 else 0.0)) for i, t in enumerate(times))
    return dataclasses.replace(gpu_telemetry(), utilization_history=util, vram_history=vram,
                               processes=(GpuProcess(4242, "ml/vllm-server-75w6cp7h7n-kdlfs", 10.1 * GIB),))


def with_gpu(state: DashboardState, gpu: GpuTelemetry | None, error: str | None = None) -> DashboardState:
    snap = Snapshot("prometheus-dcgm", gpu, fetched_at=FIXED - 4 if gpu else None, attempted_at=FIXED - 1,
                    error=error, error_since=FIXED - 30 if error else None)
    return dataclasses.replace(state, gpu=snap)


def with_llm(state: DashboardState, llm: LiteLLMData) -> DashboardState:
    return dataclasses.replace(state, llm=dataclasses.replace(state.llm, data=llm))


def vllm_qwen_unhealthy() -> LiteLLMData:
    """LiteLLM's last /health says vllm-qwen fails (its deployment still reports a ready pod)."""
    llm = litellm_data()
    aliases = dict(llm.aliases)
    aliases["vllm-qwen"] = AliasHealth("vllm-qwen", TierHealth.UNHEALTHY, "Connection refused")
    return dataclasses.replace(llm, aliases=aliases)


def with_vllm_stats(state: DashboardState) -> DashboardState:
    metrics = dataclasses.replace(state.metrics.data or MetricsData(),
                                  vllm={QWEN: VllmStats(requests_running=2, requests_waiting=1, kv_cache_usage=0.42)})
    return dataclasses.replace(state, metrics=dataclasses.replace(state.metrics, data=metrics))


def with_share_wide_volume(state: DashboardState) -> DashboardState:
    """n8n-data (an NFS claim of 5Gi) reports the whole 4 TiB share, as kubelet does for NFS."""
    metrics = state.metrics.data or MetricsData()
    volumes = dict(metrics.volumes)
    volumes[("apps", "n8n-data")] = VolumeStats("apps", "n8n-data", 1.2 * TIB, 4 * TIB, None)
    return dataclasses.replace(state, metrics=dataclasses.replace(
        state.metrics, data=dataclasses.replace(metrics, volumes=volumes)))


def failing(snap: Snapshot[Any], error: str) -> Snapshot[Any]:
    """``snap`` failing for 12 s with ``error``, last good data 40 s old (or none)."""
    return dataclasses.replace(snap, error=error, error_since=FIXED - 12, attempted_at=FIXED - 1,
                               fetched_at=FIXED - 40 if snap.data is not None else None)


class FakeLiteLLM:
    """A LiteLLM source that records every call: ``refresh(full=…)`` and ``probe(alias)``."""

    name = "litellm"
    interval = 3600.0

    def __init__(self, snapshot: Snapshot[LiteLLMData], answer: ProbeResult | None = None) -> None:
        self._snap = snapshot
        self.answer = answer or ProbeResult("vllm-qwen", 200, "ollama-qwen", 1, 52.0)
        self.refreshes: list[bool] = []
        self.probes: list[str] = []

    def refresh(self, full: bool = False) -> Snapshot[LiteLLMData]:
        self.refreshes.append(full)
        if full and self._snap.data is not None:
            self._snap = dataclasses.replace(self._snap, data=dataclasses.replace(
                self._snap.data, health_checked_at=FIXED), fetched_at=FIXED)
        return self._snap

    def current(self) -> Snapshot[LiteLLMData]:
        return self._snap

    def probe(self, alias: str) -> ProbeResult:
        self.probes.append(alias)
        return dataclasses.replace(self.answer, requested=alias)

    def close(self) -> None:
        pass


def app_for(state: DashboardState | None = None, services: Services | None = None) -> HomelabApp:
    return make_app(services or demo_services(state or demo_state()), clock=fixed_clock)


def flat(text: str) -> str:
    """Screen text with line breaks and runs of spaces collapsed (for messages that wrap)."""
    return " ".join(text.split())
