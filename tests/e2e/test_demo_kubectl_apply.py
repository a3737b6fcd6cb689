"""A stock kubectl applies the home-lab's own manifests to `homelab-tui demo-server` with its default validation.

kubectl (≥ 1.27) reads /openapi/v3 to learn that the server validates fields, then sends
``fieldValidation=Strict``; the demo refuses unknown fields at any depth as a real API server does, honours
``--dry-run=server``, takes ``--server-side`` apply, and serves the schemas ``kubectl explain`` reads.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.procs import run_kubectl, serve_demo

pytestmark = pytest.mark.kubectl

MANIFEST = """# Probe Deployment, Service, Certificate and IngressRoutes for home-lab
# Namespace: dev
#
# Story: 99.1 - Probe the simulated home-lab
# Epic: 99 - homelab-tui
#
# FRs:
# - FR99: kubectl apply works against the demo
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: probe-server
  namespace: dev
  labels: LABELS
spec:
  replicas: REPLICAS
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector:
    matchLabels: {app.kubernetes.io/name: probe, app.kubernetes.io/component: server}
  template:
    metadata:
      labels: LABELS
    spec:
      containers:
        - name: probe
          image: ghcr.io/example/probe:1.2.3
          ports: [{name: http, containerPort: 8080}]
          env: [{name: LOG_LEVEL, value: info}, {name: TZ, value: Europe/Berlin}]
          resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10}
---
apiVersion: v1
kind: Service
metadata:
  name: probe-server
  namespace: dev
  labels: LABELS
spec:
  selector: {app.kubernetes.io/name: probe, app.kubernetes.io/component: server}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: probe-tls
  namespace: dev
  labels: LABELS
spec:
  secretName: probe-tls
  dnsNames: [probe.home.jetzinger.com]
  issuerRef: {name: letsencrypt-prod, kind: ClusterIssuer}
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: probe-https
  namespace: dev
  labels: LABELS
spec:
  entryPoints: [websecure]
  routes:
    - match: Host(`probe.home.jetzinger.com`)
      kind: Rule
      services: [{name: probe-server, port: 80}]
  tls: {secretName: probe-tls}
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: probe-http
  namespace: dev
  labels: LABELS
spec:
  entryPoints: [web]
  routes:
    - match: Host(`probe.home.jetzinger.com`)
      kind: Rule
      middlewares: [{name: https-redirect, namespace: dev}]
      services: [{name: probe-server, port: 80}]
""".replace("LABELS", "{app.kubernetes.io/name: probe, app.kubernetes.io/instance: probe-server, "
                     "app.kubernetes.io/part-of: home-lab, app.kubernetes.io/component: server, "
                     "app.kubernetes.io/managed-by: kubectl}")
CREATED = ["deployment.apps/probe-server", "service/probe-server", "certificate.cert-manager.io/probe-tls",
           "ingressroute.traefik.io/probe-https", "ingressroute.traefik.io/probe-http"]


@pytest.fixture(scope="module")
def server():
    yield from serve_demo()


kubectl = run_kubectl


def get(info: dict, *args: str) -> dict:
    out = kubectl(info, "get", "-n", "dev", "-o", "json", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_manifest_in_the_home_labs_style_applies_with_default_validation(server):
    first = kubectl(server, "apply", "-f", "-", manifest=MANIFEST.replace("REPLICAS", "1"))
    assert first.returncode == 0, first.stderr
    assert first.stdout.split("\n")[:5] == [f"{name} created" for name in CREATED]
    # a strategic merge patch built from the served schemas' patch merge keys: the env var left out goes
    again = kubectl(server, "apply", "-f", "-", manifest=MANIFEST.replace("REPLICAS", "2").replace(
        ", {name: TZ, value: Europe/Berlin}", ""))
    assert again.returncode == 0 and f"{CREATED[0]} configured" in again.stdout, again.stderr
    assert f"{CREATED[3]} unchanged" in again.stdout
    deployment = get(server, "deployment/probe-server")
    assert deployment["spec"]["replicas"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert container["readinessProbe"]["httpGet"]["port"] == "http"
    assert get(server, "certificate/probe-tls")["spec"]["issuerRef"]["name"] == "letsencrypt-prod"


@pytest.mark.parametrize("prefix, old, new, field, refused", [
    ("pod", "image: ghcr.io/example/probe:1.2.3",
     "image: ghcr.io/example/probe:1.2.3\n          imagePullPolicyy: Always",
     "spec.template.spec.containers[0].imagePullPolicyy", "deployment/pod-server"),
    ("cert", "dnsNames:", "dnsName:", "spec.dnsName", "certificate/cert-tls"),
    ("route", "port: 80}]\n  tls", "port: 80, sheme: https}]\n  tls", "spec.routes[0].services[0].sheme",
     "ingressroute/route-https"),
])
def test_an_unknown_field_at_any_depth_is_refused_and_not_written(server, prefix, old, new, field, refused):
    """kubectl's default (--validate=strict) sends fieldValidation=Strict: the server refuses the object and
    names the field by its path; the manifest's other objects are applied. --validate=warn warns instead."""
    manifest = MANIFEST.replace("REPLICAS", "1").replace("probe-", f"{prefix}-")
    assert old in manifest
    manifest = manifest.replace(old, new, 1)
    out = kubectl(server, "apply", "-f", "-", manifest=manifest)
    assert out.returncode == 1
    assert 'Error from server (BadRequest): error when creating "STDIN": ' in out.stderr
    assert f'strict decoding error: unknown field "{field}"' in out.stderr
    assert kubectl(server, "get", "-n", "dev", refused).returncode == 1
    assert f"ingressroute.traefik.io/{prefix}-http created" in out.stdout
    warned = kubectl(server, "apply", "--validate=warn", "--dry-run=server", "-f", "-", manifest=manifest)
    assert warned.returncode == 0 and f'Warning: unknown field "{field}"' in warned.stderr, warned.stderr


