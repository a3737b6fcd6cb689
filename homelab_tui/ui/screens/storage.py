"""Storage: PVCs with usage from Prometheus (honest about what it cannot say), and the StorageClasses."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from homelab_tui.model.health import State
from homelab_tui.model.overview import resources_for
from homelab_tui.model.quantity import format_bytes
from homelab_tui.model.state import DashboardState
from homelab_tui.model.storage import (
    LOCAL_PATH, NO_METRICS, NOT_REPORTED, SHARE_WIDE, PvcRow, StorageClassRow, pvc_rows, storage_classes,
)
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge, state_style
from homelab_tui.ui.widgets.table import Col, DashboardTable
from homelab_tui.ui.widgets.usage_bar import usage_bar

BAR_WIDTH = 10

PVC_COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("namespace", "Namespace", 10, drop=4, prefix_of="name"),
    Col("name", "PVC", 16, flex=True),
    Col("class", "Class", 10, drop=6),
    Col("requested", "Request", 7, drop=7),
    Col("used", "Used / capacity", 19, drop=2),
    Col("bar", "Usage", BAR_WIDTH, drop=5),
    Col("percent", "Used %", 12),
    Col("phase", "Phase", 7, drop=8),
    Col("node", "Node", 13, drop=3),
    Col("full", "Full in", 7, drop=1),
    Col("note", "Note", 14, flex=True, drop=9),
)

CLASS_COLUMNS = (
    Col("default", "Default", 9),
    Col("name", "StorageClass", 12),
    Col("provisioner", "Provisioner", 24, flex=True),
    Col("reclaim", "Reclaim", 7, drop=2),
    Col("binding", "Binding", 20, drop=1),
    Col("expansion", "Expand", 6, drop=3),
)

SHARE_NOTE = ("NFS (nfs-client) volumes report the whole Synology share, not the claim: "
              "their used / capacity is share-wide.")
LOCAL_NOTE = "local-path volumes report no kubelet volume stats: their usage is not reported (not 0 %)."


def percent_text(row: PvcRow) -> Text:
    """``92 %`` in the verdict's colour, or why there is no figure — never a made-up 0 %."""
    if row.percent is None:
        label = NOT_REPORTED if NOT_REPORTED in row.flags else (NO_METRICS if NO_METRICS in row.flags else "—")
        return Text(label, style="dim italic")
    star = "*" if SHARE_WIDE in row.flags else ""
    return Text(f"{row.percent:.0f} %{star}", style=state_style(row.state) if row.state != State.OK else "")


def used_text(row: PvcRow) -> str:
    if row.used_bytes is None or row.capacity_bytes is None:
        return "—"
    return f"{format_bytes(row.used_bytes)} / {format_bytes(row.capacity_bytes)}"


def full_text(row: PvcRow) -> str:
    days = row.days_until_full
    if days is None:
        return "—"
    if days >= 365:
        return f"{days / 365:.1f} y"
    return f"{days:.1f} d" if round(days, 1) < 10 else f"{days:.0f} d"  # 9.96 is "10 d", never "10.0 d"


def note_text(row: PvcRow) -> Text:
    """The model's reason when something is wrong, else its honesty flags."""
    if row.state != State.OK:
        return Text(row.reason, style=state_style(row.state))
    return Text(", ".join(row.flags) or row.reason, style="dim")


def pvc_cells(row: PvcRow) -> dict[str, object]:
    return {
        "state": badge(row.state),
        "namespace": row.namespace,
        "name": row.name,
        "class": row.storage_class or "—",
        "requested": row.requested or "—",
        "used": used_text(row),
        "bar": usage_bar(row.percent, row.state, BAR_WIDTH),
        "percent": percent_text(row),
        "phase": Text(row.phase, style="" if row.phase == "Bound" else "yellow"),
        "node": row.node or ("?" if row.storage_class == LOCAL_PATH else "—"),
        "full": full_text(row),
        "note": note_text(row),
    }


def class_cells(sc: StorageClassRow) -> dict[str, object]:
    return {
        "default": Text("★ default", style="bold") if sc.is_default else "",
        "name": sc.name,
        "provisioner": sc.provisioner or "—",
        "reclaim": sc.reclaim_policy,
        "binding": sc.binding_mode,
        "expansion": "yes" if sc.allow_expansion else "no",
    }


def notes(rows: tuple[PvcRow, ...]) -> Text:
    """The caveats that apply to the rows shown."""
    lines = []
    if any(SHARE_WIDE in r.flags for r in rows):
        lines.append(Text.assemble(("* ", "bold"), SHARE_NOTE))
    if any(NOT_REPORTED in r.flags for r in rows):
        lines.append(Text(LOCAL_NOTE))
    return Text("\n").join(lines)


class StorageScreen(DashboardScreen):
    """PVCs, most urgent first, with used / capacity, a usage bar and days until full; the StorageClasses."""

    SCREEN_TITLE = "Storage"
    SOURCES = ("cluster", "metrics")
    RESOURCES = resources_for(("storage",))
    CSS_PATH = stylesheet("storage.tcss")

    def __init__(self) -> None:
        super().__init__(id="storage")

    def compose_body(self) -> ComposeResult:
        yield DashboardTable(PVC_COLUMNS, id="pvcs")
        yield Static(id="storage-notes")
        yield DashboardTable(CLASS_COLUMNS, id="storage-classes")

    def render_state(self, state: DashboardState, now: float) -> None:
        cluster = state.cluster.data
        settings = self.homelab.services.settings
        rows = () if cluster is None else pvc_rows(cluster, state.metrics.data, settings)
        classes = () if cluster is None else storage_classes(cluster)
        self.query_one("#pvcs", DashboardTable).set_rows([(f"{r.namespace}/{r.name}", pvc_cells(r)) for r in rows])
        self.query_one("#storage-classes", DashboardTable).set_rows([(c.name, class_cells(c)) for c in classes])
        note = notes(rows)
        notes_widget = self.query_one("#storage-notes", Static)
        notes_widget.update(note)
        notes_widget.display = bool(note.plain)
