"""Headless ``homelab-tui check``: the Overview's verdicts for cron, SSH one-liners and monitoring.

It evaluates exactly what the Overview shows (``model.overview.build_overview``) and exits with the
Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. It never touches the terminal beyond
printing, and every wait is bounded.

LiteLLM's full ``/health`` calls every model, the paid one too, and ``check`` may run every minute: it is
called only with ``full_health`` (``--full-health``), and its result is saved for the runs in between
(:mod:`homelab_tui.sources.litellm_cache`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Collection, Sequence

from homelab_tui.config import Settings
from homelab_tui.model.health import AreaStatus, State
from homelab_tui.model.snapshot import Snapshot, format_age
from homelab_tui.model.state import DashboardState
from homelab_tui.services import Services
from homelab_tui.sources.litellm import LiteLLMSource
from homelab_tui.sources.prometheus import PrometheusSource
from homelab_tui.sources.litellm_cache import HealthCache

JSON_VERSION = 1
#: seconds ``gather`` waits beyond ``wait`` for the lister, which marks the lists still unanswered at its own
#: deadline ("API not answering: no answer within N s") just after that one
LIST_MARGIN = 1.0


@dataclass(frozen=True)
class CheckReport:
    state: State
    areas: tuple[AreaStatus, ...]
    dashboard: DashboardState
    checked_at: float
    context: str
    #: convention violations when ``--conventions`` was asked for (None: not asked, or the cluster unread)
    conventions: tuple[Any, ...] | None = None
    conventions_asked: bool = False
    #: answered by ``homelab-tui agent`` (the cluster from its watch cache), not by lists of this run's own
    agent: bool = False

    @property
    def exit_code(self) -> int:
        return int(self.state.value)


class WatchesNotReady(Exception):
    """``homelab-tui agent``: its watch cache cannot stand in for this check's lists now (a resource failed or
    is still loading, the API server is silent). The agent declines, and ``check`` reads the sources itself — so
    that failure is reported exactly as without an agent, never judged on data kept from before it."""


def gather(services: Services, wait: float, *, full_health: bool = False, health_cache: HealthCache | None = None,
           resources: Collection[str] | None = None, watching: bool = False) -> DashboardState:
    """Read every source once, concurrently, within ``wait`` seconds (plus the sources' own timeouts).

    The cluster is listed once — only ``resources`` when given — with no watch opened (a daemon thread:
    a server that does not answer never holds up the exit); Prometheus is asked only the instant queries
    the verdicts use (the range queries draw the screens' sparklines).

    ``watching``: the cluster source is a running watch cache (``homelab-tui agent``). It is read as it stands
    once ``resources`` have loaded (waiting at most ``wait``), when every one of them is watched without an
    error; else :class:`WatchesNotReady`."""
    keys = frozenset(resources) if resources is not None else None
    if watching:
        _watched_cluster(services.kube, keys, wait)  # before the other reads: a declined check costs nothing
        lister = None
    else:
        lister = threading.Thread(target=services.kube.read_once, kwargs={"keys": resources, "wait": wait},
                                  name="check-kube", daemon=True)
        lister.start()
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="check") as pool:
        prometheus = services.prometheus
        futures = [pool.submit(prometheus.refresh, history=False) if isinstance(prometheus, PrometheusSource)
                   else pool.submit(prometheus.refresh), pool.submit(services.gpu.refresh)]
        llm = services.litellm
        if isinstance(llm, LiteLLMSource):
            futures.append(pool.submit(llm.read_once, health_cache or HealthCache(), full=full_health))
        else:
            futures.append(pool.submit(llm.refresh))
        if lister is not None:
            lister.join(wait + LIST_MARGIN)
        for f in futures:
            f.result()
    state = services.state()
    if watching:  # as it stands after the other reads, checked again
        state = dataclasses.replace(state, cluster=_watched_cluster(services.kube, keys, 0.0))
    return state


def watch_problem(snap: Snapshot[Any], keys: Collection[str] | None) -> tuple[str | None, bool]:
    """Why a watch cache's snapshot cannot stand in for lists of ``keys`` (every resource when None), and
    whether all of them have loaded: (None, True) when it can."""
    cluster = snap.data
    if cluster is None:
        return snap.error, False
    if snap.error and not cluster.errors:  # the whole source: the API server silent, the client not loaded
        return snap.error, False
    for key in sorted(cluster.errors if keys is None else set(keys) & set(cluster.errors)):
        return f"{key}: {cluster.errors[key]}", False
    wanted = cluster.objects.keys() | cluster.absent | cluster.synced if keys is None else keys
    return None, all(k in cluster.synced or k in cluster.absent for k in wanted)


def _watched_cluster(kube: Any, keys: Collection[str] | None, wait: float, poll: float = 0.05) -> Snapshot[Any]:
    """The watch cache's snapshot once ``keys`` have loaded (at most ``wait`` seconds), as a check that listed
    only ``keys`` would have it; :class:`WatchesNotReady` when it cannot stand in for those lists."""
    deadline = time.monotonic() + wait
    while True:
        snap = kube.current()
        problem, loaded = watch_problem(snap, keys)
        if problem:
            raise WatchesNotReady(problem)
        if loaded:
            break
        if time.monotonic() >= deadline:
            raise WatchesNotReady(f"the watches have not loaded within {wait:g} s")
        time.sleep(poll)
    if snap.error is None:
        return snap
    # errors of resources this check does not read only: a check of its own would not have listed them
    return dataclasses.replace(snap, error=None, error_since=None, fetched_at=snap.attempted_at)


def areas_from_flags(only: Sequence[str] | None) -> tuple[str, ...] | None:
    """The areas ``--only`` names (None: every area). Raises ConfigError for an unknown or no area."""
    from homelab_tui.errors import ConfigError
    from homelab_tui.model.overview import resolve_areas

    try:
        areas = resolve_areas(only) if only is not None else None
    except ValueError as exc:
        raise ConfigError(f"--only: {exc}") from None
    if areas == ():
        raise ConfigError("--only: no area named (known: nodes, namespaces, certificates, storage, gpu, "
                          "inference, conventions)")
    return areas


def run_check(services: Services, *, areas: Sequence[str] | None = None, conventions: bool = False,
              wait: float | None = None, now: float | None = None, full_health: bool = False,
              health_cache: HealthCache | None = None, watching: bool = False) -> CheckReport:
    """Read every source once (bounded) and judge the areas exactly as the Overview does.

    ``full_health`` calls LiteLLM's full ``/health`` (every model, the paid one too) and saves the result in
    ``health_cache`` (default: under ``$XDG_STATE_HOME``); without it a saved result is reused when fresh."""
    from homelab_tui.model.conventions import check_conventions
    from homelab_tui.model.overview import AREAS, build_overview, overall_state, resources_for

    settings: Settings = services.settings
    timeout = wait if wait is not None else settings.kubernetes.timeout + 2.0
    selected = tuple(areas or AREAS) + (("conventions",) if conventions else ())
    state = gather(services, timeout, full_health=full_health, health_cache=health_cache,
                   resources=resources_for(selected), watching=watching)
    now = time.time() if now is None else now
    rows = build_overview(state, settings, now, areas=selected)
    violations = None
    if conventions:
        cluster = state.cluster.data if state.cluster.has_data else None
        violations = tuple(check_conventions(cluster, settings)) if cluster is not None else None
    context = services.context or (state.cluster.data.context if state.cluster.data else "")
    return CheckReport(overall_state(rows), rows, state, now, context, violations, conventions, watching)


# ------------------------------------------------------------------------------ rendering


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _source_json(snap: Snapshot, now: float) -> dict[str, Any]:
    age = snap.age(now)
    return {"name": snap.source, "ok": snap.ok, "age_seconds": None if age is None else round(age, 1),
            "error": snap.error}


def to_json(report: CheckReport) -> dict[str, Any]:
    now = report.checked_at
    d = report.dashboard
    doc: dict[str, Any] = {
        "version": JSON_VERSION,
        "state": report.state.label,
        "exit_code": report.exit_code,
        "context": report.context,
        "checked_at": _iso(now),
        "agent": report.agent,
        "areas": [
            {
                "area": a.area, "title": a.title, "state": a.state.label, "reason": a.reason,
                "age_seconds": None if a.age is None else round(a.age, 1), "sources": list(a.sources),
                "source_errors": list(a.source_errors),
                "findings": [{"state": f.state.label, "subject": f.subject, "reason": f.reason} for f in a.findings],
            }
            for a in report.areas
        ],
        "sources": {key: _source_json(snap, now) for key, snap in
                    (("kubernetes", d.cluster), ("prometheus", d.metrics), ("litellm", d.llm), ("gpu", d.gpu))},
    }
    if report.conventions_asked:
        doc["conventions"] = None if report.conventions is None else [_violation_json(v)
                                                                     for v in report.conventions]
    return doc


def _violation_json(v: Any) -> dict[str, Any]:
    from homelab_tui.model.conventions import rule

    r = rule(v.rule_id)
    return {"rule": v.rule_id, "number": r.number, "title": r.title, "resource": v.resource,
            "state": v.state.label, "message": v.message, "why": r.why, "fix": r.fix}


def render_json(report: CheckReport) -> str:
    return json.dumps(to_json(report), indent=2, sort_keys=False)


def render_table(report: CheckReport) -> str:
    rows = [(a.state.label.upper(), a.title, format_age(a.age), a.reason) for a in report.areas]
    head = ("STATE", "AREA", "AGE", "REASON")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = [f"homelab-tui check — {report.context or '(no context)'} — {report.state.label.upper()}"
             + (" (answered by homelab-tui agent)" if report.agent else "")]
    for r in [head, *rows]:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    for a in report.areas:
        for err in a.source_errors:
            line = f"  ! {a.title}: {err}"
            if line not in lines:
                lines.append(line)
    if report.conventions_asked:
        lines.append("")
        lines += _conventions_lines(report.conventions)
    return "\n".join(lines)


def _conventions_lines(violations: tuple[Any, ...] | None) -> list[str]:
    from homelab_tui.model.conventions import rule

    if violations is None:
        return ["conventions: unknown (the cluster could not be read)"]
    lines = [f"conventions: {len(violations)} violation(s)"]
    for v in violations:
        r = rule(v.rule_id)
        lines.append(f"  {v.state.label.upper():7} #{r.number:<2} {r.title} — {v.resource}: {v.message}")
        lines.append(f"          why: {r.why}")
        lines.append(f"          fix: {r.fix}")
    return lines
