"""Pure parts of the actions: GPU switch steps and record, rollout status, cmctl-style renew conditions."""

from __future__ import annotations

import datetime as dt

import pytest

from homelab_tui.actions.base import ActionError
from homelab_tui.actions.certs import MESSAGE, REASON, issuing_conditions, renewal_state
from homelab_tui.actions.gpu_state import preflight_problems, switch_steps
from homelab_tui.actions.rollout import RESTARTED_AT, restart_patch, rollout_status
from homelab_tui.config import GpuSettings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.gpu import GpuDeployment, GpuPod, GpuStatus
from homelab_tui.model.gpu_switch import ANNOTATION, PendingSwitch, pending_from_annotations, pending_in
from homelab_tui.model.health import State

GPU = GpuSettings()
T0 = dt.datetime(2027, 1, 15, 8, 0, tzinfo=dt.timezone.utc)


def _status(server: int = 1, r1: int = 0, node_ready: bool | None = True, pods: tuple = (),
            r1_exists: bool = True) -> GpuStatus:
    deps = (GpuDeployment("ml", "ml", "vllm-server", True, server, server),
            GpuDeployment("r1", "ml", "vllm-r1", r1_exists, r1, r1))
    return GpuStatus("ml", State.OK, "", deps, "k3s-gpu-worker", node_ready, 1, pods)


def test_switch_ml_to_r1_scales_the_server_down_first_then_r1_up():
    steps = switch_steps(GPU, _status(1, 0), "r1", None, {"vllm-server": 1})
    assert steps.from_mode == "ml" and steps.down == (("vllm-server", 1),) and steps.up == ("vllm-r1", 0, 1)
    assert steps.replicas == {"vllm-server": 1, "vllm-r1": 0}


def test_gaming_only_scales_down_and_a_stopping_pod_is_waited_for():
    steps = switch_steps(GPU, _status(0, 0), "gaming", None, {"vllm-server": 1})
    assert steps.down == (("vllm-server", 0),) and steps.up is None and steps.changes_anything
    assert not switch_steps(GPU, _status(0, 0), "gaming", None, {}).changes_anything


def test_rollback_uses_the_remembered_count_and_finishing_the_recorded_target():
    pending = PendingSwitch("ml", "r1", "2027-01-15T08:00:00Z", "tom", {"vllm-server": 2, "vllm-r1": 0},
                            {"vllm-r1": 1})
    back = switch_steps(GPU, _status(0, 1), "ml", pending, {"vllm-r1": 1})
    assert back.down == (("vllm-r1", 1),) and back.up == ("vllm-server", 0, 2) and back.from_mode == "r1"
    again = switch_steps(GPU, _status(0, 0), "r1", pending, {})
    assert again.up == ("vllm-r1", 0, 1) and again.from_mode == "ml"


def test_record_round_trip_and_malformed_records():
    p = PendingSwitch("ml", "r1", "2027-01-15T08:00:00Z", "tom", {"vllm-server": 1}, {"vllm-r1": 1})
    assert PendingSwitch.from_json(p.to_json()) == p
    assert PendingSwitch.from_json("{not json") is None
    assert PendingSwitch.from_json('{"from": "ml"}') is None
    newer = PendingSwitch("r1", "gaming", "2027-01-15T09:00:00Z")
    found = pending_from_annotations([{"homelab-tui/gpu-mode-switch": p.to_json()}, {},
                                      {"homelab-tui/gpu-mode-switch": newer.to_json()},
                                      {"homelab-tui/gpu-mode-switch": "garbage"}])
    assert found == newer


def test_pending_switch_from_the_watch_cache():
    record = PendingSwitch("ml", "r1", "2027-01-15T08:00:00Z", "tom")
    dep = {"metadata": {"name": "vllm-r1", "namespace": "ml", "annotations": {ANNOTATION: record.to_json()}}}
    other = {"metadata": {"name": "vllm-r1", "namespace": "apps", "annotations": {ANNOTATION: "{}"}}}
    assert pending_in(ClusterState(objects={"deployments": (dep, other)}), GPU) == record
    assert pending_in(ClusterState(objects={"deployments": (other,)}), GPU) is None


def test_preflight_refuses_a_not_ready_node_a_missing_target_and_a_foreign_gpu_pod():
    problems, _ = preflight_problems(GPU, _status(node_ready=False), "r1")
    assert any("not Ready" in p for p in problems)
    problems, _ = preflight_problems(GPU, _status(r1_exists=False), "r1")
    assert any("vllm-r1 of mode r1 does not exist" in p for p in problems)
    foreign = GpuPod("apps", "comfyui-0", "k3s-gpu-worker", 1, "Running", expected=False)
    problems, _ = preflight_problems(GPU, _status(pods=(foreign,)), "r1")
    assert any("apps/comfyui-0" in p for p in problems)


def test_preflight_for_gaming_only_warns_and_both_up_is_a_warning():
    problems, warnings = preflight_problems(GPU, _status(1, 1, node_ready=False), "gaming")
    assert problems == []
    assert any("not Ready" in w for w in warnings) and any("conflicting state" in w for w in warnings)


