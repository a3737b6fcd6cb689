"""The Overview roll-up: one :class:`AreaStatus` per area.

THE single code path for the TUI's Overview screen and for ``homelab-tui check``
(pass ``areas`` to select some). Rules about sources:

* the area's primary source (Kubernetes) has no data at all → UNKNOWN, with its error;
* a source that failed but still has last good data → the verdict of that data,
  with the error in ``source_errors`` (the state is not changed by the error);
* a secondary source with no data (Prometheus for storage, LiteLLM for
  inference) → the verdict of what is known, at least UNKNOWN; so is a Prometheus
  that answers without any volume series while bound PVCs should have one;
* per-resource watch errors (e.g. 403 on secrets) and absent CRDs an area
  relies on are listed in ``source_errors`` as ``kubernetes/<resource>: ...``;
* LiteLLM's last ``/health`` error (e.g. the key rejected) is listed as ``litellm: ...``.

``age`` is the age of the oldest source snapshot used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import AreaStatus, Finding, State, worst
from homelab_tui.model.metrics import LiteLLMData, MetricsData
from homelab_tui.model.snapshot import Snapshot, one_line
from homelab_tui.model.state import DashboardState

# Each judge imports its area's model when it first judges: the Overview's first frame has nothing to judge
# and does not wait for them (about 0.02 s of imports, docs/benchmarks.md); warm_up() loads them in a worker.

#: seconds an area judged from the cluster alone keeps its verdict while the cluster state is unchanged:
#: a finding that comes from the clock alone (a pod Pending for 5 min, a certificate's days left) shows
#: up at most this long plus one source refresh late; any change in the cluster is judged at once
REJUDGE_AFTER = 10.0
#: longest reason (characters) of an area row; the findings keep the full text
REASON_LIMIT = 160
#: the Overview's areas, in display order (the default of build_overview)
AREAS: tuple[str, ...] = ("nodes", "namespaces", "certificates", "storage", "gpu", "inference")
#: areas evaluated only when asked for by name (``check --conventions``)
EXTRA_AREAS: tuple[str, ...] = ("conventions",)
TITLES = {"nodes": "Nodes", "namespaces": "Namespaces", "certificates": "Certificates", "storage": "Storage",
          "gpu": "GPU mode", "inference": "Inference tiers", "conventions": "Conventions"}
_ALIASES = {"node": "nodes", "ns": "namespaces", "namespace": "namespaces", "certs": "certificates",
            "cert": "certificates", "certificate": "certificates", "tls": "certificates", "ingress": "certificates",
            "pvc": "storage", "pvcs": "storage", "volumes": "storage", "gpu-mode": "gpu", "tiers": "inference",
            "llm": "inference", "litellm": "inference", "convention": "conventions", "rules": "conventions"}
#: the resources each area reads from the cluster (their watch errors are the area's source errors)
_RESOURCES = {
    "nodes": ("nodes",),
    "namespaces": ("namespaces", "pods", "deployments", "statefulsets", "daemonsets"),
    "certificates": ("certificates", "clusterissuers", "ingressroutes", "middlewares", "ingresses", "secrets"),
    "storage": ("persistentvolumeclaims", "persistentvolumes", "storageclasses"),
    "gpu": ("nodes", "deployments", "pods"),
    "inference": ("deployments", "configmaps"),  # configmaps: LiteLLM's own fallbacks (ml/litellm-config)
    "conventions": ("deployments", "statefulsets", "daemonsets", "pods", "services", "secrets", "configmaps",
                    "ingresses", "ingressroutes", "middlewares", "certificates", "clusterissuers", "storageclasses"),
}


def resources_for(areas: Iterable[str]) -> frozenset[str]:
    """The cluster resources (ClusterState keys) that judging ``areas`` reads, legacy Traefik groups included:
    ``check`` lists only these."""
    keys = {r for area in areas for r in _RESOURCES[area]}
    return frozenset(keys | {f"{r}_legacy" for r in keys & _LEGACY})


#: resources that Traefik also serves in its legacy API group (``traefik.containo.us``)
_LEGACY = frozenset({"ingressroutes", "middlewares"})


def resolve_areas(names: Iterable[str]) -> tuple[str, ...]:
    """Canonical area names for user input like ``certs,storage``; ValueError names an unknown one."""
    out: list[str] = []
    for raw in names:
        for part in str(raw).split(","):
            name = part.strip().lower()
            if not name:
                continue
            area = _ALIASES.get(name, name)
            if area not in AREAS + EXTRA_AREAS:
                raise ValueError(f"unknown area {part.strip()!r} (known: {', '.join(AREAS + EXTRA_AREAS)})")
            if area not in out:
                out.append(area)
    return tuple(a for a in AREAS + EXTRA_AREAS if a in out)


@dataclass(frozen=True)
class _Verdict:
    state: State
    reason: str
    findings: tuple[Finding, ...]
    #: errors the judge found in a source's data (the snapshots' own errors are added by build_area)
    source_errors: tuple[str, ...] = ()


def _from_findings(findings: Iterable[Finding], ok_reason: str) -> _Verdict:
    fs = tuple(sorted(findings, key=lambda f: -f.state.rank))
    if not fs or worst(f.state for f in fs) is State.OK:
        return _Verdict(State.OK, ok_reason, fs)
    top = fs[0]
    more = len([f for f in fs if f.state is not State.OK]) - 1
    suffix = f" (+{more} more)" if more > 0 else ""
    return _Verdict(worst(f.state for f in fs), f"{top.subject}: {top.reason}{suffix}", fs)


def _nodes(c: ClusterState, m: MetricsData | None, llm: Snapshot[LiteLLMData], s: Settings, now: float) -> _Verdict:
    from homelab_tui.model.nodes import summarize_nodes

    nodes = summarize_nodes(c, now)
    if not nodes:
        return _Verdict(State.UNKNOWN, "no nodes visible", ())
    ready = sum(1 for n in nodes if n.ready)
    return _from_findings((f for n in nodes for f in n.findings), f"{ready}/{len(nodes)} nodes Ready")


def _namespaces(c: ClusterState, m: MetricsData | None, llm: Snapshot[LiteLLMData], s: Settings,
                now: float) -> _Verdict:
    from homelab_tui.model.namespaces import summarize_namespaces

    summaries = summarize_namespaces(c, s, now)
    ready = sum(n.workloads_ready for n in summaries)
    total = sum(n.workloads_total for n in summaries)
    return _from_findings((f for n in summaries for f in n.findings),
                          f"{len(summaries)} namespaces, {ready}/{total} workloads ready")


def _certificates(c: ClusterState, m: MetricsData | None, llm: Snapshot[LiteLLMData], s: Settings,
                  now: float) -> _Verdict:
    from homelab_tui.model.certs import cert_findings, cert_rows

    rows = cert_rows(c, s, now)
    days = [r.days_left for r in rows if r.days_left is not None]
    ok = f"{len(rows)} hosts" + (f", next expiry in {int(min(days))} d" if days else "")
    verdict = _from_findings(cert_findings(rows), ok)
    if "certificates" in c.absent and verdict.state is State.OK:
        return _Verdict(State.UNKNOWN, "cert-manager is not installed (no Certificate resource)", verdict.findings)
    return verdict


def _storage(c: ClusterState, m: MetricsData | None, llm: Snapshot[LiteLLMData], s: Settings,
             now: float) -> _Verdict:
    from homelab_tui.model.storage import NO_METRICS, pvc_rows, storage_findings

    rows = pvc_rows(c, m, s)
    pct = [r.percent for r in rows if r.percent is not None]
    ok = f"{len(rows)} PVCs" + (f", fullest {max(pct):.0f} %" if pct else "")
    verdict = _from_findings(storage_findings(rows), ok)
    if m is None and rows:
        why = "usage unknown (no metrics)"
    elif m is not None and not m.volumes and any(NO_METRICS in r.flags for r in rows):
        why = "usage unknown: Prometheus answers without any kubelet_volume_stats series"
    else:
        return verdict
    return _Verdict(worst((verdict.state, State.UNKNOWN)),
                    verdict.reason if verdict.state.rank > State.UNKNOWN.rank else why, verdict.findings)


def _gpu(c: ClusterState, m: MetricsData | None, llm: Snapshot[LiteLLMData], s: Settings, now: float) -> _Verdict:
    from homelab_tui.model.gpu import derive_gpu_mode

    g = derive_gpu_mode(c, s, now)
    return _Verdict(g.state, g.reason, g.findings)


def _inference(c: ClusterState, m: MetricsData | None, snap: Snapshot[LiteLLMData], s: Settings,
               now: float) -> _Verdict:
    from homelab_tui.model.inference import build_inference

    llm = snap.data if snap.has_data else None
    inf = build_inference(c, llm, s, now, llm_error=snap.error)
    state = inf.state if llm is not None else worst((inf.state, State.UNKNOWN))
    reason = inf.reason
    if llm is None and not inf.unreadable and inf.state.rank <= State.UNKNOWN.rank:
        reason = f"LiteLLM unknown; by deployments {inf.reason}" if inf.reason else "LiteLLM unknown"
    errors = (f"litellm: {llm.health_error}",) if llm is not None and llm.health_error else ()
    return _Verdict(state, reason, inf.findings, errors)


def _conventions(c: ClusterState, m: MetricsData | None, llm: Snapshot[LiteLLMData], s: Settings,
                 now: float) -> _Verdict:
    # imported when asked for: the Overview does not show this area, and the rules are a fifth of its imports
    from homelab_tui.model.conventions import RULES, check_conventions, violation_findings

    return _from_findings(violation_findings(check_conventions(c, s)), f"{len(RULES)} rules, no violations")


_Judge = Callable[[ClusterState, "MetricsData | None", "Snapshot[LiteLLMData]", Settings, float], _Verdict]
_JUDGES: dict[str, tuple[_Judge, tuple[str, ...]]] = {
    "nodes": (_nodes, ("kubernetes",)),
    "namespaces": (_namespaces, ("kubernetes",)),
    "certificates": (_certificates, ("kubernetes",)),
    "storage": (_storage, ("kubernetes", "prometheus")),
    "gpu": (_gpu, ("kubernetes",)),
    "inference": (_inference, ("kubernetes", "litellm")),
    "conventions": (_conventions, ("kubernetes",)),
}


def warm_up() -> None:
    """Import the models the Overview's judges use (the dashboard does it in a worker after its first paint)."""
    import importlib

    for area_model in ("certs", "gpu", "inference", "namespaces", "nodes", "storage"):
        importlib.import_module(f"homelab_tui.model.{area_model}")


