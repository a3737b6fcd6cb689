"""Inference tiers: the LiteLLM chain, one row per alias, which tier answers now; a full /health and a probe on keys.

``/health`` calls every model, the paid one too, so it runs only on its slow timer
(in the source) and on ``h``; ``h`` is ignored, with a notice, while its last run is
still in flight (a thread worker cannot be cancelled: each press would be another
paid call). The probe (``p``) sends one ``max_tokens=1`` chat
after a confirmation that says it may reach the paid tier. Both run in thread
workers: the LiteLLM source blocks.
"""

from __future__ import annotations

import inspect
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from homelab_tui.model.inference import InferenceStatus, TierRow, build_inference
from homelab_tui.model.metrics import LiteLLMData, MetricsData, OllamaModel, ProbeResult, TierHealth
from homelab_tui.model.overview import resources_for
from homelab_tui.model.quantity import format_bytes
from homelab_tui.model.snapshot import Snapshot, format_age, one_line
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge, state_style
from homelab_tui.ui.widgets.confirm import ConfirmScreen
from homelab_tui.ui.widgets.findings import finding_line
from homelab_tui.ui.widgets.table import Col, DashboardTable
from homelab_tui.ui.widgets.timefmt import ago_text

HEALTH_GROUP = "litellm-full-health"
PROBE_GROUP = "litellm-probe"

COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("tier", "Tier", 5),
    Col("alias", "Alias", 12),
    Col("backend", "Backend", 15, drop=2),
    Col("ready", "Ready", 6),
    Col("litellm", "LiteLLM", 13, drop=1),
    Col("answers", "Answers", 7),
    Col("reason", "Reason", 12, flex=True),
)

_VERDICT = {TierHealth.HEALTHY: ("healthy", "green"), TierHealth.UNHEALTHY: ("unhealthy", "bold red"),
            TierHealth.UNKNOWN: ("unknown", "dim")}


def tier_cells(row: TierRow) -> dict[str, object]:
    verdict, style = _VERDICT[row.litellm]
    # stale: too old, LiteLLM unreadable now, or contradicted by the live watch since (no ready pod)
    overtaken = row.litellm is TierHealth.HEALTHY and row.healthy is False
    if row.litellm is not TierHealth.UNKNOWN and (not row.litellm_fresh or overtaken):
        verdict, style = f"{verdict} (old)", "dim"
    answers = Text("◀ now", style="bold green") if row.answering else Text("")
    tier = f"{row.position}" if row.position is not None else "extra"
    return {
        "state": badge(row.state),
        "tier": tier + (" $" if row.paid else ""),
        "alias": row.alias,
        "backend": row.deployment or ("hosted (paid)" if row.paid else "—"),
        "ready": row.deployment_text,
        "litellm": Text(verdict, style=style),
        "answers": answers,
        "reason": Text(row.reason, style=state_style(row.state) if row.state.rank else "dim"),
    }


def proxy_line(snap: Snapshot[LiteLLMData], now: float) -> Text:
    """``LiteLLM ✔ alive · ✔ ready · db …``; when the last read failed, that error and what was known before
    (dim), as the tier rows cannot be trusted either (see :func:`homelab_tui.model.inference.build_inference`)."""
    llm = snap.data
    if snap.error and (llm is None or llm.alive):
        known = "" if llm is None else (f" — last known: {'alive' if llm.alive else 'not alive'}, "
                                        f"{'ready' if llm.ready else 'not ready'}, {ago_text(snap.age(now))}")
        return Text.assemble(("LiteLLM  ", "bold"), (f"✖ cannot be read: {one_line(snap.error, 160)}", "bold red"),
                             (known, "dim"))
    if llm is None:
        return Text("LiteLLM: no answer yet", style="dim")
    alive = ("✔ alive", "green") if llm.alive else ("✖ not alive", "bold red")
    why = llm.readiness.get("error")
    ready = ("✔ ready", "green") if llm.ready else (f"✖ not ready: {one_line(str(why), 160)}" if why
                                                      else "✖ not ready", "bold red")
    extra = [f"{k} {v}" for k, v in llm.readiness.items() if k in ("db", "litellm_version") and v]
    return Text.assemble(("LiteLLM  ", "bold"), alive, " · ", ready,
                         (f" · {' · '.join(str(e) for e in extra)}" if extra else "", "dim"))


