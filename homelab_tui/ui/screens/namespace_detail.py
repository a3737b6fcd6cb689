"""One namespace: its deployments, statefulsets, daemonsets and pods, and the events of the highlighted one."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from homelab_tui.model.namespaces import DetailRow, namespace_detail, summarize_namespace
from homelab_tui.model.objects import parse_time
from homelab_tui.model.overview import resources_for
from homelab_tui.model.snapshot import format_age, one_line
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.actions_runner import act_binding
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.action_requests import workload_request
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge, state_style
from homelab_tui.ui.widgets.table import Col, DashboardTable

COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("kind", "Kind", 6),
    Col("name", "Name", 20, flex=True),
    Col("ready", "Ready", 5),
    Col("status", "Status", 16),
    Col("restarts", "Restarts", 8),
    Col("age", "Age", 6, drop=2),
    Col("node", "Node", 14, drop=1),
)

#: kubectl's short names keep the Kind column narrow
KIND_SHORT = {"Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds", "Pod": "pod"}

EVENTS_GROUP = "events"


def row_key(row: DetailRow) -> str:
    return f"{row.kind}/{row.name}"


def detail_cells(row: DetailRow, age_offset: float = 0.0) -> dict[str, object]:
    return {
        "state": badge(row.state),
        "kind": KIND_SHORT.get(row.kind, row.kind),
        "name": row.name,
        "ready": row.ready,
        "status": Text(row.status, style=state_style(row.state) if row.problem else ""),
        "restarts": str(row.restarts),
        "age": "?" if row.age is None else format_age(row.age + age_offset),
        "node": row.node or "—",
    }


def event_line(event: Mapping[str, Any], now: float) -> Text:
    """``3 min  Warning  BackOff  Back-off restarting failed container (×12)``."""
    md = event.get("metadata") or {}
    when = parse_time(event.get("lastTimestamp") or event.get("eventTime") or md.get("creationTimestamp"))
    age = "?" if when is None else format_age(max(0.0, now - when))
    kind = str(event.get("type") or "Normal")
    count = event.get("count") or (event.get("series") or {}).get("count")
    message = one_line(str(event.get("message") or ""), 300)
    return Text.assemble(
        (f"{age:>8}  ", "dim"),
        (f"{kind:<8} ", "bold yellow" if kind == "Warning" else "dim"),
        (str(event.get("reason") or ""), "bold"), "  ", message,
        (f" (×{count})" if isinstance(count, int) and count > 1 else "", "dim"),
    )


class NamespaceDetailScreen(DashboardScreen):
    """Pushed over Namespaces; Escape goes back."""

    SOURCES = ("cluster",)
    RESOURCES = resources_for(("namespaces",))
    CSS_PATH = stylesheet("namespace_detail.tcss")
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the namespaces", id="detail.back"),
        Binding("e", "reload_events", "Events", tooltip="Load the highlighted object's events again",
                id="detail.events"),
        act_binding("r", "restart", "Restart", "Rollout restart of the highlighted deployment/statefulset/daemonset"),
        act_binding("s", "scale", "Scale", "Scale the highlighted deployment/statefulset (count asked)"),
    ]

    def __init__(self, namespace: str) -> None:
        super().__init__(id="namespace-detail")
        self.namespace = namespace
        self._rows: dict[str, DetailRow] = {}
        self._built_at = 0.0
        self._events_for: str | None = None

    def heading(self) -> str:
        return f"Namespace {self.namespace}"

    def compose_body(self) -> ComposeResult:
        yield Static(id="namespace-title")
        yield DashboardTable(COLUMNS, id="detail-table")
        with VerticalScroll(id="events-box"):
            yield Static(id="events")

    # ------------------------------------------------------------------ rendering

    def render_state(self, state: DashboardState, now: float) -> None:
        cluster = state.cluster.data
        if cluster is None:
            self.query_one("#namespace-title", Static).update(Text(f"Namespace {self.namespace}: waiting for data"))
            return
        summary = summarize_namespace(cluster, self.homelab.services.settings, self.namespace, now)
        self.query_one("#namespace-title", Static).update(Text.assemble(
            badge(summary.state), "  ", ("Namespace ", "dim"), (self.namespace, "bold"),
            ("  ·  ", "dim"), summary.purpose or "not in the home-lab table",
            ("  ·  ", "dim"), f"{summary.workloads_ready}/{summary.workloads_total} workloads ready"))
        rows = namespace_detail(cluster, self.namespace, now, self.homelab.services.settings)
        self._rows = {row_key(r): r for r in rows}
        self._built_at = now
        self.query_one(DashboardTable).set_rows([(row_key(r), detail_cells(r)) for r in rows])
        self._follow_highlight()

    def update_ages(self, now: float) -> None:
        table = self.query_one(DashboardTable)
        for key, row in self._rows.items():
            table.set_cell(key, "age", detail_cells(row, max(0.0, now - self._built_at))["age"])

    def action_request(self, action_id: str) -> ActionRequest | str:
        row = self._rows.get(self.query_one(DashboardTable).highlighted_key or "")
        if row is None:
            return "select a workload first"
        return workload_request(action_id, row.kind, self.namespace, row.name, self.homelab.latest.cluster.data)

    # ------------------------------------------------------------------ events

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._follow_highlight()

    def _follow_highlight(self) -> None:
        key = self.query_one(DashboardTable).highlighted_key
        if key != self._events_for:
            self._load_events(key)

    def action_reload_events(self) -> None:
        self._load_events(self.query_one(DashboardTable).highlighted_key)

    def _load_events(self, key: str | None) -> None:
        self._events_for = key
        box = self.query_one("#events-box")
        row = self._rows.get(key or "")
        if row is None:
            box.border_title = "Events"
            self.query_one("#events", Static).update(Text("Nothing selected.", style="dim"))
            return
        box.border_title = f"Events · {row.kind} {row.name}"
        self.query_one("#events", Static).update(Text("loading events…", style="dim"))
        kube, namespace, name, kind = self.homelab.services.kube, self.namespace, row.name, row.kind

        def fetch() -> tuple[str, list[dict[str, Any]]]:
            return key, kube.list_events(namespace, name, kind)

        self.run_worker(fetch, name=f"events of {namespace}/{name}", group=EVENTS_GROUP, thread=True,
                        exclusive=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group != EVENTS_GROUP:
            return
        events = self.query_one("#events", Static)
        if event.state == WorkerState.SUCCESS:
            key, items = event.worker.result
            if key == self._events_for:
                events.update(self._events_text(items))
        elif event.state == WorkerState.ERROR:
            events.update(Text(f"events could not be loaded: {one_line(str(event.worker.error))}", style="red"))

    def _events_text(self, items: Sequence[Mapping[str, Any]]) -> Text:
        if not items:
            return Text("No recent events.", style="dim")
        now = self.homelab.clock()
        return Text("\n").join(event_line(e, now) for e in reversed(items))
