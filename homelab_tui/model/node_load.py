"""What runs on each node and what it asks for: pods, CPU and memory requests against allocatable, GPUs,
taints and conditions — the figures ``kubectl describe node`` gives under "Allocated resources".

A pod counts while it is bound to the node and not finished (phase Succeeded or Failed), as the scheduler
counts it. Its request is Kubernetes' effective request (:func:`pod_requests`), as the scheduler and
``kubectl describe node`` compute it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.nodes import GPU_RESOURCE
from homelab_tui.model.objects import (
    as_list, as_map, as_str, conditions_of, containers_of, gpu_request, known, labels_of, name_of, namespace_of,
    parse_time, spec_of, status_of,
)
from homelab_tui.model.quantity import parse_quantity
from homelab_tui.model.workloads import pod_node, pod_phase, pod_ready, pod_restarts, pod_status_text

FINISHED_PHASES = ("Succeeded", "Failed")
#: labels the NVIDIA GPU Operator's feature discovery puts on a GPU node
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"
GPU_MEMORY_LABEL = "nvidia.com/gpu.memory"


@dataclass(frozen=True)
class Requests:
    """CPU in cores, memory in bytes, GPUs in devices."""

    cpu: float = 0.0
    memory: float = 0.0
    gpu: int = 0

    def __add__(self, other: Requests) -> Requests:
        return Requests(self.cpu + other.cpu, self.memory + other.memory, self.gpu + other.gpu)


@dataclass(frozen=True)
class NodePod:
    namespace: str
    name: str
    status: str
    ready: bool
    restarts: int
    requests: Requests


@dataclass(frozen=True)
class NodeCondition:
    type: str
    status: str
    reason: str
    message: str
    since: float | None


@dataclass(frozen=True)
class NodeLoad:
    """One node's allocation: what its pods request against what it can give."""

    node: str
    #: None while the cluster's pods are not read (403, not listed yet): requests unknown, never 0
    pods: tuple[NodePod, ...] | None
    requested: Requests | None
    #: status.allocatable; None where the node does not report it
    cpu_allocatable: float | None
    memory_allocatable: float | None
    pod_capacity: int | None
    gpu_allocatable: int
    taints: tuple[str, ...]
    internal_ip: str
    conditions: tuple[NodeCondition, ...]
    #: "NVIDIA GeForce RTX 3060 · 12 GiB" from the GPU Operator's labels, else ""
    gpu_product: str
    #: "Ubuntu 24.04 LTS · containerd://2.0.5-k3s1 · 6.8.0-60-generic", as much as the node reports
    system: str

    def percent(self, resource: str) -> float | None:
        """Requests as a percentage of allocatable for ``cpu``, ``memory`` or ``pods``; None when unknown."""
        if self.pods is None or self.requested is None:
            return None
        used, total = {"cpu": (self.requested.cpu, self.cpu_allocatable),
                       "memory": (self.requested.memory, self.memory_allocatable),
                       "pods": (float(len(self.pods)), self.pod_capacity)}[resource]
        return None if not total else 100.0 * used / total


def _container_requests(container: Mapping[str, Any]) -> Requests:
    req = as_map(as_map(container.get("resources")).get("requests"))
    return Requests(parse_quantity(req.get("cpu")) or 0.0, parse_quantity(req.get("memory")) or 0.0)


def _max(a: Requests, b: Requests) -> Requests:
    return Requests(max(a.cpu, b.cpu), max(a.memory, b.memory), max(a.gpu, b.gpu))


def pod_requests(pod: Any) -> Requests:
    """The pod's effective request, by Kubernetes' own rule (``resourcehelper.PodRequests``): the app containers'
    sum plus every sidecar's, or — if larger — the peak while an init container runs, which is its request plus
    the sidecars started before it; then ``spec.overhead``."""
    spec = spec_of(pod)
    total = Requests()
    for c in containers_of(spec, init=False):
        total += _container_requests(c)
    sidecars = init_peak = Requests()
    for c in as_list(spec.get("initContainers")):
        c = as_map(c)
        request = _container_requests(c)
        if as_str(c.get("restartPolicy")) == "Always":
            total += request
            sidecars += request
            init_peak = _max(init_peak, sidecars)
        else:
            init_peak = _max(init_peak, request + sidecars)
    overhead = as_map(spec.get("overhead"))
    peak = _max(total, init_peak)
    return Requests(peak.cpu + (parse_quantity(overhead.get("cpu")) or 0.0),
                    peak.memory + (parse_quantity(overhead.get("memory")) or 0.0), gpu_request(spec))