def answering_line(status: InferenceStatus) -> Text:
    if status.unreadable:  # every app goes through the proxy: older data cannot say who answers now
        return Text.assemble(("Answers now  ", "bold"), ("unknown: LiteLLM could not be read", "bold yellow"),
                             (f" ({one_line(status.unreadable, 200)})", "dim"))
    if status.answering is None:
        return Text.assemble(("Answers now  ", "bold"), ("no tier of the chain can answer", "bold red"))
    guess = "" if status.answering_certain else " (a guess: no tier is known healthy)"
    style = "bold yellow" if status.paid_answering else "bold green"
    paid = " — the PAID tier" if status.paid_answering else ""
    return Text.assemble(("Answers now  ", "bold"), (status.answering + paid, style), (guess, "dim"))


def health_line(llm: LiteLLMData | None, now: float, running: bool, interval: float) -> Text:
    checked = None if llm is None or llm.health_checked_at is None else max(0.0, now - llm.health_checked_at)
    age = ago_text(checked)
    parts: list[Any] = [("Full /health  ", "bold"), f"{age} · every {format_age(interval)} · ",
                        ("h", "bold"), ": now (calls all models, paid too)"]
    if running:
        parts.append(("  running… (h is ignored until it answers)", "bold yellow"))
    if llm is not None and llm.health_error:
        parts.append((f"  last error: {llm.health_error}", "red"))
    return Text.assemble(*parts)


def ollama_line(llm: LiteLLMData | None) -> Text | None:
    """Ollama's loaded models (``/api/ps``), when ``ollama.url`` is configured."""
    if llm is None or llm.ollama_models is None and not llm.ollama_error:
        return None
    parts: list[Any] = [("Ollama  ", "bold")]
    models = llm.ollama_models or ()
    if models:
        parts.append(", ".join(_ollama_model(m) for m in models) + " loaded")
    elif llm.ollama_models is not None:
        parts.append(("no model loaded: the first fallback request loads it (slow)", "yellow"))
    if llm.ollama_error:
        parts.append((f"  {llm.ollama_error}", "red"))
    return Text.assemble(*parts)


def _ollama_model(m: OllamaModel) -> str:
    size = m.vram_bytes if m.vram_bytes else m.size_bytes
    return m.name + (f" ({format_bytes(size)})" if size else "")


def probe_text(result: ProbeResult) -> Text:
    if result.error or not 200 <= result.status < 300:
        reason = result.error or "no answer"
        return Text(f"Probe {result.requested}: HTTP {result.status} · {reason} · {result.latency_ms:.0f} ms",
                    style="bold red")
    fallbacks = result.attempted_fallbacks
    style = "green" if result.answered_by == result.requested else "yellow"
    return Text.assemble(("Probe ", "bold"), f"{result.requested} → answered by ",
                         (result.answered_by or "?", f"bold {style}"),
                         f" · {fallbacks} fallback{'s' if fallbacks != 1 else ''} attempted"
                         f" · {result.latency_ms:.0f} ms · HTTP {result.status}")


