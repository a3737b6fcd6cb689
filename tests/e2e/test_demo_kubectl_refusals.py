"""A stock kubectl is refused by `homelab-tui demo-server` where a real K3s API server refuses, in its words.

Beyond unknown fields (tests/e2e/test_demo_kubectl_apply.py): a value of the wrong JSON type does not decode
(400 "… cannot be handled as a …: json: cannot unmarshal …"; on a patched object 422 "The request is invalid:
patch: …"), Secret data must be base64, enum fields take their supported values, a workload's selector must
match its pod template's labels, a CustomResource's values must have its schema's types. Nothing refused is
written; the home-lab's own manifests still apply.
"""

from __future__ import annotations


import pytest

from tests.e2e.procs import run_kubectl, serve_demo
from tests.e2e.test_demo_kubectl_apply import MANIFEST

pytestmark = pytest.mark.kubectl

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME, namespace: dev}
spec:
  replicas: 2
  strategy: {type: RollingUpdate}
  selector: {matchLabels: {app.kubernetes.io/name: NAME}}
  template:
    metadata: {labels: {app.kubernetes.io/name: NAME}}
    spec:
      containers: [{name: web, image: "nginx:1.29", imagePullPolicy: IfNotPresent}]
"""
INGRESS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: NAME, namespace: dev}
spec:
  rules:
  - host: NAME.home.jetzinger.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: NAME, port: {number: 80}}}}]
"""
SUPPORTED_TYPES = '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'

REFUSED = [
    ("configmap/bad-cm", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad-cm, namespace: dev}\ndata: {a: 1}\n",
     'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as '
     "a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"),
    ("secret/bad-secret",
     "apiVersion: v1\nkind: Secret\nmetadata: {name: bad-secret, namespace: dev}\ndata: {a: 'not base64!'}\n",
     'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3'),
    ("service/bad-svc", "apiVersion: v1\nkind: Service\nmetadata: {name: bad-svc, namespace: dev}\n"
                        "spec: {type: LoadBalancr, ports: [{port: 80}]}\n",
     f'The Service "bad-svc" is invalid: spec.type: Unsupported value: "LoadBalancr": supported values: '
     f"{SUPPORTED_TYPES}"),
    ("ingress/bad-ing", INGRESS.replace("NAME", "bad-ing").replace("pathType: Prefix", "pathType: Prefixx"),
     'The Ingress "bad-ing" is invalid: spec.rules[0].http.paths[0].pathType: Unsupported value: "Prefixx": '
     'supported values: "Exact", "ImplementationSpecific", "Prefix"'),
    ("deployment/bad-sel", DEPLOYMENT.replace("NAME", "bad-sel").replace("labels: {app.kubernetes.io/name: bad-sel}",
                                                                          "labels: {app: other}"),
     'The Deployment "bad-sel" is invalid: spec.template.metadata.labels: Invalid value: '
     'map[string]string{"app":"other"}: `selector` does not match template `labels`'),
    ("deployment/bad-count", DEPLOYMENT.replace("NAME", "bad-count").replace("replicas: 2", 'replicas: "two"'),
     'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct '
     "field DeploymentSpec.spec.replicas of type int32"),
    ("deployment/bad-strategy", DEPLOYMENT.replace("NAME", "bad-strategy").replace("type: RollingUpdate",
                                                                                  "type: Recreat"),
     'The Deployment "bad-strategy" is invalid: spec.strategy.type: Unsupported value: "Recreat": supported '
     'values: "Recreate", "RollingUpdate"'),
    ("deployment/bad-pull", DEPLOYMENT.replace("NAME", "bad-pull").replace("IfNotPresent", "Sometimes"),
     'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: '
     '"Always", "IfNotPresent", "Never"'),
    ("deployment/bad-restart", DEPLOYMENT.replace("NAME", "bad-restart").replace(
        "containers:", "restartPolicy: Never\n      containers:"),
     'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'),
    ("certificate/bad-cert", "apiVersion: cert-manager.io/v1\nkind: Certificate\n"
                             "metadata: {name: bad-cert, namespace: dev}\n"
                             "spec: {secretName: bad-cert, issuerRef: {name: letsencrypt-prod}, duration: 2160}\n",
     'The Certificate "bad-cert" is invalid: spec.duration: Invalid value: "integer": spec.duration in body must '
     'be of type string: "integer"'),
]


@pytest.fixture(scope="module")
def server():
    yield from serve_demo()


kubectl = run_kubectl


@pytest.mark.parametrize("ref, manifest, words", REFUSED, ids=[r[0] for r in REFUSED])
def test_a_manifest_a_real_server_refuses_is_refused_in_its_words(server, ref, manifest, words):
    out = kubectl(server, "apply", "-f", "-", manifest=manifest)
    assert out.returncode == 1 and words in out.stderr, out.stderr
    assert kubectl(server, "get", "-n", "dev", ref).returncode == 1


def test_a_patch_that_breaks_a_type_is_refused_and_changes_nothing(server):
    good = DEPLOYMENT.replace("NAME", "patched")
    assert kubectl(server, "apply", "-f", "-", manifest=good).returncode == 0
    out = kubectl(server, "apply", "-f", "-", manifest=good.replace("replicas: 2", 'replicas: "two"'))
    assert out.returncode == 1
    assert "The request is invalid: patch: Invalid value: " in out.stderr
    assert 'spec:map[replicas:two]]": unrecognized type: int32' in out.stderr, out.stderr
    merged = kubectl(server, "patch", "-n", "dev", "deployment/patched", "--type=merge",
                     "-p", '{"spec": {"replicas": "two"}}')
    assert merged.returncode == 1
    assert "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32" \
        in merged.stderr, merged.stderr
    scaled = kubectl(server, "patch", "-n", "dev", "deployment/patched", "--subresource=scale", "--type=merge",
                     "-p", '{"spec": {"replicas": "two"}}')
    assert scaled.returncode == 1 and "ScaleSpec.spec.replicas of type int32" in scaled.stderr, scaled.stderr
    replicas = kubectl(server, "get", "-n", "dev", "deployment/patched", "-o", "jsonpath={.spec.replicas}")
    assert replicas.stdout == "2"


def test_the_home_labs_manifests_still_apply(server):
    lab = MANIFEST.replace("REPLICAS", "1").replace("probe-", "good-")
    extra = ("---\napiVersion: v1\nkind: Secret\nmetadata: {name: good-secrets, namespace: dev}\n"
             "stringData: {API_KEY: changeme}\ndata: {TOKEN: c2VjcmV0}\n---\n"
             + DEPLOYMENT.replace("NAME", "good-gpu").replace("RollingUpdate", "Recreate") + "---\n"
             + INGRESS.replace("NAME", "good-ing") + "---\n"
             "apiVersion: v1\nkind: Service\nmetadata: {name: good-lb, namespace: dev}\n"
             "spec: {type: LoadBalancer, ports: [{port: 443, targetPort: 8443, protocol: TCP}]}\n")
    out = kubectl(server, "apply", "-f", "-", manifest=lab + extra)
    assert out.returncode == 0, out.stderr
    for ref in ("deployment.apps/good-server", "secret/good-secrets", "deployment.apps/good-gpu",
                "ingress.networking.k8s.io/good-ing", "service/good-lb"):
        assert f"{ref} created" in out.stdout
    again = kubectl(server, "apply", "-f", "-", manifest=lab.replace("replicas: 1", "replicas: 3") + extra)
    assert again.returncode == 0 and "deployment.apps/good-server configured" in again.stdout, again.stderr
