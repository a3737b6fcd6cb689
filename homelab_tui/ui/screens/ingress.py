"""Ingress & TLS: one row per exposed host, the route findings, Enter for the Certificate's detail."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from homelab_tui.model.certs import CertificateDetail, CertRow, cert_findings, cert_rows, certificate_detail
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import Finding, State
from homelab_tui.model.overview import resources_for
from homelab_tui.model.routes import route_findings
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.action_requests import certificate_request
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.actions_runner import act_binding
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.screens.certificate_detail import CertificateDetailScreen
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge, state_style
from homelab_tui.ui.widgets.findings import FindingsPanel
from homelab_tui.ui.widgets.table import Col, DashboardTable
from homelab_tui.ui.widgets.timefmt import day_text, when_text

COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("host", "Host", 20, flex=True),
    Col("namespace", "Namespace", 10, drop=3),
    Col("entry", "Entry points", 14, drop=5),
    Col("secret", "TLS secret", 16, drop=6),
    Col("ready", "Ready", 5, drop=2),
    Col("expires", "Expires in", 10),
    Col("renewal", "Renewal", 8, drop=4),
    Col("issuer", "Issuer", 16, drop=7),
    Col("reason", "Problem", 20, flex=True),
    Col("failure", "Last failure", 20, flex=True, drop=8),
)


#: a TLS secret whose existence cannot be told (the kubeconfig may not list secrets, or their watch failed)
SECRET_UNKNOWN = "(unknown: secrets cannot be read)"


def ready_text(ready: bool | None) -> Text:
    if ready is None:
        return Text("—", style="dim")
    return Text("True", style="green") if ready else Text("False", style="bold red")


def secret_text(row: CertRow) -> Text:
    if not row.tls_secret:
        return Text("none", style="dim")
    if row.secret_exists is False:
        return Text(f"{row.tls_secret} (missing)", style="red")
    if row.secret_exists is None:
        return Text(f"{row.tls_secret} {SECRET_UNKNOWN}", style="yellow")
    return Text(row.tls_secret)


def reason_text(row: CertRow) -> Text:
    return Text(row.reason, style=state_style(row.state) if row.state != State.OK else "dim")


def failure_text(row: CertRow) -> Text:
    if not (row.failure_reason or row.failure_message):
        return Text("—", style="dim")
    return Text(": ".join(p for p in (row.failure_reason, row.failure_message) if p), style="red")


def _secret_note(row: CertRow) -> str:
    if not row.tls_secret or row.secret_exists:
        return ""
    return " (missing)" if row.secret_exists is False else f" {SECRET_UNKNOWN}"


def host_detail(row: CertRow, detail: CertificateDetail | None, now: float) -> Text:
    """The highlighted host in full, wrapped under the table: what narrow terminals drop, and its last failure."""
    facts = [row.namespace or "—", ", ".join(row.entry_points) or "no entry points",
             f"secret {row.tls_secret or 'none'}" + _secret_note(row)]
    if row.issuer:
        facts.append(row.issuer)
    if row.renewal_time is not None:
        facts.append(f"renews {when_text(row.renewal_time, now)}")
    text = Text.assemble((row.host or row.certificate, "bold"), " · ", " · ".join(facts))
    if row.failure_reason or row.failure_message:
        when = ""
        if detail is not None and (detail.last_failure_time is not None or detail.failed_attempts):
            attempts = f"{detail.failed_attempts} failed attempt{'s' if detail.failed_attempts != 1 else ''}"
            when = f" ({when_text(detail.last_failure_time, now)}, {attempts})"
        text.append_text(Text.assemble("\n", ("Last failure", "bold"), f"{when}: ", failure_text(row)))
    return text


def expires_text(row: CertRow, warn_days: float) -> Text:
    if row.days_left is None:
        return Text("—", style="dim")
    return Text(day_text(row.days_left, warn_days), style=state_style(row.state) if row.state != State.OK else "")


def issuer_cell(issuer: str) -> str:
    """The issuer's name; its kind too when it is not a ClusterIssuer (a namespaced Issuer of the same name
    is a different issuer)."""
    kind, _, name = issuer.rpartition("/")
    return (name if kind == "ClusterIssuer" else issuer) or "—"


def host_cells(row: CertRow, now: float, warn_days: float) -> dict[str, object]:
    return {
        "state": badge(row.state),
        "host": row.host or "(no host)",
        "namespace": row.namespace,
        "entry": ", ".join(row.entry_points) or "—",
        "secret": secret_text(row),
        "ready": ready_text(row.ready),
        "expires": expires_text(row, warn_days),
        "renewal": when_text(row.renewal_time, now),
        "issuer": issuer_cell(row.issuer),
        "reason": reason_text(row),
        "failure": failure_text(row),
    }


def row_key(row: CertRow) -> str:
    return f"{row.host}|{row.certificate}|{row.route}"


def all_findings(rows: tuple[CertRow, ...], routes: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Every certificate and route problem, each once, worst first (routes with no host are included)."""
    out = list(cert_findings(rows))
    out += [f for f in routes if f.state != State.OK and f not in out]
    return tuple(sorted(out, key=lambda f: -f.state.rank))


