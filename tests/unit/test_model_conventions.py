"""Every convention rule with an obeying and a violating object."""

from __future__ import annotations

import copy

import pytest
from tests.unit.factories import (
    certificate, cluster, cluster_issuer, configmap, container, deployment, exposed, home_labels, ingress, ingressroute,
    pod, pod_spec, redirect_route, secret, service, statefulset, storage_class,
)

from homelab_tui.config import Settings
from homelab_tui.model.conventions import (
    RULES, check_conventions, conventions_state, rule, violation_findings,
)
from homelab_tui.model.health import State
from homelab_tui.sources.resources import WATCHED

S = Settings()
LITELLM = "http://litellm.ml.svc.cluster.local:4000/v1"
SHM_VOLUME = {"name": "dshm", "emptyDir": {"medium": "Memory"}}
SHM_MOUNT = {"name": "dshm", "mountPath": "/dev/shm"}
CACHE_VOLUME = {"name": "cache", "hostPath": {"path": "/var/lib/vllm/huggingface"}}


CHAINED = 'router_settings:\n  fallbacks:\n  - {"vllm-qwen": ["ollama-qwen"]}\n  - {"ollama-qwen": ["openai-gpt4o"]}\n'


def litellm_config(config: str) -> dict:
    return configmap("litellm-config", "ml", {"config.yaml": config}, labels=home_labels("litellm", "config"))


def gpu_deployment(name="vllm-server", replicas=1, strategy="Recreate", shm=True, volumes=()):
    vols = ([SHM_VOLUME] if shm else []) + list(volumes)
    spec = pod_spec([container("vllm", "vllm/vllm-openai:v0.10.2", gpu=1, mounts=[SHM_MOUNT] if shm else None)],
                    vols)
    return deployment(name, "ml", replicas=replicas, strategy=strategy, spec=spec)


def dind(policy=None, searches=None):
    extra = {}
    if policy:
        extra["dnsPolicy"] = policy
    if searches is not None:
        extra["dnsConfig"] = {"nameservers": ["1.1.1.1"], "searches": searches}
    spec = pod_spec([container("dind", "docker.io/library/docker:28.3-dind")], **extra)
    return deployment("devcontainer-dind", "dev", spec=spec, labels=home_labels("devcontainer", "dind"))


def without(objs, kind):
    return [o for o in objs if o["kind"] != kind or (kind == "IngressRoute" and "web" not in o["spec"].get(
        "entryPoints", []))]


