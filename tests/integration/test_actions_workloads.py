"""Scale and rollout restart against the simulated home-lab: sent like kubectl, verified, audited, 409-safe."""

from __future__ import annotations

import datetime as dt

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, RefusedError, Target
from homelab_tui.actions.rollout import RESTARTED_AT
from tests.integration.test_actions_certs import Recorder
from tests.integration.lab_actions import lab_context


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, wait_timeout=20)


def _get(lab, key: str, ns: str, name: str) -> dict:
    return lab.call(lambda: lab.store.get(key, ns, name))


def _pods(lab, ns: str, prefix: str) -> list[dict]:
    pods, _ = lab.call(lambda: lab.store.list("pods", ns))
    return [p for p in pods if p["metadata"]["name"].startswith(prefix + "-")]


def test_scale_through_the_subresource_until_ready(lab, ctx):
    scale = registry.get("scale")
    plan = scale.plan(ctx, Target("Deployment", "apps", "n8n"), replicas=2)
    assert plan.changes == ("replicas: 1 → 2",)
    lines: list[str] = []
    ctx.api = Recorder(ctx.api)
    outcome = scale.execute(ctx, plan, progress=lines.append)
    assert outcome.ok, outcome.message
    ((path, body, content_type),) = ctx.api.sent  # like kubectl scale: one merge patch of the scale subresource
    assert path == "/apis/apps/v1/namespaces/apps/deployments/n8n/scale"
    assert content_type == "application/merge-patch+json" and body["spec"] == {"replicas": 2}
    assert set(body) <= {"spec", "metadata"} and set(body.get("metadata", {})) <= {"resourceVersion"}
    assert _get(lab, "deployments", "apps", "n8n")["spec"]["replicas"] == 2
    assert len(_pods(lab, "apps", "n8n")) == 2 and any("2/2 ready" in line for line in lines)
    (entry,) = ctx.audit.read()
    assert entry["action"] == "scale" and entry["target"] == "Deployment apps/n8n" and entry["outcome"] == "ok"
    assert entry["details"] == {"from": 1, "to": 2} and entry["context"] == "homelab-demo"


def test_scale_stops_when_someone_else_scaled_in_between(lab, ctx):
    scale = registry.get("scale")
    plan = scale.plan(ctx, Target("Deployment", "apps", "n8n"), replicas=3)

    def other_user(obj: dict) -> None:
        obj["spec"]["replicas"] = 2
    lab.call(lambda: lab.store.mutate("deployments", "apps", "n8n", other_user))
    outcome = scale.execute(ctx, plan)
    assert outcome.status == "conflict" and "scaled to 2 by someone else" in outcome.message
    assert _get(lab, "deployments", "apps", "n8n")["spec"]["replicas"] == 2
    assert [e["outcome"] for e in ctx.audit.read()] == ["conflict"]


def test_scale_retries_on_fresh_data_after_a_status_only_409(lab, ctx):
    scale = registry.get("scale")
    plan = scale.plan(ctx, Target("StatefulSet", "data", "postgresql"), replicas=1)
    assert plan.noop  # already 1
    plan = scale.plan(ctx, Target("Deployment", "apps", "n8n"), replicas=2)

    def status_write(obj: dict) -> None:  # a controller's status update moves the resourceVersion
        obj.setdefault("status", {})["observedGeneration"] = obj["metadata"].get("generation", 1)
    lab.call(lambda: lab.store.mutate("deployments", "apps", "n8n", status_write))
    patches = lab.faults["kubernetes"].requests["PATCH"]
    outcome = scale.execute(ctx, plan)
    assert outcome.ok, outcome.message
    assert lab.faults["kubernetes"].requests["PATCH"] == patches + 2  # one 409, one retry on fresh data


def test_scaling_a_gpu_deployment_up_is_left_to_gpu_mode(ctx):
    with pytest.raises(RefusedError, match="GPU mode"):
        registry.get("scale").plan(ctx, Target("Deployment", "ml", "vllm-r1"), replicas=1)


@pytest.mark.parametrize("kind,ns,name", [("Deployment", "apps", "n8n"), ("StatefulSet", "data", "postgresql"),
                                          ("DaemonSet", "infra", "metallb-speaker")])
def test_rollout_restart_like_kubectl_until_new_pods_ready(lab, ctx, kind, ns, name):
    restart = registry.get("restart")
    plan = restart.plan(ctx, Target(kind, ns, name))
    ctx.api = Recorder(ctx.api)
    outcome = restart.execute(ctx, plan)
    assert outcome.ok, outcome.message
    key = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets"}[kind]
    stamp = _get(lab, key, ns, name)["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
    ((path, body, content_type),) = ctx.api.sent  # like kubectl rollout restart
    assert path == f"/apis/apps/v1/namespaces/{ns}/{key}/{name}"
    assert content_type == "application/strategic-merge-patch+json"
    assert body == {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    assert dt.datetime.fromisoformat(stamp).tzinfo is not None
    pods = [p for p in _pods(lab, ns, name) if not p["metadata"].get("deletionTimestamp")]
    assert pods and all((p["metadata"].get("annotations") or {}).get(RESTARTED_AT) == stamp for p in pods)
    assert ctx.audit.read()[-1]["details"]["restartedAt"] == stamp


def test_a_paused_deployment_is_refused_with_the_reason(lab, ctx):
    def pause(obj: dict) -> None:
        obj["spec"]["paused"] = True
    lab.call(lambda: lab.store.mutate("deployments", "apps", "n8n", pause))
    with pytest.raises(RefusedError, match="paused .*rollout resume"):
        registry.get("restart").plan(ctx, Target("Deployment", "apps", "n8n"))


def test_a_new_pod_that_crashes_fails_the_restart(lab, ctx):
    def crash(obj: dict) -> None:
        obj["metadata"].setdefault("annotations", {})["demo.homelab-tui/crashloop"] = "true"
    lab.call(lambda: lab.store.mutate("deployments", "apps", "n8n", crash))
    restart = registry.get("restart")
    outcome = restart.execute(ctx, restart.plan(ctx, Target("Deployment", "apps", "n8n")))
    assert not outcome.ok and "CrashLoopBackOff" in outcome.message
    assert ctx.audit.read()[-1]["outcome"] == "failed"
