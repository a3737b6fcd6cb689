"""The shapes of the convention check: a rule (data + one small function) and a violation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import State
from homelab_tui.model.objects import (
    as_list, as_map, as_str, labels_of, meta, name_of, namespace_of, pod_template_spec, ref,
)

#: K3s' own namespaces: their objects come from K3s, not from the home-lab's manifests
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})

#: the namespace table's "Key services" (project-context.md, "Namespace Boundaries") -> namespace
APP_NAMESPACES: dict[str, str] = {
    "traefik": "kube-system", "coredns": "kube-system",
    "metallb": "infra", "cert-manager": "infra", "nfs-subdir-external-provisioner": "infra",
    "prometheus": "monitoring", "grafana": "monitoring", "loki": "monitoring", "alertmanager": "monitoring",
    "postgresql": "data",
    "n8n": "apps", "open-webui": "apps", "openclaw": "apps",
    "vllm": "ml", "ollama": "ml", "litellm": "ml",
    "paperless": "docs", "paperless-ngx": "docs", "paperless-gpt": "docs", "docling": "docs", "tika": "docs",
    "gotenberg": "docs", "stirling-pdf": "docs",
    "nginx": "dev", "devcontainer": "dev", "dind": "dev",
}


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


def expected_namespace(app: str) -> str | None:
    """The domain namespace of an app, by the longest matching key of :data:`APP_NAMESPACES`."""
    app = app.lower()
    keys = [k for k in APP_NAMESPACES if app == k or app.startswith(k + "-")]
    return APP_NAMESPACES[max(keys, key=len)] if keys else None


def k3s_own(obj: Any) -> bool:
    """An object of K3s' own namespaces that K3s (or its charts) put there: every object in them except a
    home-lab app whose table namespace is elsewhere (open-webui deployed into kube-system is checked)."""
    if namespace_of(obj) not in SYSTEM_NAMESPACES:
        return False
    names = (as_str(labels_of(obj).get("app.kubernetes.io/name")), name_of(obj))
    return not any(expected_namespace(n) not in (None, "kube-system") for n in names if n)


def app_workloads(cluster: ClusterState) -> Iterator[tuple[str, Any, Any]]:
    """Workloads of the home-lab's own manifests: all but K3s' own (see :func:`k3s_own`)."""
    return ((k, o, s) for k, o, s in workloads(cluster) if not k3s_own(o))


def violation(rule_id: str, kind: str, obj: Any, message: str, state: State = State.WARN) -> Violation:
    return Violation(rule_id, ref(kind, obj), message, state)
