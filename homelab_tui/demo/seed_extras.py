"""ConfigMaps, the Traefik LoadBalancer and CoreDNS Services, deliberate convention violations and Events."""

from __future__ import annotations

from homelab_tui.demo.seed_util import Gen, b64, recommended

LITELLM_CONFIG = """\
model_list:
  - model_name: vllm-qwen
    litellm_params:
      model: hosted_vllm/Qwen/Qwen3-8B-AWQ
      api_base: http://vllm-server.ml.svc.cluster.local:8000/v1
  - model_name: vllm-r1
    litellm_params:
      model: hosted_vllm/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B
      api_base: http://vllm-r1.ml.svc.cluster.local:8000/v1
  - model_name: ollama-qwen
    litellm_params:
      model: ollama_chat/qwen3:4b
      api_base: http://ollama.ml.svc.cluster.local:11434
  - model_name: openai-gpt4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
router_settings:
  fallbacks: [{"vllm-qwen": ["ollama-qwen"]}, {"ollama-qwen": ["openai-gpt4o"]}]
  num_retries: 1
  timeout: 60
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""

NODE_HOSTS = """\
192.168.2.20 k3s-master
192.168.2.21 k3s-worker-01
192.168.2.22 k3s-worker-02
192.168.2.23 k3s-gpu-worker
192.168.2.10 nas.home.jetzinger.com
"""

COREFILE = """\
.:53 {
    errors
    health
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
      pods insecure
      fallthrough in-addr.arpa ip6.arpa
    }
    hosts /etc/coredns/NodeHosts {
      ttl 60
      reload 15s
      fallthrough
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
"""


def config_maps(gen: Gen) -> list[dict]:
    coredns = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": gen.md("coredns", "kube-system", recommended("coredns", "config"), days=300,
                                  annotations={"objectset.rio.cattle.io/id": "", "objectset.rio.cattle.io/owner-gvk":
                                               "k3s.cattle.io/v1, Kind=Addon"}),
               "data": {"Corefile": COREFILE, "NodeHosts": NODE_HOSTS}}
    litellm = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": gen.md("litellm-config", "ml", recommended("litellm", "config"), days=60),
               "data": {"config.yaml": LITELLM_CONFIG}}
    return [coredns, litellm]


def edge_services(gen: Gen) -> list[dict]:
    """Traefik's LoadBalancer (a MetalLB address: data only, never contacted) and CoreDNS's kube-dns."""
    traefik = {"apiVersion": "v1", "kind": "Service",
               "metadata": gen.md("traefik", "kube-system", recommended("traefik", "ingress", "helm"), days=300,
                                  annotations={"metallb.universe.tf/ip-allocated-from-pool": "homelab-pool"}),
               "spec": {"type": "LoadBalancer", "clusterIP": "10.43.92.16", "clusterIPs": ["10.43.92.16"],
                        "selector": {"app.kubernetes.io/name": "traefik",
                                     "app.kubernetes.io/instance": "traefik-ingress"},
                        "ports": [{"name": "web", "port": 80, "targetPort": "web", "protocol": "TCP",
                                   "nodePort": 31080},
                                  {"name": "websecure", "port": 443, "targetPort": "websecure", "protocol": "TCP",
                                   "nodePort": 31443}],
                        "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
                        "allocateLoadBalancerNodePorts": True, "ipFamilies": ["IPv4"],
                        "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None"},
               "status": {"loadBalancer": {"ingress": [{"ip": "192.168.2.100", "ipMode": "VIP"}]}}}
    dns_labels = {**recommended("coredns", "dns"), "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}
    kube_dns = {"apiVersion": "v1", "kind": "Service",
                "metadata": gen.md("kube-dns", "kube-system", dns_labels, days=300,
                                   annotations={"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}),
                "spec": {"type": "ClusterIP", "clusterIP": "10.43.0.10", "clusterIPs": ["10.43.0.10"],
                         "selector": {"app.kubernetes.io/name": "coredns",
                                      "app.kubernetes.io/instance": "coredns-dns"},
                         "ports": [{"name": "dns", "port": 53, "targetPort": 53, "protocol": "UDP"},
                                   {"name": "dns-tcp", "port": 53, "targetPort": 53, "protocol": "TCP"},
                                   {"name": "metrics", "port": 9153, "targetPort": 9153, "protocol": "TCP"}],
                         "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
                         "internalTrafficPolicy": "Cluster"},
                "status": {"loadBalancer": {}}}
    return [traefik, kube_dns]


def violations(gen: Gen) -> list[dict]:
    """Objects that break the home-lab's conventions on purpose, so the Conventions screen has work to do."""
    # CONVENTION VIOLATION (rules 4 and 1): a standard networking.k8s.io/v1 Ingress left in dev, and it carries
    # only an `app` label instead of the five recommended app.kubernetes.io labels
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": gen.md("nginx-proxy", "dev", {"app": "nginx"}, days=12),
               "spec": {"ingressClassName": "traefik", "rules": [{"host": "dev.home.jetzinger.com", "http": {
                   "paths": [{"path": "/", "pathType": "Prefix", "backend": {
                       "service": {"name": "nginx-proxy", "port": {"number": 80}}}}]}}]},
               "status": {"loadBalancer": {"ingress": [{"ip": "192.168.2.100"}]}}}
    # CONVENTION VIOLATION (rule 9): an Opaque application secret not named {app}-secrets
    registry = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": gen.md("dev-registry-creds", "dev", recommended("devcontainer", "registry"), days=20),
                "data": {"username": b64("tom"), "password": b64(f"demo-registry-password-{gen.suffix(10)}")}}
    # CONVENTION VIOLATION (rule 9, Helm-managed): Bitnami's chart names its secret after the release
    postgres = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": gen.md("postgresql", "data", {
                    **recommended("postgresql", "primary", "Helm", instance="postgresql"),
                    "helm.sh/chart": "postgresql-16.7.4"}, days=120,
                    annotations={"meta.helm.sh/release-name": "postgresql", "meta.helm.sh/release-namespace": "data"}),
                "data": {"postgres-password": b64(f"demo-postgres-{gen.suffix(12)}"),
                         "password": b64(f"demo-app-{gen.suffix(12)}")}}
    # the home-lab's DNS-01 solver token for cert-manager
    cloudflare = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                  "metadata": gen.md("cloudflare-secrets", "infra", recommended("cloudflare", "secrets"), days=290),
                  "data": {"api-token": b64(f"demo-cloudflare-token-{gen.suffix(20)}")}}
    return [ingress, registry, postgres, cloudflare]