def _snapshots(state: DashboardState) -> dict[str, Snapshot]:
    return {"kubernetes": state.cluster, "prometheus": state.metrics, "litellm": state.llm}


def build_area(area: str, state: DashboardState, settings: Settings, now: float) -> AreaStatus:
    judge, sources = _JUDGES[area]
    snaps = _snapshots(state)
    used = [snaps[s] for s in sources]
    cluster: ClusterState | None = state.cluster.data if state.cluster.has_data else None
    wanted = resources_for((area,))
    errors = [f"{s.source}: {s.error}" for s in used if s.error and (s.source != "kubernetes" or cluster is None)]
    if cluster is not None:
        errors[:0] = _kube_errors(state.cluster.error, cluster, wanted)
    if cluster is None:  # judged from nothing: no data age (another source's age would read as this verdict's)
        why = state.cluster.error or "no data yet"
        return AreaStatus(area, TITLES[area], State.UNKNOWN, f"kubernetes: {why}", sources, None, tuple(errors))
    ages = [a for a in (s.age(now) for s in used if s.has_data and s.data is not None) if a is not None]
    age = max(ages) if ages else None
    metrics = state.metrics.data if state.metrics.has_data else None
    try:
        if sources == ("kubernetes",):
            # judged from the cluster alone: an unchanged cluster state keeps its verdict for REJUDGE_AFTER
            # seconds (a Prometheus or LiteLLM refresh redraws the Overview; it need not re-judge 3,000 pods)
            verdict = cluster.recent(("verdict", area), now, REJUDGE_AFTER,
                                     lambda: judge(cluster, metrics, state.llm, settings, now), witness=settings)
        else:
            verdict = judge(cluster, metrics, state.llm, settings, now)
    except Exception as exc:  # a model bug must not take the whole Overview down
        verdict = _Verdict(State.UNKNOWN, f"cannot evaluate: {type(exc).__name__}: {exc}", ())
    errors += [e for e in verdict.source_errors if e not in errors]
    verdict = _unread(verdict, cluster, wanted)
    return AreaStatus(area, TITLES[area], verdict.state, one_line(verdict.reason, REASON_LIMIT), sources, age,
                      tuple(errors), verdict.findings)


