"""Secrets: every secret by namespace with its type, keys, sizes and keyed fingerprints — never a value.

The highlighted secret is detailed below the table: each key's size and fingerprint, the warnings
(``{app}-secrets`` convention, Helm-managed) and the workloads that use it. ``p`` patches one key
(masked, typed twice, confirmed, verified by reading back), then offers to restart those workloads.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from homelab_tui.actions.secret_info import SecretInfo, describe_secrets, secret_users
from homelab_tui.actions.secret_value import fingerprint_problem
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import State
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.action_requests import secret_request
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.actions_runner import act_binding
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge
from homelab_tui.ui.widgets.filter import FilterBar
from homelab_tui.ui.widgets.table import Col, DashboardTable

COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("namespace", "Namespace", 11),
    Col("name", "Name", 20, flex=True),
    Col("type", "Type", 16, drop=2),
    Col("keys", "Keys", 4),
    Col("bytes", "Bytes", 6, drop=3),
    Col("warning", "Warning", 20, flex=True, drop=1),
)

WORKLOADS = (("Deployment", "deployments"), ("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets"))


def row_key(info: SecretInfo) -> str:
    return f"{info.namespace}/{info.name}"


def secret_cells(info: SecretInfo) -> dict[str, object]:
    return {
        "state": badge(State.WARN if info.warnings else State.OK),
        "namespace": info.namespace,
        "name": info.name,
        "type": info.type,
        "keys": str(len(info.keys)),
        "bytes": str(sum(k.size for k in info.keys)),
        "warning": Text(info.warnings[0], style="yellow") if info.warnings else Text("—", style="dim"),
    }


def matches(info: SecretInfo, needle: str) -> bool:
    """Case-insensitive substring match over namespace, name, type and key names."""
    if not needle:
        return True
    return needle.lower() in "\n".join([info.namespace, info.name, info.type, *(k.key for k in info.keys)]).lower()


def workloads(cluster: ClusterState) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for kind, key in WORKLOADS:
        for obj in cluster.get(key):
            yield kind, obj


def secret_detail(info: SecretInfo, cluster: ClusterState) -> Group:
    """Keys with sizes and fingerprints, the warnings, and who uses the secret."""
    keys = Table.grid(padding=(0, 2))
    keys.add_column(no_wrap=True)
    keys.add_column(justify="right", no_wrap=True)
    keys.add_column(style="cyan", no_wrap=True)
    for key in info.keys:
        keys.add_row(key.key, f"{key.size} B", key.fingerprint)
    parts: list[RenderableType] = [Text.assemble((f"{info.namespace}/{info.name}", "bold"), "  ",
                                                 (info.type, "dim"))]
    parts.append(keys if info.keys else Text("no keys", style="dim"))
    parts += [Text(f"⚠ {warning}", style="yellow") for warning in info.warnings]
    users = secret_users(workloads(cluster), info.namespace, info.name)
    used = "; ".join(f"{kind} {name} ({', '.join(refs)})" for kind, name, refs in users)
    parts.append(Text(f"used by: {used}", style="") if used else Text("used by no workload", style="dim"))
    return Group(*parts)


class SecretsScreen(DashboardScreen):
    """One row per secret; ``/`` filters, ``p`` patches a key of the highlighted secret."""

    SCREEN_TITLE = "Secrets"
    SOURCES = ("cluster",)
    RESOURCES = frozenset({"secrets", *(key for _, key in WORKLOADS)})
    DEFAULT_CSS = """
    SecretsScreen #secrets-title { height: 1; padding: 0 1; }
    SecretsScreen #secret-detail { height: auto; max-height: 12; padding: 0 1; border-top: solid $primary 50%; }
    """
    BINDINGS = [
        act_binding("p", "secret-patch", "Patch key",
                    "Set one key of the highlighted secret (masked, typed twice, verified by reading back)"),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter by namespace, name, type or key",
                id="secrets.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="secrets.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__(id="secrets")
        self._infos: dict[str, SecretInfo] = {}
        self._cluster: ClusterState | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="secrets-title")
        yield FilterBar(placeholder="namespace, name, type or key", id="filter")
        yield DashboardTable(COLUMNS, id="secret-table")
        yield Static(id="secret-detail")

    def render_state(self, state: DashboardState, now: float) -> None:
        cluster = self._cluster = state.cluster.data
        title = self.query_one("#secrets-title", Static)
        if cluster is None:
            self._infos = {}
            title.update(Text("Waiting for data from Kubernetes…", style="dim"))
        else:
            self._infos = {row_key(i): i for i in describe_secrets(cluster.get("secrets"))}
            error = cluster.errors.get("secrets")
            if error:
                title.update(Text(f"Secrets cannot be read: {error}", style="bold red"))
            else:
                warned = sum(1 for i in self._infos.values() if i.warnings)
                problem = fingerprint_problem()
                title.update(Text.assemble(f"{len(self._infos)} secrets", ("  ·  ", "dim"),
                                           (f"{warned} with warnings", "yellow" if warned else "dim"),
                                           (f"  ·  fingerprints unavailable: {problem}", "yellow") if problem
                                           else ("  ·  keyed fingerprints, never values", "dim")))
        self._show_rows()

    def _show_rows(self) -> None:
        needle = self.query_one(FilterBar).value.strip()
        self.query_one(DashboardTable).set_rows(
            [(key, secret_cells(info)) for key, info in self._infos.items() if matches(info, needle)])
        self._show_detail()

    @property
    def highlighted(self) -> SecretInfo | None:
        return self._infos.get(self.query_one(DashboardTable).highlighted_key or "")

    def _show_detail(self) -> None:
        info, detail = self.highlighted, self.query_one("#secret-detail", Static)
        if info is None or self._cluster is None:
            detail.update(Text("No secret selected.", style="dim"))
        else:
            detail.update(secret_detail(info, self._cluster))

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_filter_bar_changed(self, _: FilterBar.Changed) -> None:
        self._show_rows()

    def on_filter_bar_done(self, _: FilterBar.Done) -> None:
        self.query_one(DashboardTable).focus()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_clear_filter(self) -> None:
        self.query_one(FilterBar).action_clear_filter()

    def action_request(self, action_id: str) -> ActionRequest | str:
        return secret_request(self.highlighted)
