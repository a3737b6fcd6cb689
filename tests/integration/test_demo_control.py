"""The demo's control URL over HTTP: what other tools (a shell, a second dashboard's tests) use to inject faults."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from homelab_tui.sources.kube_client import KubeError, KubeTarget, load_kube_api

N8N = "/apis/apps/v1/namespaces/apps/deployments/n8n"


def control(lab, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(lab.control_url + path, data=data, method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_a_fault_set_over_http_hits_only_its_method_and_path_and_reset_clears_it(lab) -> None:
    api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 10)
    status, faults = control(lab, "/-/control/faults/kubernetes",
                             {"status": 409, "status_path": "/deployments/n8n", "status_method": "PATCH"})
    assert status == 200 and faults["status_method"] == "PATCH"
    assert api.get(N8N)["metadata"]["name"] == "n8n"  # GET is not refused
    with pytest.raises(KubeError) as info:
        api.patch(N8N, {"metadata": {"labels": {"touched": "yes"}}})
    assert info.value.status == 409
    _, state = control(lab, "/-/control")
    assert state["kubernetes"]["status"] == 409 and state["prometheus"]["status"] == 0
    control(lab, "/-/control/reset", {})
    api.patch(N8N, {"metadata": {"labels": {"touched": "yes"}}})
    assert api.get(N8N)["metadata"]["labels"]["touched"] == "yes"


def test_watch_faults_set_over_http_answer_only_the_watches(lab) -> None:
    api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 10)
    assert control(lab, "/-/control/faults/kubernetes", {"watch_status": 410})[0] == 200
    with pytest.raises(KubeError) as info:
        next(iter(api.stream_lines("/api/v1/namespaces", [("watch", "1")], read_timeout=5)))
    assert info.value.status == 410 and api.get(N8N)["metadata"]["name"] == "n8n"  # a plain GET still answers
    control(lab, "/-/control/faults/kubernetes", {"watch_status": 0, "watch_close": True})
    assert list(api.stream_lines("/api/v1/namespaces", [("watch", "1")], read_timeout=5)) == []  # ends at once, nothing sent
    control(lab, "/-/control/reset", {})
    assert next(iter(api.stream_lines("/api/v1/namespaces", [("watch", "1")], read_timeout=5)))  # events again


@pytest.mark.parametrize("body,fragment", [
    ({"status": "409"}, "status: expected int"),
    ({"bogus": 1}, "unknown fault 'bogus'"),
    ({"status": 99}, "status: expected an HTTP status 100-599"),
    ({"watch_status": 600}, "watch_status: expected an HTTP status 100-599"),
    ({"watch_close": 1}, "watch_close: expected bool"),
    ([1, 2], "body must be a JSON object"),
])
def test_bad_fault_requests_are_refused_with_a_reason(lab, body, fragment) -> None:
    status, answer = control(lab, "/-/control/faults/kubernetes", body)
    assert status == 400 and fragment in answer["error"]
    assert control(lab, "/-/control/faults/nowhere", {})[0] == 404
