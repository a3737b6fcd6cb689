"""Nodes: readiness, what their pods request against what they can give, and the pods on the highlighted node."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from homelab_tui.actions.base import Target
from homelab_tui.model.health import State
from homelab_tui.model.node_load import NodeCondition, NodeLoad, NodePod, node_loads
from homelab_tui.model.nodes import NodeInfo, summarize_nodes
from homelab_tui.model.overview import resources_for
from homelab_tui.model.quantity import format_bytes
from homelab_tui.model.snapshot import format_age
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.actions_runner import act_binding
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge, state_style
from homelab_tui.ui.widgets.findings import finding_line
from homelab_tui.ui.widgets.table import Col, DashboardTable

NODE_COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("name", "Node", 14, flex=True),
    Col("status", "Status", 8),
    Col("roles", "Roles", 18, drop=5),
    Col("pods", "Pods", 7),
    Col("cpu", "CPU req", 11),
    Col("memory", "Memory req", 16),
    Col("gpu", "GPU", 5, drop=2),
    Col("version", "Version", 12, drop=3),
    Col("ip", "IP", 15, drop=4),
    Col("age", "Age", 5, drop=1),
)

POD_COLUMNS = (
    Col("namespace", "Namespace", 11, drop=3, prefix_of="name"),
    Col("name", "Pod", 24, flex=True),
    Col("status", "Status", 16),
    Col("ready", "Ready", 5),
    Col("restarts", "Restarts", 8, drop=1),
    Col("cpu", "CPU req", 7, drop=2),
    Col("memory", "Mem req", 9, drop=4),
)

#: the conditions a healthy node reports with this status; any other is shown in colour
HEALTHY_STATUS = {"Ready": "True"}


def cores(value: float) -> str:
    """``2.35``, ``8``, ``0.1`` — CPU cores as ``kubectl describe node`` would round them."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def percent_of(percent: float | None, total: str) -> str:
    """``43 % of 4``: truncated, as ``kubectl describe node`` prints it, so the two agree when cross-checked."""
    return "—" if percent is None else f"{int(percent)} % of {total}"


def status_cell(info: NodeInfo) -> Text:
    """Ready / NotReady / Unknown; a Ready node that is cordoned reads "cordoned" (kubectl:
    Ready,SchedulingDisabled, which the detail's title shows whole)."""
    if info.ready and info.unschedulable:
        return Text("cordoned", style=state_style(State.WARN))
    text = {True: "Ready", False: "NotReady", None: "Unknown"}[info.ready]
    return Text(text, style="" if info.ready else state_style(State.FAIL if info.ready is False else State.UNKNOWN))


def node_cells(info: NodeInfo, load: NodeLoad) -> dict[str, object]:
    capacity = "?" if load.pod_capacity is None else str(load.pod_capacity)
    gpus = "?" if load.requested is None else str(load.requested.gpu)
    return {
        "state": badge(info.state), "name": info.name, "status": status_cell(info), "roles": ",".join(info.roles),
        "version": info.version or "—", "age": "?" if info.age is None else format_age(info.age),
        "pods": "—" if load.pods is None else f"{len(load.pods)}/{capacity}",
        "cpu": percent_of(load.percent("cpu"), cores(load.cpu_allocatable or 0)),
        "memory": percent_of(load.percent("memory"), format_bytes(load.memory_allocatable)),
        "gpu": f"{gpus}/{load.gpu_allocatable}" if load.gpu_allocatable else "—",
        "ip": load.internal_ip or "—",
    }


def pod_cells(pod: NodePod) -> dict[str, object]:
    trouble = not pod.ready and pod.status != "Running"
    return {
        "namespace": pod.namespace, "name": pod.name,
        "status": Text(pod.status, style="yellow" if trouble else ""),
        "ready": "yes" if pod.ready else Text("no", style="yellow"),
        "restarts": str(pod.restarts),
        "cpu": cores(pod.requests.cpu) if pod.requests.cpu else "—",
        "memory": format_bytes(pod.requests.memory) if pod.requests.memory else "—",
    }


def condition_text(c: NodeCondition, now: float) -> Text:
    healthy = c.status == HEALTHY_STATUS.get(c.type, "False")
    why = " — ".join(p for p in (c.reason, c.message) if p) if not healthy else ""
    since = f" for {format_age(max(0.0, now - c.since))}" if c.since is not None and not healthy else ""
    return Text.assemble((f"{c.type} {c.status}", "" if healthy else "bold red"), (since, "dim"),
                         (f" ({why})" if why else "", "red"))


def gpu_part(load: NodeLoad) -> str:
    """``GPU 1 of 1 (NVIDIA GeForce RTX 3060 · 12 GiB)``; "" on a node without GPUs."""
    if not load.gpu_allocatable:
        return ""
    used = "?" if load.requested is None else str(load.requested.gpu)
    return f"GPU {used} of {load.gpu_allocatable}" + (f" ({load.gpu_product})" if load.gpu_product else "")