def test_server_dry_run_changes_nothing(server):
    created = kubectl(server, "apply", "--dry-run=server", "-f", "-",
                      manifest=MANIFEST.replace("REPLICAS", "4").replace("probe-", "dry-"))
    assert created.returncode == 0 and "deployment.apps/dry-server created (server dry run)" in created.stdout
    assert not [d for d in get(server, "deployments")["items"] if d["metadata"]["name"] == "dry-server"]
    kubectl(server, "apply", "-f", "-", manifest=MANIFEST.replace("REPLICAS", "1"))
    changed = kubectl(server, "apply", "--dry-run=server", "-f", "-", manifest=MANIFEST.replace("REPLICAS", "4"))
    assert changed.returncode == 0 and f"{CREATED[0]} configured (server dry run)" in changed.stdout
    deleted = kubectl(server, "delete", "--dry-run=server", "service/probe-server", "-n", "dev")
    assert deleted.returncode == 0 and "(server dry run)" in deleted.stdout, deleted.stderr
    assert get(server, "deployment/probe-server")["spec"]["replicas"] == 1
    assert get(server, "service/probe-server")["metadata"]["name"] == "probe-server"


def test_server_side_apply_creates_and_updates(server):
    manifest = MANIFEST.replace("REPLICAS", "2").replace("probe-", "ssa-")
    first = kubectl(server, "apply", "--server-side", "-f", "-", manifest=manifest)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split("\n")[:5] == [f"{n.replace('probe-', 'ssa-')} serverside-applied" for n in CREATED]
    again = kubectl(server, "apply", "--server-side", "-f", "-",
                    manifest=manifest.replace("replicas: 2", "replicas: 0"))
    assert again.returncode == 0, again.stderr
    assert get(server, "deployment/ssa-server")["spec"]["replicas"] == 0
    typo = kubectl(server, "apply", "--server-side", "-f", "-", manifest=manifest.replace("  secretName: ssa-tls\n",
                                                                                          "  secretNam: ssa-tls\n", 1))
    assert typo.returncode == 1 and 'unknown field "spec.secretNam"' in typo.stderr


def test_create_and_explain(server):
    out = kubectl(server, "create", "-f", "-", manifest=MANIFEST.replace("REPLICAS", "1").replace("probe-", "made-"))
    assert out.returncode == 0 and "ingressroute.traefik.io/made-http created" in out.stdout, out.stderr
    explained = kubectl(server, "explain", "deployment.spec.template.spec.containers.readinessProbe")
    assert explained.returncode == 0 and "httpGet\t<HTTPGetAction>" in explained.stdout, explained.stderr
    route = kubectl(server, "explain", "ingressroute.spec.routes.services")
    assert route.returncode == 0 and "KIND:       IngressRoute" in route.stdout and "port\t<" in route.stdout
    cert = kubectl(server, "explain", "certificates.spec.issuerRef")
    assert cert.returncode == 0 and "name\t<string> -required-" in cert.stdout, cert.stdout