def vllm_table(metrics: MetricsData | None) -> RenderableType:
    if metrics is None or not metrics.vllm:
        return Text("vLLM: no metrics in Prometheus (scaled to 0, or not scraped).", style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for label in ("vLLM model", "Running", "Waiting", "KV cache"):
        table.add_column(label, no_wrap=True, overflow="ellipsis", justify="left" if label == "vLLM model" else "right")
    for model, s in sorted(metrics.vllm.items()):
        table.add_row(model, _num(s.requests_running), _num(s.requests_waiting),
                      "—" if s.kv_cache_usage is None else f"{100 * s.kv_cache_usage:.0f} %")
    return table


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


class InferenceScreen(DashboardScreen):
    """The tiers of the LiteLLM chain and the extras; ``h`` runs a full /health, ``p`` probes the chain."""

    SCREEN_TITLE = "Inference tiers"
    SOURCES = ("cluster", "llm", "metrics")
    RESOURCES = resources_for(("inference",))
    CSS_PATH = stylesheet("inference.tcss")
    BINDINGS = [
        Binding("h", "full_health", "Full /health",
                tooltip="Ask LiteLLM to check every model now (calls the paid tier too; ignored while one runs)",
                id="inference.health"),
        Binding("p", "probe", "Probe", tooltip="Send one max_tokens=1 chat to the chain (asks first)",
                id="inference.probe"),
    ]

    def __init__(self) -> None:
        super().__init__(id="inference")
        self._probe: RenderableType = Text("p sends one max_tokens=1 chat to the chain and shows who answered.",
                                           style="dim")
        self._status: InferenceStatus | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="llm-status")
        yield DashboardTable(COLUMNS, id="tiers")
        yield Static(id="inference-details")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#inference-details").border_title = "Probe · vLLM · findings"

    @property
    def chain_head(self) -> str:
        return self.homelab.services.settings.inference.chain[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``h`` and ``p`` need a LiteLLM source that can do them (a static test source cannot)."""
        source = self.homelab.services.litellm
        if action == "probe":
            return True if callable(getattr(source, "probe", None)) else None
        if action == "full_health":
            return True if _accepts_full(source) else None
        return True

    # ------------------------------------------------------------------ rendering

    def render_state(self, state: DashboardState, now: float) -> None:
        settings = self.homelab.services.settings
        llm = state.llm.data
        status = build_inference(state.cluster.data, llm, settings, now, llm_error=state.llm.error)
        self._status = status
        self.query_one(DashboardTable).set_rows([(r.alias, tier_cells(r)) for r in status.rows])
        self._show_status(state.llm, now)
        self._show_details(state.metrics.data)

    def update_ages(self, now: float) -> None:
        self._show_status(self.homelab.latest.llm, now)

    def in_flight(self, group: str) -> bool:
        """Whether a worker of ``group`` (a full /health, a probe) is still running: a thread worker cannot be
        cancelled, so its key is ignored until it ends."""
        return any(w.group == group and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in self.workers)

    def _show_status(self, snap: Snapshot[LiteLLMData], now: float) -> None:
        lines = [proxy_line(snap, now)]
        if self._status is not None:
            lines.append(answering_line(self._status))
        lines.append(health_line(snap.data, now, self.in_flight(HEALTH_GROUP),
                                 self.homelab.services.settings.litellm.health_interval))
        ollama = ollama_line(snap.data)
        if ollama is not None:
            lines.append(ollama)
        self.query_one("#llm-status", Static).update(Text("\n").join(lines))

    def _show_details(self, metrics: MetricsData | None) -> None:
        parts: list[RenderableType] = [self._probe, vllm_table(metrics)]
        if self._status is not None and self._status.findings:
            parts += [finding_line(f) for f in self._status.findings]
        self.query_one("#inference-details", Static).update(Group(*parts))

    # ------------------------------------------------------------------ keys

    def action_full_health(self) -> None:
        if self.in_flight(HEALTH_GROUP):
            self.app.notify("A full /health is already running: h is ignored until it answers (each call reaches "
                            "every model, the paid one too).", title="Full /health", severity="warning")
            return
        self._full_health()
        self._show_status(self.homelab.latest.llm, self.homelab.clock())

    def action_probe(self) -> None:
        if self.in_flight(PROBE_GROUP):
            self.app.notify("A probe is already waiting for LiteLLM: p is ignored until it answers.", title="Probe",
                            severity="warning")
            return
        alias = self.chain_head
        chain = " → ".join(self.homelab.services.settings.inference.chain)
        paid = [b.alias for b in self.homelab.services.settings.inference.backends if b.paid]
        lines = [f"Send one chat (max_tokens=1) to {alias}?",
                 f"LiteLLM answers from the first tier that works: {chain}."]
        if paid:
            lines.append(Text(f"If the tiers before it fail, {', '.join(paid)} answers: the PAID tier, "
                              "which costs money.", style="bold yellow"))
        self.app.push_screen(ConfirmScreen("Probe the chain", lines, yes="send"), self._probe_confirmed)

    def _probe_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            self._set_probe(Text("Probe cancelled: nothing was sent.", style="dim"))
            return
        self._set_probe(Text(f"Probe {self.chain_head}: waiting for LiteLLM…", style="bold yellow"))
        self._send_probe(self.chain_head)

    def _set_probe(self, text: RenderableType) -> None:
        self._probe = text
        self._show_details(self.homelab.latest.metrics.data)

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group=HEALTH_GROUP, exit_on_error=False, name="full /health")
    def _full_health(self) -> Snapshot[LiteLLMData]:
        source: Any = self.homelab.services.litellm
        return source.refresh(full=True)

    @work(thread=True, exclusive=True, group=PROBE_GROUP, exit_on_error=False, name="probe")
    def _send_probe(self, alias: str) -> ProbeResult:
        source: Any = self.homelab.services.litellm
        return source.probe(alias)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group == HEALTH_GROUP and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self.homelab.refresh_state()
            self._show_status(self.homelab.latest.llm, self.homelab.clock())
        elif group == PROBE_GROUP and event.state == WorkerState.SUCCESS:
            self._set_probe(probe_text(event.worker.result))
        elif group == PROBE_GROUP and event.state == WorkerState.ERROR:
            self._set_probe(Text(f"Probe failed: {one_line(str(event.worker.error))}", style="bold red"))
        super().on_worker_state_changed(event)


def _accepts_full(source: object) -> bool:
    """Whether ``source.refresh`` takes ``full=`` (the LiteLLM source does; a static one does not)."""
    try:
        return "full" in inspect.signature(getattr(source, "refresh")).parameters
    except (AttributeError, TypeError, ValueError):
        return False
