"""Data shapes read from Prometheus, LiteLLM and NVML (pure data, no I/O).

The sources in :mod:`homelab_tui.sources` build these; the model and UI read them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True)
class VolumeStats:
    namespace: str
    pvc: str
    used_bytes: float
    capacity_bytes: float
    #: days until full from the recent growth; None when not growing or unknown
    days_until_full: float | None = None

    @property
    def percent(self) -> float:
        return 100.0 * self.used_bytes / self.capacity_bytes if self.capacity_bytes > 0 else 0.0


@dataclass(frozen=True)
class GpuProcess:
    pid: int | None
    name: str  # process name, or pod "namespace/pod" when known
    used_bytes: float | None = None


@dataclass(frozen=True)
class GpuTelemetry:
    #: "nvml" or "prometheus" (DCGM exporter)
    origin: str
    node: str = ""
    model: str = ""
    vram_used_bytes: float | None = None
    vram_total_bytes: float | None = None
    utilization_percent: float | None = None
    temperature_c: float | None = None
    power_watts: float | None = None
    processes: tuple[GpuProcess, ...] = ()
    #: (epoch seconds, value) over the last 30 minutes
    utilization_history: tuple[tuple[float, float], ...] = ()
    vram_history: tuple[tuple[float, float], ...] = ()
    #: why another origin was not used, e.g. "NVML: library not found; using Prometheus (DCGM)"
    note: str = ""


@dataclass(frozen=True)
class VllmStats:
    requests_running: float | None = None
    requests_waiting: float | None = None
    #: 0..1
    kv_cache_usage: float | None = None


@dataclass(frozen=True)
class MetricsData:
    """Everything read from Prometheus in one refresh."""

    volumes: dict[tuple[str, str], VolumeStats] = field(default_factory=dict)
    gpu: GpuTelemetry | None = None
    vllm: dict[str, VllmStats] = field(default_factory=dict)  # keyed by model_name label


class TierHealth(enum.Enum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"  # not checked yet, or /health not allowed


@dataclass(frozen=True)
class AliasHealth:
    alias: str
    health: TierHealth
    #: first line of LiteLLM's error, secrets removed
    error: str = ""
    model: str = ""  # the upstream model (e.g. hosted_vllm/Qwen/Qwen3-8B-AWQ)


@dataclass(frozen=True)
class OllamaModel:
    """One model Ollama holds in memory (``/api/ps``)."""

    name: str
    size_bytes: float | None = None
    vram_bytes: float | None = None
    #: RFC 3339 time Ollama unloads it if idle
    expires_at: str = ""


@dataclass(frozen=True)
class LiteLLMData:
    alive: bool = False
    ready: bool = False
    readiness: dict = field(default_factory=dict)
    #: alias -> health from the last full /health call
    aliases: dict[str, AliasHealth] = field(default_factory=dict)
    #: epoch seconds of the last full /health call (None = never)
    health_checked_at: float | None = None
    #: error of the last /health call (e.g. "401: no key configured")
    health_error: str = ""
    #: aliases LiteLLM knows (from /v1/models), empty when unknown
    models: tuple[str, ...] = ()
    #: Ollama's loaded models (``/api/ps``) when ``ollama.url`` is configured; None = not configured
    ollama_models: tuple[OllamaModel, ...] | None = None
    #: why Ollama could not be read (empty when it answered or is not configured)
    ollama_error: str = ""


@dataclass(frozen=True)
class ProbeResult:
    """One max_tokens=1 chat to an alias."""

    requested: str
    status: int
    answered_by: str = ""  # x-litellm-model-group
    attempted_fallbacks: int = 0
    latency_ms: float = 0.0
    error: str = ""


def not_ready(llm: LiteLLMData | None) -> str:
    """Why a live proxy says it is not ready (``/health/readiness``), "" when it is ready or not alive."""
    if llm is None or not llm.alive or llm.ready:
        return ""
    return str(llm.readiness.get("error") or llm.readiness.get("status") or "no reason given")
