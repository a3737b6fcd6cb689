"""Pods and workloads: status text, readiness, problems, ownership."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from homelab_tui.model.cluster import ClusterState, KubeObject
from homelab_tui.model.health import Finding, State
from homelab_tui.model.objects import (
    as_int, as_list, as_map, as_str, condition, in_namespace, labels_of, meta, name_of, namespace_of,
    parse_time, spec_of, status_of,
)

#: seconds a pod may stay Pending / not ready / Terminating before it is a problem
PENDING_GRACE = 300.0
#: seconds a workload may be below its desired count while it rolls out or loads
ROLLOUT_GRACE = 600.0

#: waiting reasons that mean the container cannot run
FAILING_REASONS = frozenset({
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
    "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "ErrImageNeverPull",
})

#: workload kind -> ClusterState key
WORKLOAD_KEYS: dict[str, str] = {
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
}


def _container_statuses(pod: Any) -> list[Mapping[str, Any]]:
    st = status_of(pod)
    return [as_map(c) for c in as_list(st.get("initContainerStatuses")) + as_list(st.get("containerStatuses"))]


def pod_restarts(pod: Any) -> int:
    return sum(max(0, as_int(c.get("restartCount"))) for c in _container_statuses(pod))


def pod_ready(pod: Any) -> bool:
    cond = condition(pod, "Ready")
    return bool(cond) and cond.get("status") == "True"


def pod_phase(pod: Any) -> str:
    return as_str(status_of(pod).get("phase")) or "Unknown"


def pod_node(pod: Any) -> str:
    return as_str(spec_of(pod).get("nodeName"))


def is_terminating(obj: Any) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def _waiting_reason(pod: Any) -> str:
    """The first container's waiting/terminated reason, failing reasons first."""
    reasons: list[str] = []
    for c in _container_statuses(pod):
        state = as_map(c.get("state"))
        reason = as_str(as_map(state.get("waiting")).get("reason")) or as_str(
            as_map(state.get("terminated")).get("reason"))
        if reason:
            reasons.append(reason)
    failing = [r for r in reasons if r in FAILING_REASONS]
    return (failing or reasons or [""])[0]


def pod_status_text(pod: Any) -> str:
    """The STATUS column as ``kubectl get pods`` shows it."""
    if is_terminating(pod):
        return "Terminating"
    st = status_of(pod)
    if as_str(st.get("reason")):
        return as_str(st.get("reason"))  # Evicted, NodeLost, ...
    phase = pod_phase(pod)
    reason = _waiting_reason(pod)
    if phase in ("Pending", "Running") and reason and reason not in ("Completed",):
        return reason
    if phase == "Succeeded":
        return "Completed"
    return phase


@dataclass(frozen=True, slots=True)
class PodFacts:
    """What :func:`pod_problem` reads from one version of a pod (none of it depends on the clock)."""

    subject: str
    status: str
    phase: str
    restarts: int
    ready: bool
    terminating: bool
    deleted_at: float | None
    created_at: float | None
    #: lastTransitionTime of the Ready condition (None without one)
    ready_since: float | None
    #: why the pod is not scheduled (PodScheduled=False), else ""
    unscheduled: str


def _pod_facts(pod: Any) -> PodFacts:
    ready_cond = condition(pod, "Ready")
    sched = condition(pod, "PodScheduled")
    md = meta(pod)
    return PodFacts(
        subject=f"{namespace_of(pod)}/{name_of(pod)}", status=pod_status_text(pod), phase=pod_phase(pod),
        restarts=pod_restarts(pod), ready=bool(ready_cond) and ready_cond.get("status") == "True",
        terminating=is_terminating(pod), deleted_at=parse_time(md.get("deletionTimestamp")),
        created_at=parse_time(md.get("creationTimestamp")),
        ready_since=parse_time(ready_cond.get("lastTransitionTime")) if ready_cond else None,
        unscheduled=as_str(sched.get("reason")) if sched and sched.get("status") == "False" else "")


