"""``check``'s table and JSON rendering on hand-built reports: gaps found by mutation testing (round 3)."""

from __future__ import annotations

import json

from homelab_tui.check import CheckReport, render_json, render_table
from homelab_tui.model.health import AreaStatus, Finding, State
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState

NOW = 1_800_000_000.0


def report(*areas: AreaStatus, state: State = State.UNKNOWN) -> CheckReport:
    dashboard = DashboardState(cluster=Snapshot("kubernetes").failed("connection refused", now=NOW))
    return CheckReport(state, areas, dashboard, NOW, "lab")


def test_an_area_without_data_has_a_null_age_not_zero():
    """age_seconds 0 would tell a monitoring system the data is fresh when nothing was ever read."""
    unread = AreaStatus("nodes", "Nodes", State.UNKNOWN, "cannot read nodes", ("kubernetes",), None,
                        ("kubernetes: connection refused",))
    read = AreaStatus("gpu", "GPU", State.OK, "mode ml", ("kubernetes",), 12.34)
    doc = json.loads(render_json(report(unread, read)))
    assert [a["age_seconds"] for a in doc["areas"]] == [None, 12.3]
    table = render_table(report(unread, read))
    assert any(line.startswith("UNKNOWN") and "Nodes" in line and "never" in line for line in table.splitlines())
    assert doc["sources"]["kubernetes"] == {"name": "kubernetes", "ok": False, "age_seconds": None,
                                            "error": "connection refused"}


def test_every_finding_is_in_the_json_with_its_state():
    findings = (Finding(State.FAIL, "cert apps/a-tls", "expired 2 d ago"),
                Finding(State.WARN, "cert apps/b-tls", "expires in 9.0 d"))
    area = AreaStatus("certificates", "Certificates", State.FAIL, "cert apps/a-tls: expired 2 d ago",
                      ("kubernetes",), 3.0, (), findings)
    doc = json.loads(render_json(report(area, state=State.FAIL)))
    assert doc["exit_code"] == 2 and doc["state"] == "fail"
    assert doc["areas"][0]["findings"] == [
        {"state": "fail", "subject": "cert apps/a-tls", "reason": "expired 2 d ago"},
        {"state": "warn", "subject": "cert apps/b-tls", "reason": "expires in 9.0 d"},
    ]


def test_a_source_error_shared_by_areas_is_listed_once_per_area_title():
    err = "kubernetes/secrets: 403 Forbidden"
    a = AreaStatus("certificates", "Certificates", State.UNKNOWN, "cannot read secrets", ("kubernetes",), 1.0, (err,))
    b = AreaStatus("namespaces", "Namespaces", State.OK, "all fine", ("kubernetes",), 1.0, (err,))
    lines = render_table(report(a, b)).splitlines()
    assert lines[0] == "homelab-tui check — lab — UNKNOWN"
    assert lines.count(f"  ! Certificates: {err}") == 1 and lines.count(f"  ! Namespaces: {err}") == 1
