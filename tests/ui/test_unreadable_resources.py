"""A kubeconfig that may not read secrets (a common RBAC for a read-only dashboard), or an API that is down:
each screen names only the errors of what it reads, and the Ingress screen says a TLS secret is unknown."""

from __future__ import annotations

import dataclasses

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import app_for, flat
from tests.ui.demo_state import FIXED, demo_state

FORBIDDEN = '403 Forbidden: secrets is forbidden: User "dashboard" cannot list resource "secrets"'


def with_cluster_errors(errors: dict[str, str], summary: str, *, lost: tuple[str, ...] = ()) -> DashboardState:
    """The demo state whose watches of ``errors``' resources fail (``lost``: never listed), as the source
    summarises them; the other resources' data is current."""
    state = demo_state()
    cluster: ClusterState = state.cluster.data
    cluster = dataclasses.replace(cluster, errors=errors, synced=cluster.synced - set(lost),
                                  objects={k: v for k, v in cluster.objects.items() if k not in lost})
    snap = dataclasses.replace(state.cluster, data=cluster, error=summary, error_since=FIXED - 30,
                               fetched_at=FIXED - 25, attempted_at=FIXED - 1)
    return dataclasses.replace(state, cluster=snap)


def secrets_forbidden() -> DashboardState:
    return with_cluster_errors({"secrets": FORBIDDEN}, f"secrets: {FORBIDDEN}", lost=("secrets",))


async def shown(state: DashboardState, key: str, size: tuple[int, int] = (120, 40)) -> str:
    app = app_for(state)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        return flat(screen_text(app))


async def test_a_403_on_secrets_leaves_the_footer_of_screens_that_read_none() -> None:
    for key in ("2", "5"):  # Namespaces, GPU
        text = await shown(secrets_forbidden(), key)
        # as of the last attempt (1 s ago), not of the last event (25 s ago): a quiet cluster is not stale
        assert "✔ kubernetes: updated 1 s ago" in text, key
        assert "403" not in text and "secrets:" not in text, key
    text = await shown(secrets_forbidden(), "3")  # Ingress reads the TLS secrets
    assert f"✖ kubernetes: failing for 30 s: secrets: {FORBIDDEN}" in text


async def test_of_several_failing_resources_a_screen_names_its_own() -> None:
    errors = {"secrets": FORBIDDEN, "persistentvolumeclaims": "403 Forbidden: no"}
    state = with_cluster_errors(errors, "persistentvolumeclaims, secrets: 403 Forbidden: no (+1 other error)")
    text = await shown(state, "4")  # Storage
    assert "kubernetes: failing for 30 s: persistentvolumeclaims: 403 Forbidden: no" in text
    assert "secrets" not in text.split("kubernetes: failing")[1]


async def test_a_tls_secret_that_cannot_be_read_is_unknown_not_present() -> None:
    app = app_for(secrets_forbidden())
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one(DashboardTable)
        table.select_key(next(k for k in table.row_keys if k.startswith("openclaw.home")))
        await settle(pilot)
        text = flat(screen_text(app))
        assert "openclaw-tls (unknown: secrets cannot be read)" in text  # the TLS secret column
        assert "secret openclaw-tls (unknown: secrets cannot be read)" in text  # the host detail


async def test_failing_resources_are_one_line_in_the_overview_findings_at_80x24() -> None:
    """The workloads' watches lost the API while secrets and others are forbidden (the summary names those):
    the Namespaces area lists its own failures once, short, and its findings still show."""
    refused = {r: "connection refused" for r in ("pods", "deployments", "statefulsets")}
    forbidden = {r: FORBIDDEN for r in ("secrets", "configmaps", "services", "ingresses")}
    summary = f"configmaps, ingresses, secrets…: {FORBIDDEN} (+1 other error)"
    state = with_cluster_errors({**refused, **forbidden}, summary)
    app = app_for(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one(DashboardTable).select_key("namespaces")
        await settle(pilot)
        text = flat(screen_text(app).replace("│", " "))  # the panel's message wraps inside its border
        assert "kubernetes: 3 resources unreadable: connection refused — showing data from 25 s ago" in text
        assert "kubernetes/" not in text and "403" not in text.split("Namespaces ·")[1].split("✖ kubernetes")[0]
        assert "CrashLoopBackOff" in text and "Deployment docs/docling: 0/1 ready" in text
