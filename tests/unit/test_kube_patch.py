"""Merge patch (RFC 7386), strategic merge patch (kubectl's subset) and JSON patch (RFC 6902)."""

from __future__ import annotations

import pytest

from homelab_tui.demo.kube_patch import (
    JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, PatchError, apply_patch, json_patch, merge_patch,
    strategic_merge_patch,
)

POD_SPEC = {"containers": [
    {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
     "ports": [{"containerPort": 80, "name": "http"}]},
    {"name": "sidecar", "image": "side:1"}],
    "volumes": [{"name": "data", "emptyDir": {}}]}


def test_merge_patch_rfc7386_examples():
    assert merge_patch({"a": "b", "c": {"d": "e", "f": "g"}}, {"a": "z", "c": {"f": None}}) == {"a": "z",
                                                                                              "c": {"d": "e"}}
    assert merge_patch({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}
    assert merge_patch({"a": "b"}, {"a": {"c": None}}) == {"a": {}}
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}


def test_merge_patch_does_not_touch_its_input():
    target = {"a": {"b": 1}}
    merge_patch(target, {"a": {"b": 2}})
    assert target == {"a": {"b": 1}}


def test_strategic_merge_merges_lists_by_their_merge_key():
    patch = {"containers": [{"name": "app", "image": "app:2", "env": [{"name": "B", "value": "3"},
                                                                      {"name": "C", "value": "4"}]}]}
    out = strategic_merge_patch(POD_SPEC, patch)
    app = out["containers"][0]
    assert [c["name"] for c in out["containers"]] == ["app", "sidecar"]
    assert app["image"] == "app:2" and app["ports"] == POD_SPEC["containers"][0]["ports"]
    assert app["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]


def test_strategic_merge_directives():
    deleted = strategic_merge_patch(POD_SPEC, {"containers": [{"name": "sidecar", "$patch": "delete"}]})
    assert [c["name"] for c in deleted["containers"]] == ["app"]
    replaced = strategic_merge_patch(POD_SPEC, {"volumes": [{"name": "cache", "emptyDir": {}}, {"$patch": "replace"}]})
    assert replaced["volumes"] == [{"name": "cache", "emptyDir": {}}]
    map_replaced = strategic_merge_patch({"m": {"a": 1, "b": 2}}, {"m": {"$patch": "replace", "c": 3}})
    assert map_replaced == {"m": {"c": 3}}
    assert strategic_merge_patch({"m": {"a": 1}, "k": 1}, {"m": {"$patch": "delete"}}) == {"k": 1}
    nulled = strategic_merge_patch({"metadata": {"labels": {"a": "1", "b": "2"}}},
                                   {"metadata": {"labels": {"a": None}}})
    assert nulled == {"metadata": {"labels": {"b": "2"}}}
    ordered = strategic_merge_patch({"finalizers": ["a", "b"]}, {"$setElementOrder/finalizers": ["b", "a"],
                                                                  "$deleteFromPrimitiveList/finalizers": ["a"]})
    assert ordered == {"finalizers": ["b"]}


def test_strategic_merge_conditions_by_type_and_unknown_lists_replace():
    status = {"conditions": [{"type": "Ready", "status": "True"}], "tags": ["a"]}
    out = strategic_merge_patch(status, {"conditions": [{"type": "Issuing", "status": "True"}], "tags": ["b"]})
    assert out == {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Issuing", "status": "True"}],
                   "tags": ["b"]}


def test_rollout_restart_patch_adds_the_annotation():
    dep = {"spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": POD_SPEC}}}
    patch = {"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": "2026-03-01T12:00:00Z"}}}}}
    out = apply_patch(STRATEGIC_MERGE_PATCH, dep, patch)
    assert out["spec"]["template"]["metadata"] == {"labels": {"a": "b"}, "annotations": {
        "kubectl.kubernetes.io/restartedAt": "2026-03-01T12:00:00Z"}}
    assert out["spec"]["template"]["spec"] == POD_SPEC


def test_json_patch_operations():
    doc = {"a": {"b": [1, 2, 3]}, "c": "x"}
    out = json_patch(doc, [
        {"op": "add", "path": "/a/b/1", "value": 9},
        {"op": "add", "path": "/a/b/-", "value": 4},
        {"op": "remove", "path": "/a/b/0"},
        {"op": "replace", "path": "/c", "value": "y"},
        {"op": "copy", "from": "/c", "path": "/d"},
        {"op": "move", "from": "/d", "path": "/e~1f"},
        {"op": "test", "path": "/e~1f", "value": "y"},
    ])
    assert out == {"a": {"b": [9, 2, 3, 4]}, "c": "y", "e/f": "y"}
    assert doc == {"a": {"b": [1, 2, 3]}, "c": "x"}


@pytest.mark.parametrize("ops", [
    [{"op": "test", "path": "/c", "value": "nope"}],
    [{"op": "remove", "path": "/missing"}],
    [{"op": "replace", "path": "/a/b/7", "value": 1}],
    [{"op": "add", "path": "/x/y", "value": 1}],
    [{"op": "move", "from": "/a", "path": "/a/b"}],
    [{"op": "frobnicate", "path": "/c"}],
    [{"path": "/c"}],
])
def test_json_patch_errors(ops):
    with pytest.raises(PatchError):
        json_patch({"a": {"b": [1]}, "c": "x"}, ops)


def test_apply_patch_checks_the_body_shape():
    with pytest.raises(PatchError):
        apply_patch(JSON_PATCH, {}, {"op": "add"})
    with pytest.raises(PatchError):
        apply_patch(MERGE_PATCH, {}, [1])
    with pytest.raises(PatchError):
        apply_patch(STRATEGIC_MERGE_PATCH, {"containers": [{"name": "a"}]}, {"containers": [{"image": "x"},
                                                                                            {"name": "a"}]})