def pod_facts_reader(cluster: ClusterState) -> Callable[[Any], PodFacts]:
    """:func:`pod_facts` for many pods of ``cluster`` (the memo is looked up once)."""
    return cluster.version_memo("pod", _pod_facts)


def pod_facts(cluster: ClusterState | None, pod: Any) -> PodFacts:
    """A pod's facts; computed once per pod version when ``cluster`` is given (:mod:`homelab_tui.model.memo`)."""
    if cluster is None:
        return _pod_facts(pod)
    return cluster.version_memo("pod", _pod_facts)(pod)


def pod_problem(pod: Any, now: float, restarts_warn: int = 5, cluster: ClusterState | None = None) -> Finding | None:
    """What is wrong with a pod, or None (pass the pod's ``cluster`` to reuse its facts)."""
    return facts_problem(pod_facts(cluster, pod), now, restarts_warn)


def facts_problem(f: PodFacts, now: float, restarts_warn: int = 5) -> Finding | None:
    """:func:`pod_problem` from a pod's facts."""
    status, phase = f.status, f.phase
    if status in FAILING_REASONS or status == "OOMKilled":
        return Finding(State.FAIL, f.subject, status)
    if phase == "Failed":
        return Finding(State.WARN, f.subject, status)
    if f.terminating:
        since_deleted = _since(f.deleted_at, now)
        if since_deleted is not None and since_deleted > PENDING_GRACE:
            return Finding(State.WARN, f.subject, f"Terminating for {int(since_deleted // 60)} min")
        return None
    created = _since(f.created_at, now)
    if phase == "Pending":
        if created is not None and created > PENDING_GRACE:
            return Finding(State.WARN, f.subject, f"Pending for {int(created // 60)} min"
                           + (f" ({f.unscheduled})" if f.unscheduled else ""))
        return None
    if phase == "Running" and not f.ready:
        since = _since(f.ready_since, now)
        since = created if since is None else since
        if since is not None and since > PENDING_GRACE:
            return Finding(State.WARN, f.subject, "Running but not ready")
    if restarts_warn > 0 and f.restarts >= restarts_warn:
        return Finding(State.WARN, f.subject, f"{f.restarts} restarts")
    return None


def _since(t: float | None, now: float) -> float | None:
    return None if t is None else max(0.0, now - t)


# --------------------------------------------------------------------------- workloads

def workload_counts(obj: Any, kind: str) -> tuple[int, int]:
    """(ready, desired) replicas of a Deployment, StatefulSet or DaemonSet."""
    st = status_of(obj)
    if kind == "DaemonSet":
        return max(0, as_int(st.get("numberReady"))), max(0, as_int(st.get("desiredNumberScheduled")))
    replicas = spec_of(obj).get("replicas")
    desired = 1 if replicas is None else max(0, as_int(replicas))
    return max(0, as_int(st.get("readyReplicas"))), desired


@dataclass(frozen=True, slots=True)
class WorkloadFacts:
    """What :func:`workload_problem` reads from one version of a workload (none of it depends on the clock)."""

    subject: str
    ready: int
    desired: int
    #: Progressing=False with ProgressDeadlineExceeded
    stuck: bool
    #: creation and the last update of its Progressing and Available conditions
    changed_at: tuple[float | None, ...]


def _workload_facts(item: tuple[Any, str]) -> WorkloadFacts:
    obj, kind = item
    progressing = condition(obj, "Progressing")
    times = [parse_time(meta(obj).get("creationTimestamp"))]
    for ctype in ("Progressing", "Available"):
        cond = condition(obj, ctype)
        if cond:
            times.append(parse_time(cond.get("lastUpdateTime") or cond.get("lastTransitionTime")))
    ready, desired = workload_counts(obj, kind)
    return WorkloadFacts(
        subject=f"{namespace_of(obj)}/{name_of(obj)}", ready=ready, desired=desired,
        stuck=bool(progressing) and progressing.get("reason") == "ProgressDeadlineExceeded",
        changed_at=tuple(times))


