"""A Certificate's detail, like ``cmctl status certificate``: dates, secret, conditions, how its newest
issuance is going (CertificateRequest → ACME Order → Challenges) and recent events.

The detail re-renders from the App's state; the issuance objects and the events are read once, in thread
workers (``services.kube.list_once`` and ``list_events`` block), and ``e`` reads them again.
Only the Certificate's own events: its Secret usually has the same name, so the
list is filtered by kind as well as by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, cast

from rich.console import Group, RenderableType
from rich.padding import Padding
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
from homelab_tui.model.health import State
from homelab_tui.model.issuance import ISSUANCE_KINDS, Issuance, issuance_chain
from homelab_tui.model.objects import as_map, as_str, parse_time
from homelab_tui.model.snapshot import format_age, one_line
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.action_requests import certificate_request
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.action_keys import ActionKeys
from homelab_tui.ui.screens.registry import SCREENS
from homelab_tui.ui.actions_runner import act_binding
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import badge, state_style
from homelab_tui.ui.widgets.by_width import ByWidth
from homelab_tui.ui.widgets.modal_keys import HELP, QUIT, modal_footer
from homelab_tui.ui.widgets.timefmt import ago_text, expiry_stamp, stamp

if TYPE_CHECKING:
    from homelab_tui.ui.app import HomelabApp

#: events shown (the newest)
MAX_EVENTS = 12
#: cells below which an event, or an issuance object, is two lines instead of a table row: its message and
#: details hold hostnames and ACME errors, which a narrower table column would cut mid-word
WIDE = 130
ISSUANCE_TITLE = "Issuance (the newest CertificateRequest → Order → Challenges)"


def _facts(d: CertificateDetail, now: float, warn_days: float) -> Table:
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
        ("Not after", expiry_stamp(d.not_after, now, warn_days)),
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
    """The newest events, oldest first, as ``kubectl describe`` lists them; below :data:`WIDE` cells each event
    is two lines, its message on the second, so that the message (the ACME error) gets the width."""
    if not events:
        return Text("No recent events.", style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for label in ("Type", "Reason", "Age", "From", "Message"):
        table.add_column(label, no_wrap=label != "Message", ratio=1 if label == "Message" else None)
    stacked: list[RenderableType] = []
    for e in events[-MAX_EVENTS:]:
        kind = as_str(e.get("type")) or "Normal"
        t = event_time(e)
        source = as_str(as_map(e.get("source")).get("component")) or as_str(e.get("reportingComponent"))
        count = e.get("count")
        age = "—" if t is None else format_age(max(0.0, now - t))
        if isinstance(count, int) and count > 1:
            age += f" (x{count})"
        kind_text = Text(kind, style="yellow" if kind == "Warning" else "")
        reason, message = as_str(e.get("reason")), one_line(as_str(e.get("message")), 1000)
        table.add_row(kind_text, reason, age, source or "—", message)
        stacked += [Text.assemble(kind_text, "  ", (reason, "bold"), "  ", age, "  ", (source or "—", "dim")),
                    Padding(Text(message), (0, 0, 0, 2))]
    return ByWidth(table, Group(*stacked), WIDE)


def issuance_table(chain: Issuance, now: float) -> RenderableType:
    """The newest request, its order and challenges, as ``cmctl status certificate`` walks them; below
    :data:`WIDE` cells each object is two lines, its details on the second."""
    parts: list[RenderableType] = []
    if chain.steps:
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
        for label in ("Object", "Name", "State", "Age", "Details"):
            table.add_column(label, no_wrap=label != "Details", ratio=1 if label == "Details" else None)
        stacked: list[RenderableType] = []
        for i, step in enumerate(chain.steps):
            details = Text(step.facts)
            # an error passed up the chain is shown once, on the object it comes from
            source = next((later for later in chain.steps[i + 1:] if later.message and later.message in step.message),
                          None)
            message = f"the error of the {source.kind} below" if source is not None else one_line(step.message, 1000)
            if message:
                details.append(("\n" if step.facts else "") + message,
                               style=state_style(step.state) if step.state != State.OK else "dim")
            age = "—" if step.created is None else format_age(max(0.0, now - step.created))
            state = Text.assemble(badge(step.state), " ", step.status)
            table.add_row(step.kind, step.name, state, age, details)
            stacked += [Text.assemble((step.kind, "bold"), " ", step.name, "  ", state, "  ", age),
                        Padding(details, (0, 0, 0, 2))]
        parts.append(ByWidth(table, Group(*stacked), WIDE))
    notes = [chain.note] if chain.note else []
    if chain.older_requests:
        notes.append(f"{chain.older_requests} older CertificateRequest(s) not shown.")
    if notes:
        parts.append(Text(" ".join(notes), style="dim"))
    return Group(*parts)


class CertificateDetailScreen(ActionKeys, ModalScreen[None]):
    """``cmctl status certificate`` for one Certificate; Escape closes, ``e`` reads the issuance objects and the
    events again."""

    CSS_PATH = stylesheet("ingress.tcss")
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="certificate.close"),
        Binding("e", "reload", "Reload", tooltip="Read the Certificate's issuance objects and events again",
                id="certificate.events"),
        act_binding("R", "cert-renew", "Renew", "Renew this Certificate as cmctl renew does, then follow it"),
        HELP,
        QUIT,
        # the screen keys close the detail and go there (a modal blocks the App's own)
        *(Binding(spec.key, f"leave_for('{spec.mode}')", spec.title, show=False, id=f"certificate.to_{spec.mode}")
          for spec in SCREENS),
    ]

    def action_leave_for(self, mode: str) -> None:
        self.dismiss()
        self.homelab.action_show_screen(mode)

    def action_request(self, action_id: str) -> ActionRequest | str:
        return certificate_request(f"{self.namespace}/{self.cert_name}")

    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(id="certificate-detail")
        self.namespace = namespace
        self.cert_name = name
        self._events: RenderableType = Text("Loading events…", style="dim")
        self._issuance: RenderableType = self._section(ISSUANCE_TITLE, Text("Loading…", style="dim"))

    @property
    def homelab(self) -> HomelabApp:
        return cast("HomelabApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="certificate-box") as box:
            box.border_title = f"Certificate {self.namespace}/{self.cert_name}"
            renew = "" if self.homelab.services.read_only else " · R renews"  # the key is off in read-only mode
            box.border_subtitle = f"Esc closes · e reloads issuance and events{renew}"
            yield Static(id="certificate-facts")
            yield Static(id="certificate-conditions", classes="section")
            yield Static(self._issuance, id="certificate-issuance", classes="section")
            yield Static(self._events, id="certificate-events", classes="section")
        yield modal_footer()

    def on_mount(self) -> None:
        self.sub_title = f"Certificate {self.namespace}/{self.cert_name}"  # the title of its ``?`` help
        self.watch(self.homelab, "state", self._render_detail)
        self.action_reload()

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
        facts.update(_facts(detail, now, self.homelab.services.settings.thresholds.cert_warn_days))
        conditions.update(Group(Text("Conditions", style="bold underline"), _conditions(detail, now)))

    def action_reload(self) -> None:
        self._show_events(Text("Loading events…", style="dim"))
        self._show_issuance(Text("Loading…", style="dim"))
        self._read_events()
        self._read_issuance()

    @work(thread=True, exclusive=True, group="certificate-events", exit_on_error=False)
    def _read_events(self) -> list[dict[str, Any]]:
        return self.homelab.services.kube.list_events(self.namespace, self.cert_name, "Certificate")

    @work(thread=True, exclusive=True, group="certificate-issuance", exit_on_error=False)
    def _read_issuance(self) -> Issuance:
        found = self.homelab.services.kube.list_once(ISSUANCE_KINDS, self.namespace)
        return issuance_chain(self.cert_name, *(found.get(key) for key in ISSUANCE_KINDS))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group not in ("certificate-events", "certificate-issuance"):
            return
        if event.state == WorkerState.SUCCESS:
            if group == "certificate-events":
                self._show_events(events_table(list(event.worker.result or []), self.homelab.clock()))
            else:
                self._show_issuance(issuance_table(cast(Issuance, event.worker.result), self.homelab.clock()))
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            what = "Events" if group == "certificate-events" else "The issuance objects"
            text = Text(f"{what} could not be read: {one_line(str(error) or type(error).__name__)}", style="red")
            (self._show_events if group == "certificate-events" else self._show_issuance)(text)

    @staticmethod
    def _section(title: str, body: RenderableType) -> RenderableType:
        return Group(Text(title, style="bold underline"), body)

    def _show_issuance(self, body: RenderableType) -> None:
        self._issuance = self._section(ISSUANCE_TITLE, body)
        self.query_one("#certificate-issuance", Static).update(self._issuance)

    def _show_events(self, body: RenderableType) -> None:
        self._events = self._section("Events", body)
        self.query_one("#certificate-events", Static).update(self._events)
