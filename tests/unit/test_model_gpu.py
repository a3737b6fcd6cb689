"""The GPU mode derived from the cluster."""

from __future__ import annotations

from tests.unit.factories import cluster, container, deployment, node, pod, pod_spec

from homelab_tui.config import GpuMode, GpuSettings, Settings
from homelab_tui.model.health import State
from homelab_tui.model.gpu import CONFLICT, TRANSITION, UNKNOWN_MODE, derive_gpu_mode
from homelab_tui.model.gpu_switch import ANNOTATION, PendingSwitch

S = Settings()
NOW = 1_800_000_000.0
GPU_SPEC = pod_spec([container("vllm", "vllm/vllm-openai", gpu=1)])


def _lab(server=(1, 1), r1=(0, 0), gpu_ready="True", extra=(), record: PendingSwitch | None = None):
    deployments = [
        deployment("vllm-server", "ml", replicas=server[0], ready=server[1], spec=GPU_SPEC, strategy="Recreate"),
        deployment("vllm-r1", "ml", replicas=r1[0], ready=r1[1], spec=GPU_SPEC, strategy="Recreate")]
    if record is not None:  # as a switch writes it, on every GPU-mode deployment
        for d in deployments:
            d["metadata"]["annotations"] = {ANNOTATION: record.to_json()}
    return cluster(node("k3s-gpu-worker", ready=gpu_ready, gpus=1), *deployments, *extra)


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


HALF_DONE = PendingSwitch("ml", "r1", "2026-11-26T10:00:00Z", user="tom", token="t1")


def test_a_half_done_switch_is_a_transition_never_the_free_mode():
    # killed after vllm-server went to 0 and before vllm-r1 came up: every deployment is at 0, as in gaming
    g = derive_gpu_mode(_lab(server=(0, 0), record=HALF_DONE), S, NOW)
    assert g.mode == TRANSITION and g.state is State.WARN
    assert g.reason == ("a GPU switch ml → r1 started 2026-11-26T10:00:00Z by tom is not finished "
                        "(now vllm-server 0/0, vllm-r1 0/0)")
    # stopped after vllm-r1 was Ready, before the record was cleared: it looks like r1, and is not done
    assert derive_gpu_mode(_lab(server=(0, 0), r1=(1, 1), record=HALF_DONE), S, NOW).mode == TRANSITION
    # both up with a record: the conflict wins, and the record is still named
    both = derive_gpu_mode(_lab(r1=(1, 1), record=HALF_DONE), S, NOW)
    assert both.mode == CONFLICT and both.state is State.FAIL
    assert [f.state for f in both.findings] == [State.FAIL, State.WARN] and "is not finished" in both.findings[1].reason


def test_a_malformed_record_is_ignored():
    c = _lab(server=(0, 0))
    for d in c.get("deployments"):
        d["metadata"]["annotations"] = {ANNOTATION: "{not json"}
    assert derive_gpu_mode(c, S, NOW).mode == "gaming"


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


def test_a_gpu_node_without_a_ready_condition_fails() -> None:
    c = _lab()
    c.get("nodes")[0]["status"]["conditions"] = []  # the kubelet never reported
    g = derive_gpu_mode(c, S, NOW)
    assert g.node_ready is None and g.state is State.FAIL and g.reason == "GPU node not Ready"


def test_a_scaled_down_deployment_still_ready_next_to_the_new_mode_is_a_conflict() -> None:
    # vllm-r1 set to 0 while its pod still holds the GPU, and vllm-server already up: both use VRAM
    g = derive_gpu_mode(_lab(server=(1, 1), r1=(0, 1)), S, NOW)
    assert g.mode == CONFLICT and g.state is State.FAIL


def test_a_pending_foreign_pod_asking_for_the_gpu_warns() -> None:
    waiting = pod("jupyter", "dev", phase="Pending", ready=False, spec=GPU_SPEC, node="")
    g = derive_gpu_mode(_lab(extra=(waiting,)), S, NOW)
    assert [(f.state, f.subject, f.reason) for f in g.findings] == [
        (State.WARN, "Pod dev/jupyter", "holds nvidia.com/gpu outside the GPU modes")]


def test_a_gpu_mode_pod_name_in_another_namespace_is_not_expected() -> None:
    imposter = pod("vllm-server-6d-abcde", "default", spec=GPU_SPEC, node="k3s-gpu-worker",
                   owner=("ReplicaSet", "vllm-server-6d"))
    g = derive_gpu_mode(_lab(extra=(imposter,)), S, NOW)
    assert [(p.namespace, p.expected) for p in g.pods] == [("default", False)]
    assert g.state is State.WARN and g.findings[0].subject == "Pod default/vllm-server-6d-abcde"
