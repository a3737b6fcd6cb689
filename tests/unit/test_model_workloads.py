"""Pod status, problems and workload readiness."""

from __future__ import annotations

import copy

from tests.unit.factories import DAY, NOW, cluster, daemonset, deployment, pod, statefulset, ts

from homelab_tui.model.health import State
from homelab_tui.model.workloads import (
    owned_pods, owns_pod, pod_problem, pod_ready, pod_restarts, pod_status_text, workload_counts, workload_problem,
)


def test_healthy_pod_has_no_problem():
    p = pod("n8n-abc-xyz")
    assert pod_status_text(p) == "Running"
    assert pod_ready(p)
    assert pod_problem(p, NOW) is None


def test_crashloop_and_image_pull_fail():
    crash = pod("docling-1", waiting="CrashLoopBackOff", ready=False, restarts=37)
    assert pod_status_text(crash) == "CrashLoopBackOff"
    assert pod_problem(crash, NOW).state is State.FAIL
    assert pod_problem(crash, NOW).reason == "CrashLoopBackOff"
    pull = pod("x", phase="Pending", waiting="ImagePullBackOff", ready=False, age=60)
    assert pod_problem(pull, NOW).reason == "ImagePullBackOff"
    assert pod_problem(pull, NOW).state is State.FAIL


def test_pending_too_long_warns_but_young_pending_does_not():
    young = pod("x", phase="Pending", ready=False, age=60)
    assert pod_problem(young, NOW) is None
    old = pod("x", phase="Pending", ready=False, age=3600)
    old["status"]["conditions"].append({"type": "PodScheduled", "status": "False", "reason": "Unschedulable"})
    problem = pod_problem(old, NOW)
    assert problem.state is State.WARN and "Pending for 60 min" in problem.reason and "Unschedulable" in problem.reason


def test_terminating_is_shown_and_only_a_problem_when_stuck():
    p = pod("x", deleted_ago=10)
    assert pod_status_text(p) == "Terminating"
    assert pod_problem(p, NOW) is None
    stuck = pod("x", deleted_ago=3600)
    assert pod_problem(stuck, NOW).state is State.WARN


def test_restarts_over_threshold_warn():
    p = pod("x", restarts=6)
    assert pod_restarts(p) == 6
    assert pod_problem(p, NOW, restarts_warn=5).reason == "6 restarts"
    assert pod_problem(p, NOW, restarts_warn=10) is None


def test_the_restart_threshold_itself_warns() -> None:
    assert pod_problem(pod("x", restarts=5), NOW, restarts_warn=5).reason == "5 restarts"
    assert pod_problem(pod("x", restarts=4), NOW, restarts_warn=5) is None


def test_an_oom_killed_container_fails() -> None:
    # the container was just killed for memory: not yet in CrashLoopBackOff, no restart counted so far
    oom = pod("ollama-7b-abcde", "ml", ready=False, age=DAY)
    oom["status"]["containerStatuses"][0]["state"] = {"terminated": {"reason": "OOMKilled", "exitCode": 137}}
    assert pod_status_text(oom) == "OOMKilled"
    problem = pod_problem(oom, NOW)
    assert (problem.state, problem.reason) == (State.FAIL, "OOMKilled")


def test_a_failing_container_is_the_status_over_an_earlier_waiting_one() -> None:
    p = pod("docling-6f-abcde", "docs", phase="Pending", ready=False, waiting="ContainerCreating")
    p["status"]["containerStatuses"].append({"name": "sidecar", "ready": False, "restartCount": 3,
                                             "state": {"waiting": {"reason": "CrashLoopBackOff"}}})
    assert pod_status_text(p) == "CrashLoopBackOff"
    assert pod_problem(p, NOW).state is State.FAIL


def test_not_ready_running_pod_warns_after_grace():
    p = pod("x", ready=False, age=DAY)
    assert pod_problem(p, NOW).reason == "Running but not ready"


def test_failed_and_succeeded_pods():
    assert pod_status_text(pod("job", phase="Succeeded", ready=False)) == "Completed"
    assert pod_problem(pod("job", phase="Succeeded", ready=False), NOW) is None
    evicted = pod("x", phase="Failed", ready=False)
    evicted["status"]["reason"] = "Evicted"
    assert pod_status_text(evicted) == "Evicted"
    assert pod_problem(evicted, NOW).state is State.WARN


