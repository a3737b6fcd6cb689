"""Namespaces: workloads ready/desired, pods by phase, restarts and the worst problem of each namespace."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from homelab_tui.model.namespaces import NamespaceSummary, summarize_namespaces
from homelab_tui.model.overview import resources_for
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.screens.namespace_detail import NamespaceDetailScreen
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge, state_style
from homelab_tui.ui.widgets.filter import FilterBar
from homelab_tui.ui.widgets.findings import FindingsPanel
from homelab_tui.ui.widgets.table import Col, DashboardTable

COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("name", "Namespace", 15),
    Col("purpose", "Purpose", 15, drop=1),
    Col("workloads", "Ready", 5),
    Col("replicas", "Replicas", 8, drop=2),
    Col("pods", "Pods", 13),
    Col("restarts", "Restarts", 8),
    Col("problem", "Worst problem", 18, flex=True),
)

#: short phase names for the Pods column ("9 run · 1 pend")
PHASE_ABBREV = {"Running": "run", "Pending": "pend", "Succeeded": "done", "Failed": "fail", "Unknown": "unkn"}


def pods_text(summary: NamespaceSummary) -> str:
    if not summary.pods_by_phase:
        return "none"
    return " · ".join(f"{n} {PHASE_ABBREV.get(phase, phase)}" for phase, n in summary.pods_by_phase)


def problem_text(summary: NamespaceSummary) -> Text:
    if summary.problem is None:
        return Text("—", style="dim")
    p = summary.problem
    return Text(f"{p.subject}: {p.reason}", style=state_style(p.state))


def namespace_cells(summary: NamespaceSummary) -> dict[str, object]:
    return {
        "state": badge(summary.state),
        "name": summary.name,
        "purpose": summary.purpose or "(not in the home-lab table)",
        "workloads": f"{summary.workloads_ready}/{summary.workloads_total}",
        "replicas": f"{summary.replicas_ready}/{summary.replicas_desired}",
        "pods": pods_text(summary),
        "restarts": str(summary.restarts),
        "problem": problem_text(summary),
    }


def matches(summary: NamespaceSummary, needle: str) -> bool:
    """Case-insensitive substring match over name, purpose and problem."""
    if not needle:
        return True
    problem = f"{summary.problem.subject} {summary.problem.reason}" if summary.problem else ""
    return needle.lower() in f"{summary.name}\n{summary.purpose}\n{problem}".lower()


class NamespacesScreen(DashboardScreen):
    """One row per namespace; ``/`` filters, Enter drills into the namespace."""

    SCREEN_TITLE = "Namespaces"
    SOURCES = ("cluster",)
    RESOURCES = resources_for(("namespaces",))
    CSS_PATH = stylesheet("namespaces.tcss")
    BINDINGS = [
        Binding("enter", "open_namespace", "Open", tooltip="Workloads, pods and events of the namespace",
                id="namespaces.open"),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter by name, purpose or problem",
                id="namespaces.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="namespaces.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__(id="namespaces")
        self._summaries: tuple[NamespaceSummary, ...] = ()

    def compose_body(self) -> ComposeResult:
        yield FilterBar(placeholder="name, purpose or problem", id="filter")
        yield DashboardTable(COLUMNS, id="namespace-table")
        yield FindingsPanel(id="namespace-findings")

    def render_state(self, state: DashboardState, now: float) -> None:
        cluster = state.cluster.data
        settings = self.homelab.services.settings
        self._summaries = () if cluster is None else summarize_namespaces(cluster, settings, now)
        self._show_rows()

    @property
    def visible(self) -> list[NamespaceSummary]:
        needle = self.query_one(FilterBar).value.strip()
        return [s for s in self._summaries if matches(s, needle)]

    def _show_rows(self) -> None:
        self.query_one(DashboardTable).set_rows([(s.name, namespace_cells(s)) for s in self.visible])
        self._show_findings()

    def _show_findings(self) -> None:
        key = self.query_one(DashboardTable).highlighted_key
        summary = next((s for s in self._summaries if s.name == key), None)
        panel = self.query_one(FindingsPanel)
        if summary is None:
            loading = self.homelab.state.cluster.data is None
            panel.show("Findings", (), empty="Waiting for data from Kubernetes…" if loading
                       else "No namespace matches the filter.")
            return
        count = len(summary.findings)
        panel.show(f"{summary.name} · {count} finding{'s' if count != 1 else ''}", summary.findings,
                   empty=f"{summary.name}: all workloads ready, no problems.")

    def on_filter_bar_changed(self, _: FilterBar.Changed) -> None:
        self._show_rows()

    def on_filter_bar_done(self, _: FilterBar.Done) -> None:
        self.query_one(DashboardTable).focus()

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_findings()

    def on_data_table_row_selected(self, _: DataTable.RowSelected) -> None:
        self.action_open_namespace()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_clear_filter(self) -> None:
        self.query_one(FilterBar).action_clear_filter()

    def action_open_namespace(self) -> None:
        key = self.query_one(DashboardTable).highlighted_key
        if key is not None:
            self.app.push_screen(NamespaceDetailScreen(key))
