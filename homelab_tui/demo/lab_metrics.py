"""The metrics the simulated Prometheus holds, derived from the simulated cluster.

What real exporters would report, as functions of time:

* kubelet volume stats (``kubelet_volume_stats_used_bytes`` / ``_capacity_bytes``) for claims mounted
  by a running pod, labelled by the kubelet of that pod's node. ``local-path`` (hostPath) volumes have
  none. NFS volumes (nfs-subdir provisioner) report what ``statfs`` on the mount says: the whole
  Synology share (:data:`NFS_SHARE_BYTES`), used = the NAS's other data plus every NFS claim's usage.
  Other volume types report the claim itself. A claim's own usage comes from the seed's annotations
  ``demo.homelab-tui/used-fraction`` (of its capacity, when the lab started) and
  ``demo.homelab-tui/growth-per-day`` (fraction of its capacity per day).
* DCGM exporter series of the RTX 3060 on the GPU node (``Hostname`` label, the exporter pod's own
  ``namespace``/``pod`` and the GPU user's ``exported_namespace``/``exported_pod``): VRAM and load of
  whichever vLLM deployments have ready pods — ml ≈ 9.8 GiB, r1 ≈ 10.6 GiB, both = over the 12 GiB,
  none (gaming) ≈ idle.
* vLLM's ``num_requests_running``/``_waiting`` and KV-cache usage per ready vLLM pod; ``vllm-server``
  exposes the new ``vllm:kv_cache_usage_perc``, ``vllm-r1`` the older ``vllm:gpu_cache_usage_perc``.

Which vLLM pods were ready is logged whenever it changes, so the 30-minute history shows a mode switch
where it happened.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from homelab_tui.config import GpuSettings
from homelab_tui.demo.seed_util import GROWTH_PER_DAY, USED_FRACTION

# metric names as the exporters write them (the demo speaks only HTTP: no import from homelab_tui.sources)
VOLUME_USED = "kubelet_volume_stats_used_bytes"
VOLUME_CAPACITY = "kubelet_volume_stats_capacity_bytes"
DCGM_UTIL, DCGM_FB_USED, DCGM_FB_FREE = "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE"
DCGM_TEMP, DCGM_POWER = "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE"
VLLM_RUNNING, VLLM_WAITING = "vllm:num_requests_running", "vllm:num_requests_waiting"
VLLM_KV_CACHE, VLLM_KV_CACHE_OLD = "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"

SCRAPE_INTERVAL = 30.0
TIB = 2.0 ** 40
#: the Synology DS920+ share behind nfs-client, and the data on it that is not in any claim
NFS_SHARE_BYTES = round(7.3 * TIB)
NAS_OTHER_USED_BYTES = round(6.5 * TIB)  # the share is ~92 % full: the demo's storage alarm (ADR-004)
GPU_MODEL = "NVIDIA GeForce RTX 3060"
GPU_UUID = "GPU-5f3c2a91-7d4e-4b6a-9c1e-2a7b8d0e6f13"
GPU_TOTAL_MIB = 12288.0
GPU_IDLE_MIB = 5.0
DCGM_EXPORTER_POD = "nvidia-dcgm-exporter-7xk2p"

#: per GPU deployment: VRAM (MiB), base utilisation (%), metric name of the KV cache
GPU_PROFILES: dict[str, tuple[float, float, str]] = {
    "vllm-server": (10035.0, 42.0, VLLM_KV_CACHE),
    "vllm-r1": (10854.0, 55.0, VLLM_KV_CACHE_OLD),
}
_DEFAULT_PROFILE = (9000.0, 40.0, VLLM_KV_CACHE)

Labels = dict[str, str]
Sample = tuple[Labels, float]
_QUANTITY = re.compile(r"^([0-9.]+)([KMGTPE]i?|[kmu]?)$")
_FACTORS = {"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18, "m": 1e-3, "u": 1e-6,
            "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}


def parse_quantity(text: str) -> float:
    m = _QUANTITY.match(str(text).strip())
    if not m:
        raise ValueError(f"not a quantity: {text!r}")
    return float(m.group(1)) * _FACTORS[m.group(2)]


def _wave(t: float, period: float, phase: float = 0.0) -> float:
    return math.sin(2 * math.pi * t / period + phase)


@dataclass(frozen=True)
class GpuUser:
    """A ready vLLM pod on the GPU."""

    deployment: str
    namespace: str
    pod: str
    pod_ip: str
    model_name: str


@dataclass(frozen=True)
class Claim:
    labels: Labels  # kubelet labels without __name__
    kind: str  # "nfs" or "block"
    capacity: float
    used_fraction: float
    growth_per_day: float


def _ready(pod: dict) -> bool:
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in pod.get("status", {}).get("conditions") or [])


def _selects(selector: dict, labels: dict) -> bool:
    match = selector.get("matchLabels") or {}
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def _served_model(deployment: dict) -> str:
    for c in deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
        args = list(c.get("args") or [])
        for flag in ("--served-model-name", "--model"):
            if flag in args[:-1]:
                return str(args[args.index(flag) + 1])
    return deployment["metadata"]["name"]


class LabMetrics:
    """Reads the cluster store and answers "every series at time t" for the PromQL evaluator."""

    def __init__(self, store: Any, clock: Callable[[], float] = time.time, gpu: GpuSettings | None = None) -> None:
        self.store = store
        self.clock = clock
        self.gpu = gpu or GpuSettings()
        #: volume usage is anchored here: the annotations describe the claims at this moment
        self.t0 = clock()
        self._lock = threading.Lock()
        self._claims_cache: tuple[str, list[Claim]] | None = None
        self._log: list[tuple[float, tuple[GpuUser, ...]]] = [(-math.inf, self._gpu_users())]
        store.subscribe(self._on_change)

    def _on_change(self, key: str, _type: str, obj: dict) -> None:
        """Log which vLLM pods use the GPU whenever that may have changed (called under the store's lock)."""
        if key not in ("pods", "deployments") or obj.get("metadata", {}).get("namespace") != self.gpu.namespace:
            return
        users = self._gpu_users()
        with self._lock:
            if users != self._log[-1][1]:
                self._log.append((self.clock(), users))

    # ------------------------------------------------------------------ cluster reading

    def _gpu_users(self) -> tuple[GpuUser, ...]:
        ns = self.gpu.namespace
        pods, _ = self.store.view("pods", ns)
        users = []
        for name in self.gpu.gpu_deployments:
            dep = self.store.get("deployments", ns, name)
            if dep is None:
                continue
            selector = dep.get("spec", {}).get("selector") or {}
            for pod in pods:
                if _ready(pod) and _selects(selector, pod["metadata"].get("labels") or {}):
                    users.append(GpuUser(name, ns, pod["metadata"]["name"], pod["status"].get("podIP", ""),
                                         _served_model(dep)))
        return tuple(users)

    def _gpu_node_up(self) -> bool:
        node = self.store.get("nodes", None, self.gpu.node)
        return node is not None and any(c.get("type") == "Ready" and c.get("status") == "True"
                                        for c in node.get("status", {}).get("conditions") or [])

    def _claims(self) -> list[Claim]:
        """The mounted claims, worked out again only when the store changed (at 10× a reading walks 3,000
        pods, and every query reads them)."""
        version = self.store.resource_version
        cached = self._claims_cache
        if cached is not None and cached[0] == version:
            return cached[1]
        claims = self._read_claims()
        self._claims_cache = (version, claims)
        return claims

    def _read_claims(self) -> list[Claim]:
        classes, _ = self.store.view("storageclasses")
        provisioner = {sc["metadata"]["name"]: sc.get("provisioner", "") for sc in classes}
        mounts: dict[tuple[str, str], set[str]] = {}
        pods, _ = self.store.view("pods")
        for pod in pods:
            if pod.get("status", {}).get("phase") != "Running":
                continue
            for vol in pod.get("spec", {}).get("volumes") or []:
                claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
                if claim:
                    mounts.setdefault((pod["metadata"]["namespace"], claim), set()).add(pod["spec"]["nodeName"])
        nodes, _ = self.store.view("nodes")
        node_ip = {n["metadata"]["name"]: next((a["address"] for a in n.get("status", {}).get("addresses") or []
                                                if a.get("type") == "InternalIP"), n["metadata"]["name"])
                   for n in nodes}
        out = []
        pvcs, _ = self.store.view("persistentvolumeclaims")
        for pvc in pvcs:
            md, spec = pvc["metadata"], pvc.get("spec", {})
            sc = spec.get("storageClassName") or ""
            prov = provisioner.get(sc, sc)
            if pvc.get("status", {}).get("phase") != "Bound" or "local-path" in prov or "local-path" in sc:
                continue
            size = pvc.get("status", {}).get("capacity", {}).get("storage") \
                or spec.get("resources", {}).get("requests", {}).get("storage", "0")
            ann = md.get("annotations") or {}
            for node in sorted(mounts.get((md["namespace"], md["name"]), ())):
                labels = {"endpoint": "https-metrics", "instance": f"{node_ip.get(node, node)}:10250", "job": "kubelet",
                          "metrics_path": "/metrics", "namespace": md["namespace"], "node": node,
                          "persistentvolumeclaim": md["name"], "service": "kube-prometheus-stack-kubelet"}
                out.append(Claim(labels, "nfs" if "nfs" in prov or "nfs" in sc else "block", parse_quantity(size),
                                 float(ann.get(USED_FRACTION, 0.25)), float(ann.get(GROWTH_PER_DAY, 0.0))))
        return out

    # ------------------------------------------------------------------ frames

    def frame(self) -> "Frame":
        """What the cluster looks like now, for evaluating one request (reads the store once)."""
        with self._lock:
            log = list(self._log)
        return Frame(self.t0, self._claims(), log if self._gpu_node_up() else [], self.gpu.node)


class Frame:
    """Every series at any time t, from one reading of the store."""

    def __init__(self, t0: float, claims: list[Claim], gpu_log: list[tuple[float, tuple[GpuUser, ...]]],
                 gpu_node: str) -> None:
        self.t0 = t0
        self.claims = claims
        self.gpu_log = gpu_log
        self.gpu_node = gpu_node
        # a claim's labels are the same at every t: made once per frame (a derivative reads ~120 times)
        self._labels = [({"__name__": VOLUME_USED, **c.labels}, {"__name__": VOLUME_CAPACITY, **c.labels})
                        for c in claims]

    def series_at(self, t: float, name: str | None = None) -> list[Sample]:
        """Every series at ``t``; with ``name``, at least those of that metric (the evaluator filters)."""
        t = t - t % SCRAPE_INTERVAL  # the latest scrape at or before t
        out = self._volumes(t, name) if name is None or name in (VOLUME_USED, VOLUME_CAPACITY) else []
        if self.gpu_log and (name is None or not name.startswith("kubelet_")):
            users = next(u for since, u in reversed(self.gpu_log) if since <= t)  # the first entry is at -inf
            out += self._dcgm(t, users) + self._vllm(t, users)
        return out

    def _claim_used(self, c: Claim, t: float) -> float:
        used = c.capacity * (c.used_fraction + c.growth_per_day * (t - self.t0) / 86400.0)
        return float(round(min(c.capacity, max(0.0, used))))

    def _volumes(self, t: float, name: str | None = None) -> list[Sample]:
        seen: set[tuple[str, str]] = set()
        nfs_used = NAS_OTHER_USED_BYTES
        for c in self.claims:
            key = (c.labels["namespace"], c.labels["persistentvolumeclaim"])
            if c.kind == "nfs" and key not in seen:
                seen.add(key)
                nfs_used += self._claim_used(c, t)
        out: list[Sample] = []
        want_used, want_cap = name in (None, VOLUME_USED), name in (None, VOLUME_CAPACITY)
        for c, (used_labels, cap_labels) in zip(self.claims, self._labels):
            if c.kind == "nfs":
                used, cap = float(min(nfs_used, NFS_SHARE_BYTES)), float(NFS_SHARE_BYTES)
            else:
                used, cap = self._claim_used(c, t), c.capacity
            if want_used:
                out.append((used_labels, used))
            if want_cap:
                out.append((cap_labels, cap))
        return out

    def _dcgm(self, t: float, users: tuple[GpuUser, ...]) -> list[Sample]:
        if users:
            want = sum(GPU_PROFILES.get(u.deployment, _DEFAULT_PROFILE)[0] for u in users)
            base = sum(GPU_PROFILES.get(u.deployment, _DEFAULT_PROFILE)[1] for u in users)
            util = min(100.0, max(1.0, round(base + 22 * _wave(t, 600) + 9 * _wave(t, 97, 1.3))))
        else:
            want, util = GPU_IDLE_MIB, 0.0
        used = min(GPU_TOTAL_MIB, want)
        temp = round(33 + 0.38 * util + 1.5 * _wave(t, 1800))
        power = round(11.7 + 1.45 * util + 2.1 * _wave(t, 41), 3)
        values = {DCGM_UTIL: util, DCGM_FB_USED: used, DCGM_FB_FREE: GPU_TOTAL_MIB - used,
                  DCGM_TEMP: float(temp), DCGM_POWER: power}
        base_labels = {"DCGM_FI_DRIVER_VERSION": "550.127.05", "Hostname": self.gpu_node, "UUID": GPU_UUID,
                       "container": "nvidia-dcgm-exporter", "device": "nvidia0", "endpoint": "gpu-metrics",
                       "gpu": "0", "instance": "10.42.3.2:9400", "job": "nvidia-dcgm-exporter",
                       "modelName": GPU_MODEL, "namespace": "gpu-operator", "pci_bus_id": "00000000:01:00.0",
                       "pod": DCGM_EXPORTER_POD, "service": "nvidia-dcgm-exporter"}
        owners: list[Labels] = [{"exported_container": u.deployment, "exported_namespace": u.namespace,
                                 "exported_pod": u.pod} for u in users] or [{}]
        return [({"__name__": name, **base_labels, **owner}, value)
                for name, value in values.items() for owner in owners]

    def _vllm(self, t: float, users: tuple[GpuUser, ...]) -> list[Sample]:
        out: list[Sample] = []
        for i, u in enumerate(users):
            kv_metric = GPU_PROFILES.get(u.deployment, _DEFAULT_PROFILE)[2]
            running = float(max(0, round(1.6 + 1.8 * _wave(t, 420, i) + 0.6 * _wave(t, 53))))
            waiting = float(max(0, round(running - 2.6)))
            kv = round(0.04 + 0.07 * running + 0.02 * (1 + _wave(t, 131)), 4)
            labels = {"endpoint": "http", "engine": "0", "instance": f"{u.pod_ip}:8000", "job": u.deployment,
                      "model_name": u.model_name, "namespace": u.namespace, "pod": u.pod, "service": u.deployment}
            out += [({"__name__": VLLM_RUNNING, **labels}, running),
                    ({"__name__": VLLM_WAITING, **labels}, waiting),
                    ({"__name__": kv_metric, **labels}, kv)]
        return out