class IngressScreen(DashboardScreen):
    """Exposed hosts with their Certificate and TLS secret, most urgent first; Enter shows the Certificate."""

    SCREEN_TITLE = "Ingress & TLS"
    SOURCES = ("cluster",)
    RESOURCES = resources_for(("certificates",))
    CSS_PATH = stylesheet("ingress.tcss")
    BINDINGS = [
        Binding("enter", "open_certificate", "Certificate",
                tooltip="Conditions and recent events of the host's Certificate", id="ingress.certificate"),
        act_binding("R", "cert-renew", "Renew", "Renew the host's Certificate as cmctl renew does, then follow it"),
    ]

    def action_request(self, action_id: str) -> ActionRequest | str:
        row = self.highlighted
        return certificate_request(row.certificate) if row is not None else "select a host first"

    def __init__(self) -> None:
        super().__init__(id="ingress")
        self._rows: dict[str, CertRow] = {}
        self._cluster: ClusterState | None = None
        self._now = 0.0

    def compose_body(self) -> ComposeResult:
        yield DashboardTable(COLUMNS, id="hosts")
        yield Static(id="host-detail")
        yield FindingsPanel(id="ingress-findings")

    def render_state(self, state: DashboardState, now: float) -> None:
        cluster = state.cluster.data
        settings = self.homelab.services.settings
        rows = () if cluster is None else cert_rows(cluster, settings, now)
        self._cluster, self._now = cluster, now
        self._rows = {row_key(r): r for r in rows}
        warn = settings.thresholds.cert_warn_days
        self.query_one(DashboardTable).set_rows([(key, host_cells(r, now, warn)) for key, r in self._rows.items()])
        findings = () if cluster is None else all_findings(rows, route_findings(cluster))
        empty = "Waiting for data from Kubernetes…" if cluster is None else "Every host has a valid certificate."
        self.query_one(FindingsPanel).show(f"Findings · {len(findings)}", findings, empty=empty)
        self._show_detail()

    @property
    def highlighted(self) -> CertRow | None:
        return self._rows.get(self.query_one(DashboardTable).highlighted_key or "")

    def _show_detail(self) -> None:
        row = self.highlighted
        widget = self.query_one("#host-detail", Static)
        if row is None:
            widget.update("")
            return
        namespace, _, name = row.certificate.partition("/")
        detail = certificate_detail(self._cluster, namespace, name, self._now, self.homelab.services.settings) \
            if self._cluster is not None and name else None
        widget.update(host_detail(row, detail, self._now))

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, _: DataTable.RowSelected) -> None:
        self.action_open_certificate()

    def action_open_certificate(self) -> None:
        row = self.highlighted
        if row is None:
            return
        if not row.certificate:
            self.notify(f"{row.host}: no cert-manager Certificate behind this host.", title="Certificate")
            return
        namespace, name = row.certificate.split("/", 1)
        self.app.push_screen(CertificateDetailScreen(namespace, name))