def _kube_errors(summary: str | None, cluster: ClusterState, wanted: frozenset[str]) -> list[str]:
    """The Kubernetes source's errors that concern an area: those of the resources it reads (a 403 on
    secrets is not the Nodes area's business), one line per distinct error. A failure of the source that no
    resource is blamed for concerns every area."""
    if not cluster.errors:
        return [f"kubernetes: {summary}"] if summary else []
    by_text: dict[str, list[str]] = {}
    for key, text in sorted(cluster.errors.items()):
        if key in wanted:
            by_text.setdefault(text, []).append(key)
    if len(by_text) == 1 and summary and next(iter(by_text)) in summary:
        return [f"kubernetes: {summary}"]  # e.g. "API unreachable: …", once, not once per resource
    return [f"kubernetes/{', '.join(keys)}: {text}" for text, keys in by_text.items()]


def _unread(verdict: _Verdict, cluster: ClusterState | None, wanted: frozenset[str]) -> _Verdict:
    """At least UNKNOWN when a resource the area reads has never been read (e.g. RBAC forbids secrets): its
    verdict leaves that resource out. Last good data that has since failed is judged as it is."""
    if cluster is None:
        return verdict
    unread = [(k, e) for k, e in sorted(cluster.errors.items()) if k in wanted and k not in cluster.synced]
    if not unread:
        return verdict
    subjects = {f.subject for f in verdict.findings}
    extra = tuple(Finding(State.UNKNOWN, f"kubernetes/{k}", f"cannot be read, left out of this verdict: {e}")
                  for k, e in unread if f"kubernetes/{k}" not in subjects)
    state = worst((verdict.state, State.UNKNOWN))
    reason = verdict.reason if verdict.state is not State.OK else \
        f"kubernetes/{unread[0][0]} cannot be read: {unread[0][1]}"
    return _Verdict(state, reason, verdict.findings + extra, verdict.source_errors)


def build_overview(state: DashboardState, settings: Settings, now: float,
                   areas: Iterable[str] | None = None) -> tuple[AreaStatus, ...]:
    """One AreaStatus per area: all of :data:`AREAS`, or the ``areas`` selected (which may name
    ``"conventions"``), in display order."""
    selected = AREAS if areas is None else resolve_areas(areas)
    return tuple(build_area(a, state, settings, now) for a in selected)


#: ``check``'s precedence: a failure beats an unreadable source, which beats a warning
_CHECK_PRECEDENCE = {State.OK: 0, State.WARN: 1, State.UNKNOWN: 2, State.FAIL: 3}


def overall_state(rows: Iterable[AreaStatus]) -> State:
    """The exit state for ``check`` (OK when there are no rows).

    CRITICAL wins; then UNKNOWN, because a source that cannot be read may hide anything; then WARNING.
    """
    result = State.OK
    for r in rows:
        if _CHECK_PRECEDENCE[r.state] > _CHECK_PRECEDENCE[result]:
            result = r.state
    return result
