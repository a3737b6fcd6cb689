"""What the workload controllers of a real cluster compute: scheduling and workload status.

Shared by the seed (so seeded statuses agree with the pods) and by :mod:`homelab_tui.demo.life`.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterable

from homelab_tui.demo.podgen import READY, pod_state, template_hash
from homelab_tui.model.node_load import Requests, pod_requests
from homelab_tui.model.quantity import parse_quantity

GENERAL_NODES = ("k3s-worker-01", "k3s-worker-02", "k3s-master")
ALL_NODES = ("k3s-master", "k3s-worker-01", "k3s-worker-02", "k3s-gpu-worker")
#: worker nodes each extra unit of ``--scale`` adds (sized as the seed's workers): its 300 tenant pods fit
WORKERS_PER_UNIT = 4
_RESOURCES = ("cpu", "memory", "pods")
GPU = "nvidia.com/gpu"


def extra_workers(scale: int) -> tuple[str, ...]:
    """The worker nodes ``scale`` > 1 adds to the seed's four: k3s-worker-03, k3s-worker-04, …"""
    return tuple(f"k3s-worker-{i:02d}" for i in range(3, 3 + WORKERS_PER_UNIT * max(0, scale - 1)))


def schedule(template: dict, pod_name: str) -> str:
    """The node a new pod lands on: its hostname nodeSelector, else a stable pick among the general nodes."""
    selector = template.get("spec", {}).get("nodeSelector", {})
    if "kubernetes.io/hostname" in selector:
        return selector["kubernetes.io/hostname"]
    n = int(hashlib.sha256(pod_name.encode()).hexdigest()[:8], 16)
    return GENERAL_NODES[n % len(GENERAL_NODES)]


class Placement:
    """kube-scheduler over a cluster larger than the seed's (``--scale`` > 1): a pod goes to a schedulable node
    its nodeSelector matches that has room for its requests and pod slot (the NodeResourcesFit filter), the one
    least allocated afterwards (its score, counting the pod slots too, so that tiny pods spread); the GPU node
    takes only pods that request a GPU (the home-lab keeps it for vLLM)."""

    def __init__(self, nodes: Iterable[dict], pods: Iterable[dict],
                 requests: Callable[[dict], Requests] = pod_requests) -> None:
        """``requests``: a pod's effective requests (a caller may cache them: pod specs do not change)."""
        self.labels: dict[str, dict] = {}
        self.allocatable: dict[str, dict[str, float]] = {}
        self.used: dict[str, dict[str, float]] = {}
        for node in nodes:
            name, alloc = node["metadata"]["name"], node.get("status", {}).get("allocatable") or {}
            if node.get("spec", {}).get("unschedulable"):
                continue
            self.labels[name] = node["metadata"].get("labels") or {}
            self.allocatable[name] = {r: parse_quantity(alloc.get(r)) or 0.0 for r in (*_RESOURCES, GPU)}
            self.used[name] = dict.fromkeys((*_RESOURCES, GPU), 0.0)
        for pod in pods:
            if pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                self._take(pod.get("spec", {}).get("nodeName", ""), requests(pod))

    def _take(self, node: str, req: Requests) -> None:
        if node in self.used:
            for resource, amount in zip((*_RESOURCES, GPU), (req.cpu, req.memory, 1.0, req.gpu)):
                self.used[node][resource] += amount

    def place(self, template: dict) -> str | None:
        """The node for one more pod of ``template`` (recorded as taken), or None when none fits."""
        req = pod_requests(template)
        selector = template.get("spec", {}).get("nodeSelector") or {}
        best: tuple[float, str] | None = None
        for name, alloc in self.allocatable.items():
            labels, used = self.labels[name], self.used[name]
            if any(labels.get(k) != v for k, v in selector.items()) or (alloc[GPU] and not req.gpu):
                continue
            after = {"cpu": used["cpu"] + req.cpu, "memory": used["memory"] + req.memory, "pods": used["pods"] + 1}
            if any(after[r] > alloc[r] for r in _RESOURCES) or used[GPU] + req.gpu > alloc[GPU]:
                continue
            score = sum(after[r] / alloc[r] for r in _RESOURCES) / len(_RESOURCES)
            if best is None or score < best[0]:
                best = (score, name)
        if best is None:
            return None
        self._take(best[1], req)
        return best[1]


def terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def desired_replicas(obj: dict) -> int:
    replicas = obj.get("spec", {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def _nonzero(status: dict[str, Any]) -> dict[str, Any]:
    """The API omits zero counters (omitempty)."""
    return {k: v for k, v in status.items() if v or k in ("observedGeneration", "replicas")}


def merge_conditions(old: list[dict], new: list[dict], when: str, update_key: str | None = None) -> list[dict]:
    """Keep a condition's transition time while its status and reason stay the same."""
    before = {c["type"]: c for c in old or []}
    out = []
    for c in new:
        prev = before.get(c["type"])
        if prev and prev.get("status") == c["status"] and prev.get("reason") == c.get("reason"):
            c["lastTransitionTime"] = prev.get("lastTransitionTime", when)
            if update_key:
                c[update_key] = prev.get(update_key, when)
        else:
            c["lastTransitionTime"] = when
            if update_key:
                c[update_key] = when
        out.append(c)
    return out


def _rolling_bound(value: Any, desired: int, round_up: bool) -> int:
    """maxSurge (rounded up) or maxUnavailable (rounded down): an integer or a percentage of the replicas
    (the simulation does not validate the field: anything else counts as the default, 25 %)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    percent = int(value[:-1]) if isinstance(value, str) and value[:-1].isdigit() and value.endswith("%") else 25
    return -(-desired * percent // 100) if round_up else desired * percent // 100


def rollout_sizes(dep: dict, sets: list[tuple[str, int, int, bool]]) -> dict[str, int]:
    """The size the deployment controller gives each ReplicaSet in one sync: ``sets`` are (uid, replicas,
    available pods, has pods) oldest first, the current template's ReplicaSet last. A RollingUpdate scales the
    new set up within maxSurge, else the old ones down within maxUnavailable (one of the two per sync, as
    rolloutRolling returns after either); a Recreate scales the old sets to 0 and the new one up once their
    pods are gone; a paused Deployment only scales its newest set."""
    sizes = {uid: replicas for uid, replicas, _, _ in sets}
    new, olds = sets[-1][0], sets[:-1]
    desired = desired_replicas(dep)
    strategy = dep.get("spec", {}).get("strategy") or {}
    if dep.get("spec", {}).get("paused") or not olds:
        sizes[new] = desired
    elif strategy.get("type") == "Recreate":
        if any(replicas for _, replicas, _, _ in olds):
            sizes.update({uid: 0 for uid, _, _, _ in olds})
        elif not any(has_pods for _, _, _, has_pods in olds):
            sizes[new] = desired
    else:
        rolling = strategy.get("rollingUpdate") or {}
        surge = _rolling_bound(rolling.get("maxSurge", "25%"), desired, True)
        unavailable = _rolling_bound(rolling.get("maxUnavailable", "25%"), desired, False)
        unavailable = 1 if surge == 0 and unavailable == 0 else unavailable
        total = sum(sizes.values())
        if sizes[new] > desired:
            sizes[new] = desired
        elif sizes[new] < desired and total < desired + surge:
            sizes[new] += min(desired + surge - total, desired - sizes[new])
        else:
            _scale_down_old(sizes, sets, desired - unavailable)
    return sizes


def _scale_down_old(sizes: dict[str, int], sets: list[tuple[str, int, int, bool]], min_available: int) -> None:
    """reconcileOldReplicaSets: first the old sets' unavailable pods, then available ones while the Deployment
    keeps ``min_available`` (oldest set first)."""
    new_uid, _, new_available, _ = sets[-1]
    room = sum(sizes.values()) - min_available - (sizes[new_uid] - new_available)
    if room <= 0:
        return
    for uid, replicas, available, _ in sets[:-1]:
        cut = max(0, min(room, replicas - available))
        sizes[uid] -= cut
        room -= cut
    spare = sum(available for _, _, available, _ in sets) - min_available
    for uid, _, _, _ in sets[:-1]:
        cut = max(0, min(sizes[uid], spare))
        sizes[uid] -= cut
        spare -= cut


def deployment_status(dep: dict, pods: list[dict], new_rs: str, when: str) -> dict:
    alive = [p for p in pods if not terminating(p)]
    desired = desired_replicas(dep)
    current_hash = new_rs.rsplit("-", 1)[-1]
    updated = sum(1 for p in alive if p["metadata"]["labels"].get("pod-template-hash") == current_hash)
    ready = sum(1 for p in alive if pod_state(p) == READY)
    available = ready >= desired
    paused = bool(dep.get("spec", {}).get("paused"))
    complete = updated == desired and len(alive) == desired and ready == desired
    if paused:
        progressing = {"type": "Progressing", "status": "Unknown", "reason": "DeploymentPaused",
                       "message": "Deployment is paused"}
    else:
        progressing = {"type": "Progressing", "status": "True",
                       "reason": "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                       "message": f'ReplicaSet "{new_rs}" has successfully progressed.' if complete
                       else f'ReplicaSet "{new_rs}" is progressing.'}
    conditions = [
        {"type": "Available", "status": "True" if available else "False",
         "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
         "message": "Deployment has minimum availability." if available
         else "Deployment does not have minimum availability."},
        progressing]
    status = _nonzero({"observedGeneration": dep["metadata"].get("generation", 1), "replicas": len(alive),
                       "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": ready,
                       "unavailableReplicas": max(0, len(alive) - ready) if alive else 0})
    if not alive:
        status.pop("replicas", None)
    status["conditions"] = merge_conditions(dep.get("status", {}).get("conditions", []), conditions, when,
                                            "lastUpdateTime")
    return status


def replicaset_status(rs: dict, pods: list[dict]) -> dict:
    alive = [p for p in pods if not terminating(p)]
    ready = sum(1 for p in alive if pod_state(p) == READY)
    return _nonzero({"replicas": len(alive), "fullyLabeledReplicas": len(alive), "readyReplicas": ready,
                     "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)})


def statefulset_status(sts: dict, pods: list[dict], when: str) -> dict:
    alive = [p for p in pods if not terminating(p)]
    update_rev = f"{sts['metadata']['name']}-{template_hash(sts['spec']['template'])}"
    revisions = [p["metadata"]["labels"].get("controller-revision-hash") for p in alive]
    updated = sum(1 for r in revisions if r == update_rev)
    ready = sum(1 for p in alive if pod_state(p) == READY)
    old = [r for r in revisions if r != update_rev]
    current_rev = old[0] if old else update_rev
    return {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(alive),
            **_nonzero({"readyReplicas": ready, "availableReplicas": ready,
                        "currentReplicas": revisions.count(current_rev),
                        "updatedReplicas": updated}),
            "currentRevision": current_rev, "updateRevision": update_rev, "collisionCount": 0}


def daemonset_status(ds: dict, pods: list[dict], desired_nodes: int) -> dict:
    alive = [p for p in pods if not terminating(p)]
    current_hash = template_hash(ds["spec"]["template"])
    ready = sum(1 for p in alive if pod_state(p) == READY)
    updated = sum(1 for p in alive if p["metadata"]["labels"].get("controller-revision-hash") == current_hash)
    return {"currentNumberScheduled": len(alive), "desiredNumberScheduled": desired_nodes,
            "numberMisscheduled": 0, "numberReady": ready, "numberAvailable": ready,
            "updatedNumberScheduled": updated, "observedGeneration": ds["metadata"].get("generation", 1),
            **({"numberUnavailable": desired_nodes - ready} if desired_nodes > ready else {})}
