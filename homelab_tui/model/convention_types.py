"""The shapes of the convention check: a rule (data + one small function) and a violation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import State
from homelab_tui.model.objects import as_list, as_map, meta, namespace_of, pod_template_spec, ref

#: K3s' own namespaces: their objects come from K3s, not from the home-lab's manifests
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


@dataclass(frozen=True)
class Violation:
    rule_id: str
    #: "Kind ns/name"
    resource: str
    message: str
    state: State = State.WARN


@dataclass(frozen=True)
class Rule:
    id: str
    number: int
    title: str
    #: why it matters, in the context document's own words
    why: str
    #: how to fix it, in the context document's own words
    fix: str
    check: Callable[[ClusterState, Settings], Iterable[Violation]]


def workloads(cluster: ClusterState, *, include_pods: bool = True) -> Iterator[tuple[str, Any, Any]]:
    """(kind, object, pod spec) of every Deployment, StatefulSet, DaemonSet and (optionally) bare Pod."""
    for kind, key in (("Deployment", "deployments"), ("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets")):
        for obj in cluster.get(key):
            yield kind, obj, pod_template_spec(obj)
    if include_pods:
        for pod in cluster.get("pods"):
            if not as_list(meta(pod).get("ownerReferences")):
                yield "Pod", pod, as_map(as_map(pod).get("spec"))


def app_workloads(cluster: ClusterState) -> Iterator[tuple[str, Any, Any]]:
    """Workloads outside K3s' own namespaces."""
    return ((k, o, s) for k, o, s in workloads(cluster) if namespace_of(o) not in SYSTEM_NAMESPACES)


def violation(rule_id: str, kind: str, obj: Any, message: str, state: State = State.WARN) -> Violation:
    return Violation(rule_id, ref(kind, obj), message, state)
