"""Node readiness, pressures, roles and GPUs."""

from __future__ import annotations

from tests.unit.factories import NOW, cluster, node

from homelab_tui.model.health import State
from homelab_tui.model.nodes import find_node, node_info, summarize_nodes


def test_ready_worker():
    n = node_info(node("k3s-worker-01"), NOW)
    assert n.ready is True and n.state is State.OK and n.roles == ("worker",) and n.status_text == "Ready"
    assert n.version == "v1.31.4+k3s1"


def test_master_roles_and_gpu_allocatable():
    assert node_info(node("k3s-master", roles=("control-plane", "etcd", "master")), NOW).roles == (
        "control-plane", "etcd", "master")
    assert node_info(node("k3s-gpu-worker", gpus=1), NOW).gpu_allocatable == 1


def test_not_ready_fails_pressure_and_cordon_warn():
    down = node_info(node("w", ready="False"), NOW)
    assert down.state is State.FAIL and down.findings[0].reason.startswith("NotReady")
    assert node_info(node("w", ready="Unknown"), NOW).state is State.FAIL
    pressed = node_info(node("w", pressures=("DiskPressure",)), NOW)
    assert pressed.pressures == ("DiskPressure",) and pressed.state is State.WARN
    cordoned = node_info(node("w", unschedulable=True), NOW)
    assert cordoned.state is State.WARN and cordoned.status_text == "Ready,SchedulingDisabled"


def test_node_without_conditions_is_unknown():
    n = node_info({"metadata": {"name": "odd"}}, NOW)
    assert n.ready is None and n.state is State.UNKNOWN and n.status_text == "Unknown"


def test_summarize_and_find():
    c = cluster(node("b"), node("a"))
    assert [n.name for n in summarize_nodes(c, NOW)] == ["a", "b"]
    assert find_node(c, "b", NOW).name == "b"
    assert find_node(c, "zzz", NOW) is None


def test_a_negative_gpu_allocatable_reads_as_none():
    odd = node("k3s-gpu-worker", gpus=1)
    odd["status"]["allocatable"]["nvidia.com/gpu"] = "-1"
    assert node_info(odd, NOW).gpu_allocatable == 0
