"""Ingress & TLS: the demo's planted certificate and route problems, and the Certificate detail."""

from __future__ import annotations

import dataclasses
import io
from typing import Any, Sequence

from rich.console import Console

from homelab_tui.config import KubernetesSettings, Settings
from homelab_tui.model.certs import CertRow, cert_rows
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.services import StaticClusterSource
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.kube_client import KubeTarget
from homelab_tui.ui.screens.certificate_detail import CertificateDetailScreen
from homelab_tui.ui.screens.ingress import IngressScreen, issuer_cell
from homelab_tui.ui.widgets.table import DashboardTable
from homelab_tui.ui.widgets.timefmt import ago_text, day_text, stamp, when_text
from tests.integration.kube_server import KubeServer
from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import app_for, failing, flat
from tests.ui.demo_state import FIXED, demo_services, demo_state


def expiring_row() -> CertRow:
    """The demo's certificate that expires in under 14 days (grafana's), as the model sees it."""
    return next(r for r in cert_rows(demo_state().cluster.data, Settings(), FIXED) if r.host.startswith("grafana."))


async def test_rows_show_the_planted_certificate_problems_most_urgent_first() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, IngressScreen)
        keys = app.screen.query_one(DashboardTable).row_keys
        # the two failing hosts first: the plain-HTTP Ingress, then the certificate that is not Ready
        assert keys[0].startswith("dev.home.jetzinger.com|")
        assert keys[1].startswith("openclaw.home.jetzinger.com|apps/openclaw-tls")
        app.screen.query_one(DashboardTable).select_key(keys[1])
        await settle(pilot)
        text = screen_text(app)
        lines = text.splitlines()
        openclaw = next(line for line in lines if "openclaw.home" in line and "fail" in line)
        assert "False" in openclaw and "not Ready" in openclaw
        expiring = expiring_row()
        assert expiring.days_left is not None and 3 < expiring.days_left < 14
        grafana = next(line for line in lines if "grafana.home" in line)
        assert "▲ warn" in grafana and f"expires in {expiring.days_left:.1f} d" in grafana
        # the cursor is on the failed certificate: its ACME failure is shown in full
        assert "No TXT record found at _acme-challenge.openclaw.home.jetzinger.com" in flat(text)


async def test_route_findings_are_listed() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert "IngressRoute docs/stirling-pdf-https: no HTTP→HTTPS redirect route" in text
        assert "https-redirect middleware referenced in namespace kube-system" in text
        assert "TLS secret apps/openclaw-tls is missing" in text
        assert "dev.home.jetzinger.com" in text and "standard Ingress" in text


async def open_certificate_detail(pilot) -> None:
    """Ingress & TLS (key 3), then Enter on the failed certificate (openclaw's): the certificate detail."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    table = pilot.app.screen.query_one(DashboardTable)
    table.select_key(next(k for k in table.row_keys if k.startswith("openclaw.home")))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CertificateDetailScreen)


def detail_text(app) -> str:
    """The whole certificate detail as text, also what lies below the modal's visible part."""
    console = Console(width=150, file=io.StringIO(), record=True, color_system=None)
    for static in app.screen.query("#certificate-box Static"):
        console.print(static.content)
    return console.export_text()


def issuance_text(app) -> str:
    """The Issuance section, whitespace collapsed (long messages wrap in the table)."""
    return " ".join(detail_text(app).split("Issuance (")[1].split("\nEvents")[0].split())


async def test_enter_shows_the_certificate_conditions_and_events() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_certificate_detail(pilot)
        text = screen_text(app) + detail_text(app)
        assert "Certificate apps/openclaw-tls" in text
        for expected in ("Conditions", "Ready", "DoesNotExist", "Issuing", "Failed", "ClusterIssuer/letsencrypt-prod",
                         "4 attempt(s)", "openclaw-tls is missing"):
            assert expected in text, expected
        assert "Events" in text and "cert-manager-certificates-issuing" in text
        assert "No TXT record found" in text
        # the issuance chain: the failed request, its invalid order and the challenge that says why
        issuance = issuance_text(app)
        for expected in ("CertificateRequest openclaw-tls-1 ✖ fail Failed", "revision 1 · approved",
                         "the error of the Order below", "Order openclaw-tls-1-", "invalid",
                         "the error of the Challenge below", "Challenge openclaw-tls-1-",
                         "DNS-01 for openclaw.home.jetzinger.com · not presented",
                         "No TXT record found at _acme-challenge.openclaw.home.jetzinger.com"):
            assert expected in issuance, expected
        assert issuance.count("No TXT record found") == 1  # shown once, on the challenge it comes from
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IngressScreen)


async def test_a_valid_certificate_shows_its_dates() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one(DashboardTable)
        table.select_key(next(k for k in table.row_keys if k.startswith("grafana.")))
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app) + detail_text(app)
        assert "Certificate monitoring/grafana-tls" in text
        assert "Not after" in text and f"UTC (in {expiring_row().days_left or 0:.1f} d)" in text
        assert "keys: ca.crt, tls.crt, tls.key" in text or "keys: tls.crt, tls.key" in text
        assert "No recent events." in text
        revision = demo_state().cluster.data.get("certificates")  # the request is named after the revision
        rev = next(c["status"]["revision"] for c in revision if c["metadata"]["name"] == "grafana-tls")
        issuance = issuance_text(app)
        assert f"grafana-tls-{rev} " in issuance and "Ready" in issuance and "valid" in issuance
        assert "Certificate fetched from issuer successfully" in issuance
        assert "cert-manager has deleted its challenges" in issuance
        assert "Challenge grafana" not in issuance


