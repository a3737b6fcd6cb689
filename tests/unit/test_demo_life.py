"""Life, driven tick by tick (no timers): pods follow replica and template changes, certificates renew."""

from __future__ import annotations

import datetime as dt

import pytest

from homelab_tui.demo.life import Life
from homelab_tui.demo.podgen import pod_state
from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.store import ClusterStore

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def world():
    store = ClusterStore(build_objects(NOW))
    life = Life(store, clock=lambda: NOW)
    life.follow()
    return store, life


def pods(store, ns, instance):
    items, _ = store.list("pods", ns)
    return [p for p in items if p["metadata"]["labels"].get("app.kubernetes.io/instance") == instance]


def states(store, ns, instance):
    return sorted(("Terminating" if p["metadata"].get("deletionTimestamp") else pod_state(p))
                  for p in pods(store, ns, instance))


def test_a_quiet_cluster_stays_quiet(world):
    store, life = world
    rv = store.resource_version
    life.tick()
    assert store.resource_version == rv


def test_scale_up_moves_a_pod_pending_running_ready(world):
    store, life = world
    store.mutate("deployments", "ml", "vllm-r1", lambda d: d["spec"].update(replicas=1))
    seen = []
    for _ in range(4):
        life.tick()
        seen.append(states(store, "ml", "vllm-r1"))
    assert seen[:3] == [["Pending"], ["Starting"], ["Ready"]]
    dep = store.get("deployments", "ml", "vllm-r1")
    assert dep["status"]["readyReplicas"] == 1 and dep["status"]["observedGeneration"] == 2
    assert pods(store, "ml", "vllm-r1")[0]["spec"]["nodeName"] == "k3s-gpu-worker"


def test_scale_down_terminates_then_removes(world):
    store, life = world
    store.mutate("deployments", "ml", "vllm-server", lambda d: d["spec"].update(replicas=0))
    life.tick()
    assert states(store, "ml", "vllm-server") == ["Terminating"]
    life.tick()
    assert states(store, "ml", "vllm-server") == []
    assert "readyReplicas" not in store.get("deployments", "ml", "vllm-server")["status"]


def test_rolling_restart_keeps_the_old_pod_until_the_new_one_is_ready(world):
    store, life = world
    store.mutate("deployments", "apps", "n8n", lambda d: d["spec"]["template"].setdefault("metadata", {}).setdefault(
        "annotations", {}).update({"kubectl.kubernetes.io/restartedAt": "2026-03-01T12:00:00Z"}))
    history = []
    for _ in range(5):
        life.tick()
        history.append(states(store, "apps", "n8n-workflows"))
    assert history[0] == ["Pending", "Ready"] and history[1] == ["Ready", "Starting"]
    assert history[2] == ["Ready", "Terminating"] and history[3] == ["Ready"]
    assert len(store.list("replicasets", "apps")[0]) == 4  # n8n old + new, open-webui, openclaw


def test_recreate_strategy_never_runs_old_and_new_together(world):
    store, life = world
    store.mutate("deployments", "ml", "vllm-server", lambda d: d["spec"]["template"]["metadata"].setdefault(
        "annotations", {}).update(restarted="1"))
    history = []
    for _ in range(4):
        life.tick()
        history.append(states(store, "ml", "vllm-server"))
    assert history == [["Terminating"], ["Pending"], ["Starting"], ["Ready"]]


def test_paused_deployment_does_not_roll(world):
    store, life = world
    store.mutate("deployments", "docs", "tika", lambda d: d["spec"].update(paused=True))
    before = {p["metadata"]["name"] for p in pods(store, "docs", "tika-parser")}
    store.mutate("deployments", "docs", "tika", lambda d: d["spec"]["template"]["metadata"].setdefault(
        "annotations", {}).update(restarted="1"))
    for _ in range(3):
        life.tick()
    assert {p["metadata"]["name"] for p in pods(store, "docs", "tika-parser")} == before
    progressing = [c for c in store.get("deployments", "docs", "tika")["status"]["conditions"]
                   if c["type"] == "Progressing"]
    assert progressing[0]["reason"] == "DeploymentPaused"


def test_crashlooping_deployment_crashloops_again_after_restart(world):
    store, life = world
    store.mutate("deployments", "docs", "docling", lambda d: d["spec"]["template"]["metadata"].setdefault(
        "annotations", {}).update(restarted="1"))
    for _ in range(3):
        life.tick()
    assert "CrashLoopBackOff" in states(store, "docs", "docling-converter")
    assert any(e["reason"] == "BackOff" and e["metadata"]["name"].startswith("docling-")
               for e in store.list("events", "docs")[0] if e["metadata"]["creationTimestamp"] >= "2026-03-01T12")


