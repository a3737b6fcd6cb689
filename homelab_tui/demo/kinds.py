"""The resources the simulated API server serves: one row each, used by the store, discovery and routing.

Keys match :data:`homelab_tui.sources.resources.SPECS` where the dashboard watches the resource;
the extra ones (events, replicasets, clusterissuers, ...) are served so kubectl and the
official client find what a real K3s home-lab has.
"""

from __future__ import annotations

from dataclasses import dataclass

READ = ("get", "list", "watch")
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Kind:
    key: str
    group: str
    version: str
    plural: str
    kind: str
    singular: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    #: subresources served: "status", "scale"
    subresources: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version


_ALL = ("all",)

KINDS: tuple[Kind, ...] = (
    Kind("namespaces", "", "v1", "namespaces", "Namespace", "namespace", False, ("ns",), (),
         ("create", "delete", "get", "list", "patch", "update", "watch"), ("status",)),
    Kind("nodes", "", "v1", "nodes", "Node", "node", False, ("no",), (), subresources=("status",)),
    Kind("pods", "", "v1", "pods", "Pod", "pod", True, ("po",), _ALL, subresources=("status",)),
    Kind("services", "", "v1", "services", "Service", "service", True, ("svc",), _ALL,
         subresources=("status",)),
    Kind("endpoints", "", "v1", "endpoints", "Endpoints", "endpoints", True, ("ep",)),
    Kind("persistentvolumeclaims", "", "v1", "persistentvolumeclaims", "PersistentVolumeClaim",
         "persistentvolumeclaim", True, ("pvc",), subresources=("status",)),
    Kind("persistentvolumes", "", "v1", "persistentvolumes", "PersistentVolume", "persistentvolume", False,
         ("pv",), subresources=("status",)),
    Kind("secrets", "", "v1", "secrets", "Secret", "secret"),
    Kind("configmaps", "", "v1", "configmaps", "ConfigMap", "configmap", True, ("cm",)),
    Kind("serviceaccounts", "", "v1", "serviceaccounts", "ServiceAccount", "serviceaccount", True, ("sa",)),
    Kind("events", "", "v1", "events", "Event", "event", True, ("ev",)),
    Kind("deployments", "apps", "v1", "deployments", "Deployment", "deployment", True, ("deploy",), _ALL,
         subresources=("status", "scale")),
    Kind("statefulsets", "apps", "v1", "statefulsets", "StatefulSet", "statefulset", True, ("sts",), _ALL,
         subresources=("status", "scale")),
    Kind("daemonsets", "apps", "v1", "daemonsets", "DaemonSet", "daemonset", True, ("ds",), _ALL,
         subresources=("status",)),
    Kind("replicasets", "apps", "v1", "replicasets", "ReplicaSet", "replicaset", True, ("rs",), _ALL,
         subresources=("status", "scale")),
    Kind("storageclasses", "storage.k8s.io", "v1", "storageclasses", "StorageClass", "storageclass", False,
         ("sc",)),
    Kind("ingresses", "networking.k8s.io", "v1", "ingresses", "Ingress", "ingress", True, ("ing",),
         subresources=("status",)),
    Kind("certificates", "cert-manager.io", "v1", "certificates", "Certificate", "certificate", True,
         ("cert", "certs"), ("cert-manager",), subresources=("status",)),
    Kind("certificaterequests", "cert-manager.io", "v1", "certificaterequests", "CertificateRequest",
         "certificaterequest", True, ("cr", "crs"), ("cert-manager",), subresources=("status",)),
    Kind("orders", "acme.cert-manager.io", "v1", "orders", "Order", "order", True, (), ("cert-manager", "acme"),
         subresources=("status",)),
    Kind("challenges", "acme.cert-manager.io", "v1", "challenges", "Challenge", "challenge", True, (),
         ("cert-manager", "acme"), subresources=("status",)),
    Kind("clusterissuers", "cert-manager.io", "v1", "clusterissuers", "ClusterIssuer", "clusterissuer", False,
         ("ciss",), ("cert-manager",), subresources=("status",)),
    Kind("issuers", "cert-manager.io", "v1", "issuers", "Issuer", "issuer", True, ("iss",), ("cert-manager",),
         subresources=("status",)),
    Kind("ingressroutes", "traefik.io", "v1alpha1", "ingressroutes", "IngressRoute", "ingressroute"),
    Kind("middlewares", "traefik.io", "v1alpha1", "middlewares", "Middleware", "middleware"),
)

BY_KEY: dict[str, Kind] = {k.key: k for k in KINDS}
_BY_GVK: dict[tuple[str, str], Kind] = {(k.api_version, k.kind): k for k in KINDS}
_BY_PLURAL: dict[tuple[str, str, str], Kind] = {(k.group, k.version, k.plural): k for k in KINDS}


def key_for(api_version: str, kind: str) -> str:
    """The store key of an object's ``apiVersion`` and ``kind`` (KeyError when not served)."""
    return _BY_GVK[(api_version, kind)].key


def kind_for_path(group: str, version: str, plural: str) -> Kind | None:
    return _BY_PLURAL.get((group, version, plural))


def group_versions() -> dict[str, list[str]]:
    """Served API groups (excluding the core group) and their versions, in first-seen order."""
    out: dict[str, list[str]] = {}
    for k in KINDS:
        if k.group and k.version not in out.setdefault(k.group, []):
            out[k.group].append(k.version)
    return out
