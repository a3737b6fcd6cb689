"""Pods and ReplicaSets as the controllers of a real cluster would write them (used by the seed and by Life)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from typing import Any

from homelab_tui.demo.store import rfc3339

#: the alphabet Kubernetes uses for generated name suffixes and pod-template-hash
SAFE = "bcdfghjklmnpqrstvwxz2456789"
NODE_IPS = {"k3s-master": "192.168.2.20", "k3s-worker-01": "192.168.2.21", "k3s-worker-02": "192.168.2.22",
            "k3s-gpu-worker": "192.168.2.23"}
NODE_INDEX = {name: i for i, name in enumerate(NODE_IPS)}
#: pod states Life moves through
PENDING, STARTING, READY, CRASHLOOP = "Pending", "Starting", "Ready", "CrashLoopBackOff"
#: phase Succeeded or Failed (completed, evicted): terminal, the kubelet never runs the pod again
FINISHED = "Finished"


def safe_encode(data: str, length: int) -> str:
    digest = hashlib.sha256(data.encode()).digest()
    return "".join(SAFE[b % len(SAFE)] for b in digest[:length])


def template_hash(template: dict) -> str:
    """A stable pod-template-hash for a pod template (ignoring the hash label itself)."""
    t = copy.deepcopy(template)
    t.get("metadata", {}).get("labels", {}).pop("pod-template-hash", None)
    return safe_encode(json.dumps(t, sort_keys=True), 10)


def node_index(node: str) -> int:
    """The node's podCIDR index: the seed's four nodes 0-3, then k3s-worker-NN (NN ≥ 3, added by --scale) NN + 1."""
    if node in NODE_INDEX:
        return NODE_INDEX[node]
    number = node.rsplit("-", 1)[-1]
    return int(number) + 1 if number.isdigit() else 0


def node_ip(node: str) -> str:
    """The node's InternalIP: the seed's, then 192.168.2.30 + NN for k3s-worker-NN added by --scale."""
    if node in NODE_IPS or not node:
        return NODE_IPS.get(node, "192.168.2.20")
    return f"192.168.2.{29 + node_index(node)}"


def pod_ip(name: str, node: str) -> str:
    n = int(hashlib.sha256(name.encode()).hexdigest()[:6], 16)
    return f"10.42.{node_index(node)}.{n % 250 + 3}"


def owner_ref(owner: dict, controller: bool = True) -> dict:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": controller, "blockOwnerDeletion": True}


def replica_set(deployment: dict, rs_hash: str, replicas: int, now: dt.datetime, uid: str | None = None) -> dict:
    md = deployment["metadata"]
    template = copy.deepcopy(deployment["spec"]["template"])
    template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = rs_hash
    selector = copy.deepcopy(deployment["spec"]["selector"])
    selector.setdefault("matchLabels", {})["pod-template-hash"] = rs_hash
    rs_md: dict[str, Any] = {
        "name": f"{md['name']}-{rs_hash}", "namespace": md["namespace"],
        "labels": dict(template["metadata"]["labels"]),
        "annotations": {"deployment.kubernetes.io/desired-replicas": str(replicas),
                        "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                        "deployment.kubernetes.io/revision": "1"},
        "ownerReferences": [owner_ref(deployment)], "creationTimestamp": rfc3339(now),
    }
    if uid:
        rs_md["uid"] = uid
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": rs_md,
            "spec": {"replicas": replicas, "selector": selector, "template": template},
            "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas,
                       "availableReplicas": replicas, "observedGeneration": 1}}


def make_pod(owner: dict, name: str, template: dict, node: str, now: dt.datetime, state: str = READY,
             extra_labels: dict | None = None, uid: str | None = None, restarts: int = 0) -> dict:
    """A pod of ``owner`` (a ReplicaSet, StatefulSet or DaemonSet) from its pod template."""
    tmd = template.get("metadata", {})
    labels = dict(tmd.get("labels", {}))
    labels.update(extra_labels or {})
    spec = copy.deepcopy(template["spec"])
    spec.update(nodeName=node)
    for key, default in (("restartPolicy", "Always"), ("dnsPolicy", "ClusterFirst"),
                         ("serviceAccountName", "default"), ("serviceAccount", "default"),
                         ("schedulerName", "default-scheduler"), ("terminationGracePeriodSeconds", 30),
                         ("enableServiceLinks", True), ("priority", 0), ("preemptionPolicy", "PreemptLowerPriority")):
        spec.setdefault(key, default)
    spec.setdefault("securityContext", {})
    spec.setdefault("tolerations", [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300}])
    for c in spec.get("containers", []):
        c.setdefault("imagePullPolicy", "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("resources", {})
    md: dict[str, Any] = {"name": name, "namespace": owner["metadata"]["namespace"], "labels": labels,
                          "ownerReferences": [owner_ref(owner)], "creationTimestamp": rfc3339(now)}
    if tmd.get("annotations"):
        md["annotations"] = dict(tmd["annotations"])
    if uid:
        md["uid"] = uid
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec,
           "status": {"phase": "Pending", "qosClass": _qos(spec)}}
    set_pod_state(pod, state, now, restarts)
    return pod


def _qos(spec: dict) -> str:
    res = [c.get("resources", {}) for c in spec.get("containers", [])]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    if all(r.get("limits") and r.get("requests") == r.get("limits") for r in res):
        return "Guaranteed"
    return "Burstable"


def _cond(ctype: str, ok: bool, when: str, reason: str | None = None) -> dict:
    c: dict[str, Any] = {"type": ctype, "status": "True" if ok else "False", "lastProbeTime": None,
                         "lastTransitionTime": when}
    if reason and not ok:
        c["reason"] = reason
    return c


def set_pod_state(pod: dict, state: str, now: dt.datetime, restarts: int = 0) -> None:
    """Write ``status`` for one of PENDING, STARTING (running, not ready), READY or CRASHLOOP."""
    when = rfc3339(now)
    spec, status = pod["spec"], pod["status"]
    node = spec.get("nodeName", "")
    running = state != PENDING
    ready = state == READY
    status.update(phase="Running" if running else "Pending", hostIP=node_ip(node), hostIPs=[{"ip": node_ip(node)}],
                  startTime=status.get("startTime") or when)
    if running:
        ip = node_ip(node) if spec.get("hostNetwork") else pod_ip(pod["metadata"]["name"], node)
        status.update(podIP=ip, podIPs=[{"ip": ip}])
    unready = "ContainersNotReady"
    status["conditions"] = [
        _cond("PodReadyToStartContainers", running, when), _cond("Initialized", True, when),
        _cond("Ready", ready, when, unready), _cond("ContainersReady", ready, when, unready),
        _cond("PodScheduled", True, when)]
    statuses = []
    for c in spec.get("containers", []):
        cs: dict[str, Any] = {"name": c["name"], "image": c["image"], "imageID": _image_id(c["image"]),
                              "ready": ready, "restartCount": restarts, "started": running and state != CRASHLOOP,
                              "volumeMounts": [{"name": m["name"], "mountPath": m["mountPath"]}
                                               for m in c.get("volumeMounts", [])]}
        if state == PENDING:
            cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
            cs["imageID"] = ""
        elif state == CRASHLOOP:
            cs["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message":
                                       f"back-off 5m0s restarting failed container={c['name']} "
                                       f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}"
                                       f"({pod['metadata'].get('uid', '')})"}}
            cs["lastState"] = {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": when,
                                              "finishedAt": when, "containerID": _container_id(pod, c)}}
        else:
            cs["state"] = {"running": {"startedAt": when}}
        if state != PENDING:
            cs["containerID"] = _container_id(pod, c)
        statuses.append(cs)
    status["containerStatuses"] = statuses


def _image_id(image: str) -> str:
    repo = image.rsplit(":", 1)[0]
    if "/" not in repo.split("/")[0] or "." not in repo.split("/")[0]:
        repo = "docker.io/" + (repo if "/" in repo else "library/" + repo)
    return f"{repo}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def _container_id(pod: dict, container: dict) -> str:
    seed = f"{pod['metadata']['name']}/{container['name']}/{pod['status'].get('startTime', '')}"
    return "containerd://" + hashlib.sha256(seed.encode()).hexdigest()


def pod_state(pod: dict) -> str:
    """The state ``set_pod_state`` last wrote."""
    status = pod.get("status", {})
    if status.get("phase") in ("Succeeded", "Failed"):
        return FINISHED
    if status.get("phase") != "Running":
        return PENDING
    for cs in status.get("containerStatuses", []):
        if cs.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff":
            return CRASHLOOP
    ready = next((c for c in status.get("conditions", []) if c["type"] == "Ready"), {})
    return READY if ready.get("status") == "True" else STARTING
