"""The home-lab's own conventions (project-context.md), checked live.

Each rule is data — id, title, why, fix (in the context document's own words) —
plus one small check function. Add a rule by writing a function in one of the
``conventions_*`` modules and one :class:`Rule` entry below.
"""

from __future__ import annotations

from typing import Iterable

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.convention_types import Rule, Violation
from homelab_tui.model.conventions_meta import check_labels, check_names, check_namespaces, check_secret_names
from homelab_tui.model.conventions_network import (
    check_default_storage_class, check_hosts, check_issuer, check_no_ingress, check_plain_http, check_public_ip,
    check_redirect_middleware, check_three_resources, check_traefik_group,
)
from homelab_tui.model.conventions_workloads import (
    check_dind_dns, check_fallbacks, check_gpu_exclusive, check_gpu_shm, check_gpu_strategy, check_host_path,
    check_litellm_only,
)
from homelab_tui.model.health import Finding, State, worst

__all__ = ["NOT_CHECKED_LIVE", "RULES", "Rule", "Violation", "check_conventions", "conventions_state", "rule", "violation_findings"]

RULES: tuple[Rule, ...] = (
    Rule("recommended-labels", 1, "Recommended labels with part-of: home-lab",
         "\"All resources MUST include Kubernetes recommended labels\" — app.kubernetes.io/name, instance, "
         "part-of: home-lab, component, managed-by.",
         "Add the five labels: app.kubernetes.io/name: {app}, instance: {app}-{component}, part-of: home-lab, "
         "component: {component}, managed-by: helm (or kubectl).", check_labels),
    Rule("naming", 2, "Names follow {app}-{component}",
         "\"Resource naming: {app}-{component} (e.g., vllm-server, litellm-config)\".",
         "Rename the resource to {app}-{component} and re-apply the manifest (kubectl apply -f {file}.yaml).",
         check_names),
    Rule("gpu-recreate", 3, "GPU deployments use strategy Recreate",
         "\"Deployments using GPU: Set strategy.type: Recreate (exclusive GPU access)\" — a rolling update would "
         "need a second GPU.",
         "Set spec.strategy.type: Recreate on the deployment.", check_gpu_strategy),
    Rule("no-ingress", 4, "No standard Ingress",
         "\"NEVER use standard Ingress resource — Traefik uses IngressRoute CRD\".",
         "Replace it with a Certificate, an HTTPS IngressRoute on websecure and an HTTP→HTTPS redirect "
         "IngressRoute on web, in a single file; then delete the Ingress.", check_no_ingress),
    Rule("three-resources", 5, "Certificate + HTTPS route + HTTP redirect for every exposed service",
         "\"Every exposed service needs 3 resources in a single file: Certificate, HTTPS IngressRoute "
         "(entryPoint: websecure), HTTP→HTTPS redirect (entryPoint: web)\".",
         "Add the missing resource(s) next to the others in the service's manifest file.",
         check_three_resources),
    Rule("redirect-middleware", 6, "Redirect uses https-redirect in its own namespace",
         "\"Critical: The redirect IngressRoute needs a middleware reference: name: https-redirect, "
         "namespace: {namespace}  # Must match the namespace\".",
         "Reference middlewares: [{name: https-redirect, namespace: <the route's namespace>}] and make sure the "
         "https-redirect Middleware exists there.", check_redirect_middleware),
    Rule("host-names", 7, "Hosts follow {service}.home.jetzinger.com",
         "\"Domain pattern: {service}.home.jetzinger.com\".",
         "Use Host(`{service}.home.jetzinger.com`) in the routes and the same name in the Certificate's dnsNames.",
         check_hosts),
    Rule("cluster-issuer", 8, "Certificates from ClusterIssuer letsencrypt-prod",
         "\"TLS: cert-manager + Let's Encrypt prod, ClusterIssuer: letsencrypt-prod\"; \"all ingress uses "
         "Let's Encrypt certs\".",
         "Set issuerRef: {name: letsencrypt-prod, kind: ClusterIssuer}.", check_issuer),
    Rule("secret-naming", 9, "Opaque app secrets are named {app}-secrets",
         "\"Secret naming: {app}-secrets (e.g., litellm-secrets, paperless-secrets)\".",
         "Create {app}-secrets from secrets/TEMPLATE.yaml (raw Secret with stringData), point the workload at it, "
         "delete the old one; never commit it.", check_secret_names),
    Rule("default-storageclass", 10, "nfs-client is the default StorageClass",
         "\"Storage: nfs-subdir-external-provisioner, StorageClass: nfs-client (default)\"; NFS is \"Default for "
         "most workloads\".",
         "Annotate nfs-client with storageclass.kubernetes.io/is-default-class=true and remove it from every "
         "other class (K3s marks local-path default).", check_default_storage_class),
    Rule("hostpath", 11, "hostPath only for the vLLM model cache",
         "\"NEVER use hostPath for general storage — use NFS PVCs or local-path StorageClass\"; hostPath is "
         "\"Only for GPU model cache (/var/lib/vllm/huggingface)\".",
         "Move the data to an nfs-client PVC (or local-path for node-local, low-latency data).", check_host_path),
    Rule("gpu-shm", 12, "GPU pods mount a memory emptyDir at /dev/shm",
         "\"emptyDir with Memory medium: For /dev/shm in GPU pods (vLLM needs shared memory)\".",
         "Add a volume emptyDir: {medium: Memory} and mount it at /dev/shm.", check_gpu_shm),
    Rule("litellm-only", 13, "Apps reach models only through LiteLLM",
         "\"Consumers MUST use LiteLLM aliases, NEVER direct model paths\"; \"all apps connect here, not to "
         "vLLM/Ollama directly\".",
         "Point the app at http://litellm.ml.svc.cluster.local:4000/v1 and request an alias (vllm-qwen, vllm-r1).",
         check_litellm_only),
    Rule("gpu-exclusive", 14, "ML and R1 vLLM never both up",
         "\"ML and R1 modes are mutually exclusive (12GB VRAM limit)\".",
         "Switch modes with gpu-mode ml|r1|gaming (homelab-tui gpu-mode), which scales one down before the "
         "other up.", check_gpu_exclusive),
    Rule("dind-dns", 15, "DinD containers use dnsPolicy: None",
         "\"NEVER create DinD containers without dnsPolicy: None — wildcard DNS interception will break image "
         "pulls\" (registry-1.docker.io.jetzinger.com matches the *.jetzinger.com wildcard).",
         "Set dnsPolicy: None with an explicit dnsConfig whose searches exclude jetzinger.com.", check_dind_dns),
    Rule("namespace-boundaries", 16, "Workloads sit in their domain's namespace",
         "\"NEVER deploy cross-domain resources into the wrong namespace\" (the Namespace Boundaries table).",
         "Redeploy into the namespace the table names (helm upgrade --install {name} {chart} -f "
         "values-homelab.yaml -n {namespace}).", check_namespaces),
    Rule("no-plain-http", 17, "No route serves without TLS",
         "\"NEVER expose services without TLS — all ingress uses Let's Encrypt certs\"; the only route on web is "
         "the HTTP→HTTPS redirect.",
         "Serve the service on websecure with tls.secretName from its Certificate; keep only the redirect "
         "(https-redirect middleware) on web.", check_plain_http),
    Rule("no-public-ip", 18, "No LoadBalancer with a public IP",
         "\"NEVER use public IP exposure — all access via Tailscale VPN\".",
         "Give the service a private MetalLB address (L2 pool) and reach it over Tailscale.", check_public_ip),
    Rule("litellm-fallbacks", 19, "LiteLLM falls back vllm-qwen → ollama-qwen → openai-gpt4o",
         "\"Three-tier fallback: vLLM → Ollama → OpenAI\"; \"Gaming mode: vLLM replicas set to 0, LiteLLM "
         "auto-fails over to Ollama\"; \"NEVER assume GPU is available — always design for Ollama CPU fallback\".",
         "In ml/litellm-config (config.yaml) set router_settings.fallbacks: [{\"vllm-qwen\": [\"ollama-qwen\"]}, "
         "{\"ollama-qwen\": [\"openai-gpt4o\"]}], then restart LiteLLM (kubectl rollout restart).", check_fallbacks),
    Rule("traefik-api-group", 20, "IngressRoutes and Middlewares use traefik.io/v1alpha1",
         "\"HTTPS IngressRoute (traefik.io/v1alpha1/IngressRoute, entryPoint: websecure)\"; K3s ships Traefik v3, "
         "which no longer reads the traefik.containo.us group, so such a route serves nothing.",
         "Change apiVersion to traefik.io/v1alpha1, apply it, then delete the traefik.containo.us object.",
         check_traefik_group),
)

