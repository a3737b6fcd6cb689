"""Defensive readers of plain Kubernetes objects."""

from __future__ import annotations

from tests.unit.factories import NOW, cluster, deployment, pod, ts

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.objects import (
    age_of, as_int, condition, gpu_request, is_helm_managed, known, name_of, namespace_of, parse_time, ref,
)


def test_parse_time_accepts_rfc3339_variants():
    assert parse_time("2027-01-15T08:00:00Z") == NOW
    assert parse_time("2027-01-15T08:00:00.123456789Z") == NOW + 0.123456
    assert parse_time("2027-01-15T09:00:00+01:00") == NOW
    assert parse_time("2027-01-15T08:00:00") == NOW  # no zone: UTC


def test_parse_time_odd_values_are_none():
    for value in (None, "", "   ", "yesterday", "2027-13-45T99:00:00Z", 12345, {"a": 1}):
        assert parse_time(value) is None


def test_readers_tolerate_missing_and_null_fields():
    for obj in ({}, {"metadata": None}, {"metadata": {"name": None}}, None, "text"):
        assert name_of(obj) == ""
        assert namespace_of(obj) == ""
        assert age_of(obj, NOW) is None
        assert condition(obj, "Ready") is None
    assert condition({"status": {"conditions": [None, "x", {"type": "Ready", "status": "True"}]}},
                     "Ready") == {"type": "Ready", "status": "True"}


def test_as_int():
    assert as_int("3") == 3 and as_int(2.9) == 2 and as_int(None) == 0 and as_int(True) == 0
    assert as_int("x", 7) == 7 and as_int(float("nan")) == 0


def test_ref_and_age():
    d = deployment("n8n", "apps")
    assert ref("Deployment", d) == "Deployment apps/n8n"
    assert ref("Node", {"metadata": {"name": "k3s-master"}}) == "Node k3s-master"
    assert age_of(pod("p", age=3600), NOW) == 3600
    assert ts(NOW) == "2027-01-15T08:00:00Z"


def test_gpu_request_reads_limits_and_requests():
    spec = {"containers": [{"name": "a", "resources": {"limits": {"nvidia.com/gpu": "1"}}},
                           {"name": "b", "resources": {"requests": {"nvidia.com/gpu": 2}}},
                           {"name": "c", "resources": None}]}
    assert gpu_request(spec) == 3
    assert gpu_request({}) == 0


def test_known_needs_sync_or_data():
    assert not known(ClusterState(), "secrets")
    assert known(cluster(), "secrets")
    assert not known(ClusterState(absent=frozenset({"certificates"})), "certificates")


def test_helm_managed():
    assert is_helm_managed({"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"}}})
    assert is_helm_managed({"metadata": {"annotations": {"meta.helm.sh/release-name": "pg"}}})
    assert not is_helm_managed({"metadata": {"labels": {"app.kubernetes.io/managed-by": "kubectl"}}})


def test_in_namespace_groups_once_and_a_replaced_state_is_grouped_again() -> None:
    import dataclasses

    from homelab_tui.model.cluster import ClusterState
    from homelab_tui.model.objects import in_namespace

    pods = ({"metadata": {"name": "a", "namespace": "apps"}}, {"metadata": None}, {"kind": "Pod"},
            {"metadata": {"name": "b", "namespace": "docs"}}, {"metadata": {"name": "c", "namespace": "apps"}})
    state = ClusterState(objects={"pods": pods})
    assert [p["metadata"]["name"] for p in in_namespace(state, "pods", "apps")] == ["a", "c"]
    assert in_namespace(state, "pods", "ml") == ()
    assert len(in_namespace(state, "pods", "")) == 2  # objects without metadata have no namespace
    changed = dataclasses.replace(state, objects={"pods": pods[:1]})
    assert [p["metadata"]["name"] for p in in_namespace(changed, "pods", "apps")] == ["a"]
    assert len(in_namespace(state, "pods", "apps")) == 2
