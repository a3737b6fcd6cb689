"""Scale and restart against the simulated home-lab: finished pods do not count, GPU deployments are guarded."""

from __future__ import annotations

import copy

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, RefusedError, Target

from homelab_tui.model.gpu_switch import ANNOTATION, PendingSwitch
from tests.integration.lab_actions import lab_context


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, wait_timeout=10)


def _live_pods(lab, ns: str, prefix: str) -> list[dict]:
    pods, _ = lab.call(lambda: lab.store.list("pods", ns))
    return [p for p in pods if p["metadata"]["name"].startswith(prefix + "-")]


def _finished_pod(lab, ns: str, app: str, name: str, phase: str, reason: str) -> None:
    """A pod of ``app``'s selector that has stopped for good, as K3s keeps it (owned by a replaced ReplicaSet)."""
    pod = copy.deepcopy(_live_pods(lab, ns, app)[0])
    md = pod["metadata"]
    md.update(name=name, ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-old",
                                           "uid": f"gone-{name}", "controller": True}])
    for key in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp"):
        md.pop(key, None)
    state = {"terminated": {"exitCode": 0 if phase == "Succeeded" else 137, "reason": reason}}
    pod["status"] = {"phase": phase, "reason": reason,
                     "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted"}],
                     "containerStatuses": [{"name": c["name"], "ready": False, "state": state}
                                           for c in pod["spec"]["containers"]]}
    lab.call(lambda: lab.store.put("pods", pod))


def test_scale_settles_although_evicted_and_completed_pods_match_the_selector(lab, ctx):
    _finished_pod(lab, "apps", "n8n", "n8n-evicted", "Failed", "Evicted")
    _finished_pod(lab, "apps", "n8n", "n8n-completed", "Succeeded", "Completed")
    scale = registry.get("scale")
    lines: list[str] = []
    outcome = scale.execute(ctx, scale.plan(ctx, Target("Deployment", "apps", "n8n"), replicas=2),
                            progress=lines.append)
    assert outcome.ok, outcome.message
    assert "n8n: 2/2 ready, 2 pods" in outcome.message
    assert {"n8n-evicted", "n8n-completed"} <= {p["metadata"]["name"] for p in _live_pods(lab, "apps", "n8n")}
    assert [e["outcome"] for e in ctx.audit.read()] == ["ok"]


def test_a_restart_plan_counts_only_the_pods_it_replaces(lab, ctx):
    _finished_pod(lab, "apps", "n8n", "n8n-evicted", "Failed", "Evicted")
    plan = registry.get("restart").plan(ctx, Target("Deployment", "apps", "n8n"))
    assert plan.details["pods"] == 1 and "(1 now, strategy" in plan.changes[1]


# --------------------------------------------------------------------------- GPU deployments


def _record(lab, started: str = "2026-11-26T12:00:00Z") -> None:
    record = PendingSwitch("ml", "r1", started, user="tom", replicas={"vllm-server": 1, "vllm-r1": 0},
                           target={"vllm-r1": 1}, token="t-1").to_json()

    def mark(dep: dict) -> None:
        dep["metadata"].setdefault("annotations", {})[ANNOTATION] = record
    for name in ("vllm-server", "vllm-r1"):
        lab.call(lambda n=name: lab.store.mutate("deployments", "ml", n, mark))


def _strategy(lab, name: str, strategy: dict) -> None:
    def set_strategy(dep: dict) -> None:
        dep["spec"]["strategy"] = strategy
    lab.call(lambda: lab.store.mutate("deployments", "ml", name, set_strategy))


def _writes(lab) -> int:
    return sum(n for k, n in lab.faults["kubernetes"].requests.items() if not k.startswith("GET"))


@pytest.mark.parametrize("name", ["vllm-server", "vllm-r1"])
def test_restarting_a_gpu_deployment_during_a_half_done_switch_is_refused(lab, ctx, name):
    _record(lab)
    writes = _writes(lab)
    with pytest.raises(RefusedError, match=r"GPU switch ml → r1 started .* not finished.*GPU mode"):
        registry.get("restart").plan(ctx, Target("Deployment", "ml", name))
    assert _writes(lab) == writes
    (entry,) = ctx.audit.read()
    assert entry["outcome"] == "refused" and entry["details"]["stage"] == "plan"


def test_a_switch_recorded_between_plan_and_confirm_stops_the_restart(lab, ctx):
    restart = registry.get("restart")
    plan = restart.plan(ctx, Target("Deployment", "ml", "vllm-server"))
    _record(lab)
    writes = _writes(lab)
    outcome = restart.execute(ctx, plan)
    assert outcome.status == "refused" and "not finished" in outcome.message
    assert _writes(lab) == writes


def test_a_surging_rolling_update_of_a_running_gpu_deployment_is_refused(lab, ctx):
    _strategy(lab, "vllm-server", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%",
                                                                             "maxUnavailable": "25%"}})
    with pytest.raises(RefusedError, match=r"RollingUpdate .*maxSurge 1.* second nvidia.com/gpu.*Recreate"):
        registry.get("restart").plan(ctx, Target("Deployment", "ml", "vllm-server"))


def test_a_rolling_update_without_surge_is_only_warned(lab, ctx):
    _strategy(lab, "vllm-server", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0,
                                                                             "maxUnavailable": 1}})
    plan = registry.get("restart").plan(ctx, Target("Deployment", "ml", "vllm-server"))
    assert any("RollingUpdate" in w and "Recreate" in w for w in plan.warnings)


def test_a_gpu_deployment_at_zero_with_a_rolling_update_is_warned_not_refused(lab, ctx):
    _strategy(lab, "vllm-r1", {"type": "RollingUpdate"})  # default maxSurge 25%, but no pod to surge past
    plan = registry.get("restart").plan(ctx, Target("Deployment", "ml", "vllm-r1"))
    assert any("RollingUpdate" in w and "Recreate" in w for w in plan.warnings)


def test_a_recreate_gpu_deployment_restarts_without_a_strategy_warning(lab, ctx):
    restart = registry.get("restart")
    plan = restart.plan(ctx, Target("Deployment", "ml", "vllm-server"))
    assert not any("RollingUpdate" in w for w in plan.warnings)
    outcome = restart.execute(ctx, plan)
    assert outcome.ok, outcome.message
