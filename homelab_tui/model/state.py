"""Everything the dashboard knows at one moment: one snapshot per source."""

from __future__ import annotations

from dataclasses import dataclass, field

from homelab_tui.model.metrics import GpuTelemetry, LiteLLMData, MetricsData
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.snapshot import Snapshot


@dataclass(frozen=True)
class DashboardState:
    cluster: Snapshot[ClusterState] = field(default_factory=lambda: Snapshot("kubernetes"))
    metrics: Snapshot[MetricsData] = field(default_factory=lambda: Snapshot("prometheus"))
    llm: Snapshot[LiteLLMData] = field(default_factory=lambda: Snapshot("litellm"))
    #: GPU telemetry from NVML when on a GPU host, else derived from Prometheus
    gpu: Snapshot[GpuTelemetry] = field(default_factory=lambda: Snapshot("nvml"))