def requested_text(load: NodeLoad) -> Text:
    """``CPU 1.4 of 4 cores · memory 7.1 GiB of 15.5 GiB · pods 14 of 110 · GPU 1 of 1 (…)``."""
    gpu = gpu_part(load)
    requested = load.requested
    if requested is None or load.pods is None:
        return Text.assemble(("unknown: pods not read", "yellow"), f" · {gpu}" if gpu else "")
    parts = [f"CPU {cores(requested.cpu)} of {cores(load.cpu_allocatable or 0)} cores",
             f"memory {format_bytes(requested.memory)} of {format_bytes(load.memory_allocatable)}",
             f"pods {len(load.pods)} of {'?' if load.pod_capacity is None else load.pod_capacity}"]
    return Text(" · ".join(parts + ([gpu] if gpu else [])))


def detail_text(info: NodeInfo, load: NodeLoad, now: float) -> Text:
    """Findings first, then requests, conditions, taints and the node's system, one topic a line."""
    lines = [finding_line(f) for f in info.findings]
    lines.append(Text.assemble(("Requested  ", "bold"), requested_text(load)))
    if load.conditions:
        lines.append(Text.assemble(("Conditions ", "bold"), Text(" · ").join(
            condition_text(c, now) for c in sorted(load.conditions, key=lambda c: c.type != "Ready"))))
    lines.append(Text.assemble(("Taints     ", "bold"), ", ".join(load.taints) or Text("none", style="dim")))
    if load.system:
        lines.append(Text.assemble(("System     ", "bold"), (load.system, "dim")))
    return Text("\n").join(lines)


class NodesScreen(DashboardScreen):
    """One row per node; the highlighted node's findings, requests, conditions and taints, and its pods."""

    SCREEN_TITLE = "Nodes"
    SOURCES = ("cluster",)
    RESOURCES = resources_for(("nodes",)) | {"pods"}
    CSS_PATH = stylesheet("nodes.tcss")
    BINDINGS = [act_binding("c", "cordon", "Cordon", "Cordon or uncordon the highlighted node (no drain)")]

    def __init__(self) -> None:
        super().__init__(id="nodes")
        self._infos: tuple[NodeInfo, ...] = ()
        self._loads: dict[str, NodeLoad] = {}
        self._detail_shown: Text | None = None

    def compose_body(self) -> ComposeResult:
        yield DashboardTable(NODE_COLUMNS, id="node-table")
        yield Static(id="node-detail")
        yield DashboardTable(POD_COLUMNS, id="node-pods")

    def render_state(self, state: DashboardState, now: float) -> None:
        cluster = state.cluster.data
        nodes = () if cluster is None else summarize_nodes(cluster, now)
        self._infos = tuple(sorted(nodes, key=lambda n: -n.state.rank))  # the worst first, then by name
        self._loads = {} if cluster is None else dict(node_loads(cluster))
        self.query_one("#node-table", DashboardTable).set_rows(
            [(n.name, node_cells(n, self._loads[n.name])) for n in self._infos])
        self._show_detail(now)

    def update_ages(self, now: float) -> None:
        self._show_detail(now, pods=False)  # only a condition's "for 3 min" ticks; the pod rows did not change

    def _show_detail(self, now: float, *, pods: bool = True) -> None:
        """The highlighted node's detail panel and, with ``pods``, the table of its pods."""
        key = self.query_one("#node-table", DashboardTable).highlighted_key
        info = next((n for n in self._infos if n.name == key), None)
        detail = self.query_one("#node-detail", Static)
        table = self.query_one("#node-pods", DashboardTable)
        if info is None:
            loading = self.homelab.state.cluster.data is None
            detail.border_title = "Node"
            self._detail_shown = None
            detail.update(Text("Waiting for data from Kubernetes…" if loading else "No nodes visible.", style="dim"))
            table.set_rows([])
            table.border_title = "Pods"
            return
        load = self._loads[info.name]
        detail.border_title = f"{info.name} · {info.status_text}"
        text = detail_text(info, load, now)
        if text != self._detail_shown:  # a condition's "for 3 min" ticks; repaint only when the text changed
            self._detail_shown = text
            detail.update(text)
        if not pods:
            return
        if load.pods is None:
            table.border_title = f"Pods on {info.name}: not read (see the Kubernetes line below)"
            table.set_rows([])
            return
        table.border_title = f"Pods on {info.name} ({len(load.pods)}; finished pods not counted)"
        table.set_rows([(f"{p.namespace}/{p.name}", pod_cells(p))
                        for p in sorted(load.pods, key=lambda p: (p.ready, p.namespace, p.name))])

    def action_request(self, action_id: str) -> ActionRequest | str:
        key = self.query_one("#node-table", DashboardTable).highlighted_key
        if key is None:
            return "no node selected"
        return ActionRequest(action_id, Target("Node", "", key))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "node-table":
            self._show_detail(self.homelab.clock())