CASES = {
    "recommended-labels": (
        [deployment("n8n"), service("n8n", labels=home_labels("n8n", "http"))],
        [deployment("n8n", labels={"app": "n8n"}),
         deployment("tika", "docs", labels={**home_labels("tika", "parser"), "app.kubernetes.io/part-of": "x"})],
        "missing name, instance, part-of, component, managed-by"),
    "naming": (
        [deployment("vllm-server", "ml"), deployment("n8n"), configmap("litellm-config", "ml",
                                                                        labels=home_labels("litellm", "config"))],
        [deployment("dashboards", "monitoring", labels=home_labels("grafana", "dashboards"))],
        "expected grafana-dashboards"),
    "gpu-recreate": ([gpu_deployment()], [gpu_deployment(strategy=None)], "strategy RollingUpdate, not Recreate"),
    "no-ingress": (exposed("n8n"), [ingress("nginx-proxy", "dev", "dev.home.jetzinger.com")],
                   "standard networking.k8s.io Ingress (dev.home.jetzinger.com)"),
    "three-resources": (exposed("n8n"), without(exposed("n8n"), "IngressRoute"),
                        "lacks an HTTP redirect IngressRoute on web"),
    "redirect-middleware": (
        exposed("n8n"),
        [o for o in exposed("n8n") if "redirect" not in o["metadata"]["name"]]
        + [redirect_route("n8n-redirect", mw_namespace="kube-system")],
        "https-redirect referenced in namespace kube-system, not apps"),
    "host-names": (exposed("n8n"), [ingressroute("n8n-https", host="n8n.example.org")],
                   "host n8n.example.org does not follow {service}.home.jetzinger.com"),
    "cluster-issuer": ([certificate("n8n-tls")], [certificate("n8n-tls", issuer="letsencrypt-staging")],
                       "issued by ClusterIssuer letsencrypt-staging, not ClusterIssuer letsencrypt-prod"),
    "secret-naming": (
        [secret("n8n-secrets"), secret("n8n-tls", type_="kubernetes.io/tls"), secret("memberlist", "infra")],
        [secret("dev-registry-creds", "dev")], "Opaque secret not named {app}-secrets"),
    "default-storageclass": (
        [storage_class("nfs-client", default=True), storage_class("local-path")],
        [storage_class("nfs-client"), storage_class("local-path", default=True)], "nfs-client is not the default"),
    "hostpath": ([gpu_deployment(volumes=[CACHE_VOLUME])],
                 [deployment("n8n", spec=pod_spec(volumes=[{"name": "d", "hostPath": {"path": "/srv/n8n"}}]))],
                 "hostPath volume 'd' at /srv/n8n"),
    "gpu-shm": ([gpu_deployment()], [gpu_deployment(shm=False)], "without an emptyDir (medium: Memory) at /dev/shm"),
    "litellm-only": (
        [deployment("open-webui", spec=pod_spec([container(env={"OPENAI_API_BASE_URL": LITELLM,
                                                                "DEFAULT_MODELS": "vllm-qwen"})])),
         configmap("litellm-config", "ml", {"config.yaml": "model: hosted_vllm/Qwen/Qwen3-8B-AWQ"})],
        [deployment("paperless-gpt", "docs", spec=pod_spec([container(
            env={"OPENAI_BASE_URL": "http://vllm-server.ml.svc.cluster.local:8000/v1"})])),
         configmap("paperless-gpt-config", "docs", {"llm": "openai/Qwen/Qwen3-8B-AWQ"})],
        "'vllm-server.ml' instead of a LiteLLM alias"),
    "gpu-exclusive": ([gpu_deployment(), gpu_deployment("vllm-r1", replicas=0)],
                      [gpu_deployment(), gpu_deployment("vllm-r1", replicas=1)],
                      "vllm-server and vllm-r1 are both scaled up"),
    "dind-dns": ([dind("None", ["svc.cluster.local"])], [dind()], "DinD container with dnsPolicy ClusterFirst"),
    "namespace-boundaries": ([deployment("n8n", "apps"), statefulset("postgresql", "data")],
                             [deployment("n8n", "docs")], "n8n belongs in namespace 'apps', not 'docs'"),
    "no-plain-http": (exposed("n8n"),
                      [ingressroute("n8n-http", entry_points=("web",), tls_secret=None)],
                      "serves without TLS on web"),
    "no-public-ip": ([service("traefik", "kube-system", "LoadBalancer", ("192.168.2.100",)),
                      service("tailnet", "infra", "LoadBalancer", ("100.64.0.7",))],
                     [service("traefik", "kube-system", "LoadBalancer", ("8.8.8.8",))],
                     "exposes public IP 8.8.8.8"),
    "traefik-api-group": (exposed("n8n"), [ingressroute("n8n-https", legacy=True)],
                          "traefik.containo.us/v1alpha1, which Traefik v3 no longer reads: it routes nothing"),
    "litellm-fallbacks": ([litellm_config(CHAINED)], [litellm_config(CHAINED.split("\n  - ")[0])],
                          "LiteLLM tries no fallbacks for vllm-qwen; the home-lab's chain is "
                          "vllm-qwen → ollama-qwen → openai-gpt4o"),
}


def _of(rule_id, objs):
    return [v for v in check_conventions(cluster(*objs), S) if v.rule_id == rule_id]