#: rules of project-context.md that the cluster's API cannot show (they live in files, git or Helm's command line)
NOT_CHECKED_LIVE: tuple[str, ...] = (
    "manifest headers with FR/NFR",
    "one file per service",
    "stringData for Secrets",
    "no Helm --set",
    "no secrets in git",
    "commits, ADRs, migrations",
)

_BY_ID = {r.id: r for r in RULES}


def rule(rule_id: str) -> Rule:
    """The rule with ``rule_id`` (KeyError when unknown)."""
    return _BY_ID[rule_id]


def check_conventions(cluster: ClusterState, settings: Settings,
                      rules: Iterable[Rule] = RULES) -> tuple[Violation, ...]:
    """Every violation, by rule number then resource."""
    order = {r.id: r.number for r in RULES}
    found = [v for r in rules for v in r.check(cluster, settings)]
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda v: (order.get(v.rule_id, 99), v.resource, v.message))
    return tuple(unique)


def violation_findings(violations: Iterable[Violation]) -> tuple[Finding, ...]:
    """Violations as findings (for a roll-up such as ``check --conventions``)."""
    return tuple(Finding(v.state, v.resource, f"[{_BY_ID[v.rule_id].number if v.rule_id in _BY_ID else '?'}] "
                                              f"{v.message}") for v in violations)


def conventions_state(violations: Iterable[Violation]) -> State:
    """The worst state among ``violations`` (OK when none)."""
    return worst(v.state for v in violations)
