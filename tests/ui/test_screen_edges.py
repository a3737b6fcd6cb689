"""UI gaps found by mutation testing (round 3): what the drill-downs and the certificate detail show."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import Finding, State
from homelab_tui.model.issuance import Issuance, IssuanceStep
from homelab_tui.model.namespaces import NamespaceSummary
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.ui.app import HomelabApp
from homelab_tui.ui.screens.certificate_detail import events_table, issuance_table
from homelab_tui.ui.screens.namespaces import namespace_cells
from homelab_tui.ui.widgets.filter import FilterBar
from homelab_tui.ui.widgets.freshness import scoped
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import settle
from tests.ui.demo_state import FIXED

NOW = 1_800_000_000.0


def text_of(renderable: RenderableType, width: int = 160) -> str:
    console = Console(width=width, file=io.StringIO(), record=True, force_terminal=False)
    console.print(renderable)
    return console.export_text()


def event(i: int) -> dict:
    return {"type": "Warning", "reason": f"Reason{i:02d}", "message": f"message number {i:02d}",
            "lastTimestamp": f"2027-01-15T08:{i:02d}:00Z", "source": {"component": "cert-manager"}}


def test_the_certificate_detail_shows_the_newest_events_not_the_oldest():
    """The events come oldest first (kubectl's order): of 15, the 12 shown are the last 12, so the latest
    failure (the one the operator opened the detail for) is on screen."""
    for width in (160, 80):  # the table and the stacked lines
        text = text_of(events_table([event(i) for i in range(15)], NOW), width)
        assert "message number 14" in text and "message number 03" in text
        assert "message number 02" not in text and "message number 00" not in text


def test_the_issuance_section_says_how_many_older_requests_it_leaves_out():
    step = IssuanceStep("CertificateRequest", "grafana-tls-3", State.FAIL, "Failed", "revision 3", "rate limited",
                        NOW - 60)
    text = text_of(issuance_table(Issuance((step,), 2, ""), NOW))
    assert "grafana-tls-3" in text and "2 older CertificateRequest(s) not shown." in text
    assert "older CertificateRequest" not in text_of(issuance_table(Issuance((step,), 0, ""), NOW))


def test_a_namespace_outside_the_home_lab_table_says_so_in_its_purpose_cell():
    summary = NamespaceSummary("sandbox", "", False, True, 1, 1, 1, 1, (("Running", 1),), 0, State.WARN,
                               Finding(State.WARN, "namespace sandbox", "not in the home-lab's namespace table"))
    cells = namespace_cells(summary)
    assert cells["purpose"] == "(not in the home-lab table)"
    assert cells["workloads"] == "1/1" and cells["pods"] == "1 run"


def test_the_footer_names_up_to_three_of_the_screens_failing_resources_and_marks_the_rest():
    """Of a screen's own failing resources the footer names the first three and "…": the operator must not
    read one 403 where there are four. Another screen's failing resource is not named."""
    errors = {key: "403 Forbidden" for key in ("configmaps", "deployments", "pods", "secrets", "nodes")}
    cluster = ClusterState(errors=errors, synced=frozenset(errors))
    snap = Snapshot("kubernetes").succeeded(cluster, now=NOW).failed("5 resources failing", now=NOW)
    mine = scoped(snap, frozenset({"configmaps", "deployments", "pods", "secrets"}))
    assert mine.error == "configmaps, deployments, pods…: 403 Forbidden"
    assert scoped(snap, frozenset({"pods", "secrets"})).error == "pods, secrets: 403 Forbidden"


async def test_enter_on_an_empty_filter_closes_the_bar_and_a_typed_one_stays(app: HomelabApp) -> None:
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        bar = app.screen.query_one(FilterBar)
        await pilot.press("slash")
        await settle(pilot)
        assert bar.display
        await pilot.press("enter")
        await settle(pilot)
        assert not bar.display and app.screen.query_one(DashboardTable).has_focus
        await pilot.press("slash", *"infer", "enter")
        await settle(pilot)
        assert bar.display and app.screen.query_one(DashboardTable).row_keys == ["ml"]


def test_days_until_full_keeps_a_decimal_below_ten_days():
    from homelab_tui.model.storage import PvcRow
    from homelab_tui.ui.screens.storage import full_text

    def row(days: float | None) -> PvcRow:
        return PvcRow("data", "pg", "nfs-client", 1e9, "1Gi", "Bound", "pv", "", 9e8, 1e9, 90.0, days, (),
                      State.WARN, "full in soon")

    assert [full_text(row(d)) for d in (None, 4.34, 9.5, 12.4, 400.0)] == ["—", "4.3 d", "9.5 d", "12 d", "1.1 y"]
    assert [full_text(row(d)) for d in (9.94, 9.96)] == ["9.9 d", "10 d"]  # never "10.0 d"


def test_the_certificate_facts_show_a_first_failed_issuance():
    """cert-manager's failedIssuanceAttempts 1 (the first try failed, a back-off runs) is what explains a
    Certificate stuck not Ready: the facts must show it, not only from the second failure on."""
    from homelab_tui.model.certs import CertificateDetail
    from homelab_tui.ui.screens.certificate_detail import _facts

    def detail(attempts: int, last: float | None) -> CertificateDetail:
        return CertificateDetail("apps", "n8n-tls", ("n8n.home.jetzinger.com",), "n8n-tls",
                                 "ClusterIssuer/letsencrypt-prod", None, None, None, None, 1, attempts, last, (), True,
                                 "kubernetes.io/tls", ("tls.crt", "tls.key"), State.FAIL, "issuance failed")

    text = text_of(_facts(detail(1, NOW - 7200), NOW, 14.0))
    assert "Failed issuance" in text and "1 attempt(s), last" in text and "(2 h ago)" in text
    assert "Failed issuance" not in text_of(_facts(detail(0, None), NOW, 14.0))


def test_the_overview_age_of_an_area_is_that_of_its_oldest_source():
    """Fresh Kubernetes data must not hide five-minute-old Prometheus figures in the Storage row."""
    from homelab_tui.model.health import AreaStatus
    from homelab_tui.model.state import DashboardState
    from homelab_tui.ui.screens.overview import data_age

    latest = DashboardState(cluster=Snapshot("kubernetes").succeeded(ClusterState(), now=NOW - 2),
                            metrics=Snapshot("prometheus").succeeded(object(), now=NOW - 300))
    storage = AreaStatus("storage", "Storage", State.OK, "ok", ("kubernetes", "prometheus"))
    assert data_age(storage, latest, NOW) == 300
    nodes = AreaStatus("nodes", "Nodes", State.OK, "ok", ("kubernetes", "litellm"))  # litellm never answered
    assert data_age(nodes, latest, NOW) == 2


def test_the_namespace_drill_down_ages_count_up_between_renders():
    from homelab_tui.model.namespaces import DetailRow
    from homelab_tui.ui.screens.namespace_detail import detail_cells

    row = DetailRow("Pod", "ml", "vllm-server-0", "1/1", "Running", 0, 60.0, "k3s-gpu-worker", State.OK, None)
    assert detail_cells(row)["age"] == "1 min"
    assert detail_cells(row, 3600.0)["age"] == "1 h"


def test_a_repeated_event_in_the_drill_down_is_aged_by_its_last_occurrence():
    """core/v1 events carry the first occurrence in eventTime (or firstTimestamp) and the latest in
    lastTimestamp: a BackOff repeating now is 1 min old, not 2 h."""
    from homelab_tui.ui.screens.namespace_detail import event_line

    line = event_line({"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
                       "count": 12, "eventTime": "2027-01-15T06:00:00.000000Z",
                       "lastTimestamp": "2027-01-15T07:59:00Z"}, FIXED).plain
    assert line.split()[:3] == ["1", "min", "Warning"] and line.endswith("(×12)")


def test_the_gpu_panel_says_when_the_gpu_node_is_not_ready():
    from homelab_tui.model.gpu import GpuStatus
    from homelab_tui.ui.screens.gpu import mode_panel

    def panel(ready: bool | None) -> str:
        status = GpuStatus("ml", State.FAIL, "GPU node not Ready", (), "k3s-gpu-worker", ready, 1, ())
        return " ".join(text_of(mode_panel(status)).split())

    assert "k3s-gpu-worker NOT Ready · 1 GPU allocatable" in panel(False)
    assert "k3s-gpu-worker Ready · 1 GPU allocatable" in panel(True)
    assert "k3s-gpu-worker not found" in panel(None)


def test_the_gpu_panel_lists_every_finding_not_already_the_mode_reason():
    from homelab_tui.model.gpu import GpuStatus
    from homelab_tui.ui.screens.gpu import mode_panel

    stray = Finding(State.WARN, "pod dev/cuda-test", "holds nvidia.com/gpu outside the GPU modes")
    other = Finding(State.WARN, "node k3s-gpu-worker", "cordoned")
    status = GpuStatus("ml", State.WARN, "mode ml · 1/1 ready", (), "k3s-gpu-worker", True, 1, (), (stray, other))
    text = " ".join(text_of(mode_panel(status)).split())
    assert "pod dev/cuda-test" in text and "cordoned" in text
    repeated = GpuStatus("ml", State.WARN, stray.reason, (), "k3s-gpu-worker", True, 1, (), (stray, other))
    text = " ".join(text_of(mode_panel(repeated)).split())
    assert text.count("holds nvidia.com/gpu outside the GPU modes") == 1 and "cordoned" in text


async def test_an_empty_count_is_refused_not_planned_as_zero() -> None:
    """Enter on an emptied count must ask for a number: planning it as 0 replicas would offer to stop the
    workload."""
    from homelab_tui.ui.action_types import ActionRequest
    from homelab_tui.ui.screens.confirm import ActionConfirmScreen
    from tests.ui.conftest import build_app, screen_text
    from tests.ui.test_action_modals import N8N, Planner

    app, planner = build_app(), Planner()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        modal = ActionConfirmScreen(ActionRequest("scale", N8N, defaults={"replicas": "1"}), planner)
        app.push_screen(modal)
        await settle(pilot)
        await pilot.press("backspace", "enter")
        await settle(pilot)
        assert planner.calls == [] and modal.phase == "input"
        assert "a whole number, please" in screen_text(app)


async def test_the_overview_cursor_stays_where_the_user_put_it_across_updates(app: HomelabApp) -> None:
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DashboardTable)
        assert table.highlighted_key == "namespaces"  # the first most severe area, until the user moves
        table.select_key("nodes")
        await settle(pilot)
        app.state = app.latest  # the next change of the sources' data
        await settle(pilot)
        assert table.highlighted_key == "nodes"


def test_the_context_line_names_the_cluster_the_data_comes_from():
    from homelab_tui.model.state import DashboardState
    from homelab_tui.ui.screens.overview import context_line

    cluster = ClusterState(context="homelab-admin", server="https://10.0.0.10:6443")
    state = DashboardState(cluster=Snapshot("kubernetes").succeeded(cluster, now=NOW))
    assert context_line(state, "").plain == "Context homelab-admin  ·  API https://10.0.0.10:6443"
    assert context_line(DashboardState(), "lab").plain == "Context lab  ·  API not connected"
    assert context_line(DashboardState(), "").plain == "Context unknown  ·  API not connected"