def test_pod_with_empty_status_does_not_raise():
    bare = {"metadata": {"name": "p", "namespace": "apps"}}
    assert pod_status_text(bare) == "Unknown"
    assert pod_problem(bare, NOW) is None
    assert pod_restarts(bare) == 0


def test_workload_counts_per_kind():
    assert workload_counts(deployment("a", replicas=3, ready=2), "Deployment") == (2, 3)
    assert workload_counts(deployment("a", replicas=None), "Deployment") == (1, 1)  # default 1 replica
    assert workload_counts(statefulset("pg", replicas=1, ready=0), "StatefulSet") == (0, 1)
    assert workload_counts(daemonset("ne", desired=4, ready=3), "DaemonSet") == (3, 4)
    assert workload_counts({}, "DaemonSet") == (0, 0)


def test_workload_problem_fail_warn_and_grace():
    assert workload_problem(deployment("a", replicas=2, ready=2), "Deployment", NOW) is None
    assert workload_problem(deployment("a", replicas=3, ready=1), "Deployment", NOW).state is State.WARN
    down = workload_problem(deployment("a", replicas=1, ready=0), "Deployment", NOW)
    assert down.state is State.FAIL and down.reason == "0/1 ready"
    young = deployment("a", replicas=1, ready=0, age=60)
    assert workload_problem(young, "Deployment", NOW).state is State.WARN
    rolling = deployment("a", replicas=1, ready=0, conditions=[
        {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "lastUpdateTime": ts(NOW - 30)}])
    assert workload_problem(rolling, "Deployment", NOW).state is State.WARN
    stuck = deployment("a", replicas=1, ready=1, conditions=[
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}])
    assert workload_problem(stuck, "Deployment", NOW).state is State.FAIL


def test_owned_pods_by_replicaset_prefix_owner_and_selector():
    d = deployment("vllm-server", "ml")
    mine = pod("vllm-server-7d9f-abcde", "ml", owner=("ReplicaSet", "vllm-server-7d9f"))
    other = pod("vllm-server-extra-5c-xy", "ml", owner=("ReplicaSet", "vllm-server-extra-5c"))
    sts = statefulset("postgresql", "data")
    pg = pod("postgresql-0", "data", owner=("StatefulSet", "postgresql"))
    loose = pod("loose", "ml", labels={"app.kubernetes.io/instance": d["spec"]["selector"]["matchLabels"][
        "app.kubernetes.io/instance"]})
    c = cluster(d, mine, other, sts, pg, loose)
    assert [p["metadata"]["name"] for p in owned_pods(c, d, "Deployment")] == ["loose", "vllm-server-7d9f-abcde"]
    assert [p["metadata"]["name"] for p in owned_pods(c, sts, "StatefulSet")] == ["postgresql-0"]


def test_owns_pod_needs_the_namespace_and_trusts_owners_over_labels() -> None:
    d = deployment("vllm-server", "ml")
    selector = d["spec"]["selector"]["matchLabels"]
    assert owns_pod(d, "Deployment", pod("vllm-server-7d9f-abcde", "ml", owner=("ReplicaSet", "vllm-server-7d9f")))
    # same owner name, another namespace
    assert not owns_pod(d, "Deployment", pod("vllm-server-7d9f-abcde", "dev", owner=("ReplicaSet", "vllm-server-7d9f")))
    # the deployment's labels, but another controller owns it: labels are only the fallback for bare pods
    adopted = pod("copy-5c-xy", "ml", owner=("ReplicaSet", "copy-5c"), labels=dict(selector))
    assert not owns_pod(d, "Deployment", adopted)
    assert owns_pod(d, "Deployment", pod("bare", "ml", labels=dict(selector)))


def test_inputs_are_not_mutated():
    p = pod("x", waiting="CrashLoopBackOff", ready=False)
    d = deployment("a", replicas=2, ready=1)
    before = copy.deepcopy((p, d))
    pod_problem(p, NOW)
    pod_status_text(p)
    workload_problem(d, "Deployment", NOW)
    assert (p, d) == before
