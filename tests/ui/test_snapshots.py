"""SVG snapshots of the screens at 80x24 (SSH in tmux) and 160x50, from fixed demo data and a fixed clock.

Update them after an intended change with ``pytest tests/ui --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from textual.pilot import Pilot

from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import build_app, settle
from tests.ui.demo_state import demo_state, failing_cluster

SMALL = (80, 24)
LARGE = (160, 50)


async def _ready(pilot: Pilot[object]) -> None:
    await settle(pilot)


async def _namespaces(pilot: Pilot[object]) -> None:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)


async def _docs_detail(pilot: Pilot[object]) -> None:
    await _namespaces(pilot)
    pilot.app.screen.query_one(DashboardTable).select_key("docs")
    await pilot.press("enter")
    await settle(pilot)
    table = pilot.app.screen.query_one(DashboardTable)
    table.select_key(next(k for k in table.row_keys if k.startswith("Pod/docling-")))
    await settle(pilot)


def test_overview_80x24(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=SMALL, run_before=_ready)


def test_overview_160x50(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=LARGE, run_before=_ready)


def test_overview_with_a_failing_cluster_80x24(snap_compare) -> None:
    assert snap_compare(build_app(failing_cluster(demo_state())), terminal_size=SMALL, run_before=_ready)


def test_namespaces_80x24(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=SMALL, run_before=_namespaces)


def test_namespaces_160x50(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=LARGE, run_before=_namespaces)


def test_namespace_detail_with_events_80x24(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=SMALL, run_before=_docs_detail)


def test_namespace_detail_with_events_160x50(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=LARGE, run_before=_docs_detail)


def test_help_80x24(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=SMALL, press=["2", "question_mark"], run_before=_ready)
