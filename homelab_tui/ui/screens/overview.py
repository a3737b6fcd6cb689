"""Overview: one row per area (nodes, namespaces, certificates, storage, GPU mode, inference tiers)."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from homelab_tui.model.health import AreaStatus
from homelab_tui.model.overview import AREAS, build_overview, resources_for
from homelab_tui.model.snapshot import format_age
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge, state_style
from homelab_tui.ui.widgets.findings import FindingsPanel
from homelab_tui.ui.widgets.table import Col, DashboardTable
from homelab_tui.ui.widgets.timefmt import ago_text

COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("area", "Area", 15),
    Col("reason", "Reason", 24, flex=True),
    Col("sources", "Sources", 22, drop=1),
    Col("age", "Data age", 8),
)


def age_text(age: float | None) -> str:
    return "no data" if age is None else format_age(age)


def area_cells(area: AreaStatus) -> dict[str, object]:
    return {
        "state": badge(area.state),
        "area": area.title,
        "reason": Text(area.reason, style=state_style(area.state)),
        "sources": ", ".join(area.sources),
        "age": age_text(area.age),
    }


def data_age(area: AreaStatus, latest: DashboardState, now: float) -> float | None:
    """The age of the oldest data ``area`` rests on, from the sources' newest snapshots.

    Between changes the watch cache's data stays current, so ages are read from
    the latest snapshots rather than counted up from the last change.
    """
    snaps = {s.source: s for s in (latest.cluster, latest.metrics, latest.llm, latest.gpu)}
    ages = [snaps[name].age(now) for name in area.sources if name in snaps and snaps[name].has_data]
    known = [a for a in ages if a is not None]
    return max(known) if known else None


def source_notes(errors: Sequence[str], cluster_age: float | None) -> list[str]:
    """An area's source errors for its findings panel. The cluster resources that fail alike (the API is down)
    are one short line with the age of the data shown, however many they are and however the model lists
    them (``kubernetes/pods: …`` or ``kubernetes/pods, deployments: …``), so the area's findings fit at 80x24."""
    by_error: dict[str, list[str]] = {}
    for e in errors:
        if e.startswith("kubernetes/"):
            resources, _, error = e.removeprefix("kubernetes/").partition(": ")
            by_error.setdefault(error, []).extend(resources.split(", "))
    if not any(len(resources) > 1 for resources in by_error.values()):
        return list(errors)
    shown = "" if cluster_age is None else f" — showing data from {ago_text(cluster_age)}"
    notes = [f"kubernetes: {len(resources)} resources unreadable: {error}{shown}" if len(resources) > 1
             else f"kubernetes/{resources[0]}: {error}" for error, resources in by_error.items()]
    # the source's own summary line would say the same again
    return notes + [e for e in errors if not e.startswith(("kubernetes/", "kubernetes:"))]


def context_line(state: DashboardState, context: str) -> Text:
    """``Context demo · API https://… `` — which cluster this dashboard looks at."""
    cluster = state.cluster.data
    name = (cluster.context if cluster is not None and cluster.context else context) or "unknown"
    server = cluster.server if cluster is not None and cluster.server else "not connected"
    return Text.assemble(("Context ", "dim"), (name, "bold"), ("  ·  API ", "dim"), server)


class OverviewScreen(DashboardScreen):
    """Every area at a glance; Enter opens the area's own screen."""

    SCREEN_TITLE = "Overview"
    SOURCES = ("cluster", "metrics", "llm", "gpu")
    RESOURCES = resources_for(AREAS)
    CSS_PATH = stylesheet("overview.tcss")
    BINDINGS = [Binding("enter", "open_area", "Open area", tooltip="Open the highlighted area's screen",
                        id="overview.open")]

    def __init__(self) -> None:
        super().__init__(id="overview")
        self._areas: dict[str, AreaStatus] = {}
        self._auto_key: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="context-line")
        yield DashboardTable(COLUMNS, id="areas")
        yield FindingsPanel(id="area-findings")

    def render_state(self, state: DashboardState, now: float) -> None:
        areas = build_overview(state, self.homelab.services.settings, now)
        self._areas = {a.area: a for a in areas}
        self.query_one("#context-line", Static).update(context_line(state, self.homelab.services.context))
        table = self.query_one(DashboardTable)
        follow = table.highlighted_key in (None, self._auto_key)
        table.set_rows([(a.area, area_cells(a)) for a in areas])
        if follow and areas:
            # until the user moves the cursor, it rests on the most severe area, whose findings show below
            self._auto_key = max(areas, key=lambda a: a.state.rank).area
            table.select_key(self._auto_key)
        self._show_findings()

    def update_ages(self, now: float) -> None:
        table = self.query_one(DashboardTable)
        for key, area in self._areas.items():
            table.set_cell(key, "age", age_text(data_age(area, self.homelab.latest, now)))

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_findings()

    def on_data_table_row_selected(self, _: DataTable.RowSelected) -> None:
        self.action_open_area()

    def action_open_area(self) -> None:
        area = self._areas.get(self.query_one(DashboardTable).highlighted_key or "")
        if area is not None:
            self.homelab.open_area(area.area)

    def _show_findings(self) -> None:
        area = self._areas.get(self.query_one(DashboardTable).highlighted_key or "")
        panel = self.query_one(FindingsPanel)
        if area is None:
            panel.show("Findings", ())
            return
        count = len(area.findings)
        title = f"{area.title} · {count} finding{'s' if count != 1 else ''}"
        notes = source_notes(area.source_errors, self.homelab.latest.cluster.age(self.homelab.clock()))
        panel.show(title, area.findings, notes=notes, empty=f"{area.title}: {area.reason}")
