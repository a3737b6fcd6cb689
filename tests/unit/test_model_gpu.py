"""The GPU mode derived from the cluster."""

from __future__ import annotations

from tests.unit.factories import cluster, container, deployment, node, pod, pod_spec

from homelab_tui.config import GpuMode, GpuSettings, Settings
from homelab_tui.model.health import State
from homelab_tui.model.gpu import CONFLICT, TRANSITION, UNKNOWN_MODE, derive_gpu_mode

S = Settings()
NOW = 1_800_000_000.0
GPU_SPEC = pod_spec([container("vllm", "vllm/vllm-openai", gpu=1)])


def _lab(server=(1, 1), r1=(0, 0), gpu_ready="True", extra=()):
    return cluster(
        node("k3s-gpu-worker", ready=gpu_ready, gpus=1),
        deployment("vllm-server", "ml", replicas=server[0], ready=server[1], spec=GPU_SPEC, strategy="Recreate"),
        deployment("vllm-r1", "ml", replicas=r1[0], ready=r1[1], spec=GPU_SPEC, strategy="Recreate"),
        *extra)


def test_ml_mode():
    g = derive_gpu_mode(_lab(), S, NOW)
    assert g.mode == "ml" and g.state is State.OK and g.reason == "mode ml (vllm-server 1/1)"
    assert g.node_ready is True and g.gpu_allocatable == 1


def test_r1_and_gaming_modes():
    assert derive_gpu_mode(_lab(server=(0, 0), r1=(1, 1)), S, NOW).mode == "r1"
    gaming = derive_gpu_mode(_lab(server=(0, 0)), S, NOW)
    assert gaming.mode == "gaming" and gaming.state is State.OK and "GPU free" in gaming.reason


def test_transition_warns():
    g = derive_gpu_mode(_lab(server=(0, 1)), S, NOW)  # scaling down, pod still ready
    assert g.mode == TRANSITION and g.state is State.WARN and "vllm-server 1/0" in g.reason
    assert derive_gpu_mode(_lab(server=(0, 0), r1=(1, 0)), S, NOW).mode == TRANSITION


def test_both_up_is_a_conflict_failure():
    g = derive_gpu_mode(_lab(r1=(1, 1)), S, NOW)
    assert g.mode == CONFLICT and g.state is State.FAIL and "12 GB VRAM" in g.reason
    assert derive_gpu_mode(_lab(r1=(1, 0)), S, NOW).mode == CONFLICT


def test_gpu_node_not_ready_or_missing():
    assert derive_gpu_mode(_lab(gpu_ready="False"), S, NOW).state is State.FAIL
    c = cluster(deployment("vllm-server", "ml"), deployment("vllm-r1", "ml", replicas=0))
    g = derive_gpu_mode(c, S, NOW)
    assert g.mode == "ml" and g.state is State.WARN and g.node_ready is None


def test_missing_deployments():
    g = derive_gpu_mode(cluster(node("k3s-gpu-worker", gpus=1)), S, NOW)
    assert g.mode == UNKNOWN_MODE and g.state is State.UNKNOWN
    one = derive_gpu_mode(cluster(node("k3s-gpu-worker", gpus=1), deployment("vllm-server", "ml")), S, NOW)
    assert one.mode == "ml" and one.state is State.WARN and "vllm-r1" in one.findings[0].subject


def test_pods_holding_the_gpu():
    mine = pod("vllm-server-6d-abcde", "ml", spec=GPU_SPEC, node="k3s-gpu-worker",
               owner=("ReplicaSet", "vllm-server-6d"))
    stray = pod("jupyter", "dev", spec=GPU_SPEC, node="k3s-gpu-worker")
    done = pod("batch", "dev", phase="Succeeded", spec=GPU_SPEC)
    g = derive_gpu_mode(_lab(extra=(mine, stray, done)), S, NOW)
    assert [(p.name, p.expected, p.gpus) for p in g.pods] == [("jupyter", False, 1),
                                                              ("vllm-server-6d-abcde", True, 1)]
    assert g.state is State.WARN and g.findings[0].subject == "Pod dev/jupyter"


def test_modes_come_from_settings():
    custom = Settings(gpu=GpuSettings(namespace="ai", modes=(GpuMode("big", "llama"), GpuMode("off", "", 0))))
    c = cluster(node("k3s-gpu-worker", gpus=1), deployment("llama", "ai"))
    assert derive_gpu_mode(c, custom, NOW).mode == "big"
    c2 = cluster(node("k3s-gpu-worker", gpus=1), deployment("llama", "ai", replicas=0))
    assert derive_gpu_mode(c2, custom, NOW).mode == "off"