def event(gen: Gen, obj: dict, reason: str, message: str, *, warning: bool = False, count: int = 1,
          component: str = "kubelet", first_ago_min: float = 60, last_ago_min: float = 1) -> dict:
    md = obj["metadata"]
    host = obj.get("spec", {}).get("nodeName", "") if obj["kind"] == "Pod" else ""
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{md['name']}.{gen.rng.getrandbits(64):016x}", "namespace": md.get("namespace", "default"),
                         "uid": gen.uid(), "creationTimestamp": gen.ago(minutes=first_ago_min)},
            "involvedObject": {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": md["name"],
                               "namespace": md.get("namespace", "default"), "uid": md.get("uid", ""),
                               **({"fieldPath": "spec.containers{%s}" % obj["spec"]["containers"][0]["name"]}
                                  if obj["kind"] == "Pod" else {})},
            "reason": reason, "message": message, "type": "Warning" if warning else "Normal", "count": count,
            "source": {"component": component, **({"host": host} if host else {})},
            "firstTimestamp": gen.ago(minutes=first_ago_min), "lastTimestamp": gen.ago(minutes=last_ago_min),
            "eventTime": None, "reportingComponent": component, "reportingInstance": host}


def seed_events(gen: Gen, objects: list[dict]) -> list[dict]:
    """Events that make the detail views worth opening: the crash loop, the failing ACME order, the vLLM start."""
    out = []
    for obj in objects:
        md = obj["metadata"]
        if obj["kind"] == "Pod" and any(cs.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
                                        for cs in obj["status"].get("containerStatuses", [])):
            c = obj["spec"]["containers"][0]
            out += [event(gen, obj, "Pulled", f'Container image "{c["image"]}" already present on machine',
                          count=38, first_ago_min=190),
                    event(gen, obj, "BackOff", "Back-off restarting failed container "
                          f"{c['name']} in pod {md['name']}_{md['namespace']}({md['uid']})", warning=True,
                          count=842, first_ago_min=188),
                    event(gen, obj, "OOMKilling", f"Memory cgroup out of memory: Killed process in container "
                          f"{c['name']}", warning=True, count=37, component="kernel-monitor", first_ago_min=189)]
        elif obj["kind"] == "Pod" and md["name"].startswith("vllm-server-"):
            out += [event(gen, obj, "Scheduled", f"Successfully assigned {md['namespace']}/{md['name']} to "
                          "k3s-gpu-worker", component="default-scheduler", first_ago_min=50, last_ago_min=50),
                    event(gen, obj, "Started", "Started container vllm", first_ago_min=48, last_ago_min=48)]
        elif obj["kind"] == "Certificate" and obj["status"].get("failedIssuanceAttempts"):
            failure = next(c for c in obj["status"]["conditions"] if c["type"] == "Issuing")
            out += [event(gen, obj, "Issuing", "Issuing certificate as Secret does not exist",
                          component="cert-manager-certificates-trigger", first_ago_min=8640, last_ago_min=300),
                    event(gen, obj, "Failed", failure["message"], warning=True, count=4,
                          component="cert-manager-certificates-issuing", first_ago_min=8600, last_ago_min=300)]
    return out

