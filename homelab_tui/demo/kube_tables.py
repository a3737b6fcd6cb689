"""Server-side printing: the ``meta.k8s.io/v1`` Table kubectl asks for, with kubectl's usual columns."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

Column = tuple[str, str, int, Callable[[dict], Any]]  # (name, type, priority, cell)


def human_duration(seconds: float) -> str:
    """kubectl's HumanDuration."""
    s = int(max(0, seconds))
    m, h, d = s // 60, s // 3600, s // 86400
    if s < 120:
        return f"{s}s"
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    if d < 365 * 2:
        return f"{d}d"
    return f"{d // 365}y{d % 365}d" if d < 365 * 8 else f"{d // 365}y"


def _age(obj: dict) -> str:
    ts = obj.get("metadata", {}).get("creationTimestamp")
    if not ts:
        return "<unknown>"
    created = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return human_duration((dt.datetime.now(dt.timezone.utc) - created).total_seconds())


def _pod_status(p: dict) -> str:
    if p["metadata"].get("deletionTimestamp"):
        return "Terminating"
    for cs in p.get("status", {}).get("containerStatuses", []):
        waiting = cs.get("state", {}).get("waiting")
        if waiting:
            return waiting.get("reason", "Waiting")
    return p.get("status", {}).get("phase", "Unknown")


def _pod_ready(p: dict) -> str:
    cs = p.get("status", {}).get("containerStatuses", [])
    return f"{sum(1 for c in cs if c.get('ready'))}/{len(p['spec'].get('containers', []))}"


def _cond(obj: dict, ctype: str) -> str:
    return next((c.get("status", "") for c in obj.get("status", {}).get("conditions", []) if c["type"] == ctype), "")


