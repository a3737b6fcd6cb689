"""The wire protocol of the simulated API server: auth, watch streams, bookmarks, 410, tables, patch types."""

from __future__ import annotations

import json
import ssl
import threading

import httpx
import pytest

from homelab_tui.demo import kube_watch
from tests.conftest import wait_until
from tests.integration.kube_server import TOKEN, KubeServer

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PODS_ML = "/api/v1/namespaces/ml/pods"


@pytest.fixture
def server(tmp_path):
    with KubeServer(tmp_path, history=50) as srv:
        yield srv


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, verify=ssl.create_default_context(cafile=str(server.ca_file)), headers=AUTH, timeout=10) as c:
        yield c


def stream_events(http: httpx.Client, path: str, params: dict, stop=lambda events: False) -> list[dict]:
    events: list[dict] = []
    with http.stream("GET", path, params={"watch": "1", **params}) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
        for line in resp.iter_lines():
            if line:
                events.append(json.loads(line))
                if stop(events):
                    break
    return events


def test_requests_without_the_token_get_401(server):
    with httpx.Client(base_url=server.url, verify=ssl.create_default_context(cafile=str(server.ca_file)), timeout=10) as anon:
        resp = anon.get("/api/v1/pods")
        assert resp.status_code == 401 and resp.json()["reason"] == "Unauthorized"
        assert anon.get("/api/v1/pods", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_list_with_selectors_and_resource_version(http, server):
    body = http.get("/api/v1/pods", params={"fieldSelector": "spec.nodeName=k3s-gpu-worker"}).json()
    assert body["kind"] == "PodList" and body["metadata"]["resourceVersion"] == server.store.resource_version
    assert {p["metadata"]["name"].rsplit("-", 2)[0] for p in body["items"]} >= {"vllm-server"}
    assert all(p["spec"]["nodeName"] == "k3s-gpu-worker" for p in body["items"])
    by_label = http.get(PODS_ML, params={"labelSelector": "app.kubernetes.io/name in (ollama,litellm)"}).json()
    assert sorted(p["metadata"]["labels"]["app.kubernetes.io/name"] for p in by_label["items"]) == ["litellm", "ollama"]
    named = http.get("/apis/apps/v1/deployments", params={"fieldSelector": "metadata.name=litellm"}).json()
    assert [d["metadata"]["name"] for d in named["items"]] == ["litellm"]


def test_watch_resumes_from_a_resource_version_and_ends_on_timeout(http, server):
    rv = http.get(PODS_ML).json()["metadata"]["resourceVersion"]
    server.store.mutate("pods", "ml", http.get(PODS_ML).json()["items"][0]["metadata"]["name"],
                        lambda p: p["metadata"].setdefault("labels", {}).update(touched="1"))
    events = stream_events(http, PODS_ML, {"resourceVersion": rv, "timeoutSeconds": "1"})
    assert [e["type"] for e in events] == ["MODIFIED"]
    assert events[0]["object"]["metadata"]["labels"]["touched"] == "1"


def test_watch_without_resource_version_starts_with_the_current_objects(http):
    events = stream_events(http, PODS_ML, {"timeoutSeconds": "1"})
    assert {e["type"] for e in events} == {"ADDED"} and len(events) == len(http.get(PODS_ML).json()["items"])


def test_watch_list_protocol_ends_initial_events_with_a_bookmark(http):
    events = stream_events(http, "/apis/apps/v1/namespaces/ml/deployments",
                           {"sendInitialEvents": "true", "allowWatchBookmarks": "true",
                            "resourceVersionMatch": "NotOlderThan", "timeoutSeconds": "1"},
                           stop=lambda ev: ev[-1]["type"] == "BOOKMARK")
    assert events[-1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert [e["type"] for e in events[:-1]] == ["ADDED"] * 4


def test_bookmarks_when_allowed(http, server, monkeypatch):
    monkeypatch.setattr(kube_watch, "BOOKMARK_INTERVAL", 0.1)
    rv = server.store.resource_version
    events = stream_events(http, PODS_ML, {"resourceVersion": rv, "allowWatchBookmarks": "true",
                                           "timeoutSeconds": "5"}, stop=lambda ev: ev[-1]["type"] == "BOOKMARK")
    assert events[-1] == {"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1",
                                                         "metadata": {"resourceVersion": rv}}}


def test_too_old_resource_version_gets_an_error_event_with_410(http, server):
    for i in range(60):  # more changes than the history (50) keeps
        server.store.mutate("configmaps", "ml", "litellm-config", lambda c, i=i: c["data"].update(n=str(i)))
    events = stream_events(http, PODS_ML, {"resourceVersion": "1"})
    assert len(events) == 1 and events[0]["type"] == "ERROR"
    assert events[0]["object"]["code"] == 410 and events[0]["object"]["reason"] == "Expired"


def test_injected_gone_and_dropped_watches(http, server):
    server.faults.watch_gone = True
    events = stream_events(http, PODS_ML, {"resourceVersion": server.store.resource_version})
    assert [(e["type"], e["object"]["code"]) for e in events] == [("ERROR", 410)]
    server.faults.watch_gone = False
    done = threading.Event()

    def watch() -> None:
        stream_events(http, PODS_ML, {"resourceVersion": server.store.resource_version, "timeoutSeconds": "60"})
        done.set()

    threading.Thread(target=watch, daemon=True).start()
    wait_until(lambda: server.faults.requests["GET watch"] == 2, message="watch open")
    assert not done.wait(0.3)
    server.faults.drop_watches_epoch += 1
    assert done.wait(5)


def test_table_output_for_kubectl(http):
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io"
    table = http.get("/api/v1/namespaces/docs/pods", headers={"Accept": accept}).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    crash = next(r for r in table["rows"] if r["cells"][2] == "CrashLoopBackOff")
    assert crash["cells"][3] == "37" and crash["object"]["kind"] == "PartialObjectMetadata"


def test_patch_types_and_their_errors(http):
    path = "/apis/apps/v1/namespaces/ml/deployments/ollama"
    ops = [{"op": "test", "path": "/spec/replicas", "value": 1}, {"op": "replace", "path": "/spec/replicas",
                                                                  "value": 2}]
    resp = http.patch(path, content=json.dumps(ops), headers={"Content-Type": "application/json-patch+json"})
    assert resp.status_code == 200 and resp.json()["spec"]["replicas"] == 2
    failed = http.patch(path, content=json.dumps(ops), headers={"Content-Type": "application/json-patch+json"})
    assert failed.status_code == 422 and failed.json()["reason"] == "Invalid"
    unknown = http.patch(path, content="a: b", headers={"Content-Type": "application/xml"})
    assert unknown.status_code == 415 and unknown.json()["reason"] == "UnsupportedMediaType"
    apply = http.patch(path, content="a: b", headers={"Content-Type": "application/apply-patch+yaml"})
    assert apply.status_code == 400 and "fieldManager is required" in apply.json()["message"]
    cert = http.patch("/apis/cert-manager.io/v1/namespaces/apps/certificates/n8n-tls", content="{}",
                      headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert cert.status_code == 415
    stale = http.patch(path, content=json.dumps({"metadata": {"resourceVersion": "1"}}),
                       headers={"Content-Type": "application/merge-patch+json"})
    assert stale.status_code == 409 and stale.json()["reason"] == "Conflict"
    assert http.post(path, content="{}").status_code == 405
    protobuf = http.post("/api/v1/namespaces/dev/configmaps", content=b"k8s\x00",
                         headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert protobuf.status_code == 415 and protobuf.json()["reason"] == "UnsupportedMediaType"


def test_scale_subresource_get_and_put(http):
    path = "/apis/apps/v1/namespaces/monitoring/statefulsets/loki/scale"
    scale = http.get(path).json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1" and scale["spec"]["replicas"] == 1
    scale["spec"]["replicas"] = 2
    assert http.put(path, json=scale).json()["spec"]["replicas"] == 2
    wait_until(lambda: http.get("/apis/apps/v1/namespaces/monitoring/statefulsets/loki").json()["status"].get(
        "readyReplicas") == 2, message="loki-1 ready")
    assert http.get("/api/v1/namespaces/monitoring/pods/loki-1").json()["status"]["phase"] == "Running"


def test_discovery_documents(http):
    assert http.get("/version").json()["gitVersion"].endswith("+k3s1")
    groups = {g["name"] for g in http.get("/apis").json()["groups"]}
    assert {"apps", "cert-manager.io", "traefik.io", "storage.k8s.io", "networking.k8s.io"} <= groups
    core = {r["name"]: r for r in http.get("/api/v1").json()["resources"]}
    assert core["pods"]["shortNames"] == ["po"] and "watch" in core["pods"]["verbs"]
    certs = http.get("/apis/cert-manager.io/v1").json()["resources"]
    assert {"certificates", "certificates/status"} <= {r["name"] for r in certs}
    assert http.get("/apis/nope.example.com/v1").status_code == 404