def _taint_text(taint: Any) -> str:
    t = as_map(taint)
    value = as_str(t.get("value"))
    return f"{as_str(t.get('key'))}{'=' + value if value else ''}:{as_str(t.get('effect'))}"


def _gpu_product(node: Any) -> str:
    labels = labels_of(node)
    product = as_str(labels.get(GPU_PRODUCT_LABEL)).replace("-", " ")
    mib = parse_quantity(labels.get(GPU_MEMORY_LABEL))
    return product + (f" · {mib / 1024:g} GiB" if product and mib else "")


def _system(node: Any) -> str:
    info = as_map(status_of(node).get("nodeInfo"))
    return " · ".join(v for v in (as_str(info.get(k)) for k in ("osImage", "containerRuntimeVersion", "kernelVersion"))
                      if v)


def _allocatable(node: Any, key: str) -> float | None:
    return parse_quantity(as_map(status_of(node).get("allocatable")).get(key))


def _node_pod(pod: Any) -> NodePod:
    return NodePod(namespace=namespace_of(pod), name=name_of(pod), status=pod_status_text(pod),
                   ready=pod_ready(pod), restarts=pod_restarts(pod), requests=pod_requests(pod))


def pods_by_node(cluster: ClusterState) -> Mapping[str, tuple[NodePod, ...]]:
    """Every bound, unfinished pod, grouped by node (computed once per cluster state, each pod once per version)."""
    def compute() -> Mapping[str, tuple[NodePod, ...]]:
        facts = cluster.version_memo("node_pod", _node_pod)
        groups: dict[str, list[NodePod]] = {}
        for pod in cluster.get("pods"):
            node = pod_node(pod)
            if node and pod_phase(pod) not in FINISHED_PHASES:
                groups.setdefault(node, []).append(facts(pod))
        return {node: tuple(pods) for node, pods in groups.items()}
    return cluster.memo("pods_by_node", compute)


def node_load(cluster: ClusterState, node: Any) -> NodeLoad:
    name = name_of(node)
    pods: tuple[NodePod, ...] | None = None
    requested: Requests | None = None
    if known(cluster, "pods"):
        pods = pods_by_node(cluster).get(name, ())
        requested = Requests()
        for p in pods:
            requested += p.requests
    pod_capacity = _allocatable(node, "pods")
    addresses = [as_map(a) for a in as_list(status_of(node).get("addresses"))]
    return NodeLoad(
        node=name, pods=pods, requested=requested,
        cpu_allocatable=_allocatable(node, "cpu"), memory_allocatable=_allocatable(node, "memory"),
        pod_capacity=None if pod_capacity is None else int(pod_capacity),
        gpu_allocatable=int(_allocatable(node, GPU_RESOURCE) or 0),
        taints=tuple(_taint_text(t) for t in as_list(spec_of(node).get("taints"))),
        internal_ip=next((as_str(a.get("address")) for a in addresses if a.get("type") == "InternalIP"), ""),
        conditions=tuple(NodeCondition(as_str(c.get("type")), as_str(c.get("status")), as_str(c.get("reason")),
                                       as_str(c.get("message")), parse_time(c.get("lastTransitionTime")))
                         for c in conditions_of(node)),
        gpu_product=_gpu_product(node), system=_system(node))


def node_loads(cluster: ClusterState) -> Mapping[str, NodeLoad]:
    """Every node's load, by node name."""
    return cluster.memo("node_loads", lambda: {name_of(n): node_load(cluster, n) for n in cluster.get("nodes")})
