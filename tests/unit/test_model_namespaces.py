"""Namespace summaries and the drill-down rows."""

from __future__ import annotations

from tests.unit.factories import NOW, cluster, daemonset, deployment, namespace, pod, statefulset

from homelab_tui.config import HOMELAB_NAMESPACES, Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import State
from homelab_tui.model.namespaces import namespace_detail, summarize_namespaces

S = Settings()


def _by_name(summaries):
    return {s.name: s for s in summaries}


def test_home_lab_order_then_extras_alphabetically():
    c = cluster(*[namespace(n) for n in HOMELAB_NAMESPACES], namespace("zeta"), namespace("default"))
    names = [s.name for s in summarize_namespaces(c, S, NOW)]
    assert names == list(HOMELAB_NAMESPACES) + ["default", "zeta"]


def test_counts_and_worst_problem():
    c = cluster(
        namespace("docs"),
        deployment("tika", "docs"),
        deployment("docling", "docs", replicas=1, ready=0),
        statefulset("extra-db", "docs", replicas=2, ready=2),
        pod("tika-5d-aaaaa", "docs", owner=("ReplicaSet", "tika-5d"), restarts=1),
        pod("docling-6f-bbbbb", "docs", owner=("ReplicaSet", "docling-6f"), waiting="CrashLoopBackOff",
            ready=False, restarts=37),
        pod("job-x", "docs", phase="Succeeded", ready=False),
    )
    docs = _by_name(summarize_namespaces(c, S, NOW))["docs"]
    assert (docs.workloads_ready, docs.workloads_total) == (2, 3)
    assert (docs.replicas_ready, docs.replicas_desired) == (3, 4)
    assert docs.pods("Running") == 2 and docs.pods("Succeeded") == 1 and docs.pod_count == 3
    assert docs.restarts == 38
    assert docs.state is State.FAIL
    assert docs.problem.reason == "CrashLoopBackOff"  # the pod's reason says more than "0/1 ready"
    assert docs.purpose == "Document mgmt" and docs.known and docs.exists


def test_unknown_namespace_with_workloads_is_flagged_but_empty_builtins_are_not():
    c = cluster(namespace("default"), namespace("sandbox"), deployment("toy", "sandbox"))
    summaries = _by_name(summarize_namespaces(c, S, NOW))
    assert summaries["default"].known is False and summaries["default"].state is State.OK
    assert summaries["sandbox"].known is False and summaries["sandbox"].state is State.WARN
    assert "not in the home-lab's namespace table" in summaries["sandbox"].problem.reason


def test_missing_table_namespace_warns():
    c = cluster(namespace("apps"))
    summaries = _by_name(summarize_namespaces(c, S, NOW))
    assert summaries["ml"].exists is False and summaries["ml"].state is State.WARN
    assert summaries["apps"].state is State.OK


def test_namespaces_from_pods_when_namespace_objects_are_unreadable():
    c = ClusterState(objects={"pods": (pod("p", "orphan"),)})
    assert "orphan" in _by_name(summarize_namespaces(c, S, NOW))


def test_empty_cluster():
    summaries = summarize_namespaces(ClusterState(), S, NOW)
    assert [s.name for s in summaries] == list(HOMELAB_NAMESPACES)
    assert all(s.state is State.OK and s.problem is None for s in summaries)


def test_detail_rows():
    c = cluster(
        deployment("vllm-server", "ml"),
        deployment("vllm-r1", "ml", replicas=0),
        daemonset("node-agent", "ml", desired=2, ready=1),
        pod("vllm-server-7c-aaaaa", "ml", owner=("ReplicaSet", "vllm-server-7c"), node="k3s-gpu-worker",
            restarts=2),
    )
    rows = namespace_detail(c, "ml", NOW, S)
    assert [(r.kind, r.name) for r in rows] == [
        ("Deployment", "vllm-r1"), ("Deployment", "vllm-server"), ("DaemonSet", "node-agent"),
        ("Pod", "vllm-server-7c-aaaaa")]
    r1, server, agent, p = rows
    assert (r1.ready, r1.status, r1.state) == ("0/0", "Scaled to 0", State.OK)
    assert (server.ready, server.node, server.restarts) == ("1/1", "k3s-gpu-worker", 2)
    assert agent.state is State.WARN and agent.problem.reason == "1/2 ready"
    assert (p.ready, p.status, p.node, p.age) == ("1/1", "Running", "k3s-gpu-worker", 86400.0)
    assert namespace_detail(c, "nowhere", NOW) == ()


def test_an_unknown_namespace_with_only_bare_pods_is_flagged() -> None:
    c = cluster(namespace("sandbox"), pod("debug-shell", "sandbox"))
    sandbox = _by_name(summarize_namespaces(c, S, NOW))["sandbox"]
    assert sandbox.workloads_total == 0 and sandbox.state is State.WARN
    assert sandbox.problem.reason == "not in the home-lab's namespace table"


def test_a_surge_counts_no_more_ready_than_desired_and_odd_phases_are_unknown() -> None:
    weird = pod("odd-pod", "apps", phase="Weird", ready=False)
    c = cluster(namespace("apps"), deployment("n8n", "apps", replicas=2, ready=3), weird)
    apps = _by_name(summarize_namespaces(c, S, NOW))["apps"]
    assert (apps.replicas_ready, apps.replicas_desired) == (2, 2)
    assert apps.pods_by_phase == (("Unknown", 1),) and apps.pod_count == 1


def test_detail_of_a_partly_ready_deployment_is_not_ready() -> None:
    rows = namespace_detail(cluster(deployment("n8n", "apps", replicas=2, ready=1)), "apps", NOW, S)
    assert [(r.name, r.ready, r.status, r.state) for r in rows] == [("n8n", "1/2", "Not ready", State.WARN)]