def test_restart_patch_is_what_kubectl_sends():
    body = restart_patch(T0)
    stamp = body["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
    assert dt.datetime.fromisoformat(stamp) == T0
    assert list(body) == ["spec"]


def _dep(generation=2, observed=2, replicas=2, updated=2, total=2, available=2, reason="ReplicaSetUpdated"):
    return {"metadata": {"name": "n8n", "generation": generation},
            "spec": {"replicas": replicas},
            "status": {"observedGeneration": observed, "updatedReplicas": updated, "replicas": total,
                       "availableReplicas": available,
                       "conditions": [{"type": "Progressing", "status": "True", "reason": reason}]}}


@pytest.mark.parametrize("obj,done,fragment", [
    (_dep(observed=1), False, "spec update"),
    (_dep(updated=1), False, "1 of 2 new replicas"),
    (_dep(total=3), False, "1 old replicas pending termination"),
    (_dep(available=1), False, "1 of 2 updated replicas available"),
    (_dep(), True, "successfully rolled out"),
])
def test_deployment_rollout_status_like_kubectl(obj, done, fragment):
    got_done, text = rollout_status("Deployment", obj)
    assert got_done is done and fragment in text


def test_deployment_past_its_deadline_fails():
    with pytest.raises(ActionError, match="progress deadline"):
        rollout_status("Deployment", _dep(updated=1, reason="ProgressDeadlineExceeded"))


def test_statefulset_and_daemonset_rollout_status():
    sts = {"metadata": {"name": "pg", "generation": 3}, "spec": {"replicas": 1},
           "status": {"observedGeneration": 3, "readyReplicas": 1, "currentRevision": "pg-a", "updateRevision": "pg-b"}}
    assert rollout_status("StatefulSet", sts)[0] is False
    sts["status"]["currentRevision"] = "pg-b"
    assert rollout_status("StatefulSet", sts)[0] is True
    ds = {"metadata": {"name": "exp", "generation": 1},
          "status": {"observedGeneration": 1, "desiredNumberScheduled": 4, "updatedNumberScheduled": 4,
                     "numberAvailable": 3}}
    assert rollout_status("DaemonSet", ds) == (False, "exp: 3 of 4 updated pods available")


def _cert(*conds, not_after="2027-02-01T00:00:00Z", failure=None):
    status = {"conditions": list(conds), "notAfter": not_after}
    if failure:
        status["lastFailureTime"] = failure
    return {"metadata": {"name": "n8n-tls", "generation": 4}, "status": status}


READY = {"type": "Ready", "status": "True", "reason": "Ready", "lastTransitionTime": "2026-01-01T00:00:00Z"}


def test_issuing_condition_is_added_or_replaced_keeping_the_others():
    conds = issuing_conditions(_cert(READY), T0)
    assert conds[0] == READY
    assert conds[1] == {"type": "Issuing", "status": "True", "reason": REASON, "message": MESSAGE,
                        "lastTransitionTime": "2027-01-15T08:00:00Z", "observedGeneration": 4}
    old = {"type": "Issuing", "status": "False", "reason": "Failed", "message": "x"}
    replaced = issuing_conditions(_cert(old, READY), T0)
    assert [c["type"] for c in replaced] == ["Issuing", "Ready"] and replaced[0]["status"] == "True"


def test_renewal_state_follows_to_a_new_not_after_or_reports_failure():
    started = T0.timestamp()
    issuing = {"type": "Issuing", "status": "True", "reason": REASON, "message": MESSAGE}
    assert renewal_state(_cert(READY, issuing), "2027-02-01T00:00:00Z", started)[0] is False
    assert renewal_state(_cert(READY, not_after="2027-04-15T08:00:00Z"), "2027-02-01T00:00:00Z", started) == (
        True, "Ready, new notAfter 2027-04-15T08:00:00Z")
    failed = {"type": "Issuing", "status": "False", "reason": "Failed", "message": "ACME order failed"}
    with pytest.raises(ActionError, match="ACME order failed"):
        renewal_state(_cert(READY, failed), "2027-02-01T00:00:00Z", started)
    with pytest.raises(ActionError, match="renewal failed"):
        renewal_state(_cert(READY, failure="2027-01-15T08:00:05Z"), "2027-02-01T00:00:00Z", started)


def test_resume_offers_for_a_half_done_switch():
    from homelab_tui.actions.gpu_mode import resume_offers
    from homelab_tui.config import Settings

    offers = resume_offers(PendingSwitch("ml", "r1", "2027-01-15T08:00:00Z"), Settings())
    assert [(f.key, f.action, dict(f.params)) for f in offers] == [
        ("rollback", "gpu-mode", {"mode": "ml"}), ("retry", "gpu-mode", {"mode": "r1"})]
    assert resume_offers(None, Settings()) == ()
    assert [f.key for f in resume_offers(PendingSwitch("turbo", "r1", ""), Settings())] == ["retry"]


def test_a_rollback_record_round_trips_and_names_the_switch_it_undoes():
    undone = {"from": "ml", "to": "r1", "started": "2027-01-15T08:00:00Z"}
    back = PendingSwitch("ml", "ml", "2027-01-15T08:05:00Z", "tom", {"vllm-server": 1}, {"vllm-server": 1}, "t2",
                         undone)
    assert PendingSwitch.from_json(back.to_json()) == back
    assert back.describe() == ("a GPU rollback to ml of the switch ml → r1 of 2027-01-15T08:00:00Z, started "
                               "2027-01-15T08:05:00Z by tom, is not finished")
    plain = PendingSwitch("ml", "r1", "2027-01-15T08:00:00Z")
    assert "rollback_of" not in plain.to_json()  # the record of a plain switch is as before
    assert PendingSwitch.from_json('{"to": "ml", "rollback_of": "r1"}').rollback_of == {}
