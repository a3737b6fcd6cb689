"""Per-namespace summaries (the Namespaces screen) and the drill-down rows.

Order: the home-lab's own namespace table (``settings.namespaces``, the order of
the context document: kube-system, infra, monitoring, data, apps, ml, docs, dev),
then namespaces that are not in the table, alphabetically. A stable order keeps
rows from jumping while the user reads or filters; severity is shown by state.

A namespace that is not in the table is shown with ``known=False``; it is a
problem (WARN) only when it runs workloads or pods, so the empty built-ins
(``default``, ``kube-public``, ``kube-node-lease``) do not turn the area yellow.
A namespace in the table that the cluster lacks is shown with ``exists=False``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import Finding, State, worst
from homelab_tui.model.objects import (
    age_of, as_list, as_map, find, in_namespace, name_of, namespaces_of, spec_of, status_of,
)
from homelab_tui.model.workloads import (
    WORKLOAD_KEYS, facts_problem, pod_facts_reader, pod_node, pod_problem, pod_ready, pod_restarts, pod_status_text,
    PodIndex, workload_counts, workload_facts, workload_problem,
)

PHASES = ("Running", "Pending", "Succeeded", "Failed", "Unknown")


@dataclass(frozen=True)
class NamespaceSummary:
    name: str
    purpose: str
    #: whether the namespace is in the home-lab's table
    known: bool
    #: whether the cluster has the Namespace object
    exists: bool
    #: workloads whose every replica is ready / all workloads
    workloads_ready: int
    workloads_total: int
    replicas_ready: int
    replicas_desired: int
    #: (phase, count) for phases that occur, in PHASES order
    pods_by_phase: tuple[tuple[str, int], ...]
    restarts: int
    state: State
    #: the worst finding (None when all is well)
    problem: Finding | None
    findings: tuple[Finding, ...] = field(default=())

    def pods(self, phase: str) -> int:
        return dict(self.pods_by_phase).get(phase, 0)

    @property
    def pod_count(self) -> int:
        return sum(n for _, n in self.pods_by_phase)


@dataclass(frozen=True)
class DetailRow:
    """One row of a namespace's drill-down (a workload or a pod)."""

    kind: str  # Deployment, StatefulSet, DaemonSet, Pod
    namespace: str
    name: str
    ready: str  # "1/1"
    status: str
    restarts: int
    age: float | None
    node: str
    state: State
    problem: Finding | None


def worst_finding(findings: list[Finding] | tuple[Finding, ...]) -> Finding | None:
    """The most severe finding (the first one among equals), or None."""
    best: Finding | None = None
    for f in findings:
        if best is None or f.state.rank > best.state.rank:
            best = f
    return best


def _namespace_names(cluster: ClusterState, settings: Settings) -> list[str]:
    table = list(settings.namespaces)
    seen = set(table)
    extra = {name_of(obj) for obj in cluster.get("namespaces")}
    for key in ("pods", *WORKLOAD_KEYS.values()):
        extra.update(namespaces_of(cluster, key))
    return table + sorted(n for n in extra - seen if n)


def summarize_namespace(cluster: ClusterState, settings: Settings, namespace: str, now: float) -> NamespaceSummary:
    restarts_warn = settings.thresholds.restarts_warn
    findings: list[Finding] = []
    # pod findings first: among equals, "CrashLoopBackOff" says more than "0/1 ready"
    pods = in_namespace(cluster, "pods", namespace)
    read = pod_facts_reader(cluster)
    facts = [read(p) for p in pods]
    phases = Counter(f.phase if f.phase in PHASES else "Unknown" for f in facts)
    restarts = sum(f.restarts for f in facts)
    for f in facts:
        problem = facts_problem(f, now, restarts_warn)
        if problem:
            findings.append(Finding(problem.state, f"Pod {problem.subject}", problem.reason))
    wl_ready = wl_total = rep_ready = rep_desired = 0
    for kind, key in WORKLOAD_KEYS.items():
        for obj in in_namespace(cluster, key, namespace):
            wf = workload_facts(obj, kind, cluster)
            ready, desired = wf.ready, wf.desired
            wl_total += 1
            wl_ready += ready >= desired
            rep_ready += min(ready, desired)
            rep_desired += desired
            problem = workload_problem(obj, kind, now, cluster)
            if problem:
                findings.append(Finding(problem.state, f"{kind} {problem.subject}", problem.reason))
    known = namespace in settings.namespaces
    exists = find(cluster, "namespaces", None, namespace) is not None
    if not known and (wl_total or pods):
        findings.append(Finding(State.WARN, f"Namespace {namespace}", "not in the home-lab's namespace table"))
    if known and not exists and "namespaces" in cluster.synced:
        findings.append(Finding(State.WARN, f"Namespace {namespace}", "namespace does not exist"))
    findings.sort(key=lambda f: -f.state.rank)
    return NamespaceSummary(
        name=namespace, purpose=settings.namespaces.get(namespace, ""), known=known, exists=exists,
        workloads_ready=wl_ready, workloads_total=wl_total, replicas_ready=rep_ready, replicas_desired=rep_desired,
        pods_by_phase=tuple((ph, phases[ph]) for ph in PHASES if phases[ph]), restarts=restarts,
        state=worst(f.state for f in findings), problem=worst_finding(findings), findings=tuple(findings))


def summarize_namespaces(cluster: ClusterState, settings: Settings, now: float) -> tuple[NamespaceSummary, ...]:
    """One summary per namespace: the home-lab's table first (its order), then the rest alphabetically."""
    return tuple(summarize_namespace(cluster, settings, ns, now) for ns in _namespace_names(cluster, settings))


def namespace_detail(cluster: ClusterState, namespace: str, now: float,
                     settings: Settings | None = None) -> tuple[DetailRow, ...]:
    """Deployments, statefulsets, daemonsets, then pods of ``namespace``, each by name."""
    restarts_warn = (settings or Settings()).thresholds.restarts_warn
    rows: list[DetailRow] = []
    all_pods = in_namespace(cluster, "pods", namespace)
    index = PodIndex(all_pods)
    for kind, key in WORKLOAD_KEYS.items():
        for obj in sorted(in_namespace(cluster, key, namespace), key=name_of):
            ready, desired = workload_counts(obj, kind)
            problem = workload_problem(obj, kind, now, cluster)
            pods = index.owned(obj, kind)
            status = "Scaled to 0" if desired == 0 else ("Ready" if ready >= desired else "Not ready")
            rows.append(DetailRow(
                kind=kind, namespace=namespace, name=name_of(obj), ready=f"{ready}/{desired}", status=status,
                restarts=sum(pod_restarts(p) for p in pods), age=age_of(obj, now),
                node=", ".join(sorted({pod_node(p) for p in pods if pod_node(p)})),
                state=problem.state if problem else State.OK, problem=problem))
    for p in sorted(all_pods, key=name_of):
        problem = pod_problem(p, now, restarts_warn, cluster)
        total = _container_count(p)
        rows.append(DetailRow(
            kind="Pod", namespace=namespace, name=name_of(p),
            ready=f"{_ready_containers(p)}/{total}", status=pod_status_text(p), restarts=pod_restarts(p),
            age=age_of(p, now), node=pod_node(p), state=problem.state if problem else State.OK, problem=problem))
    return tuple(rows)


def _container_count(pod) -> int:
    return len(as_list(spec_of(pod).get("containers")))


def _ready_containers(pod) -> int:
    statuses = as_list(status_of(pod).get("containerStatuses"))
    if not statuses:
        return int(pod_ready(pod))
    return sum(1 for c in statuses if as_map(c).get("ready") is True)
