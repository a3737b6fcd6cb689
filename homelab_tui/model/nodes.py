"""Nodes: readiness, pressure conditions, roles and GPUs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import Finding, State, worst
from homelab_tui.model.objects import (
    age_of, as_int, as_map, as_str, condition, conditions_of, find, labels_of, name_of, spec_of, status_of,
)

GPU_RESOURCE = "nvidia.com/gpu"
PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
_ROLE_PREFIX = "node-role.kubernetes.io/"


@dataclass(frozen=True)
class NodeInfo:
    name: str
    #: True / False, None when the node reports no Ready condition
    ready: bool | None
    roles: tuple[str, ...]
    #: pressure conditions that are True, e.g. ("DiskPressure",)
    pressures: tuple[str, ...]
    gpu_allocatable: int
    unschedulable: bool
    version: str
    age: float | None
    state: State
    findings: tuple[Finding, ...] = ()

    @property
    def status_text(self) -> str:
        text = {True: "Ready", False: "NotReady", None: "Unknown"}[self.ready]
        if self.unschedulable:
            text += ",SchedulingDisabled"
        return text


def node_roles(node: Any) -> tuple[str, ...]:
    roles = sorted(k[len(_ROLE_PREFIX):] for k in labels_of(node) if str(k).startswith(_ROLE_PREFIX))
    return tuple(r for r in roles if r) or ("worker",)


def node_gpus(node: Any) -> int:
    return max(0, as_int(as_map(status_of(node).get("allocatable")).get(GPU_RESOURCE)))


def node_ready(node: Any) -> bool | None:
    cond = condition(node, "Ready")
    if cond is None:
        return None
    return cond.get("status") == "True"


def node_info(node: Any, now: float) -> NodeInfo:
    name = name_of(node)
    ready = node_ready(node)
    pressures = tuple(c.get("type") for c in conditions_of(node)
                      if c.get("type") in PRESSURES and c.get("status") == "True")
    unschedulable = bool(spec_of(node).get("unschedulable"))
    findings: list[Finding] = []
    if ready is None:
        findings.append(Finding(State.UNKNOWN, name, "no Ready condition reported"))
    elif not ready:
        cond = condition(node, "Ready") or {}
        why = as_str(cond.get("reason")) or as_str(cond.get("message"))
        findings.append(Finding(State.FAIL, name, "NotReady" + (f" ({why})" if why else "")))
    findings += [Finding(State.WARN, name, p) for p in pressures]
    if unschedulable:
        findings.append(Finding(State.WARN, name, "cordoned (SchedulingDisabled)"))
    return NodeInfo(
        name=name, ready=ready, roles=node_roles(node), pressures=pressures, gpu_allocatable=node_gpus(node),
        unschedulable=unschedulable,
        version=as_str(as_map(status_of(node).get("nodeInfo")).get("kubeletVersion")),
        age=age_of(node, now), state=worst(f.state for f in findings), findings=tuple(findings))


def summarize_nodes(cluster: ClusterState, now: float) -> tuple[NodeInfo, ...]:
    """Every node, in name order."""
    return tuple(sorted((node_info(n, now) for n in cluster.get("nodes")), key=lambda n: n.name))


def find_node(cluster: ClusterState, name: str, now: float) -> NodeInfo | None:
    """The node called ``name`` (None when the cluster has no such node)."""
    obj = find(cluster, "nodes", None, name)
    return None if obj is None else node_info(obj, now)
