"""Convention checks about metadata: labels (1), names (2), secret names (9), namespaces (16)."""

from __future__ import annotations

from typing import Iterator

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.convention_types import (
    SYSTEM_NAMESPACES, Violation, app_workloads, expected_namespace, k3s_own, violation,
)
from homelab_tui.model.objects import (
    annotations_of, as_list, as_str, is_helm_managed, labels_of, meta, name_of, namespace_of,
)

RECOMMENDED_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/part-of",
                      "app.kubernetes.io/component", "app.kubernetes.io/managed-by")
PART_OF = "home-lab"
#: managed-by values the context names ("helm  # or kubectl"); Helm itself writes "Helm"
MANAGERS = ("helm", "kubectl")

#: resources the home-lab's manifests create (ConfigMaps and Secrets are left out: K3s, Helm and
#: cert-manager create many of them, e.g. kube-root-ca.crt and Helm release secrets)
LABELLED_KINDS = (
    ("Deployment", "deployments"), ("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets"),
    ("Service", "services"), ("PersistentVolumeClaim", "persistentvolumeclaims"),
    ("Certificate", "certificates"), ("IngressRoute", "ingressroutes"), ("IngressRoute", "ingressroutes_legacy"),
    ("Middleware", "middlewares"), ("Middleware", "middlewares_legacy"), ("Ingress", "ingresses"),
)
NAMED_KINDS = (("Deployment", "deployments"), ("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets"),
               ("Service", "services"), ("ConfigMap", "configmaps"))

#: platform namespaces whose secrets belong to charts and operators (MetalLB memberlist, ACME account keys)
PLATFORM_NAMESPACES = SYSTEM_NAMESPACES | {"infra"}

def _generated(obj: object) -> bool:
    """Objects another object made (pods of a ReplicaSet, Services of an operator, ...)."""
    return bool(as_list(meta(obj).get("ownerReferences")))


def check_labels(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for kind, key in LABELLED_KINDS:
        for obj in cluster.get(key):
            if k3s_own(obj) or _generated(obj):
                continue
            labels = labels_of(obj)
            problems = []
            missing = [label.split("/", 1)[1] for label in RECOMMENDED_LABELS if not as_str(labels.get(label))]
            if missing:
                problems.append("missing " + ", ".join(missing))
            part_of = as_str(labels.get("app.kubernetes.io/part-of"))
            if part_of and part_of != PART_OF:
                problems.append(f"part-of is {part_of!r}, not {PART_OF!r}")
            managed_by = as_str(labels.get("app.kubernetes.io/managed-by"))
            if managed_by and managed_by.lower() not in MANAGERS:
                problems.append(f"managed-by is {managed_by!r}, not helm or kubectl")
            if problems:
                yield violation("recommended-labels", kind, obj, "; ".join(problems))


def check_names(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for kind, key in NAMED_KINDS:
        for obj in cluster.get(key):
            if k3s_own(obj) or _generated(obj):
                continue
            app = as_str(labels_of(obj).get("app.kubernetes.io/name"))
            name = name_of(obj)
            if app and name != app and not name.startswith(app + "-"):
                component = as_str(labels_of(obj).get("app.kubernetes.io/component")) or "component"
                how = " (Helm-managed: set fullnameOverride in values-homelab.yaml)" if is_helm_managed(obj) else ""
                yield violation("naming", kind, obj, f"name does not start with its app {app!r} "
                                                     f"(expected {app}-{component})" + how)


def check_secret_names(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for s in cluster.get("secrets"):
        stype = as_str(s.get("type")) or "Opaque"
        if stype != "Opaque" or namespace_of(s) in PLATFORM_NAMESPACES or _generated(s):
            continue
        if any(str(k).startswith("cert-manager.io/") for k in annotations_of(s)):
            continue
        if not name_of(s).endswith("-secrets"):
            how = " (Helm-managed: the chart names it after the release)" if is_helm_managed(s) else ""
            yield violation("secret-naming", "Secret", s, "Opaque secret not named {app}-secrets" + how)


def check_namespaces(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for kind, obj, _spec in app_workloads(cluster):
        ns = namespace_of(obj)
        if ns not in settings.namespaces:
            yield violation("namespace-boundaries", kind, obj, f"namespace {ns!r} is not in the home-lab's table")
            continue
        app = as_str(labels_of(obj).get("app.kubernetes.io/name")) or name_of(obj)
        want = expected_namespace(app) or expected_namespace(name_of(obj))
        if want and want != ns:
            yield violation("namespace-boundaries", kind, obj, f"{app} belongs in namespace {want!r}, not {ns!r}")
