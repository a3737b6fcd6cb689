"""Nodes (9): every node with its readiness and what its pods request, the highlighted node's detail and pods;
the worst node first; Enter on the Overview's Nodes row opens it; a failing or unreadable source is said."""

from __future__ import annotations

from typing import Any

from homelab_tui.model.node_load import node_loads
from homelab_tui.model.overview import AREAS, EXTRA_AREAS
from homelab_tui.ui.screens.nodes import NodesScreen
from homelab_tui.ui.screens.overview import OverviewScreen
from homelab_tui.ui.screens.registry import screen_for_area
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import app_for, flat, with_objects
from tests.ui.demo_state import demo_state, failing_cluster
from tests.ui.test_unreadable_resources import with_cluster_errors


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def node_named(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == name)


def not_ready(objects: list[dict[str, Any]]) -> None:
    node = node_named(objects, "k3s-worker-02")
    node["spec"] = {**node["spec"], "unschedulable": True,
                    "taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]}
    for cond in node["status"]["conditions"]:
        if cond["type"] == "Ready":
            cond.update(status="Unknown", reason="NodeStatusUnknown", message="Kubelet stopped posting node status.")
        if cond["type"] == "DiskPressure":
            cond.update(status="True", reason="KubeletHasDiskPressure", message="")


def test_every_overview_area_has_a_screen() -> None:
    assert {area: screen_for_area(area).mode for area in AREAS + EXTRA_AREAS}["nodes"] == "nodes"


async def test_each_node_shows_its_requests_against_allocatable_and_the_gpu_node_its_gpu() -> None:
    state = demo_state()
    loads = node_loads(state.cluster.data)
    worker = loads["k3s-worker-02"]
    app = app_for(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        assert isinstance(app.screen, NodesScreen)
        text = screen_text(app)
        row = line_with(text, "k3s-worker-02")
        assert "✔ ok" in row and "Ready" in row and "v1.33.3+k3s1" in row
        assert f"{len(worker.pods)}/110" in row
        assert f"{int(worker.percent('cpu'))} % of 4" in row and f"{int(worker.percent('memory'))} % of 15.5 GiB" in row
        # kubectl describe node truncates: 43.55 % of k3s-worker-01's memory is "43%" there, so here too
        assert "43 % of 15.5 GiB" in line_with(text, "k3s-worker-01")
        gpu_row = line_with(text, "k3s-gpu-worker")
        assert "1/1" in gpu_row and "192.168.2.23" in gpu_row
        assert "control-plane" in line_with(text, "k3s-master")


async def test_the_highlighted_node_lists_its_requests_conditions_and_pods() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        app.screen.query_one("#node-table", DashboardTable).select_key("k3s-gpu-worker")
        await settle(pilot)
        text = screen_text(app)
        assert "GPU 1 of 1 (NVIDIA GeForce RTX 3060 · 12 GiB)" in text
        assert "Conditions Ready True · MemoryPressure False" in text
        assert "Taints     none" in text
        pods = app.screen.query_one("#node-pods", DashboardTable).row_keys
        assert any(k.startswith("ml/vllm-server-") for k in pods)
        assert not any(k.startswith("ml/ollama-") for k in pods)  # Ollama runs on k3s-worker-02
        assert f"Pods on k3s-gpu-worker ({len(pods)}; finished pods not counted)" in text


async def test_a_crash_looping_pod_comes_first_among_its_nodes_pods() -> None:
    state = demo_state()
    loads = node_loads(state.cluster.data)
    node = next(n for n, load in loads.items() if any(p.name.startswith("docling-") for p in load.pods))
    app = app_for(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        app.screen.query_one("#node-table", DashboardTable).select_key(node)
        await settle(pilot)
        first = app.screen.query_one("#node-pods", DashboardTable).row_keys[0]
        assert first.startswith("docs/docling-")
        assert "CrashLoopBackOff" in line_with(screen_text(app), first.split("/")[1])


async def test_a_node_that_stopped_reporting_comes_first_with_why() -> None:
    app = app_for(with_objects(not_ready))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        table = app.screen.query_one("#node-table", DashboardTable)
        assert table.row_keys[0] == "k3s-worker-02" and table.highlighted_key == "k3s-worker-02"
        text = screen_text(app)
        row = line_with(text, "k3s-worker-02")
        assert "✖ fail" in row and "NotReady" in row and "cordoned" not in row  # the worse of the two
        assert "k3s-worker-02: NotReady (NodeStatusUnknown)" in text
        assert "cordoned (SchedulingDisabled)" in text
        assert "Ready Unknown" in text and "Kubelet stopped posting node status." in text
        assert "DiskPressure True" in text
        assert "node.kubernetes.io/unreachable:NoExecute" in text


async def test_enter_on_the_overviews_nodes_row_opens_the_nodes_screen() -> None:
    app = app_for(with_objects(not_ready))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        app.screen.query_one(DashboardTable).select_key("nodes")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NodesScreen)
        assert app.screen.query_one("#node-table", DashboardTable).highlighted_key == "k3s-worker-02"


async def test_pods_that_cannot_be_read_leave_the_requests_unknown_not_zero() -> None:
    forbidden = '403 Forbidden: pods is forbidden: User "dashboard" cannot list resource "pods"'
    app = app_for(with_cluster_errors({"pods": forbidden}, f"pods: {forbidden}", lost=("pods",)))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        text = screen_text(app)
        row = line_with(text, "k3s-worker-01")
        assert "0 % of" not in row and "0/110" not in row
        assert "Requested  unknown: pods not read" in text
        assert "Conditions Ready True" in text  # the node's own facts do not need its pods
        assert "not read (see the Kubernetes line below)" in text
        assert "pods: 403 Forbidden" in flat(text)


async def test_a_failing_api_keeps_the_last_nodes_and_says_how_old_they_are() -> None:
    app = app_for(failing_cluster(demo_state()))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        text = screen_text(app)
        assert "k3s-worker-01" in text
        assert "kubernetes: failing" in text and "connection refused" in text



async def test_the_gpu_screen_says_the_gpu_node_is_cordoned() -> None:
    def cordon_gpu(objects: list[dict[str, Any]]) -> None:
        gpu = node_named(objects, "k3s-gpu-worker")
        gpu["spec"] = {**gpu["spec"], "unschedulable": True}

    app = app_for(with_objects(cordon_gpu))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert "k3s-gpu-worker  Ready, cordoned (no new pods) · 1 GPU allocatable" in screen_text(app)