_WORKLOAD_FACTS = {kind: (lambda obj, kind=kind: _workload_facts((obj, kind))) for kind in WORKLOAD_KEYS}


def workload_facts(obj: Any, kind: str, cluster: ClusterState | None = None) -> WorkloadFacts:
    """A workload's facts; computed once per object version when ``cluster`` is given."""
    compute = _WORKLOAD_FACTS.get(kind)
    if cluster is None or compute is None:
        return _workload_facts((obj, kind))
    return cluster.version_memo(f"workload:{kind}", compute)(obj)


def workload_problem(obj: Any, kind: str, now: float, cluster: ClusterState | None = None) -> Finding | None:
    """A workload below its desired count (FAIL when none ready, WARN when partial or rolling out)."""
    f = workload_facts(obj, kind, cluster)
    if f.stuck:
        return Finding(State.FAIL, f.subject, "rollout stuck (progress deadline exceeded)")
    if f.ready >= f.desired:
        return None
    text = f"{f.ready}/{f.desired} ready"
    recently_changed = any(t is not None and _since(t, now) <= ROLLOUT_GRACE for t in f.changed_at)
    if f.ready == 0 and not recently_changed:
        return Finding(State.FAIL, f.subject, text)
    return Finding(State.WARN, f.subject, text)


def selector_labels(obj: Any) -> Mapping[str, Any]:
    return as_map(as_map(spec_of(obj).get("selector")).get("matchLabels"))


def owns_pod(obj: Any, kind: str, pod: Any) -> bool:
    """Whether ``pod`` belongs to workload ``obj`` (ownerReferences; selector labels as fallback)."""
    if namespace_of(pod) != namespace_of(obj):
        return False
    name = name_of(obj)
    owners = [as_map(o) for o in as_list(meta(pod).get("ownerReferences"))]
    for owner in owners:
        okind, oname = as_str(owner.get("kind")), as_str(owner.get("name"))
        if kind == "Deployment" and okind == "ReplicaSet" and oname.rsplit("-", 1)[0] == name and "-" in oname:
            return True
        if okind == kind and oname == name:
            return True
    if owners:
        return False
    selector = selector_labels(obj)
    pod_labels = labels_of(pod)
    return bool(selector) and all(pod_labels.get(k) == v for k, v in selector.items())


def owned_pods(cluster: ClusterState, obj: Any, kind: str) -> tuple[KubeObject, ...]:
    return tuple(p for p in in_namespace(cluster, "pods", namespace_of(obj)) if owns_pod(obj, kind, p))


class PodIndex:
    """Pods of one namespace indexed by owner, so finding a workload's pods is not a scan per workload."""

    def __init__(self, pods: tuple[KubeObject, ...]) -> None:
        self._by_owner: dict[tuple[str, str], list[KubeObject]] = {}
        self._orphans: list[KubeObject] = []
        for p in pods:
            owners = [as_map(o) for o in as_list(meta(p).get("ownerReferences"))]
            if not owners:
                self._orphans.append(p)
            for o in owners:
                okind, oname = as_str(o.get("kind")), as_str(o.get("name"))
                if okind == "ReplicaSet" and "-" in oname:
                    self._by_owner.setdefault(("Deployment", oname.rsplit("-", 1)[0]), []).append(p)
                self._by_owner.setdefault((okind, oname), []).append(p)

    def owned(self, obj: Any, kind: str) -> tuple[KubeObject, ...]:
        """The same pods as :func:`owned_pods` (owner references, else selector labels)."""
        found = self._by_owner.get((kind, name_of(obj)), []) + [p for p in self._orphans if owns_pod(obj, kind, p)]
        return tuple(sorted(found, key=name_of))
