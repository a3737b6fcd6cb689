"""Every PromQL query homelab-tui sends, in one place.

``ALL_QUERIES`` lists them; tests evaluate each one against a real Prometheus and
against the simulated one (``homelab_tui.demo.prometheus_sim``), so a query added
here is covered by both automatically.

Facts the queries account for:

* ``kubelet_volume_stats_*`` exist only for volumes the kubelet can stat: ``local-path``
  (hostPath) volumes have none, NFS volumes report the whole NFS share. The same NFS
  claim mounted on two nodes is reported by both kubelets, hence ``max by (namespace,
  persistentvolumeclaim)``.
* Days until full come from ``deriv`` over the last days: the least-squares slope that
  ``predict_linear`` extrapolates with, in bytes per second.
* The DCGM exporter's node label is ``Hostname`` in older releases and ``hostname`` in
  newer ones: the history queries keep both, the parser accepts either.
* vLLM renamed ``vllm:gpu_cache_usage_perc`` to ``vllm:kv_cache_usage_perc``: both are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

QueryKind = Literal["instant", "range"]

#: window of the growth fit behind "days until full"
GROWTH_WINDOW = "2d"
#: the GPU sparklines cover this many seconds, one point every HISTORY_STEP seconds
HISTORY_SECONDS = 1800
HISTORY_STEP = 30

DCGM_UTIL = "DCGM_FI_DEV_GPU_UTIL"
DCGM_FB_USED = "DCGM_FI_DEV_FB_USED"  # MiB
DCGM_FB_FREE = "DCGM_FI_DEV_FB_FREE"  # MiB
DCGM_TEMP = "DCGM_FI_DEV_GPU_TEMP"  # °C
DCGM_POWER = "DCGM_FI_DEV_POWER_USAGE"  # W
DCGM_METRICS = (DCGM_UTIL, DCGM_FB_USED, DCGM_FB_FREE, DCGM_TEMP, DCGM_POWER)

VLLM_RUNNING = "vllm:num_requests_running"
VLLM_WAITING = "vllm:num_requests_waiting"
VLLM_KV_CACHE = "vllm:kv_cache_usage_perc"
VLLM_KV_CACHE_OLD = "vllm:gpu_cache_usage_perc"
VLLM_METRICS = (VLLM_RUNNING, VLLM_WAITING, VLLM_KV_CACHE, VLLM_KV_CACHE_OLD)

VOLUME_USED_METRIC = "kubelet_volume_stats_used_bytes"
VOLUME_CAPACITY_METRIC = "kubelet_volume_stats_capacity_bytes"

#: label names of the GPU node in DCGM exporter series, old and new
DCGM_HOST_LABELS = ("Hostname", "hostname")


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    kind: QueryKind


def _names_matching(names: tuple[str, ...]) -> str:
    return '{__name__=~"' + "|".join(names) + '"}'


VOLUME_USED = Query(
    "volume_used", f"max by (namespace, persistentvolumeclaim) ({VOLUME_USED_METRIC})", "instant")
VOLUME_CAPACITY = Query(
    "volume_capacity", f"max by (namespace, persistentvolumeclaim) ({VOLUME_CAPACITY_METRIC})", "instant")
VOLUME_GROWTH = Query(
    "volume_growth",
    f"max by (namespace, persistentvolumeclaim) (deriv({VOLUME_USED_METRIC}[{GROWTH_WINDOW}]))", "instant")
GPU_NOW = Query("gpu_now", _names_matching(DCGM_METRICS), "instant")
GPU_UTIL_HISTORY = Query("gpu_util_history", f"max by (Hostname, hostname, gpu) ({DCGM_UTIL})", "range")
GPU_VRAM_HISTORY = Query("gpu_vram_history", f"max by (Hostname, hostname, gpu) ({DCGM_FB_USED})", "range")
VLLM_NOW = Query("vllm_now", _names_matching(VLLM_METRICS), "instant")

ALL_QUERIES: tuple[Query, ...] = (
    VOLUME_USED, VOLUME_CAPACITY, VOLUME_GROWTH, GPU_NOW, GPU_UTIL_HISTORY, GPU_VRAM_HISTORY, VLLM_NOW,
)


def range_params(end: float) -> dict[str, str]:
    """start/end/step of the history queries ending at ``end`` (aligned to the step, as Grafana does)."""
    end = end - end % HISTORY_STEP
    return {"start": _ts(end - HISTORY_SECONDS), "end": _ts(end), "step": str(HISTORY_STEP)}


def _ts(t: float) -> str:
    return f"{t:.3f}".rstrip("0").rstrip(".")
