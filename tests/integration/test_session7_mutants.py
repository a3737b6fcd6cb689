"""Mutation audit round 4 (session 7): cordon plans and read-back, the restart gate on a cordoned GPU node, and
the liveness probe dating quiet watches, against the simulated home-lab."""

from __future__ import annotations

from typing import Any

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, Target
from tests.conftest import wait_until
from tests.integration.lab_actions import lab_context
from tests.integration.test_watch_liveness import JUMP, Clock, probing_source


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, wait_timeout=20)


def _node_pods(lab, name: str) -> list[dict]:
    pods, _ = lab.call(lambda: lab.store.list("pods"))
    return [p for p in pods if p["spec"].get("nodeName") == name]


class _PatchIgnored:
    """An API whose patches are accepted but never applied (a webhook that reverts them)."""

    def __init__(self, api: Any) -> None:
        self._api = api

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def patch(self, path: str, body: Any, *args: Any, **kw: Any) -> dict:
        return {}


def test_the_cordon_warning_counts_only_unfinished_pods_and_says_pod_for_one(lab, ctx):
    pods = _node_pods(lab, "k3s-worker-01")
    assert len(pods) > 1
    for p in pods[1:]:
        lab.call(lambda p=p: lab.store.mutate("pods", p["metadata"]["namespace"], p["metadata"]["name"],
                                              lambda o: o.setdefault("status", {}).update({"phase": "Succeeded"})))
    plan = registry.get("cordon").plan(ctx, Target("Node", "", "k3s-worker-01"))
    assert plan.warnings[0] == "1 pod keeps running on k3s-worker-01: cordon evicts nothing (kubectl drain would)"
    assert plan.details["pods"] == 1


def test_uncordoning_a_node_that_is_not_ready_warns_that_its_pods_will_not_start(lab, ctx):
    def down(n: dict) -> None:
        n["spec"]["unschedulable"] = True
        for c in n["status"]["conditions"]:
            if c["type"] == "Ready":
                c["status"] = "False"
    lab.call(lambda: lab.store.mutate("nodes", None, "k3s-worker-02", down))
    plan = registry.get("cordon").plan(ctx, Target("Node", "", "k3s-worker-02"))
    assert plan.title == "Uncordon node k3s-worker-02"
    assert plan.warnings == ("k3s-worker-02 is not Ready: pods scheduled there will not start",)


def test_a_control_plane_labelled_only_control_plane_is_still_warned_about(lab, ctx):
    lab.call(lambda: lab.store.mutate("nodes", None, "k3s-master",
                                      lambda n: n["metadata"]["labels"].pop("node-role.kubernetes.io/master")))
    plan = registry.get("cordon").plan(ctx, Target("Node", "", "k3s-master"))
    assert any("k3s-master runs the K3s control plane" in w for w in plan.warnings), plan.warnings


def test_a_cordon_the_server_does_not_keep_fails_its_read_back(lab, ctx):
    action = registry.get("cordon")
    plan = action.plan(ctx, Target("Node", "", "k3s-worker-01"))
    ctx.api = _PatchIgnored(ctx.api)
    outcome = action.execute(ctx, plan)
    assert not outcome.ok and outcome.status == "verify-failed"
    assert "asked to cordon, but the server holds unschedulable=False" in outcome.message
    assert ctx.audit.read()[-1]["outcome"] == "verify-failed"


def test_restarting_a_gpu_deployment_scaled_to_zero_is_not_refused_on_a_cordoned_gpu_node(lab, ctx):
    cordon = registry.get("cordon")
    assert cordon.execute(ctx, cordon.plan(ctx, Target("Node", "", "k3s-gpu-worker"))).ok
    replicas = lab.call(lambda: lab.store.get("deployments", "ml", "vllm-r1"))["spec"]["replicas"]
    assert replicas == 0  # ml mode: vllm-server runs, vllm-r1 is scaled down
    plan = registry.get("restart").plan(ctx, Target("Deployment", "ml", "vllm-r1"))
    assert not any("cordoned" in w for w in plan.warnings)


def test_a_silent_api_shows_the_data_as_of_the_last_answered_probe_not_of_the_first_list(lab, proxy, tmp_path) -> None:
    clock = Clock()
    src = probing_source(lab, proxy, tmp_path, clock)
    probes = lab.faults["kubernetes"].requests
    src.start()
    try:
        wait_until(lambda: src.current().ok, message="the cache synced")
        clock.offset = JUMP  # every stamp from now on is JUMP s after the lists and events so far
        jumped = clock()
        seen = probes["GET discovery"]
        wait_until(lambda: probes["GET discovery"] >= seen + 2, message="two liveness probes after the jump")
        proxy.freeze()
        snap = wait_until(lambda: (s := src.current()).error and s, message="the silence reported")
        # nodes and StorageClasses carried no event since their list: the answered probes vouch for them
        assert snap.fetched_at is not None and snap.fetched_at >= jumped, (snap.fetched_at, jumped)
    finally:
        src.stop()
