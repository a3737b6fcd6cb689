"""Small builders of plain Kubernetes objects for the model tests.

Every builder returns a fresh dict shaped like what the API server sends.
``cluster(*objs)`` files objects under their ClusterState key by kind.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

from homelab_tui.model.cluster import ClusterState
from homelab_tui.sources.resources import WATCHED

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
DAY = 86400.0


def ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def home_labels(app: str, component: str, managed_by: str = "kubectl") -> dict[str, str]:
    return {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": f"{app}-{component}",
        "app.kubernetes.io/part-of": "home-lab",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": managed_by,
    }


def _meta(name: str, namespace: str | None, labels: dict | None = None, age: float = 30 * DAY,
          **extra: Any) -> dict:
    md: dict[str, Any] = {"name": name, "creationTimestamp": ts(NOW - age), "uid": f"uid-{namespace}-{name}"}
    if namespace is not None:
        md["namespace"] = namespace
    if labels is not None:
        md["labels"] = labels
    md.update(extra)
    return md


def container(name: str = "main", image: str = "nginx:1.27", gpu: int = 0, env: dict | None = None,
              mounts: list | None = None) -> dict:
    c: dict[str, Any] = {"name": name, "image": image}
    if gpu:
        c["resources"] = {"limits": {"nvidia.com/gpu": str(gpu)}, "requests": {"nvidia.com/gpu": str(gpu)}}
    if env:
        c["env"] = [{"name": k, "value": v} for k, v in env.items()]
    if mounts:
        c["volumeMounts"] = mounts
    return c


def pod_spec(containers: list | None = None, volumes: list | None = None, **extra: Any) -> dict:
    spec: dict[str, Any] = {"containers": containers or [container()]}
    if volumes:
        spec["volumes"] = volumes
    spec.update(extra)
    return spec


def deployment(name: str, namespace: str = "apps", replicas: int | None = 1, ready: int | None = None,
               labels: dict | None = None, spec: dict | None = None, strategy: str | None = None,
               age: float = 30 * DAY, conditions: list | None = None) -> dict:
    app = name.split("-")[0]
    lab = labels if labels is not None else home_labels(app, name.split("-", 1)[-1] if "-" in name else "app")
    d: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": _meta(name, namespace, lab, age),
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/instance": lab.get("app.kubernetes.io/instance",
                                                                                   name)}},
                 "template": {"metadata": {"labels": dict(lab)}, "spec": spec or pod_spec()}},
        "status": {},
    }
    if replicas is not None:
        d["spec"]["replicas"] = replicas
    if strategy:
        d["spec"]["strategy"] = {"type": strategy}
    r = (replicas if replicas is not None else 1) if ready is None else ready
    if r:
        d["status"]["readyReplicas"] = r
        d["status"]["replicas"] = r
    if conditions:
        d["status"]["conditions"] = conditions
    return d


def statefulset(name: str, namespace: str = "data", replicas: int = 1, ready: int | None = None,
                labels: dict | None = None, spec: dict | None = None) -> dict:
    d = deployment(name, namespace, replicas, ready, labels, spec)
    d["kind"] = "StatefulSet"
    return d


def daemonset(name: str, namespace: str = "monitoring", desired: int = 4, ready: int | None = None,
              labels: dict | None = None, spec: dict | None = None) -> dict:
    d = deployment(name, namespace, None, 0, labels, spec)
    d["kind"] = "DaemonSet"
    d["spec"].pop("replicas", None)
    d["status"] = {"desiredNumberScheduled": desired, "numberReady": desired if ready is None else ready}
    return d


def pod(name: str, namespace: str = "apps", phase: str = "Running", ready: bool = True, restarts: int = 0,
        waiting: str | None = None, node: str = "k3s-worker-01", owner: tuple[str, str] | None = None,
        labels: dict | None = None, age: float = DAY, spec: dict | None = None,
        deleted_ago: float | None = None) -> dict:
    md = _meta(name, namespace, labels or {}, age)
    if owner:
        md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": "x",
                                  "controller": True}]
    if deleted_ago is not None:
        md["deletionTimestamp"] = ts(NOW - deleted_ago)
    state: dict[str, Any] = {"waiting": {"reason": waiting}} if waiting else {"running": {}}
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                        "lastTransitionTime": ts(NOW - age)}],
        "containerStatuses": [{"name": "main", "ready": ready, "restartCount": restarts, "state": state,
                               "image": "x", "imageID": "", "started": ready}],
    }
    sp = dict(spec or pod_spec())
    sp["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": sp, "status": status}


def node(name: str, ready: str = "True", roles: tuple[str, ...] = (), gpus: int = 0,
         pressures: tuple[str, ...] = (), unschedulable: bool = False) -> dict:
    labels = {"kubernetes.io/hostname": name}
    labels.update({f"node-role.kubernetes.io/{r}": "true" for r in roles})
    conds = [{"type": "Ready", "status": ready, "reason": "KubeletReady"}]
    conds += [{"type": p, "status": "True"} for p in pressures]
    alloc = {"cpu": "8", "memory": "32Gi"}
    if gpus:
        alloc["nvidia.com/gpu"] = str(gpus)
    n: dict[str, Any] = {"apiVersion": "v1", "kind": "Node", "metadata": _meta(name, None, labels),
                         "spec": {}, "status": {"conditions": conds, "allocatable": alloc,
                                                "capacity": dict(alloc),
                                                "nodeInfo": {"kubeletVersion": "v1.31.4+k3s1"}}}
    if unschedulable:
        n["spec"]["unschedulable"] = True
    return n


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(name, None, {}),
            "status": {"phase": "Active"}}


def certificate(name: str, namespace: str = "apps", dns: tuple[str, ...] = ("n8n.home.jetzinger.com",),
                secret: str | None = None, ready: str | None = "True", not_after: float | None = NOW + 60 * DAY,
                issuer: str = "letsencrypt-prod", issuer_kind: str = "ClusterIssuer", reason: str = "Ready",
                message: str = "Certificate is up to date and has not expired", labels: dict | None = None) -> dict:
    status: dict[str, Any] = {}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": ready, "reason": reason, "message": message,
                                 "lastTransitionTime": ts(NOW - DAY)}]
    if not_after is not None:
        status["notAfter"] = ts(not_after)
        status["notBefore"] = ts(not_after - 90 * DAY)
        status["renewalTime"] = ts(not_after - 30 * DAY)
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": _meta(name, namespace, labels if labels is not None else home_labels(name.split("-")[0],
                                                                                              "tls")),
            "spec": {"secretName": secret or name, "dnsNames": list(dns),
                     "issuerRef": {"name": issuer, "kind": issuer_kind, "group": "cert-manager.io"}},
            "status": status}


def cluster_issuer(name: str = "letsencrypt-prod", ready: str | None = "True", reason: str = "ACMEAccountRegistered",
                   message: str = "The ACME account was registered with the ACME server") -> dict:
    status: dict[str, Any] = {}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": ready, "reason": reason, "message": message}]
    return {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": _meta(name, None, {}),
            "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory"}}, "status": status}


def ingressroute(name: str, namespace: str = "apps", host: str = "n8n.home.jetzinger.com",
                 entry_points: tuple[str, ...] | None = ("websecure",), tls_secret: str | None = "n8n-tls",
                 middlewares: list | None = None, legacy: bool = False, match: str | None = None,
                 labels: dict | None = None) -> dict:
    route: dict[str, Any] = {"kind": "Rule", "match": match or f"Host(`{host}`)",
                             "services": [{"name": name.split("-")[0], "port": 80}]}
    if middlewares is not None:
        route["middlewares"] = middlewares
    spec: dict[str, Any] = {"routes": [route]}
    if entry_points is not None:
        spec["entryPoints"] = list(entry_points)
    if tls_secret is not None:
        spec["tls"] = {"secretName": tls_secret}
    group = "traefik.containo.us" if legacy else "traefik.io"
    return {"apiVersion": f"{group}/v1alpha1", "kind": "IngressRoute",
            "metadata": _meta(name, namespace, labels if labels is not None else home_labels(
                name.split("-")[0], "ingress")), "spec": spec}


def redirect_route(name: str, namespace: str = "apps", host: str = "n8n.home.jetzinger.com",
                   mw_namespace: str | None = None, mw_name: str = "https-redirect") -> dict:
    mw: dict[str, Any] = {"name": mw_name}
    mw["namespace"] = namespace if mw_namespace is None else mw_namespace
    return ingressroute(name, namespace, host, ("web",), None, [mw])


def middleware(name: str = "https-redirect", namespace: str = "apps") -> dict:
    return {"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware",
            "metadata": _meta(name, namespace, home_labels("traefik", "middleware")),
            "spec": {"redirectScheme": {"scheme": "https", "permanent": True}}}


def exposed(app: str, namespace: str = "apps", not_after: float = NOW + 60 * DAY) -> list[dict]:
    """The three resources (+ middleware and TLS secret) of a correctly exposed service."""
    host = f"{app}.home.jetzinger.com"
    return [certificate(f"{app}-tls", namespace, (host,), not_after=not_after),
            ingressroute(f"{app}-https", namespace, host, tls_secret=f"{app}-tls"),
            redirect_route(f"{app}-redirect", namespace, host),
            middleware("https-redirect", namespace),
            secret(f"{app}-tls", namespace, "kubernetes.io/tls", ("tls.crt", "tls.key"))]


def ingress(name: str, namespace: str = "dev", host: str = "legacy.home.jetzinger.com") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(name, namespace, {}),
            "spec": {"rules": [{"host": host, "http": {"paths": []}}]}}


def secret(name: str, namespace: str = "apps", type_: str | None = "Opaque", keys: tuple[str, ...] = ("key",),
           labels: dict | None = None) -> dict:
    s: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(name, namespace, labels or {}),
                         "data": {k: "c2VjcmV0LXZhbHVl" for k in keys}}
    if type_ is not None:
        s["type"] = type_
    return s


def configmap(name: str, namespace: str = "apps", data: dict | None = None, labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(name, namespace, labels),
            "data": data or {}}


def service(name: str, namespace: str = "apps", type_: str = "ClusterIP", lb_ips: tuple[str, ...] = (),
            labels: dict | None = None) -> dict:
    s: dict[str, Any] = {"apiVersion": "v1", "kind": "Service", "metadata": _meta(name, namespace, labels),
                         "spec": {"type": type_, "ports": [{"port": 80}]}, "status": {}}
    if lb_ips:
        s["status"]["loadBalancer"] = {"ingress": [{"ip": ip} for ip in lb_ips]}
    return s


def pvc(name: str, namespace: str = "apps", size: str | None = "10Gi", storage_class: str | None = "nfs-client",
        phase: str = "Bound", volume: str | None = None, selected_node: str | None = None) -> dict:
    ann = {"volume.kubernetes.io/selected-node": selected_node} if selected_node else {}
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {}}}
    if size is not None:
        spec["resources"]["requests"]["storage"] = size
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    if volume:
        spec["volumeName"] = volume
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": _meta(name, namespace, home_labels(name.split("-")[0], "data"), annotations=ann),
            "spec": spec, "status": {"phase": phase}}


def pv(name: str, node_name: str | None = None, storage_class: str = "local-path", nfs: bool = False) -> dict:
    spec: dict[str, Any] = {"storageClassName": storage_class, "capacity": {"storage": "10Gi"}}
    if node_name:
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node_name]}]}]}}
        spec["hostPath"] = {"path": f"/var/lib/rancher/k3s/storage/{name}"}
    if nfs:
        spec["nfs"] = {"server": "192.168.2.10", "path": f"/volume1/k8s/{name}"}
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": _meta(name, None, {}), "spec": spec,
            "status": {"phase": "Bound"}}


def storage_class(name: str, default: bool = False, provisioner: str = "cluster.local/nfs-provisioner") -> dict:
    ann = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": _meta(name, None, {}, annotations=ann), "provisioner": provisioner,
            "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}


_KEY_BY_KIND = {s.kind: s.key for s in WATCHED if not s.key.endswith("_legacy")}


def key_of(obj: dict) -> str:
    kind = obj.get("kind", "")
    key = _KEY_BY_KIND[kind]
    if kind in ("IngressRoute", "Middleware") and obj.get("apiVersion", "").startswith("traefik.containo.us"):
        key += "_legacy"
    return key


def cluster(*objs: dict, **kwargs: Any) -> ClusterState:
    """A fully synced ClusterState holding deep copies of ``objs``."""
    grouped: dict[str, list] = {}
    for o in objs:
        grouped.setdefault(key_of(o), []).append(copy.deepcopy(o))

    def sort_key(o: dict) -> tuple[str, str]:
        md = o.get("metadata") if isinstance(o.get("metadata"), dict) else {}
        return (str(md.get("namespace") or ""), str(md.get("name") or ""))

    objects = {k: tuple(sorted(v, key=sort_key)) for k, v in grouped.items()}
    # ClusterIssuers count as read only when the test gives one (cluster_issuer()): the other tests need not
    # seed one to keep their certificates renewable
    kwargs.setdefault("synced", frozenset(s.key for s in WATCHED if s.key != "clusterissuers"))
    return ClusterState(objects=objects, **kwargs)
