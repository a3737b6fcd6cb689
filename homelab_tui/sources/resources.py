"""The Kubernetes resources the dashboard watches, and the cluster state built from them.

The state built from them is :class:`homelab_tui.model.cluster.ClusterState`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceSpec:
    #: key in ClusterState.objects, e.g. "pods", "certificates"
    key: str
    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    #: an optional resource (a CRD that may not be installed): 404 means "absent", not an error
    optional: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
        return base


WATCHED: tuple[ResourceSpec, ...] = (
    ResourceSpec("nodes", "", "v1", "nodes", "Node", namespaced=False),
    ResourceSpec("namespaces", "", "v1", "namespaces", "Namespace", namespaced=False),
    ResourceSpec("pods", "", "v1", "pods", "Pod"),
    ResourceSpec("services", "", "v1", "services", "Service"),
    ResourceSpec("persistentvolumeclaims", "", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    ResourceSpec("persistentvolumes", "", "v1", "persistentvolumes", "PersistentVolume", namespaced=False),
    ResourceSpec("secrets", "", "v1", "secrets", "Secret"),
    ResourceSpec("configmaps", "", "v1", "configmaps", "ConfigMap"),
    ResourceSpec("deployments", "apps", "v1", "deployments", "Deployment"),
    ResourceSpec("statefulsets", "apps", "v1", "statefulsets", "StatefulSet"),
    ResourceSpec("daemonsets", "apps", "v1", "daemonsets", "DaemonSet"),
    ResourceSpec("storageclasses", "storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False),
    ResourceSpec("ingresses", "networking.k8s.io", "v1", "ingresses", "Ingress"),
    ResourceSpec("certificates", "cert-manager.io", "v1", "certificates", "Certificate", optional=True),
    ResourceSpec("clusterissuers", "cert-manager.io", "v1", "clusterissuers", "ClusterIssuer", namespaced=False,
                 optional=True),
    ResourceSpec("ingressroutes", "traefik.io", "v1alpha1", "ingressroutes", "IngressRoute", optional=True),
    ResourceSpec("middlewares", "traefik.io", "v1alpha1", "middlewares", "Middleware", optional=True),
    ResourceSpec("ingressroutes_legacy", "traefik.containo.us", "v1alpha1", "ingressroutes", "IngressRoute",
                 optional=True),
    ResourceSpec("middlewares_legacy", "traefik.containo.us", "v1alpha1", "middlewares", "Middleware",
                 optional=True),
)

SPECS: dict[str, ResourceSpec] = {s.key: s for s in WATCHED}

#: kinds read once when a screen asks (never watched): the certificate detail's issuance chain
ON_DEMAND: dict[str, ResourceSpec] = {s.key: s for s in (
    ResourceSpec("certificaterequests", "cert-manager.io", "v1", "certificaterequests", "CertificateRequest",
                 optional=True),
    ResourceSpec("orders", "acme.cert-manager.io", "v1", "orders", "Order", optional=True),
    ResourceSpec("challenges", "acme.cert-manager.io", "v1", "challenges", "Challenge", optional=True),
)}
