"""A deterministic DashboardState built from the demo seed, for UI tests and snapshots.

Everything is pinned: the seed's clock, every ``fetched_at``, the metric values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from homelab_tui.config import Settings
from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.seed_util import USED_FRACTION
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.metrics import (
    AliasHealth, GpuTelemetry, LiteLLMData, MetricsData, TierHealth, VolumeStats,
)
from homelab_tui.model.quantity import parse_quantity
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState
from homelab_tui.services import Services, static_services
from homelab_tui.sources.resources import ON_DEMAND, WATCHED

FIXED_DT = dt.datetime(2027, 1, 15, 8, 0, tzinfo=dt.timezone.utc)
FIXED = FIXED_DT.timestamp()
GIB = 1024**3


def fixed_clock() -> float:
    return FIXED


def demo_objects() -> list[dict[str, Any]]:
    return build_objects(FIXED_DT)


def cluster_state(objects: list[dict[str, Any]]) -> ClusterState:
    """File seed objects under their ClusterState keys, sorted like the watch cache sorts them."""
    by_key: dict[str, list[dict[str, Any]]] = {spec.key: [] for spec in WATCHED}
    for obj in objects:
        for spec in WATCHED:
            if obj.get("kind") == spec.kind and obj.get("apiVersion") == spec.api_version:
                by_key[spec.key].append(obj)
    objs = {k: tuple(sorted(v, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])))
            for k, v in by_key.items()}
    return ClusterState(objects=objs, synced=frozenset(objs), context="demo", server="https://127.0.0.1:6443",
                        revision=1)


def volume_stats(cluster: ClusterState) -> dict[tuple[str, str], VolumeStats]:
    """What Prometheus reports for the seed's NFS volumes (local-path volumes report nothing)."""
    out = {}
    for pvc in cluster.get("persistentvolumeclaims"):
        md = pvc["metadata"]
        fraction = (md.get("annotations") or {}).get(USED_FRACTION)
        if fraction is None or pvc["spec"].get("storageClassName") == "local-path":
            continue
        capacity = parse_quantity(pvc["spec"]["resources"]["requests"]["storage"]) or 0.0
        out[(md["namespace"], md["name"])] = VolumeStats(md["namespace"], md["name"], capacity * float(fraction),
                                                         capacity, None)
    return out


def litellm_data() -> LiteLLMData:
    aliases = {a: AliasHealth(a, TierHealth.HEALTHY) for a in ("vllm-qwen", "ollama-qwen", "openai-gpt4o")}
    aliases["vllm-r1"] = AliasHealth("vllm-r1", TierHealth.UNHEALTHY, "no healthy deployment for vllm-r1")
    return LiteLLMData(alive=True, ready=True, aliases=aliases, health_checked_at=FIXED - 120,
                       models=tuple(sorted(aliases)))


def gpu_telemetry() -> GpuTelemetry:
    return GpuTelemetry(origin="prometheus", node="k3s-gpu-worker", model="NVIDIA GeForce RTX 3060",
                        vram_used_bytes=10.4 * GIB, vram_total_bytes=12 * GIB, utilization_percent=37.0,
                        temperature_c=61.0, power_watts=95.0,
                        note="NVML: library not found; using Prometheus (DCGM)")


def demo_state() -> DashboardState:
    """All four sources healthy, fetched a few seconds before the fixed clock."""
    cluster = cluster_state(demo_objects())
    metrics = MetricsData(volumes=volume_stats(cluster), gpu=gpu_telemetry())
    return DashboardState(
        cluster=Snapshot("kubernetes", cluster, fetched_at=FIXED - 1, attempted_at=FIXED - 1),
        metrics=Snapshot("prometheus", metrics, fetched_at=FIXED - 4, attempted_at=FIXED - 4),
        llm=Snapshot("litellm", litellm_data(), fetched_at=FIXED - 7, attempted_at=FIXED - 7),
        gpu=Snapshot("prometheus-dcgm", gpu_telemetry(), fetched_at=FIXED - 4, attempted_at=FIXED - 4),
    )


def failing_cluster(state: DashboardState, error: str = "connection refused") -> DashboardState:
    """The API server stopped answering 12 s ago; the last good data is 40 s old."""
    cluster = dataclasses.replace(state.cluster, fetched_at=FIXED - 40, error=error, error_since=FIXED - 12,
                                  attempted_at=FIXED - 1)
    return dataclasses.replace(state, cluster=cluster)


def demo_events(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == "Event"]


def demo_unwatched(objects: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The seed's objects of the kinds the dashboard reads on demand (the issuance chain)."""
    return {spec.key: [o for o in objects if o.get("kind") == spec.kind and o.get("apiVersion") == spec.api_version]
            for spec in ON_DEMAND.values()}


def demo_services(state: DashboardState | None = None, *, read_only: bool = False) -> Services:
    objects = demo_objects()
    return static_services(state or demo_state(), Settings(), context="demo", events=demo_events(objects),
                           read_only=read_only, unwatched=demo_unwatched(objects))
