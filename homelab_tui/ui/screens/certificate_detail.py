"""A Certificate's detail, like ``cmctl status certificate``: dates, secret, conditions and recent events.

The detail re-renders from the App's state; the events are read once, in a
thread worker (``services.kube.list_events`` blocks), and ``e`` reads them again.
Only the Certificate's own events: its Secret usually has the same name, so the
list is filtered by kind as well as by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, cast

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from homelab_tui.model.certs import CertificateDetail, certificate_detail
from homelab_tui.model.objects import as_map, as_str, parse_time
from homelab_tui.model.snapshot import format_age, one_line
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.action_requests import certificate_request
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.action_keys import ActionKeys
from homelab_tui.ui.actions_runner import act_binding
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import badge, state_style
from homelab_tui.ui.widgets.timefmt import ago_text, stamp

if TYPE_CHECKING:
    from homelab_tui.ui.app import HomelabApp

#: events shown (the newest)
MAX_EVENTS = 12


def _facts(d: CertificateDetail, now: float) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    if d.secret_exists is None:
        secret = Text(f"{d.secret_name or '—'} (secrets not readable)", style="dim")
    elif d.secret_exists:
        keys = ", ".join(d.secret_keys) or "no keys"
        secret = Text(f"{d.secret_name} · {d.secret_type or 'Opaque'} · keys: {keys}")
    else:
        secret = Text(f"{d.secret_name} is missing", style="bold red")
    rows: list[tuple[str, RenderableType]] = [
        ("Status", Text.assemble(badge(d.state), "  ", (d.reason, state_style(d.state)))),
        ("DNS names", ", ".join(d.dns_names) or "—"),
        ("Issuer", d.issuer or "—"),
        ("Secret", secret),
        ("Not before", stamp(d.not_before, now)),
        ("Not after", stamp(d.not_after, now)),
        ("Renewal", stamp(d.renewal_time, now)),
        ("Revision", "—" if d.revision is None else str(d.revision)),
    ]
    if d.failed_attempts or d.last_failure_time is not None:
        rows.append(("Failed issuance", f"{d.failed_attempts} attempt(s), last {stamp(d.last_failure_time, now)}"))
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _conditions(d: CertificateDetail, now: float) -> RenderableType:
    if not d.conditions:
        return Text("No conditions reported.", style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for label in ("Type", "Status", "Reason", "Since", "Message"):
        table.add_column(label, no_wrap=label != "Message", overflow="fold")
    for c in d.conditions:
        good = c.status == "True" if c.type == "Ready" else None
        style = "" if good is None else ("green" if good else "bold red")
        since = "—" if c.last_transition is None else ago_text(max(0.0, now - c.last_transition))
        table.add_row(c.type, Text(c.status, style=style), c.reason or "—", since, c.message or "")
    return table


def event_time(event: Mapping[str, Any]) -> float | None:
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        t = parse_time(event.get(key))
        if t is not None:
            return t
    return parse_time(as_map(event.get("metadata")).get("creationTimestamp"))


def events_table(events: list[dict[str, Any]], now: float) -> RenderableType:
    """The newest events, oldest first, as ``kubectl describe`` lists them."""
    if not events:
        return Text("No recent events.", style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for label in ("Type", "Reason", "Age", "From", "Message"):
        table.add_column(label, no_wrap=label != "Message", overflow="fold")
    for e in events[-MAX_EVENTS:]:
        kind = as_str(e.get("type")) or "Normal"
        t = event_time(e)
        source = as_str(as_map(e.get("source")).get("component")) or as_str(e.get("reportingComponent"))
        count = e.get("count")
        age = "—" if t is None else format_age(max(0.0, now - t))
        if isinstance(count, int) and count > 1:
            age += f" (x{count})"
        table.add_row(Text(kind, style="yellow" if kind == "Warning" else ""), as_str(e.get("reason")), age,
                      source or "—", one_line(as_str(e.get("message")), 1000))
    return table


class CertificateDetailScreen(ActionKeys, ModalScreen[None]):
    """``cmctl status certificate`` for one Certificate; Escape closes, ``e`` reloads the events."""

    CSS_PATH = stylesheet("ingress.tcss")
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="certificate.close"),
        Binding("e", "load_events", "Events", tooltip="Read the Certificate's events again",
                id="certificate.events"),
        act_binding("R", "cert-renew", "Renew", "Renew this Certificate as cmctl renew does, then follow it"),
    ]

    def action_request(self, action_id: str) -> ActionRequest | str:
        return certificate_request(f"{self.namespace}/{self.cert_name}")

    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(id="certificate-detail")
        self.namespace = namespace
        self.cert_name = name
        self._events: RenderableType = Text("Loading events…", style="dim")

    @property
    def homelab(self) -> HomelabApp:
        return cast("HomelabApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="certificate-box") as box:
            box.border_title = f"Certificate {self.namespace}/{self.cert_name}"
            renew = "" if self.homelab.services.read_only else " · R renews"  # the key is off in read-only mode
            box.border_subtitle = f"Esc closes · e reloads events{renew}"
            yield Static(id="certificate-facts")
            yield Static(id="certificate-conditions", classes="section")
            yield Static(self._events, id="certificate-events", classes="section")

    def on_mount(self) -> None:
        self.watch(self.homelab, "state", self._render_detail)
        self.action_load_events()

    def _render_detail(self, state: DashboardState) -> None:
        now = self.homelab.clock()
        cluster = state.cluster.data
        detail = None if cluster is None else certificate_detail(
            cluster, self.namespace, self.cert_name, now, self.homelab.services.settings)
        facts = self.query_one("#certificate-facts", Static)
        conditions = self.query_one("#certificate-conditions", Static)
        if detail is None:
            facts.update(Text(f"Certificate {self.namespace}/{self.cert_name} is not in the cluster (any more).",
                              style="bold red"))
            conditions.update("")
            return
        facts.update(_facts(detail, now))
        conditions.update(Group(Text("Conditions", style="bold underline"), _conditions(detail, now)))

    def action_load_events(self) -> None:
        self._show_events(Text("Loading events…", style="dim"))
        self._read_events()

    @work(thread=True, exclusive=True, group="certificate-events", exit_on_error=False)
    def _read_events(self) -> list[dict[str, Any]]:
        return self.homelab.services.kube.list_events(self.namespace, self.cert_name, "Certificate")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "certificate-events":
            return
        if event.state == WorkerState.SUCCESS:
            self._show_events(events_table(list(event.worker.result or []), self.homelab.clock()))
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            self._show_events(Text(f"Events could not be read: {one_line(str(error) or type(error).__name__)}",
                                   style="red"))

    def _show_events(self, body: RenderableType) -> None:
        self._events = Group(Text("Events", style="bold underline"), body)
        self.query_one("#certificate-events", Static).update(self._events)
