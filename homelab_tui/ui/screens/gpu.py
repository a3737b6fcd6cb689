"""GPU: the mode derived from the cluster, the card's telemetry (NVML or DCGM in Prometheus) and 30 min of history.

The mode panel is where the mode switch (key ``g``, issue 4) reports: the
switch is an action, not part of this screen's rendering.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from homelab_tui.model.gpu import CONFLICT, TRANSITION, GpuStatus, derive_gpu_mode
from homelab_tui.model.health import State
from homelab_tui.model.metrics import GpuTelemetry
from homelab_tui.model.overview import resources_for
from homelab_tui.model.quantity import format_bytes
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.action_requests import gpu_request, pending_notice
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.actions_runner import act_binding
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import badge, state_style
from homelab_tui.ui.widgets.findings import finding_line
from homelab_tui.ui.widgets.sparkline import ScaledSparkline
from homelab_tui.ui.widgets.usage_bar import usage_bar

ORIGINS = {"nvml": "NVML on this host", "prometheus": "Prometheus (DCGM exporter)"}
BAR_WIDTH = 12
#: below this many columns the telemetry and process panels are stacked
NARROW = 110


def mode_panel(status: GpuStatus) -> RenderableType:
    """Mode and verdict, the GPU-mode deployments, the node, the pods holding the GPU and the findings."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    mode_style = "bold red" if status.mode == CONFLICT else ("bold yellow" if status.mode == TRANSITION else "bold")
    grid.add_row("Mode", Text.assemble((status.mode, mode_style), "  ", badge(status.state), "  ",
                                       (status.reason, state_style(status.state))))
    grid.add_row("Deployments", "  ·  ".join(f"{d.mode}: {d.text}" for d in status.deployments) or "—")
    node = "not found" if status.node_ready is None else ("Ready" if status.node_ready else "NOT Ready")
    node += ", cordoned (no new pods)" if status.node_cordoned else ""
    grid.add_row("Node", Text.assemble(status.node, f"  {node}",
                                       f" · {status.gpu_allocatable} GPU allocatable" if status.node_ready is not None
                                       else "", style="" if status.node_ready and not status.node_cordoned
                                       else "yellow"))
    pods = [f"{p.namespace}/{p.name} ({p.phase}, {p.gpus} GPU)" for p in status.pods]
    grid.add_row("GPU pods", ", ".join(pods) or Text("none", style="dim"))
    for f in status.findings[1:] if status.findings and status.findings[0].reason == status.reason else status.findings:
        grid.add_row("", finding_line(f))  # the first is the Mode row's reason already
    return grid


def _pct(value: float | None, total: float | None) -> float | None:
    if value is None or not total:
        return None
    return 100.0 * value / total


def telemetry_panel(gpu: GpuTelemetry) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    vram_pct = _pct(gpu.vram_used_bytes, gpu.vram_total_bytes)
    vram = f"{format_bytes(gpu.vram_used_bytes)} / {format_bytes(gpu.vram_total_bytes)}"
    if vram_pct is not None:
        vram += f"  {vram_pct:.0f} %"
    util = "—" if gpu.utilization_percent is None else f"{gpu.utilization_percent:.0f} %"
    grid.add_row("GPU", " · ".join(p for p in (gpu.model, gpu.node) if p) or "—")
    grid.add_row("VRAM", Text.assemble(usage_bar(vram_pct, State.OK, BAR_WIDTH), "  ", vram))
    grid.add_row("Utilisation", Text.assemble(usage_bar(gpu.utilization_percent, State.OK, BAR_WIDTH), "  ", util))
    temp = "—" if gpu.temperature_c is None else f"{gpu.temperature_c:.0f} °C"
    power = "—" if gpu.power_watts is None else f"{gpu.power_watts:.0f} W"
    grid.add_row("Temp · power", f"{temp} · {power}")
    grid.add_row("Origin", ORIGINS.get(gpu.origin, gpu.origin))
    if gpu.note:
        grid.add_row("", Text(gpu.note, style="yellow"))
    return grid


