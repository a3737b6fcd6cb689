"""Cordon / uncordon a node against the simulated home-lab: sent like kubectl, read back, audited, 409-safe,
with the warnings a home-lab operator needs (the GPU node, the control plane, the last schedulable node)."""

from __future__ import annotations

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, ActionError, ReadOnlyError, RefusedError, Target
from homelab_tui.actions.gpu_mode import gpu_target
from tests.integration.lab_actions import lab_context
from tests.integration.test_actions_certs import Recorder


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, wait_timeout=20)


def node(lab, name: str) -> dict:
    return lab.call(lambda: lab.store.get("nodes", None, name))


def pods_on(lab, name: str) -> int:
    pods, _ = lab.call(lambda: lab.store.list("pods"))
    return sum(1 for p in pods if p["spec"].get("nodeName") == name
               and p.get("status", {}).get("phase") not in ("Succeeded", "Failed"))


def test_cordon_then_uncordon_a_worker_like_kubectl(lab, ctx):
    action = registry.get("cordon")
    target = Target("Node", "", "k3s-worker-01")
    plan = action.plan(ctx, target)
    assert plan.title == "Cordon node k3s-worker-01"
    assert plan.changes == ("spec.unschedulable: false → true (no new pods are scheduled here)",)
    running = pods_on(lab, "k3s-worker-01")
    assert running > 0 and plan.warnings == (
        f"{running} pods keep running on k3s-worker-01: cordon evicts nothing (kubectl drain would)",)
    ctx.api = Recorder(ctx.api)
    outcome = action.execute(ctx, plan)
    assert outcome.ok and outcome.message == "cordoned node k3s-worker-01 (read back: unschedulable=true)"
    ((path, body, content_type),) = ctx.api.sent
    assert path == "/api/v1/nodes/k3s-worker-01" and content_type == "application/merge-patch+json"
    assert body["spec"] == {"unschedulable": True} and body["metadata"]["resourceVersion"]
    assert node(lab, "k3s-worker-01")["spec"]["unschedulable"] is True
    assert pods_on(lab, "k3s-worker-01") == running  # nothing was evicted

    back = action.plan(ctx, target)
    assert back.title == "Uncordon node k3s-worker-01" and back.warnings == ()
    assert action.execute(ctx, back).message == "uncordoned node k3s-worker-01 (read back: unschedulable=false)"
    assert not node(lab, "k3s-worker-01")["spec"].get("unschedulable")
    entries = ctx.audit.read()
    assert [(e["action"], e["target"], e["outcome"], e["details"]["cordon"]) for e in entries] == [
        ("cordon", "Node k3s-worker-01", "ok", True), ("cordon", "Node k3s-worker-01", "ok", False)]


def test_cordoning_the_gpu_node_and_the_control_plane_warns_what_the_home_lab_feels(lab, ctx):
    action = registry.get("cordon")
    gpu = action.plan(ctx, Target("Node", "", "k3s-gpu-worker"))
    assert any("k3s-gpu-worker holds the GPU: while it is cordoned a GPU switch into ml/r1 and a restart of "
               "vllm-server/vllm-r1 are refused, and a vLLM pod deleted meanwhile stays Pending" in w
               for w in gpu.warnings), gpu.warnings
    master = action.plan(ctx, Target("Node", "", "k3s-master"))
    assert any("runs the K3s control plane" in w for w in master.warnings), master.warnings


def test_cordoning_the_last_schedulable_node_says_every_new_pod_stays_pending(lab, ctx):
    action = registry.get("cordon")
    for name in ("k3s-master", "k3s-gpu-worker", "k3s-worker-01"):
        assert action.execute(ctx, action.plan(ctx, Target("Node", "", name))).ok
    last = action.plan(ctx, Target("Node", "", "k3s-worker-02"))
    assert "no other Ready, schedulable node is left: every new pod stays Pending" in last.warnings
    again = action.plan(ctx, Target("Node", "", "k3s-worker-01"))  # an uncordon plan does not say it
    assert not any("no other" in w for w in again.warnings)


def test_a_node_changed_since_the_plan_is_a_conflict_and_nothing_changes(lab, ctx):
    action = registry.get("cordon")
    plan = action.plan(ctx, Target("Node", "", "k3s-worker-02"))
    lab.call(lambda: lab.store.mutate("nodes", None, "k3s-worker-02",
                                      lambda n: n["metadata"].setdefault("labels", {}).update({"x": "y"})))
    outcome = action.execute(ctx, plan)
    assert not outcome.ok and outcome.status == "conflict" and "409 Conflict" in outcome.message
    assert not node(lab, "k3s-worker-02")["spec"].get("unschedulable")
    assert ctx.audit.read()[-1]["outcome"] == "conflict"


def test_an_unknown_node_and_read_only_mode_are_refused_and_audited(lab, ctx):
    action = registry.get("cordon")
    with pytest.raises(ActionError, match="404|not found"):
        action.plan(ctx, Target("Node", "", "k3s-worker-09"))
    ctx.read_only = True
    with pytest.raises(ReadOnlyError):
        action.plan(ctx, Target("Node", "", "k3s-worker-01"))
    assert [e["outcome"] for e in ctx.audit.read()] == ["failed", "refused"]
    assert not node(lab, "k3s-worker-01")["spec"].get("unschedulable")


def test_a_gpu_switch_is_refused_while_the_gpu_node_is_cordoned_and_gaming_still_frees_it(lab, ctx):
    cordon = registry.get("cordon")
    assert cordon.execute(ctx, cordon.plan(ctx, Target("Node", "", "k3s-gpu-worker"))).ok
    switch = registry.get("gpu-mode")
    target = gpu_target(ctx.settings)
    with pytest.raises(RefusedError, match="GPU node k3s-gpu-worker is cordoned .* the vllm-r1 pod would stay Pending"):
        switch.plan(ctx, target, mode="r1")
    assert switch.plan(ctx, target, mode="gaming").changes  # stopping vLLM needs no scheduling
    assert cordon.execute(ctx, cordon.plan(ctx, Target("Node", "", "k3s-gpu-worker"))).ok  # uncordon
    assert switch.plan(ctx, target, mode="r1").changes


def test_restarting_the_running_vllm_is_refused_while_the_gpu_node_is_cordoned(lab, ctx):
    cordon = registry.get("cordon")
    assert cordon.execute(ctx, cordon.plan(ctx, Target("Node", "", "k3s-gpu-worker"))).ok
    restart = registry.get("restart")
    with pytest.raises(RefusedError, match="GPU node k3s-gpu-worker is cordoned .* the new vllm-server pod"):
        restart.plan(ctx, Target("Deployment", "ml", "vllm-server"))
    assert restart.plan(ctx, Target("Deployment", "ml", "ollama")).changes  # Ollama runs elsewhere, on the CPU


def test_the_current_mode_is_no_switch_and_is_not_refused_on_a_cordoned_gpu_node(lab, ctx):
    cordon = registry.get("cordon")
    assert cordon.execute(ctx, cordon.plan(ctx, Target("Node", "", "k3s-gpu-worker"))).ok
    plan = registry.get("gpu-mode").plan(ctx, gpu_target(ctx.settings), mode="ml")  # vllm-server is up and Ready
    assert plan.noop