class _BrokenEvents(StaticClusterSource):
    def list_events(self, namespace: str, involved_name: str | None = None,
                    involved_kind: str | None = None) -> list[dict[str, Any]]:
        raise RuntimeError("events: 403 Forbidden")


class _ReadsFromServer(StaticClusterSource):
    """The demo's cluster state, with events and issuance objects read from the simulated API server by the
    real KubeSource."""

    def __init__(self, snapshot: Snapshot[ClusterState], kube: KubeSource) -> None:
        super().__init__(snapshot)
        self.kube = kube

    def list_events(self, namespace: str, involved_name: str | None = None,
                    involved_kind: str | None = None) -> list[dict[str, Any]]:
        return self.kube.list_events(namespace, involved_name, involved_kind)

    def list_once(self, keys: Sequence[str], namespace: str) -> dict[str, list[dict[str, Any]] | None]:
        return self.kube.list_once(keys, namespace)


def app_reading_from(server: KubeServer):
    """The demo's state on screen, the detail's events and issuance objects read from ``server``."""
    services = demo_services()
    kube = KubeSource(KubeTarget(str(server.kubeconfig)), KubernetesSettings(timeout=5.0))
    services.kube = _ReadsFromServer(demo_state().cluster, kube)
    return app_for(services=services)


async def test_the_detail_lists_the_certificates_events_not_its_secrets(tmp_path) -> None:
    secret_event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "openclaw-tls.s1", "namespace": "apps"},
                    "involvedObject": {"kind": "Secret", "name": "openclaw-tls", "namespace": "apps"},
                    "reason": "SecretTouched", "message": "an event of the Secret, not of the Certificate",
                    "type": "Normal", "lastTimestamp": "2026-03-01T11:59:00Z"}
    with KubeServer(tmp_path, life_step=None) as server:
        server.call(lambda: server.store.put("events", secret_event))
        app = app_reading_from(server)
        async with app.run_test(size=(160, 50)) as pilot:
            await open_certificate_detail(pilot)
            text = detail_text(app)
            assert "cert-manager-certificates-issuing" in text and "No TXT record found" in text
            assert "SecretTouched" not in text and "an event of the Secret" not in text


async def test_the_issuance_chain_is_read_from_the_api_and_says_what_it_could_not_read(tmp_path) -> None:
    with KubeServer(tmp_path, life_step=None) as server:
        app = app_reading_from(server)
        async with app.run_test(size=(160, 50)) as pilot:
            await open_certificate_detail(pilot)
            issuance = issuance_text(app)
            assert "openclaw-tls-1 " in issuance and "DNS-01 for openclaw.home.jetzinger.com" in issuance
            # a cluster with cert-manager but no ACME kinds (a CA issuer): the request, and a note
            server.faults.status, server.faults.status_path = 404, "/apis/acme.cert-manager.io/"
            await pilot.press("e")
            await settle(pilot)
            issuance = issuance_text(app)
            assert "openclaw-tls-1 " in issuance and "Challenge openclaw" not in issuance
            assert "ACME orders are not served by this cluster" in issuance
            # no right to read CertificateRequests: said, and the rest of the detail stays
            server.faults.status, server.faults.status_path = 403, "/certificaterequests"
            await pilot.press("e")
            await settle(pilot)
            text = detail_text(app)
            assert "The issuance objects could not be read: 403" in text
            assert "Conditions" in text and "cert-manager-certificates-issuing" in text


async def test_events_that_cannot_be_read_say_why() -> None:
    services = demo_services()
    services.kube = _BrokenEvents(demo_state().cluster)
    app = app_for(services=services)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_certificate_detail(pilot)
        text = screen_text(app)
        assert "Events could not be read: events: 403 Forbidden" in text
        assert "Conditions" in text


async def test_cluster_errors_are_shown_with_the_last_good_rows() -> None:
    state = demo_state()
    state = dataclasses.replace(state, cluster=failing(state.cluster, "https://127.0.0.1:6443: connection refused"))
    app = app_for(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert "kubernetes: failing for 12 s: https://127.0.0.1:6443: connection refused" in flat(text)
        assert "openclaw.home" in text


def test_time_texts() -> None:
    assert day_text(-2.4, 14) == "expired 2 d ago" and day_text(2.46, 14) == "2.5 d" and day_text(20.6, 14) == "20 d"
    assert day_text(-0.2, 14) == "expired 5 h ago"  # under a day, never "expired 0 d ago"
    # below the warn threshold one decimal, as the finding says it; at or above, whole days rounded down
    assert day_text(13.96, 14) == "14.0 d" and day_text(14.9, 14) == "14 d" and day_text(13.6, 14) == "13.6 d"
    assert when_text(None, FIXED) == "—" and when_text(FIXED, FIXED) == "now"
    assert when_text(FIXED + 3 * 86400, FIXED) == "in 3 d" and when_text(FIXED - 90, FIXED) == "1 min ago"
    assert ago_text(0.2) == "just now" and ago_text(None) == "never"
    assert stamp(FIXED, FIXED + 7200) == "2027-01-15 08:00 UTC (2 h ago)"


def test_the_issuer_column_keeps_the_kind_of_a_namespaced_issuer() -> None:
    # a namespaced Issuer named like the ClusterIssuer is another issuer: the column must tell them apart
    assert issuer_cell("ClusterIssuer/letsencrypt-prod") == "letsencrypt-prod"
    assert issuer_cell("Issuer/letsencrypt-prod") == "Issuer/letsencrypt-prod"
    assert issuer_cell("") == "—"
