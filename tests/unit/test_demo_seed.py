"""The simulated home-lab's seed: deterministic, complete, consistent, with the promised trouble in it."""

from __future__ import annotations

import base64
import collections
import datetime as dt

from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.seed_cluster import K3S_MADE
from homelab_tui.demo.seed_util import GROWTH_PER_DAY, USED_FRACTION

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
LABELS = ("name", "instance", "part-of", "component", "managed-by")


def by_kind(objects):
    out = collections.defaultdict(dict)
    for o in objects:
        out[o["kind"]][(o["metadata"].get("namespace", ""), o["metadata"]["name"])] = o
    return out


def test_deterministic_for_the_same_inputs():
    assert build_objects(NOW) == build_objects(NOW)
    assert build_objects(NOW, seed=8) != build_objects(NOW)


def test_unique_names_and_owner_references_resolve():
    objects = build_objects(NOW)
    keys = [(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in objects]
    assert len(keys) == len(set(keys))
    uids = {o["metadata"]["uid"] for o in objects}
    for o in objects:
        for ref in o["metadata"].get("ownerReferences", []):
            assert ref["uid"] in uids


def test_recommended_labels_except_the_marked_violations():
    # made by controllers, not by the home-lab's manifests: events, nodes, cert-manager's issuance objects,
    # and the namespaces K3s makes itself
    missing = [(o["kind"], o["metadata"]["name"]) for o in build_objects(NOW)
               if o["kind"] not in ("Event", "Node", "CertificateRequest", "Order", "Challenge")
               and (o["kind"], o["metadata"]["name"]) not in {("Namespace", n) for n in K3S_MADE}
               and not all(f"app.kubernetes.io/{k}" in (o["metadata"].get("labels") or {}) for k in LABELS)]
    assert missing == [("Ingress", "nginx-proxy")]


def test_the_gpu_workloads_follow_the_home_lab_rules():
    k = by_kind(build_objects(NOW))
    vllm = k["Deployment"][("ml", "vllm-server")]
    spec = vllm["spec"]["template"]["spec"]
    assert vllm["spec"]["strategy"]["type"] == "Recreate" and vllm["spec"]["replicas"] == 1
    assert spec["nodeSelector"] == {"kubernetes.io/hostname": "k3s-gpu-worker"}
    assert spec["containers"][0]["resources"]["requests"]["nvidia.com/gpu"] == "1"
    assert {"hostPath": {"path": "/var/lib/vllm/huggingface", "type": "DirectoryOrCreate"}}.items() <= {
        k: v for vol in spec["volumes"] for k, v in vol.items() if k == "hostPath"}.items()
    assert any(v.get("emptyDir", {}).get("medium") == "Memory" for v in spec["volumes"])
    assert k["Deployment"][("ml", "vllm-r1")]["spec"]["replicas"] == 0
    assert "Qwen/Qwen3-8B-AWQ" in spec["containers"][0]["args"]
    litellm_env = k["Deployment"][("ml", "litellm")]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "LITELLM_MASTER_KEY", "valueFrom": {"secretKeyRef": {"name": "litellm-secrets",
                                                                         "key": "LITELLM_MASTER_KEY"}}} in litellm_env


def test_every_screen_has_something_to_say():
    k = by_kind(build_objects(NOW))
    certs = k["Certificate"].values()
    days_left = [(dt.datetime.fromisoformat(c["status"]["notAfter"].replace("Z", "+00:00")) - NOW).days
                 for c in certs if "notAfter" in c["status"]]
    assert min(days_left) < 14
    assert sum(1 for c in certs if c["status"]["conditions"][0]["status"] == "False") == 1
    nfs = [p for p in k["PersistentVolumeClaim"].values() if p["spec"]["storageClassName"] == "nfs-client"]
    assert all(USED_FRACTION in p["metadata"]["annotations"] and GROWTH_PER_DAY in p["metadata"]["annotations"]
               for p in nfs)
    assert max(float(p["metadata"]["annotations"][USED_FRACTION]) for p in nfs) > 0.9
    local = [p for p in k["PersistentVolumeClaim"].values() if p["spec"]["storageClassName"] == "local-path"]
    assert local and all(USED_FRACTION not in p["metadata"]["annotations"] for p in local)
    waiting = [p for p in k["Pod"].values()
               if p["status"]["containerStatuses"][0]["state"].get("waiting", {}).get("reason") == "CrashLoopBackOff"]
    assert len(waiting) == 1 and waiting[0]["status"]["containerStatuses"][0]["restartCount"] > 5
    assert any(e["reason"] == "BackOff" for e in k["Event"].values())
    assert list(k["Ingress"]) == [("dev", "nginx-proxy")]
    dind = k["Deployment"][("dev", "devcontainer-dind")]["spec"]["template"]["spec"]
    assert dind.get("dnsPolicy") != "None"


def test_tls_secrets_hold_no_key_material():
    for s in build_objects(NOW):
        if s["kind"] == "Secret" and s["type"] == "kubernetes.io/tls":
            assert base64.b64decode(s["data"]["tls.crt"]).startswith(b"-----BEGIN CERTIFICATE-----")
            assert b"PRIVATE KEY" not in base64.b64decode(s["data"]["tls.key"])


def test_every_exposed_host_has_certificate_routes_and_middleware():
    k = by_kind(build_objects(NOW))
    routes = k["IngressRoute"]
    for (ns, name), cert in k["Certificate"].items():
        host = cert["spec"]["dnsNames"][0]
        assert host.endswith(".home.jetzinger.com") and cert["spec"]["issuerRef"]["name"] == "letsencrypt-prod"
        https = routes[(ns, host.split(".")[0] + "-https")]
        assert https["spec"]["entryPoints"] == ["websecure"] and https["spec"]["tls"]["secretName"] == name
        assert (ns, "https-redirect") in k["Middleware"]


def test_scale_ten_is_a_large_cluster():
    counts = collections.Counter(o["kind"] for o in build_objects(NOW, scale=10))
    assert 2500 <= counts["Pod"] <= 3500
    assert 350 <= counts["PersistentVolumeClaim"] <= 450
    assert 130 <= counts["Certificate"] <= 170 and counts["IngressRoute"] >= 2 * counts["Certificate"] - 10
