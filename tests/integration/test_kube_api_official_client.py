"""The official Python client (kubernetes 37, strict models) against the simulated API server."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.conftest import wait_until
from tests.integration.kube_server import KubeServer

T = 10  # _request_timeout for every call


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with KubeServer(tmp_path_factory.mktemp("kube")) as srv:
        yield srv


@pytest.fixture(scope="module")
def api(server) -> client.ApiClient:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(server.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as api_client:
        yield api_client


def test_every_served_list_parses_into_the_strict_models(api):
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    pods = core.list_pod_for_all_namespaces(_request_timeout=T)
    assert any(p.metadata.name.startswith("vllm-server-") and p.spec.node_name == "k3s-gpu-worker"
               for p in pods.items)
    assert int(pods.metadata.resource_version) > 0
    crash = [p for p in pods.items if p.status.container_statuses[0].state.waiting
             and p.status.container_statuses[0].state.waiting.reason == "CrashLoopBackOff"]
    assert crash and crash[0].status.container_statuses[0].restart_count > 5
    nodes = {n.metadata.name: n for n in core.list_node(_request_timeout=T).items}
    assert set(nodes) == {"k3s-master", "k3s-worker-01", "k3s-worker-02", "k3s-gpu-worker"}
    assert nodes["k3s-gpu-worker"].status.allocatable["nvidia.com/gpu"] == "1"
    assert {n.metadata.name for n in core.list_namespace(_request_timeout=T).items} == {
        "kube-system", "infra", "monitoring", "data", "apps", "ml", "docs", "dev",
        "default", "kube-node-lease", "kube-public"}
    traefik = core.read_namespaced_service("traefik", "kube-system", _request_timeout=T)
    assert traefik.status.load_balancer.ingress[0].ip.startswith("192.168.2.")
    assert core.list_service_for_all_namespaces(_request_timeout=T).items
    pvcs = core.list_persistent_volume_claim_for_all_namespaces(_request_timeout=T).items
    assert {p.spec.storage_class_name for p in pvcs} == {"nfs-client", "local-path"}
    assert any(float(p.metadata.annotations.get("demo.homelab-tui/used-fraction", 0)) > 0.9 for p in pvcs)
    assert len(core.list_persistent_volume(_request_timeout=T).items) == len(pvcs)
    secrets = core.list_secret_for_all_namespaces(_request_timeout=T).items
    assert {"kubernetes.io/tls", "Opaque"} <= {s.type for s in secrets}
    events = core.list_event_for_all_namespaces(_request_timeout=T).items
    assert any(e.reason == "BackOff" and e.type == "Warning" for e in events)
    assert core.read_namespaced_config_map("coredns", "kube-system", _request_timeout=T).data["NodeHosts"]
    deployments = {d.metadata.name: d for d in apps.list_deployment_for_all_namespaces(_request_timeout=T).items}
    vllm = deployments["vllm-server"]
    assert vllm.spec.strategy.type == "Recreate" and vllm.status.ready_replicas == 1
    assert vllm.spec.template.spec.containers[0].resources.requests["nvidia.com/gpu"] == "1"
    assert deployments["vllm-r1"].spec.replicas == 0
    assert {s.metadata.name for s in apps.list_stateful_set_for_all_namespaces(_request_timeout=T).items} >= {
        "prometheus-server", "loki", "alertmanager", "postgresql"}
    assert apps.list_daemon_set_for_all_namespaces(_request_timeout=T).items[0].status.number_ready == 4
    assert apps.list_replica_set_for_all_namespaces(_request_timeout=T).items
    classes = client.StorageV1Api(api).list_storage_class(_request_timeout=T).items
    default = [c.metadata.name for c in classes
               if (c.metadata.annotations or {}).get("storageclass.kubernetes.io/is-default-class") == "true"]
    assert default == ["nfs-client"]
    ingresses = client.NetworkingV1Api(api).list_ingress_for_all_namespaces(_request_timeout=T).items
    assert [i.metadata.namespace for i in ingresses] == ["dev"]


def test_custom_objects_certificates_and_ingressroutes(api):
    custom = client.CustomObjectsApi(api)
    certs = custom.list_cluster_custom_object("cert-manager.io", "v1", "certificates", _request_timeout=T)["items"]
    assert all(c["spec"]["issuerRef"] == {"name": "letsencrypt-prod", "kind": "ClusterIssuer",
                                          "group": "cert-manager.io"} for c in certs)
    failing = [c for c in certs if any(x["type"] == "Ready" and x["status"] == "False"
                                       for x in c["status"]["conditions"])]
    assert [c["metadata"]["name"] for c in failing] == ["openclaw-tls"]
    assert "urn:ietf:params:acme:error" in next(
        x["message"] for x in failing[0]["status"]["conditions"] if x["type"] == "Issuing")
    routes = custom.list_namespaced_custom_object("traefik.io", "v1alpha1", "apps", "ingressroutes",
                                                  _request_timeout=T)["items"]
    redirect = next(r for r in routes if r["spec"]["entryPoints"] == ["web"])
    assert redirect["spec"]["routes"][0]["middlewares"] == [{"name": "https-redirect", "namespace": "apps"}]


def test_scale_subresource_moves_pods_through_their_phases(api, server):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    scale = apps.patch_namespaced_deployment_scale("vllm-r1", "ml", {"spec": {"replicas": 1}}, _request_timeout=T)
    assert scale.spec.replicas == 1
    selector = "app.kubernetes.io/instance=vllm-r1"
    wait_until(lambda: apps.read_namespaced_deployment("vllm-r1", "ml", _request_timeout=T).status.ready_replicas
               == 1, message="vllm-r1 ready")
    pods = core.list_namespaced_pod("ml", label_selector=selector, _request_timeout=T).items
    assert len(pods) == 1 and pods[0].status.phase == "Running" and pods[0].spec.node_name == "k3s-gpu-worker"
    reasons = {e.reason for e in core.list_namespaced_event("ml", _request_timeout=T).items
               if e.involved_object.name in ("vllm-r1", pods[0].metadata.name)}
    assert {"ScalingReplicaSet", "Scheduled", "Started"} <= reasons
    apps.patch_namespaced_deployment_scale("vllm-r1", "ml", {"spec": {"replicas": 0}}, _request_timeout=T)
    wait_until(lambda: not core.list_namespaced_pod("ml", label_selector=selector, _request_timeout=T).items,
               message="vllm-r1 pods gone")
    dep = apps.read_namespaced_deployment("vllm-r1", "ml", _request_timeout=T)
    assert dep.status.observed_generation == dep.metadata.generation and not dep.status.ready_replicas


def test_secret_strategic_merge_with_string_data_keeps_other_keys(api):
    core = client.CoreV1Api(api)
    before = core.read_namespaced_secret("n8n-secrets", "apps", _request_timeout=T).data
    after = core.patch_namespaced_secret("n8n-secrets", "apps", {"stringData": {"NEW_KEY": "s3cr3t"}},
                                         _request_timeout=T)
    assert after.string_data is None
    assert base64.b64decode(after.data["NEW_KEY"]) == b"s3cr3t"
    assert {k: v for k, v in after.data.items() if k != "NEW_KEY"} == before


def test_certificate_renew_through_the_status_subresource(api):
    custom = client.CustomObjectsApi(api)
    args = ("cert-manager.io", "v1", "monitoring", "certificates", "grafana-tls")
    cert = custom.get_namespaced_custom_object(*args, _request_timeout=T)
    old_after = dt.datetime.fromisoformat(cert["status"]["notAfter"].replace("Z", "+00:00"))
    conditions = cert["status"]["conditions"] + [{"type": "Issuing", "status": "True", "reason": "ManuallyTriggered",
                                                  "message": "Certificate re-issuance manually triggered"}]
    custom.patch_namespaced_custom_object_status(*args, {"status": {"conditions": conditions}}, _request_timeout=T)

    def renewed():
        c = custom.get_namespaced_custom_object(*args, _request_timeout=T)
        return c if c["status"]["revision"] == cert["status"]["revision"] + 1 else None

    new = wait_until(renewed, message="certificate renewed")
    new_after = dt.datetime.fromisoformat(new["status"]["notAfter"].replace("Z", "+00:00"))
    assert new_after - old_after > dt.timedelta(days=30)
    assert [c["type"] for c in new["status"]["conditions"]] == ["Ready"]
    assert new["status"]["conditions"][0]["status"] == "True"


def test_failing_certificate_stays_not_ready_after_renew(api):
    custom = client.CustomObjectsApi(api)
    args = ("cert-manager.io", "v1", "apps", "certificates", "openclaw-tls")
    cert = custom.get_namespaced_custom_object(*args, _request_timeout=T)
    attempts = cert["status"]["failedIssuanceAttempts"]
    conditions = [c for c in cert["status"]["conditions"] if c["type"] != "Issuing"] + [
        {"type": "Issuing", "status": "True", "reason": "ManuallyTriggered", "message": "manual"}]
    custom.patch_namespaced_custom_object_status(*args, {"status": {"conditions": conditions}}, _request_timeout=T)
    failed = wait_until(lambda: (c := custom.get_namespaced_custom_object(*args, _request_timeout=T))["status"][
        "failedIssuanceAttempts"] > attempts and c, message="issuance failed again")
    by_type = {c["type"]: c for c in failed["status"]["conditions"]}
    assert by_type["Ready"]["status"] == "False"
    assert by_type["Issuing"]["status"] == "False" and "No TXT record" in by_type["Issuing"]["message"]


def test_status_and_spec_are_written_only_through_their_endpoints(api):
    custom = client.CustomObjectsApi(api)
    args = ("cert-manager.io", "v1", "docs", "certificates", "paperless-tls")
    before = custom.get_namespaced_custom_object(*args, _request_timeout=T)
    custom.patch_namespaced_custom_object(*args, {"status": {"revision": 999}, "spec": {"renewBefore": "720h0m0s"}},
                                          _request_timeout=T)
    custom.patch_namespaced_custom_object_status(*args, {"status": {"revision": 998}, "spec": {"secretName": "x"}},
                                                 _request_timeout=T)
    after = custom.get_namespaced_custom_object(*args, _request_timeout=T)
    assert after["spec"]["renewBefore"] == "720h0m0s" and after["spec"]["secretName"] == "paperless-tls"
    assert after["status"]["revision"] == 998 != before["status"]["revision"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1


def test_watch_stream_sees_a_new_pod_become_ready(api):
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    listed = core.list_namespaced_pod("docs", label_selector="app.kubernetes.io/name=tika", _request_timeout=T)
    apps.patch_namespaced_deployment_scale("tika", "docs", {"spec": {"replicas": 2}}, _request_timeout=T)
    phases = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_pod, "docs", label_selector="app.kubernetes.io/name=tika",
                          resource_version=listed.metadata.resource_version, timeout_seconds=5, _request_timeout=10):
        pod = event["object"]
        ready = any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])
        phases.append((event["type"], pod.status.phase, ready))
        if ready and event["type"] == "MODIFIED":
            w.stop()
    assert phases[0] == ("ADDED", "Pending", False)
    assert ("MODIFIED", "Running", False) in phases and phases[-1] == ("MODIFIED", "Running", True)


def test_errors_are_status_objects_with_code_and_reason(api):
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    with pytest.raises(ApiException) as missing:
        apps.read_namespaced_deployment("no-such-thing", "ml", _request_timeout=T)
    assert missing.value.status == 404 and '"reason": "NotFound"' in missing.value.body
    assert '"name": "no-such-thing"' in missing.value.body
    with pytest.raises(ApiException) as exists:
        core.create_namespaced_config_map("ml", client.V1ConfigMap(metadata=client.V1ObjectMeta(
            name="litellm-config")), _request_timeout=T)
    assert exists.value.status == 409 and "AlreadyExists" in exists.value.body
    dep = apps.read_namespaced_deployment("ollama", "ml", _request_timeout=T)
    apps.patch_namespaced_deployment("ollama", "ml", {"metadata": {"labels": {"touched": "yes"}}},
                                     _request_timeout=T)
    with pytest.raises(ApiException) as conflict:
        apps.replace_namespaced_deployment("ollama", "ml", dep, _request_timeout=T)
    assert conflict.value.status == 409 and '"reason": "Conflict"' in conflict.value.body
    with pytest.raises(ApiException) as invalid:
        apps.patch_namespaced_deployment_scale("ollama", "ml", {"spec": {"replicas": -1}}, _request_timeout=T)
    assert invalid.value.status == 422 and "Invalid" in invalid.value.body
    with pytest.raises(ApiException) as forbidden:
        core.delete_namespace("kube-system", _request_timeout=T)
    assert forbidden.value.status == 403 and "Forbidden" in forbidden.value.body


def test_create_and_delete_round_trip(api):
    core = client.CoreV1Api(api)
    body = client.V1Secret(metadata=client.V1ObjectMeta(name="tmp-secrets"), string_data={"a": "b"}, type="Opaque")
    created = core.create_namespaced_secret("dev", body, _request_timeout=T)
    assert created.data == {"a": base64.b64encode(b"b").decode()} and created.metadata.uid
    status = core.delete_namespaced_secret("tmp-secrets", "dev", _request_timeout=T)
    assert status["kind"] == "Status" and status["status"] == "Success"
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_secret("tmp-secrets", "dev", _request_timeout=T)
    assert gone.value.status == 404
