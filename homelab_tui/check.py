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

AREAS = ("nodes", "namespaces", "certificates", "storage", "gpu", "inference")
JSON_VERSION = 1

#: exit-code precedence: a failure beats an unreadable source, which beats a warning
_PRECEDENCE = {State.OK: 0, State.WARN: 1, State.UNKNOWN: 2, State.FAIL: 3}


@dataclass(frozen=True)
class CheckReport:
    state: State
    areas: tuple[AreaStatus, ...]
    dashboard: DashboardState
    checked_at: float
    context: str
    conventions: tuple[Any, ...] | None = None

    @property
    def exit_code(self) -> int:
        return int(self.state.value)


def parse_areas(text: str | None) -> tuple[str, ...]:
    """``--only certs,storage`` → ("certificates", "storage"). Raises ValueError naming a bad area."""
    if not text:
        return AREAS
    aliases = {"certs": "certificates", "cert": "certificates", "ns": "namespaces", "pvc": "storage",
               "llm": "inference", "tiers": "inference", "node": "nodes"}
    out: list[str] = []
    for raw in text.split(","):
        name = aliases.get(raw.strip().lower(), raw.strip().lower())
        if name not in AREAS:
            raise ValueError(f"unknown area {raw.strip()!r} (known: {', '.join(AREAS)})")
        if name not in out:
            out.append(name)
    return tuple(out)


def overall(states: Sequence[State]) -> State:
    result = State.OK
    for s in states:
        if _PRECEDENCE[s] > _PRECEDENCE[result]:
            result = s
    return result


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


def run_check(services: Services, *, areas: Sequence[str] = AREAS, conventions: bool = False,
              wait: float | None = None, now: float | None = None) -> CheckReport:
    from homelab_tui.model.overview import build_overview

    settings: Settings = services.settings
    timeout = wait if wait is not None else settings.kubernetes.timeout + 2.0
    state = gather(services, timeout)
    now = time.time() if now is None else now
    rows = tuple(a for a in build_overview(state, settings, now) if a.area in areas)
    violations = None
    if conventions:
        from homelab_tui.model.conventions import check_conventions

        cluster = state.cluster.data
        violations = tuple(check_conventions(cluster, settings)) if cluster is not None else ()
    states = [a.state for a in rows]
    if conventions and state.cluster.data is None:
        states.append(State.UNKNOWN)
    elif violations:
        states.append(max((v.state for v in violations), key=lambda s: _PRECEDENCE[s]))
    return CheckReport(overall(states), rows, state, now, services.context or
                       (state.cluster.data.context if state.cluster.data else ""), violations)


# ------------------------------------------------------------------------------ rendering


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _source_json(snap: Snapshot, now: float) -> dict[str, Any]:
    age = snap.age(now)
    return {"ok": snap.ok, "age_seconds": None if age is None else round(age, 1), "error": snap.error}


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
        "sources": {s.source: _source_json(s, now) for s in (d.cluster, d.metrics, d.llm, d.gpu)},
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