def _ports(svc: dict) -> str:
    out = []
    for p in svc["spec"].get("ports", []):
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        out.append(f"{p['port']}{node}/{p.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


def _external(svc: dict) -> str:
    ips = [i.get("ip") or i.get("hostname") for i in svc.get("status", {}).get("loadBalancer", {}).get("ingress", [])]
    if ips:
        return ",".join(ips)
    return "<pending>" if svc["spec"].get("type") == "LoadBalancer" else "<none>"


def _node_status(node: dict) -> str:
    """kubectl's node STATUS (printNode): Ready when the Ready condition is True, NotReady for any other status
    (Unknown too), Unknown only without a Ready condition; then ",SchedulingDisabled" when cordoned."""
    ready = _cond(node, "Ready")
    status = "Ready" if ready == "True" else ("NotReady" if ready else "Unknown")
    return status + (",SchedulingDisabled" if node.get("spec", {}).get("unschedulable") else "")


def _roles(node: dict) -> str:
    roles = sorted(k.split("/", 1)[1] for k in node["metadata"].get("labels", {})
                   if k.startswith("node-role.kubernetes.io/"))
    return ",".join(roles) or "<none>"


_S = lambda path: (lambda o: _get(o, path))  # noqa: E731 - small column helper


def _get(obj: dict, path: str) -> Any:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if node is not None else ""


NAME: Column = ("Name", "string", 0, lambda o: o["metadata"]["name"])
AGE: Column = ("Age", "string", 0, _age)
COLUMNS: dict[str, list[Column]] = {
    "pods": [NAME, ("Ready", "string", 0, _pod_ready), ("Status", "string", 0, _pod_status),
             ("Restarts", "string", 0, lambda p: str(sum(c.get("restartCount", 0)
                                                         for c in p.get("status", {}).get("containerStatuses", [])))),
             AGE, ("IP", "string", 1, _S("status.podIP")), ("Node", "string", 1, _S("spec.nodeName"))],
    "deployments": [NAME, ("Ready", "string", 0, lambda d: f"{d.get('status', {}).get('readyReplicas', 0)}/"
                                                         f"{d['spec'].get('replicas', 1)}"),
                    ("Up-to-date", "integer", 0, lambda d: d.get("status", {}).get("updatedReplicas", 0)),
                    ("Available", "integer", 0, lambda d: d.get("status", {}).get("availableReplicas", 0)), AGE],
    "statefulsets": [NAME, ("Ready", "string", 0, lambda s: f"{s.get('status', {}).get('readyReplicas', 0)}/"
                                                          f"{s['spec'].get('replicas', 1)}"), AGE],
    "daemonsets": [NAME] + [(n, "integer", 0, _S(f"status.{f}")) for n, f in (
        ("Desired", "desiredNumberScheduled"), ("Current", "currentNumberScheduled"), ("Ready", "numberReady"),
        ("Up-to-date", "updatedNumberScheduled"), ("Available", "numberAvailable"))] + [AGE],
    "nodes": [NAME, ("Status", "string", 0, _node_status),
              ("Roles", "string", 0, _roles), AGE, ("Version", "string", 0, _S("status.nodeInfo.kubeletVersion"))],
    "namespaces": [NAME, ("Status", "string", 0, _S("status.phase")), AGE],
    "services": [NAME, ("Type", "string", 0, _S("spec.type")), ("Cluster-IP", "string", 0, _S("spec.clusterIP")),
                 ("External-IP", "string", 0, _external), ("Port(s)", "string", 0, _ports), AGE],
    "persistentvolumeclaims": [NAME, ("Status", "string", 0, _S("status.phase")),
                               ("Volume", "string", 0, _S("spec.volumeName")),
                               ("Capacity", "string", 0, _S("status.capacity.storage")),
                               ("Access Modes", "string", 0, lambda p: ",".join(
                                   {"ReadWriteOnce": "RWO", "ReadWriteMany": "RWX", "ReadOnlyMany": "ROX"}.get(m, m)
                                   for m in p.get("status", {}).get("accessModes", []))),
                               ("StorageClass", "string", 0, _S("spec.storageClassName")), AGE],
    "secrets": [NAME, ("Type", "string", 0, _S("type")),
                ("Data", "integer", 0, lambda s: len(s.get("data") or {})), AGE],
    "configmaps": [NAME, ("Data", "integer", 0, lambda c: len(c.get("data") or {})), AGE],
    "storageclasses": [NAME, ("Provisioner", "string", 0, _S("provisioner")),
                       ("ReclaimPolicy", "string", 0, _S("reclaimPolicy")),
                       ("VolumeBindingMode", "string", 0, _S("volumeBindingMode")), AGE],
    "certificates": [NAME, ("Ready", "string", 0, lambda c: _cond(c, "Ready")),
                     ("Secret", "string", 0, _S("spec.secretName")),
                     ("Issuer", "string", 1, _S("spec.issuerRef.name")), AGE],
    # cert-manager's CRD printer columns
    "certificaterequests": [NAME, ("Approved", "string", 0, lambda c: _cond(c, "Approved")),
                            ("Denied", "string", 0, lambda c: _cond(c, "Denied")),
                            ("Ready", "string", 0, lambda c: _cond(c, "Ready")),
                            ("Issuer", "string", 0, _S("spec.issuerRef.name")),
                            ("Requester", "string", 0, _S("spec.username")), AGE],
    "orders": [NAME, ("State", "string", 0, _S("status.state")), AGE],
    "challenges": [NAME, ("State", "string", 0, _S("status.state")), ("Domain", "string", 0, _S("spec.dnsName")),
                   AGE],
    "events": [("Last Seen", "string", 0, lambda e: _age({"metadata": {"creationTimestamp": e.get("lastTimestamp")}})),
               ("Type", "string", 0, _S("type")), ("Reason", "string", 0, _S("reason")),
               ("Object", "string", 0, lambda e: f"{e['involvedObject'].get('kind', '').lower()}/"
                                                 f"{e['involvedObject'].get('name', '')}"),
               ("Message", "string", 0, _S("message"))],
}


def _partial(obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def as_table(key: str, objects: list[dict], resource_version: str) -> dict:
    columns = COLUMNS.get(key, [NAME, AGE])
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": [{"name": n, "type": t, "format": "name" if n == "Name" else "",
                                   "description": n, "priority": pr} for n, t, pr, _ in columns],
            "rows": [{"cells": [cell(o) for _, _, _, cell in columns], "object": _partial(o)} for o in objects]}


def wants_table(accept: str) -> bool:
    first = accept.split(",")[0]
    return "as=Table" in first