def test_every_rule_has_a_case_and_complete_data():
    assert sorted(CASES) == sorted(r.id for r in RULES)
    assert [r.number for r in RULES] == list(range(1, 21))
    for r in RULES:
        assert r.title and r.why and r.fix and callable(r.check)
    assert rule("gpu-exclusive").number == 14


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_obeying_objects_pass(rule_id):
    good, _bad, _msg = CASES[rule_id]
    assert _of(rule_id, good) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_violating_objects_are_reported(rule_id):
    _good, bad, msg = CASES[rule_id]
    found = _of(rule_id, bad)
    assert found, rule_id
    assert any(msg in v.message for v in found), [v.message for v in found]
    assert all(v.state in (State.WARN, State.FAIL) for v in found)


def test_extra_violations_of_some_rules():
    assert any("part-of is 'x'" in v.message for v in _of("recommended-labels", CASES["recommended-labels"][1]))
    assert any("'openai/Qwen/Qwen3-8B-AWQ'" in v.message and v.resource == "ConfigMap docs/paperless-gpt-config"
               for v in _of("litellm-only", CASES["litellm-only"][1]))
    assert _of("dind-dns", [dind("None", ["jetzinger.com"])])[0].message == \
        "DinD DNS search list contains jetzinger.com"
    assert _of("namespace-boundaries", [deployment("toy", "sandbox")])[0].message == \
        "namespace 'sandbox' is not in the home-lab's table"
    no_eps = ingressroute("x-http", entry_points=None, tls_secret=None)
    assert "every entry point" in _of("no-plain-http", [no_eps])[0].message
    assert "on websecure without tls" in _of("no-plain-http", [ingressroute("x", tls_secret=None)])[0].message
    plain = ingress("nginx-proxy", "dev", "dev.home.jetzinger.com")
    found = _of("no-plain-http", [plain])
    assert [(v.resource, v.message, v.state) for v in found] == [
        ("Ingress dev/nginx-proxy", "serves dev.home.jetzinger.com without TLS (no spec.tls for it)", State.FAIL)]
    with_tls = copy.deepcopy(plain)
    with_tls["spec"]["tls"] = [{"hosts": ["dev.home.jetzinger.com"], "secretName": "dev-tls"}]
    annotated = copy.deepcopy(plain)
    annotated["metadata"]["annotations"] = {"traefik.ingress.kubernetes.io/router.tls": "true"}
    assert _of("no-plain-http", [with_tls]) == [] and _of("no-plain-http", [annotated]) == []
    assert "StorageClass nfs-client is missing" in [
        v.message for v in _of("default-storageclass", [storage_class("local-path", default=True)])]
    assert _of("gpu-exclusive", CASES["gpu-exclusive"][1])[0].state is State.FAIL
    missing_mw = [o for o in exposed("n8n") if o["kind"] != "Middleware"]
    assert "does not exist" in _of("redirect-middleware", missing_mw)[0].message
    assert "a Certificate in apps writing secret n8n-tls" in _of(
        "three-resources", [o for o in exposed("n8n") if o["kind"] != "Certificate"])[0].message
    elsewhere = [o for o in exposed("n8n") if o["kind"] != "Certificate"] + [
        certificate("n8n-tls", "docs", ("n8n.home.jetzinger.com",))]
    assert _of("three-resources", elsewhere)[0].message == \
        "n8n.home.jetzinger.com lacks a Certificate in apps writing secret n8n-tls"


def test_kube_system_and_generated_objects_are_exempt_where_documented():
    k3s = deployment("coredns", "kube-system", labels={"k8s-app": "kube-dns"})
    assert _of("recommended-labels", [k3s]) == []
    owned = pod("x", "apps", owner=("ReplicaSet", "x-1"),
                spec=pod_spec(volumes=[{"name": "d", "hostPath": {"path": "/x"}}]))
    assert _of("hostpath", [owned]) == []
    bare = pod("x", "apps", spec=pod_spec(volumes=[{"name": "d", "hostPath": {"path": "/x"}}]))
    assert _of("hostpath", [bare])


