"""Headless ``homelab-tui check``: the Overview's verdicts for cron, SSH one-liners and monitoring.

It evaluates exactly what the Overview shows (``model.overview.build_overview``) and exits with the
Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. It never touches the terminal beyond
printing, and every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence

from homelab_tui.config import Settings
from homelab_tui.model.health import AreaStatus, State
from homelab_tui.model.snapshot import Snapshot, format_age
from homelab_tui.model.state import DashboardState
from homelab_tui.services import Services

JSON_VERSION = 1


@dataclass(frozen=True)
class CheckReport:
    state: State
    areas: tuple[AreaStatus, ...]
    dashboard: DashboardState
    checked_at: float
    context: str
    #: convention violations when ``--conventions`` was asked for
    conventions: tuple[Any, ...] | None = None

    @property
    def exit_code(self) -> int:
        return int(self.state.value)


def gather(services: Services, wait: float) -> DashboardState:
    """Read every source once, concurrently, within ``wait`` seconds (plus the sources' own timeouts)."""
    changed = threading.Event()
    services.kube.start(on_change=changed.set)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="check") as pool:
        futures = [pool.submit(src.refresh) for src in (services.prometheus, services.litellm, services.gpu)]
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            snap = services.kube.current()
            if _kube_settled(snap):
                break
            changed.wait(0.05)
            changed.clear()
        for f in futures:
            f.result()
    return services.state()


def _kube_settled(snap: Snapshot) -> bool:
    from homelab_tui.sources.resources import WATCHED

    if snap.data is None:
        return snap.error is not None and snap.attempted_at is not None and "no kubeconfig" in (snap.error or "")
    required = {s.key for s in WATCHED if not s.optional}
    done = set(snap.data.synced) | set(snap.data.errors) | set(snap.data.absent)
    optional_done = {s.key for s in WATCHED if s.optional} <= done
    return required <= done and optional_done


def run_check(services: Services, *, areas: Sequence[str] | None = None, conventions: bool = False,
              wait: float | None = None, now: float | None = None) -> CheckReport:
    """Read every source once (bounded) and judge the areas exactly as the Overview does."""
    from homelab_tui.model.conventions import check_conventions
    from homelab_tui.model.overview import AREAS, build_overview, overall_state

    settings: Settings = services.settings
    timeout = wait if wait is not None else settings.kubernetes.timeout + 2.0
    state = gather(services, timeout)
    now = time.time() if now is None else now
    selected = tuple(areas or AREAS) + (("conventions",) if conventions else ())
    rows = build_overview(state, settings, now, areas=selected)
    violations = None
    if conventions:
        cluster = state.cluster.data if state.cluster.has_data else None
        violations = tuple(check_conventions(cluster, settings)) if cluster is not None else ()
    context = services.context or (state.cluster.data.context if state.cluster.data else "")
    return CheckReport(overall_state(rows), rows, state, now, context, violations)


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
    if report.conventions is not None:
        doc["conventions"] = [_violation_json(v) for v in report.conventions]
    return doc


def _violation_json(v: Any) -> dict[str, Any]:
    return {"rule": v.rule_id, "resource": v.resource, "state": v.state.label, "message": v.message}


def render_json(report: CheckReport) -> str:
    return json.dumps(to_json(report), indent=2, sort_keys=False)


def render_table(report: CheckReport) -> str:
    rows = [(a.state.label.upper(), a.title, format_age(a.age), a.reason) for a in report.areas]
    head = ("STATE", "AREA", "AGE", "REASON")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = [f"homelab-tui check — {report.context or 'cluster'} — {report.state.label.upper()}"]
    for r in [head, *rows]:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    for a in report.areas:
        for err in a.source_errors:
            line = f"  ! {a.title}: {err}"
            if line not in lines:
                lines.append(line)
    if report.conventions is not None:
        lines.append("")
        lines.append(f"conventions: {len(report.conventions)} violation(s)")
        for v in report.conventions:
            lines.append(f"  {v.state.label.upper():7} {v.rule_id:>3}  {v.resource}: {v.message}")
    return "\n".join(lines)