def _finish(store, ns, name, phase):
    """What the kubelet writes for an evicted (Failed) or completed (Succeeded) pod."""
    store.mutate("pods", ns, name, lambda p: p["status"].update(phase=phase, reason="Evicted" if phase == "Failed" else ""))


@pytest.mark.parametrize("phase", ["Failed", "Succeeded"])
def test_a_finished_pod_of_a_deployment_stays_finished_and_is_replaced(world, phase):
    store, life = world
    (old,) = pods(store, "apps", "open-webui-chat")
    _finish(store, "apps", old["metadata"]["name"], phase)
    for _ in range(4):
        life.tick()
    after = {p["metadata"]["name"]: p for p in pods(store, "apps", "open-webui-chat")}
    assert after[old["metadata"]["name"]]["status"]["phase"] == phase  # never run again, kept as K3s keeps it
    others = [p for n, p in after.items() if n != old["metadata"]["name"]]
    assert [pod_state(p) for p in others] == ["Ready"]  # a replacement, counted instead of it
    assert store.get("deployments", "apps", "open-webui")["status"]["readyReplicas"] == 1


def test_a_finished_pod_without_an_owner_stays_finished(world):
    store, life = world
    (pod,) = pods(store, "apps", "open-webui-chat")
    store.put("pods", {**pod, "metadata": {k: v for k, v in pod["metadata"].items() if k != "ownerReferences"}
                       | {"name": "loose-pod", "uid": "loose-uid"}})
    _finish(store, "apps", "loose-pod", "Failed")
    for _ in range(3):
        life.tick()
    assert store.get("pods", "apps", "loose-pod")["status"]["phase"] == "Failed"


def test_statefulset_scales_in_order(world):
    store, life = world
    store.mutate("statefulsets", "monitoring", "loki", lambda s: s["spec"].update(replicas=3))
    names = []
    for _ in range(8):
        life.tick()
        names.append(sorted(p["metadata"]["name"] for p in pods(store, "monitoring", "loki-logs")))
    assert names[0] == names[1] == ["loki-0", "loki-1"]  # loki-2 waits until loki-1 is Ready
    assert names[2] == ["loki-0", "loki-1", "loki-2"]
    assert store.get("statefulsets", "monitoring", "loki")["status"]["readyReplicas"] == 3
    claim = store.get("persistentvolumeclaims", "monitoring", "storage-loki-2")
    assert claim["status"]["phase"] == "Bound" and claim["spec"]["resources"]["requests"]["storage"] == "50Gi"
    assert store.get("persistentvolumes", None, claim["spec"]["volumeName"])["spec"]["claimRef"]["name"] == claim[
        "metadata"]["name"]
    loki2 = next(p for p in pods(store, "monitoring", "loki-logs") if p["metadata"]["name"] == "loki-2")
    assert {"name": "storage", "persistentVolumeClaim": {"claimName": "storage-loki-2"}} in loki2["spec"]["volumes"]


def test_certificate_renewal_and_acme_failure(world):
    store, life = world

    def trigger(c):
        c["status"]["conditions"] = [x for x in c["status"]["conditions"] if x["type"] != "Issuing"] + [
            {"type": "Issuing", "status": "True", "reason": "ManuallyTriggered", "message": "manual"}]

    revision = store.get("certificates", "monitoring", "grafana-tls")["status"]["revision"]
    store.mutate("certificates", "monitoring", "grafana-tls", trigger)
    store.mutate("certificates", "apps", "openclaw-tls", trigger)
    life.tick()
    assert store.get("certificates", "monitoring", "grafana-tls")["status"]["revision"] == revision
    life.tick()
    cert = store.get("certificates", "monitoring", "grafana-tls")["status"]
    assert cert["revision"] == revision + 1 and cert["notAfter"] == "2026-05-30T12:00:00Z"
    assert cert["renewalTime"] == "2026-05-23T12:00:00Z"  # renewBefore 168h
    assert [c["type"] for c in cert["conditions"]] == ["Ready"]
    failed = {c["type"]: c for c in store.get("certificates", "apps", "openclaw-tls")["status"]["conditions"]}
    assert failed["Ready"]["status"] == "False" and failed["Issuing"]["reason"] == "Failed"
    secret = store.get("secrets", "monitoring", "grafana-tls")
    assert secret["metadata"]["annotations"]["cert-manager.io/certificate-name"] == "grafana-tls"
    assert store.get("secrets", "apps", "openclaw-tls") is None