def test_check_sorted_by_rule_number_and_not_mutating():
    objs = [ingress("legacy", "dev"), deployment("n8n", labels={"app": "n8n"}), secret("creds", "dev")]
    before = copy.deepcopy(objs)
    found = check_conventions(cluster(*objs), S)
    numbers = [rule(v.rule_id).number for v in found]
    assert numbers == sorted(numbers)
    assert objs == before
    assert conventions_state(found) is State.FAIL  # the Ingress serves legacy.home.jetzinger.com without TLS
    assert conventions_state(tuple(v for v in found if v.rule_id != "no-plain-http")) is State.WARN
    assert conventions_state(()) is State.OK
    assert violation_findings(found)[0].reason.startswith("[1] ")


def test_empty_and_garbage_cluster():
    assert check_conventions(cluster(), S) == ()
    garbage = cluster(
        {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": None, "spec": {"template": None}},
        {"kind": "Service", "apiVersion": "v1", "spec": {"type": "LoadBalancer", "externalIPs": ["not-an-ip"]}},
        {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "x", "namespace": "apps"}},
        {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c", "namespace": "apps"}, "data": None},
        {"kind": "Certificate", "apiVersion": "cert-manager.io/v1", "spec": {"dnsNames": [None, 3]}},
    )
    check_conventions(garbage, S)


def test_a_home_lab_app_deployed_into_kube_system_is_checked():
    # K3s' own objects there stay exempt; an app whose table namespace is elsewhere does not
    spec = pod_spec([container("open-webui", "ghcr.io/open-webui/open-webui:0.6",
                               env={"OPENAI_API_BASE_URL": "http://vllm-server.ml.svc.cluster.local:8000/v1"})],
                    [{"name": "data", "hostPath": {"path": "/srv/open-webui"}}])
    misplaced = deployment("open-webui", "kube-system", spec=spec, labels={"app": "open-webui"})
    found = {v.rule_id: v.message for v in check_conventions(cluster(misplaced), S)}
    assert found["namespace-boundaries"] == "open-webui belongs in namespace 'apps', not 'kube-system'"
    assert "hostpath" in found and "litellm-only" in found and "recommended-labels" in found
    k3s = [deployment("coredns", "kube-system", labels={"k8s-app": "kube-dns"}),
           deployment("local-path-provisioner", "kube-system", labels={"app": "local-path-provisioner"}),
           deployment("traefik", "kube-system", labels=home_labels("traefik", "ingress", "helm"))]
    assert check_conventions(cluster(*k3s), S) == ()


def test_prometheus_scraping_the_backends_is_not_a_litellm_bypass():
    prom = configmap("prometheus-server-config", "monitoring", labels=home_labels("prometheus", "config"), data={
        "prometheus.yml": "scrape_configs:\n  - job_name: vllm\n    static_configs:\n"
                          "      - targets: ['vllm-server.ml.svc.cluster.local:8000']\n"})
    exporter = deployment("grafana-agent", "monitoring", labels=home_labels("grafana", "agent"), spec=pod_spec(
        [container("agent", env={"VLLM_METRICS": "http://vllm-server.ml.svc.cluster.local:8000/metrics"})]))
    assert _of("litellm-only", [prom, exporter]) == []
    caller = deployment("grafana-llm", "monitoring", labels=home_labels("grafana", "llm"), spec=pod_spec(
        [container("llm", env={"LLM_URL": "http://vllm-server.ml.svc.cluster.local:8000/v1"})]))
    assert _of("litellm-only", [caller])[0].message == \
        "container llm env LLM_URL uses 'vllm-server.ml' instead of a LiteLLM alias"


def test_a_wildcard_certificate_of_the_domain_follows_the_host_pattern():
    wild = certificate("wildcard-tls", "infra", ("*.home.jetzinger.com",))
    assert _of("host-names", [wild]) == []
    other = certificate("wildcard-tls", "infra", ("*.example.org", "*.dev.home.jetzinger.com"))
    assert {v.message for v in _of("host-names", [other])} == {
        "dnsName *.example.org does not follow {service}.home.jetzinger.com",
        "dnsName *.dev.home.jetzinger.com does not follow {service}.home.jetzinger.com"}


def test_a_helm_release_misnamed_is_told_to_use_fullname_override():
    grafana = deployment("kube-prometheus-stack-grafana", "monitoring",
                         labels=home_labels("grafana", "dashboards", managed_by="Helm"))
    assert _of("naming", [grafana])[0].message == (
        "name does not start with its app 'grafana' (expected grafana-dashboards)"
        " (Helm-managed: set fullnameOverride in values-homelab.yaml)")


def test_rule_8_fails_when_the_cluster_issuer_is_missing_or_not_ready():
    assert _of("cluster-issuer", [*exposed("n8n"), cluster_issuer()]) == []
    gone = check_conventions(cluster(*exposed("n8n"), synced=frozenset(s.key for s in WATCHED)), S)
    assert [(v.resource, v.message, v.state) for v in gone if v.rule_id == "cluster-issuer"] == [
        ("ClusterIssuer letsencrypt-prod", "does not exist: no Certificate can be issued or renewed", State.FAIL)]
    unready = _of("cluster-issuer", [cluster_issuer(ready="False", reason="Pending", message="")])
    assert unready[0].message == "is not Ready: Pending: no Certificate can be issued or renewed"


def test_litellm_fallbacks_are_followed_depth_first_as_litellm_does():
    one_list = 'router_settings:\n  fallbacks: [{"vllm-qwen": ["ollama-qwen", "openai-gpt4o"]}]\n'
    assert _of("litellm-fallbacks", [litellm_config(one_list)]) == []
    legacy = 'litellm_settings:\n  fallbacks: [{"vllm-qwen": ["ollama-qwen"]}, {"ollama-qwen": ["openai-gpt4o"]}]\n'
    assert _of("litellm-fallbacks", [litellm_config(legacy)]) == []
    skips_ollama = 'router_settings:\n  fallbacks: [{"vllm-qwen": ["openai-gpt4o"]}]\n'
    assert _of("litellm-fallbacks", [litellm_config(skips_ollama)])[0].message == (
        "LiteLLM tries vllm-qwen → openai-gpt4o; the home-lab's chain is vllm-qwen → ollama-qwen → openai-gpt4o")
    broken = _of("litellm-fallbacks", [litellm_config("router_settings: [unclosed\n")])
    assert broken[0].resource == "ConfigMap ml/litellm-config (config.yaml)"
    assert broken[0].message.startswith("cannot be read (not YAML: ")
    assert _of("litellm-fallbacks", []) == []  # no LiteLLM configuration in the cluster: nothing to compare


def test_the_model_cache_hostpath_is_allowed_to_gpu_workloads_only():
    assert _of("hostpath", [gpu_deployment(volumes=[CACHE_VOLUME])]) == []
    cpu = deployment("n8n", spec=pod_spec([container("n8n")], [CACHE_VOLUME]))
    assert _of("hostpath", [cpu])[0].message == "hostPath volume 'cache' at /var/lib/vllm/huggingface"


def test_rule_1_checks_the_managed_by_value():
    assert _of("recommended-labels", [deployment("n8n", labels=home_labels("n8n", "web", "Helm"))]) == []
    argo = deployment("n8n", labels=home_labels("n8n", "web", "argocd"))
    assert _of("recommended-labels", [argo])[0].message == "managed-by is 'argocd', not helm or kubectl"


def test_litellm_uses_the_first_fallbacks_entry_that_names_a_model_group():
    twice = ('router_settings:\n  fallbacks: [{"vllm-qwen": ["openai-gpt4o"]}, {"vllm-qwen": ["ollama-qwen"]},'
             ' {"ollama-qwen": ["openai-gpt4o"]}]\n')
    assert _of("litellm-fallbacks", [litellm_config(twice)])[0].message.startswith(
        "LiteLLM tries vllm-qwen → openai-gpt4o;")


def test_a_statefulset_with_a_hostpath_volume_breaks_rule_11():
    db = statefulset("postgres", spec=pod_spec(volumes=[{"name": "pg", "hostPath": {"path": "/srv/pg"}}]))
    assert [v.message for v in _of("hostpath", [db])] == ["hostPath volume 'pg' at /srv/pg"]