def processes_panel(gpu: GpuTelemetry) -> RenderableType:
    if not gpu.processes:
        return Text("No process using the GPU reported" + (" (DCGM does not list processes)."
                                                          if gpu.origin == "prometheus" else "."), style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
    rows = [("—" if p.pid is None else str(p.pid), p.name, format_bytes(p.used_bytes)) for p in gpu.processes]
    # a narrow panel shortens the process name, never a PID or a size
    table.add_column("PID", justify="right", no_wrap=True, min_width=max(len(r[0]) for r in rows))
    table.add_column("Process / pod", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("VRAM", justify="right", no_wrap=True, min_width=max(len(r[2]) for r in rows))
    for row in rows:
        table.add_row(*row)
    return table


def no_telemetry(snap: Snapshot[GpuTelemetry]) -> Text:
    if snap.error:
        return Text(f"No GPU telemetry: {snap.error}", style="red")
    return Text("Waiting for GPU telemetry…", style="dim")


class GpuScreen(DashboardScreen):
    """The GPU node: mode, telemetry, processes, and utilisation / VRAM over the last 30 minutes."""

    SCREEN_TITLE = "GPU"
    SOURCES = ("cluster", "gpu")
    RESOURCES = resources_for(("gpu",))
    CSS_PATH = stylesheet("gpu.tcss")
    #: no table here: the scrolling body takes the keys (arrows, page up/down) at 80x24
    AUTO_FOCUS = "#gpu-body"
    BINDINGS = [act_binding("g", "gpu-mode", "GPU mode", "Switch ml / r1 / gaming (never both vLLM up); "
                                                          "finish or roll back a half-done switch")]

    def __init__(self) -> None:
        super().__init__(id="gpu")

    def action_request(self, action_id: str) -> ActionRequest | str:
        return gpu_request(self.homelab.latest.cluster.data, self.homelab.services.settings, self.homelab.clock())

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="gpu-body"):
            yield Static(id="gpu-mode", classes="panel")
            with Horizontal(id="gpu-panels"):
                yield Static(id="gpu-telemetry", classes="panel")
                yield Static(id="gpu-processes", classes="panel")
            with Vertical(id="gpu-history", classes="panel"):
                yield Static(id="util-label")
                yield ScaledSparkline(style="green", id="util-spark")
                yield Static(id="vram-label")
                yield ScaledSparkline(style="cyan", id="vram-spark")

    def on_mount(self) -> None:
        self.query_one("#gpu-mode").border_title = "GPU mode"
        self.query_one("#gpu-telemetry").border_title = "Telemetry"
        self.query_one("#gpu-processes").border_title = "Processes"
        self.query_one("#gpu-history").border_title = "Last 30 minutes"
        super().on_mount()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")

    def render_state(self, state: DashboardState, now: float) -> None:
        cluster = state.cluster.data
        mode = self.query_one("#gpu-mode", Static)
        if cluster is None:
            mode.update(Text("Waiting for data from Kubernetes…", style="dim"))
        else:
            panel = mode_panel(derive_gpu_mode(cluster, self.homelab.services.settings, now))
            notice = pending_notice(cluster, self.homelab.services.settings)
            mode.update(Group(panel, Text(notice, style="bold yellow")) if notice else panel)
        gpu = state.gpu.data
        telemetry = self.query_one("#gpu-telemetry", Static)
        processes = self.query_one("#gpu-processes", Static)
        if gpu is None:
            telemetry.update(no_telemetry(state.gpu))
            processes.update("")
            self._show_history([], [], None, None)
            return
        telemetry.update(telemetry_panel(gpu))
        processes.update(processes_panel(gpu))
        util = [v for _, v in gpu.utilization_history]
        vram = [v for _, v in gpu.vram_history]
        self._show_history(util, vram, gpu, gpu.vram_total_bytes)

    def _show_history(self, util: list[float], vram: list[float], gpu: GpuTelemetry | None,
                      vram_total: float | None) -> None:
        util_now = "—" if gpu is None or gpu.utilization_percent is None else f"{gpu.utilization_percent:.0f} %"
        vram_now = "—" if gpu is None or gpu.vram_used_bytes is None else format_bytes(gpu.vram_used_bytes)
        util_peak = f" · peak {max(util):.0f} %" if util else ""
        vram_peak = f" · peak {format_bytes(max(vram))}" if vram else ""
        vram_scale = f" (0–{format_bytes(vram_total)})" if vram_total else ""
        self.query_one("#util-label", Static).update(
            Text.assemble(("Utilisation", "bold"), (f" (0–100 %){util_peak}", "dim"), f" · now {util_now}"))
        self.query_one("#vram-label", Static).update(
            Text.assemble(("VRAM used", "bold"), (f"{vram_scale}{vram_peak}", "dim"), f" · now {vram_now}"))
        self.query_one("#util-spark", ScaledSparkline).show(util, 100.0)
        self.query_one("#vram-spark", ScaledSparkline).show(vram, vram_total or (max(vram) if vram else 0.0))
