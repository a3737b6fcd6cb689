"""The simulated API server's field validation, dry runs and server-side apply, over HTTP as any client sees them."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest

from tests.integration.kube_server import TOKEN, KubeServer

CONFIGMAPS = "/api/v1/namespaces/dev/configmaps"
DEPLOYMENTS = "/apis/apps/v1/namespaces/dev/deployments"
ROUTES = "/apis/traefik.io/v1alpha1/namespaces/dev/ingressroutes"


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    with KubeServer(tmp_path_factory.mktemp("fields"), life_step=None) as server:
        context = ssl.create_default_context(cafile=str(server.ca_file))
        with httpx.Client(base_url=server.url, verify=context, headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=10) as client:
            yield client


def route(name: str, **service: object) -> dict:
    return {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {"name": name},
            "spec": {"entryPoints": ["websecure"],
                     "routes": [{"match": "Host(`x.home.jetzinger.com`)", "kind": "Rule",
                                 "services": [{"name": "x", "port": 80, **service}]}]}}


def test_warn_is_the_default_and_drops_the_unknown_field(http):
    resp = http.post(ROUTES, json=route("warned", sheme="https"))
    assert resp.status_code == 201
    assert resp.headers.get_list("Warning") == ['299 - "unknown field \\"spec.routes[0].services[0].sheme\\""']
    assert resp.json()["spec"]["routes"][0]["services"][0] == {"name": "x", "port": 80}
    stored = http.get(f"{ROUTES}/warned").json()
    assert "sheme" not in stored["spec"]["routes"][0]["services"][0]


def test_ignore_drops_silently_and_strict_refuses(http):
    ignored = http.post(ROUTES, params={"fieldValidation": "Ignore"}, json=route("ignored", sheme="https"))
    assert ignored.status_code == 201 and "Warning" not in ignored.headers
    assert "sheme" not in ignored.json()["spec"]["routes"][0]["services"][0]
    strict = http.post(ROUTES, params={"fieldValidation": "Strict"}, json=route("strict", sheme="https", wieght=1))
    assert strict.status_code == 400 and strict.json()["reason"] == "BadRequest"
    assert strict.json()["message"] == ('IngressRoute in version "v1alpha1" cannot be handled as a IngressRoute: '
                                        'strict decoding error: unknown field "spec.routes[0].services[0].sheme", '
                                        'unknown field "spec.routes[0].services[0].wieght"')
    assert http.get(f"{ROUTES}/strict").status_code == 404
    bogus = http.post(ROUTES, params={"fieldValidation": "Loose"}, json=route("bogus"))
    assert bogus.status_code == 400 and "Unsupported value" in bogus.json()["message"]


def test_maps_and_open_fields_take_any_key_and_patch_directives_pass(http):
    cm = {"metadata": {"name": "any-keys", "labels": {"whatever/key": "v"}}, "data": {"anything": "goes"}}
    assert http.post(CONFIGMAPS, params={"fieldValidation": "Strict"}, json=cm).status_code == 201
    patch = {"metadata": {"$setElementOrder/finalizers": [], "labels": {"more": "x"}},
             "data": {"$patch": "replace", "other": "y"}}
    resp = http.patch(f"{CONFIGMAPS}/any-keys", params={"fieldValidation": "Strict"}, content=json.dumps(patch),
                      headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert resp.status_code == 200 and resp.json()["data"] == {"other": "y"}


def test_dry_run_answers_the_result_and_stores_nothing(http):
    body = {"metadata": {"name": "dry"}, "data": {"a": "1"}}
    created = http.post(CONFIGMAPS, params={"dryRun": "All"}, json=body)
    assert created.status_code == 201 and created.json()["metadata"]["uid"]
    assert http.get(f"{CONFIGMAPS}/dry").status_code == 404
    http.post(CONFIGMAPS, json=body)
    patched = http.patch(f"{CONFIGMAPS}/dry", params={"dryRun": "All"}, content=json.dumps({"data": {"a": "2"}}),
                         headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200 and patched.json()["data"] == {"a": "2"}
    deleted = http.request("DELETE", f"{CONFIGMAPS}/dry", content=json.dumps({"dryRun": ["All"]}))
    assert deleted.status_code == 200
    assert http.get(f"{CONFIGMAPS}/dry").json()["data"] == {"a": "1"}
    assert http.post(CONFIGMAPS, params={"dryRun": "Some"}, json=body).status_code == 400


def test_server_side_apply_creates_then_merges(http):
    applied = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: applied, namespace: dev}\nspec:\n"
               "  replicas: 2\n  selector: {matchLabels: {app: applied}}\n  template:\n"
               "    metadata: {labels: {app: applied}}\n    spec: {containers: [{name: web, image: nginx:1.27}]}\n")
    headers = {"Content-Type": "application/apply-patch+yaml"}
    params = {"fieldManager": "probe", "fieldValidation": "Strict"}
    first = http.patch(f"{DEPLOYMENTS}/applied", params=params, content=applied, headers=headers)
    assert first.status_code == 201 and first.json()["spec"]["replicas"] == 2
    second = http.patch(f"{DEPLOYMENTS}/applied", params=params, content=applied.replace("replicas: 2", "replicas: 3"),
                        headers=headers)
    assert second.status_code == 200 and second.json()["spec"]["replicas"] == 3
    assert second.json()["metadata"]["uid"] == first.json()["metadata"]["uid"]
    nameless = http.patch(f"{DEPLOYMENTS}/applied", content=applied, headers=headers)
    assert nameless.status_code == 400 and "fieldManager is required" in nameless.json()["message"]
    wrong = http.patch(f"{DEPLOYMENTS}/applied", params=params, content=applied.replace("apps/v1", "v1"),
                       headers=headers)
    assert wrong.status_code == 400 and "does not match the expected API version" in wrong.json()["message"]
