"""The simulated cluster's object store: copies, resource versions, history, subscribers, threads."""

from __future__ import annotations

import threading

import pytest

from homelab_tui.demo.store import ClusterStore, Gone, key_for


def cm(name: str, ns: str = "ml", **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}


def dep(name: str, replicas: int = 1) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "ml"},
            "spec": {"replicas": replicas}}


def test_key_for_maps_api_version_and_kind():
    assert key_for("v1", "Pod") == "pods"
    assert key_for("cert-manager.io/v1", "Certificate") == "certificates"
    assert key_for("traefik.io/v1alpha1", "IngressRoute") == "ingressroutes"
    with pytest.raises(KeyError):
        key_for("v1", "Nope")


def test_seed_objects_are_filed_and_history_starts_empty():
    store = ClusterStore([cm("a"), dep("d")])
    assert store.get("configmaps", "ml", "a")["data"] == {}
    assert store.resource_version == "2"
    assert store.events_since("configmaps", 2) == ([], 2)


def test_put_assigns_metadata_and_versions_increase():
    store = ClusterStore()
    first = store.put("configmaps", cm("a", x="1"))
    second = store.put("configmaps", cm("a", x="2"))
    assert first["metadata"]["uid"] == second["metadata"]["uid"]
    assert first["metadata"]["creationTimestamp"] == second["metadata"]["creationTimestamp"]
    assert int(second["metadata"]["resourceVersion"]) == int(first["metadata"]["resourceVersion"]) + 1
    assert store.resource_version == second["metadata"]["resourceVersion"]


def test_reads_are_deep_copies():
    store = ClusterStore([cm("a", x="1")])
    got = store.get("configmaps", "ml", "a")
    got["data"]["x"] = "changed"
    items, _ = store.list("configmaps")
    items[0]["data"]["x"] = "changed too"
    assert store.get("configmaps", "ml", "a")["data"] == {"x": "1"}


def test_list_filters_by_namespace_and_is_sorted():
    store = ClusterStore([cm("b"), cm("a"), cm("c", ns="docs")])
    items, rv = store.list("configmaps", "ml")
    assert [o["metadata"]["name"] for o in items] == ["a", "b"] and rv == "3"
    assert len(store.list("configmaps")[0]) == 3 and store.list("pods") == ([], "3")


def test_generation_bumps_only_on_spec_change():
    store = ClusterStore([dep("d")])
    assert store.get("deployments", "ml", "d")["metadata"]["generation"] == 1
    store.mutate("deployments", "ml", "d", lambda o: o["metadata"].setdefault("labels", {}).update(a="b"))
    assert store.get("deployments", "ml", "d")["metadata"]["generation"] == 1
    store.mutate("deployments", "ml", "d", lambda o: o["spec"].update(replicas=3))
    assert store.get("deployments", "ml", "d")["metadata"]["generation"] == 2


def test_mutate_missing_raises_key_error_and_delete_returns_none():
    store = ClusterStore()
    with pytest.raises(KeyError):
        store.mutate("configmaps", "ml", "nope", lambda o: None)
    assert store.delete("configmaps", "ml", "nope") is None


def test_events_since_and_subscribers_see_every_change_in_order():
    store = ClusterStore([cm("a")])
    start = int(store.resource_version)
    seen: list[tuple[str, str, str]] = []
    unsubscribe = store.subscribe(lambda key, ev, obj: seen.append((key, ev, obj["metadata"]["name"])))
    store.put("configmaps", cm("b"))
    store.mutate("configmaps", "ml", "a", lambda o: o["data"].update(k="v"))
    store.delete("configmaps", "ml", "b")
    unsubscribe()
    store.put("configmaps", cm("c"))
    assert seen == [("configmaps", "ADDED", "b"), ("configmaps", "MODIFIED", "a"), ("configmaps", "DELETED", "b")]
    events, current = store.events_since("configmaps", start)
    assert [(e[2], e[3]["metadata"]["name"]) for e in events] == [
        ("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b"), ("ADDED", "c")]
    assert [e[0] for e in events] == list(range(start + 1, start + 5)) and current == start + 4
    assert events[2][3]["metadata"]["resourceVersion"] == str(start + 3)
    assert store.events_since("pods", start)[0] == []


def test_history_overflow_raises_gone_for_old_versions_only():
    store = ClusterStore(history=3)
    for i in range(5):
        store.put("configmaps", cm(f"c{i}"))
    with pytest.raises(Gone):
        store.events_since("configmaps", 1)
    events, _ = store.events_since("configmaps", 2)
    assert [e[3]["metadata"]["name"] for e in events] == ["c2", "c3", "c4"]


def test_concurrent_writers_lose_no_update():
    store = ClusterStore([cm("counter", n="0")])

    def bump() -> None:
        for _ in range(200):
            store.mutate("configmaps", "ml", "counter", lambda o: o["data"].update(n=str(int(o["data"]["n"]) + 1)))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert store.get("configmaps", "ml", "counter")["data"]["n"] == "800"
    assert store.resource_version == "801"


def test_a_view_is_the_stored_objects_and_writes_never_change_them():
    store = ClusterStore([cm("a", x="1"), cm("b", x="1")])
    viewed, rv = store.view("configmaps", "ml")
    assert [o["metadata"]["name"] for o in viewed] == ["a", "b"] and rv == store.resource_version
    assert store.view("configmaps", "ml")[0][0] is viewed[0]  # no copy
    before = [(o["data"]["x"], o["metadata"]["resourceVersion"]) for o in viewed]
    store.mutate("configmaps", "ml", "a", lambda o: o["data"].update(x="2"))
    store.put("configmaps", cm("b", x="3"))
    store.delete("configmaps", "ml", "b")
    assert [(o["data"]["x"], o["metadata"]["resourceVersion"]) for o in viewed] == before
    now, _ = store.view("configmaps", "ml")
    assert [(o["metadata"]["name"], o["data"]["x"]) for o in now] == [("a", "2")]
