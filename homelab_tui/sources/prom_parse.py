"""Turn Prometheus query results (the ``data`` member of an API answer) into model objects. No I/O."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Iterable, Mapping

from homelab_tui.model.metrics import GpuProcess, GpuTelemetry, VllmStats, VolumeStats
from homelab_tui.sources import promql as q
from homelab_tui.sources.base import SourceError

MIB = 1024.0 * 1024.0

Labels = Mapping[str, str]
Sample = tuple[dict[str, str], float]
Series = tuple[dict[str, str], list[tuple[float, float]]]


def _value(pair: Any) -> float:
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise SourceError(f"unexpected sample {pair!r:.60}")
    return float(pair[1])  # "NaN", "+Inf" and "-Inf" parse too


def vector(data: Mapping[str, Any]) -> list[Sample]:
    """Samples of an instant-vector result, NaN values left out."""
    if data.get("resultType") != "vector":
        raise SourceError(f"expected a vector result, got {data.get('resultType')!r}")
    out = []
    for item in data.get("result") or []:
        v = _value(item.get("value"))
        if not math.isnan(v):
            out.append((dict(item.get("metric") or {}), v))
    return out


def matrix(data: Mapping[str, Any]) -> list[Series]:
    """Series of a range-query result as (labels, [(t, v), ...]), NaN points left out."""
    if data.get("resultType") != "matrix":
        raise SourceError(f"expected a matrix result, got {data.get('resultType')!r}")
    out = []
    for item in data.get("result") or []:
        points = [(float(p[0]), _value(p)) for p in item.get("values") or []]
        out.append((dict(item.get("metric") or {}), [(t, v) for t, v in points if not math.isnan(v)]))
    return out


# --------------------------------------------------------------------------- storage

def _by_claim(samples: Iterable[Sample]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for labels, v in samples:
        key = (labels.get("namespace", ""), labels.get("persistentvolumeclaim", ""))
        if key[1]:
            out[key] = max(v, out.get(key, v))
    return out


def days_until_full(used: float, capacity: float, growth_per_second: float | None) -> float | None:
    """Days until ``used`` reaches ``capacity`` at the fitted growth; None when not growing."""
    if growth_per_second is None or growth_per_second <= 0 or capacity <= 0:
        return None
    return max(0.0, (capacity - used) / growth_per_second / 86400.0)


def volumes(used: Iterable[Sample], capacity: Iterable[Sample],
            growth: Iterable[Sample] | None) -> dict[tuple[str, str], VolumeStats]:
    """Volume stats of every claim that reports both used and capacity bytes.

    A claim missing here is "not reported" (e.g. a ``local-path`` volume), never 0 %.
    """
    used_by, cap_by = _by_claim(used), _by_claim(capacity)
    growth_by = _by_claim(growth) if growth is not None else {}
    out = {}
    for key in sorted(used_by.keys() & cap_by.keys()):
        u, c = used_by[key], cap_by[key]
        out[key] = VolumeStats(key[0], key[1], u, c, days_until_full(u, c, growth_by.get(key)))
    return out


# --------------------------------------------------------------------------- GPU (DCGM exporter)

def gpu_host(labels: Labels) -> str:
    """The GPU node of a DCGM series: ``Hostname`` (old exporters) or ``hostname`` (new)."""
    for name in q.DCGM_HOST_LABELS:
        if labels.get(name):
            return labels[name]
    return labels.get("node", "") or labels.get("instance", "")


def _gpu_key(labels: Labels) -> tuple[str, str]:
    return gpu_host(labels), labels.get("gpu", labels.get("UUID", ""))


def _pick_gpu(keys: Iterable[tuple[str, str]], node: str) -> tuple[str, str] | None:
    ordered = sorted(set(keys))
    return next((k for k in ordered if k[0] == node), ordered[0] if ordered else None)


def _pod_of(labels: Labels) -> str:
    pod = labels.get("exported_pod") or labels.get("pod") or ""
    ns = labels.get("exported_namespace") or labels.get("namespace") or ""
    if not pod or pod.startswith("nvidia-dcgm-exporter"):
        return ""
    return f"{ns}/{pod}" if ns else pod


def _history(series: Iterable[Series], key: tuple[str, str], scale: float) -> tuple[tuple[float, float], ...]:
    """Points of the chosen GPU; old- and new-label series of one GPU are merged (max per timestamp)."""
    points: dict[float, float] = {}
    for labels, values in series:
        if _gpu_key(labels)[0] != key[0] or (labels.get("gpu") and labels["gpu"] != key[1]):
            continue
        for t, v in values:
            points[t] = max(v * scale, points.get(t, v * scale))
    return tuple(sorted(points.items()))


def gpu(now: Iterable[Sample], util_history: Iterable[Series] | None, vram_history: Iterable[Series] | None,
        node: str) -> GpuTelemetry | None:
    """Telemetry of the GPU on ``node`` (else the first GPU seen) from DCGM samples; None without any."""
    samples = [(labels, v) for labels, v in now if labels.get("__name__") in q.DCGM_METRICS]
    key = _pick_gpu((_gpu_key(labels) for labels, _ in samples), node)
    if key is None:
        return None
    values: dict[str, float] = {}
    model = ""
    pods: dict[str, None] = {}
    for labels, v in samples:
        if _gpu_key(labels) != key:
            continue
        name = labels["__name__"]
        values[name] = max(v, values.get(name, v))
        model = model or labels.get("modelName", "")
        pod = _pod_of(labels)
        if pod:
            pods[pod] = None
    used = values.get(q.DCGM_FB_USED)
    free = values.get(q.DCGM_FB_FREE)
    return GpuTelemetry(
        origin="prometheus",
        node=key[0],
        model=model,
        vram_used_bytes=used * MIB if used is not None else None,
        vram_total_bytes=(used + free) * MIB if used is not None and free is not None else None,
        utilization_percent=values.get(q.DCGM_UTIL),
        temperature_c=values.get(q.DCGM_TEMP),
        power_watts=values.get(q.DCGM_POWER),
        processes=tuple(GpuProcess(None, pod) for pod in sorted(pods)),
        utilization_history=_history(util_history or (), key, 1.0),
        vram_history=_history(vram_history or (), key, MIB),
    )


# --------------------------------------------------------------------------- vLLM

def vllm(samples: Iterable[Sample]) -> dict[str, VllmStats]:
    """Per ``model_name``: requests summed over replicas; KV cache from the new metric, else the old one."""
    sums: dict[str, dict[str, float]] = defaultdict(dict)
    for labels, v in samples:
        name, model = labels.get("__name__", ""), labels.get("model_name", "")
        if name not in q.VLLM_METRICS or not model:
            continue
        slot = sums[model]
        if name in (q.VLLM_RUNNING, q.VLLM_WAITING):
            slot[name] = slot.get(name, 0.0) + v
        else:
            slot[name] = max(v, slot.get(name, v))
    out = {}
    for model, slot in sorted(sums.items()):
        kv = slot.get(q.VLLM_KV_CACHE, slot.get(q.VLLM_KV_CACHE_OLD))
        out[model] = VllmStats(slot.get(q.VLLM_RUNNING), slot.get(q.VLLM_WAITING), kv)
    return out
