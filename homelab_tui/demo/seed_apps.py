"""The home-lab's workloads, as data: one :class:`App` per Deployment, StatefulSet or DaemonSet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GPU_NODE = "k3s-gpu-worker"
LITELLM_URL = "http://litellm.ml.svc.cluster.local:4000/v1"


@dataclass(frozen=True)
class Volume:
    """A PVC of the app: storage class, size, and for nfs-client the simulated usage."""
    name: str
    storage_class: str
    size: str
    used_fraction: float = 0.3
    growth_per_day: float = 0.002
    mount_path: str = "/data"


@dataclass(frozen=True)
class App:
    namespace: str
    name: str  # workload name, {app}-{component} where the app has components
    app: str
    component: str
    image: str
    port: int
    kind: str = "Deployment"
    replicas: int = 1
    managed_by: str = "helm"
    node: str = ""  # pinned with a nodeSelector
    host: str = ""  # exposed as {host}.home.jetzinger.com (Certificate + IngressRoutes)
    volumes: tuple[Volume, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    secret_env: tuple[tuple[str, str, str], ...] = ()  # (env name, secret, key)
    secret_keys: tuple[str, ...] = ()  # keys of the {app}-secrets Secret; empty = none
    cpu: str = "100m"
    memory: str = "256Mi"
    #: extra pod spec fields (gpu, hostPath, dnsPolicy, ...)
    pod: dict[str, Any] = field(default_factory=dict)
    #: extra container fields (args, securityContext, resources, ...)
    container: dict[str, Any] = field(default_factory=dict)
    strategy: str = "RollingUpdate"
    crashloop: bool = False


def vllm(name: str, model: str, replicas: int) -> App:
    """A vLLM deployment on the GPU node, shaped as the home-lab's rules say."""
    return App(
        "ml", name, "vllm", name.split("-", 1)[1], "vllm/vllm-openai:v0.10.2", 8000, replicas=replicas,
        managed_by="kubectl", node=GPU_NODE, strategy="Recreate", memory="8Gi", cpu="2",
        secret_keys=("HF_TOKEN",), secret_env=(("HF_TOKEN", "vllm-secrets", "HF_TOKEN"),),
        container={
            "args": ["--model", model, "--served-model-name", model, "--max-model-len", "8192",
                     "--gpu-memory-utilization", "0.90", "--port", "8000"],
            "resources": {"requests": {"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "1"},
                          "limits": {"memory": "14Gi", "nvidia.com/gpu": "1"}},
            "volumeMounts": [{"name": "model-cache", "mountPath": "/root/.cache/huggingface"},
                             {"name": "dshm", "mountPath": "/dev/shm"}],
            "readinessProbe": {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 10},
        },
        pod={"volumes": [
            {"name": "model-cache", "hostPath": {"path": "/var/lib/vllm/huggingface", "type": "DirectoryOrCreate"}},
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "4Gi"}}],
            "runtimeClassName": "nvidia"},
    )


APPS: tuple[App, ...] = (
    # kube-system
    App("kube-system", "traefik", "traefik", "ingress", "docker.io/rancher/mirrored-library-traefik:3.3.6", 8443,
        container={"args": ["--entryPoints.web.address=:8000/tcp", "--entryPoints.websecure.address=:8443/tcp",
                            "--providers.kubernetescrd", "--providers.kubernetesingress"]}),
    App("kube-system", "coredns", "coredns", "dns", "docker.io/rancher/mirrored-coredns-coredns:1.12.1", 53,
        managed_by="kubectl", memory="70Mi",
        container={"args": ["-conf", "/etc/coredns/Corefile"],
                   "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns"}]},
        pod={"volumes": [{"name": "config-volume", "configMap": {"name": "coredns", "items": [
            {"key": "Corefile", "path": "Corefile"}, {"key": "NodeHosts", "path": "NodeHosts"}]}}],
             "dnsPolicy": "Default", "priorityClassName": "system-cluster-critical"}),
    App("kube-system", "local-path-provisioner", "local-path-provisioner", "storage",
        "docker.io/rancher/local-path-provisioner:v0.0.31", 9000, managed_by="kubectl"),
    # infra
    App("infra", "metallb-controller", "metallb", "controller", "quay.io/metallb/controller:v0.14.9", 7472),
    App("infra", "metallb-speaker", "metallb", "speaker", "quay.io/metallb/speaker:v0.14.9", 7472,
        kind="DaemonSet", pod={"hostNetwork": True}),
    App("infra", "cert-manager", "cert-manager", "controller", "quay.io/jetstack/cert-manager-controller:v1.17.2",
        9402, container={"args": ["--cluster-resource-namespace=$(POD_NAMESPACE)",
                                  "--dns01-recursive-nameservers=1.1.1.1:53"]}),
    App("infra", "cert-manager-webhook", "cert-manager", "webhook",
        "quay.io/jetstack/cert-manager-webhook:v1.17.2", 10250),
    App("infra", "cert-manager-cainjector", "cert-manager", "cainjector",
        "quay.io/jetstack/cert-manager-cainjector:v1.17.2", 9402),
    App("infra", "nfs-subdir-external-provisioner", "nfs-subdir-external-provisioner", "provisioner",
        "registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2", 8080,
        env=(("PROVISIONER_NAME", "cluster.local/nfs-subdir-external-provisioner"),
             ("NFS_SERVER", "192.168.2.10"), ("NFS_PATH", "/volume1/k8s"))),
    # monitoring
    App("monitoring", "prometheus-server", "prometheus", "server", "quay.io/prometheus/prometheus:v3.4.1", 9090,
        kind="StatefulSet", host="prometheus", memory="2Gi", cpu="500m",
        volumes=(Volume("prometheus-db", "nfs-client", "50Gi", 0.93, 0.01, "/prometheus"),)),
    App("monitoring", "grafana", "grafana", "dashboards", "docker.io/grafana/grafana:12.0.2", 3000,
        host="grafana", volumes=(Volume("grafana-data", "nfs-client", "10Gi", 0.34, 0.001, "/var/lib/grafana"),),
        secret_keys=("admin-user", "admin-password"),
        secret_env=(("GF_SECURITY_ADMIN_PASSWORD", "grafana-secrets", "admin-password"),)),
    App("monitoring", "loki", "loki", "logs", "docker.io/grafana/loki:3.5.1", 3100, kind="StatefulSet",
        memory="1Gi", volumes=(Volume("storage", "nfs-client", "50Gi", 0.71, 0.015, "/var/loki"),)),
    App("monitoring", "alertmanager", "alertmanager", "alerting", "quay.io/prometheus/alertmanager:v0.28.1", 9093,
        kind="StatefulSet", host="alertmanager",
        volumes=(Volume("alertmanager-db", "nfs-client", "2Gi", 0.04, 0.0005, "/alertmanager"),)),
    # data
    App("data", "postgresql", "postgresql", "primary", "docker.io/bitnami/postgresql:17.5.0", 5432,
        kind="StatefulSet", managed_by="Helm", memory="1Gi",
        volumes=(Volume("data", "nfs-client", "20Gi", 0.48, 0.004, "/bitnami/postgresql"),),
        secret_env=(("POSTGRES_PASSWORD", "postgresql", "postgres-password"),)),
    # apps
    App("apps", "n8n", "n8n", "workflows", "docker.io/n8nio/n8n:1.97.1", 5678, host="n8n",
        volumes=(Volume("n8n-data", "nfs-client", "5Gi", 0.22, 0.002, "/home/node/.n8n"),),
        env=(("DB_TYPE", "postgresdb"), ("DB_POSTGRESDB_HOST", "postgresql.data.svc.cluster.local")),
        secret_keys=("N8N_ENCRYPTION_KEY", "DB_POSTGRESDB_PASSWORD"),
        secret_env=(("N8N_ENCRYPTION_KEY", "n8n-secrets", "N8N_ENCRYPTION_KEY"),
                    ("DB_POSTGRESDB_PASSWORD", "n8n-secrets", "DB_POSTGRESDB_PASSWORD"))),
    App("apps", "open-webui", "open-webui", "chat", "ghcr.io/open-webui/open-webui:v0.6.15", 8080, host="open-webui",
        memory="1Gi", volumes=(Volume("open-webui-data", "nfs-client", "10Gi", 0.41, 0.003, "/app/backend/data"),),
        env=(("OPENAI_API_BASE_URL", LITELLM_URL), ("DEFAULT_MODELS", "vllm-qwen")),
        secret_keys=("WEBUI_SECRET_KEY", "OPENAI_API_KEY"),
        secret_env=(("WEBUI_SECRET_KEY", "open-webui-secrets", "WEBUI_SECRET_KEY"),
                    ("OPENAI_API_KEY", "open-webui-secrets", "OPENAI_API_KEY"))),
    App("apps", "openclaw", "openclaw", "gateway", "ghcr.io/openclaw/openclaw:2026.2.9", 18789, host="openclaw",
        managed_by="kubectl", node="k3s-worker-01",
        volumes=(Volume("openclaw-data", "local-path", "20Gi", mount_path="/home/node/.openclaw"),),
        env=(("OPENAI_BASE_URL", LITELLM_URL), ("OPENCLAW_MODEL", "vllm-qwen")),
        secret_keys=("OPENCLAW_GATEWAY_TOKEN", "LITELLM_API_KEY"),
        secret_env=(("OPENCLAW_GATEWAY_TOKEN", "openclaw-secrets", "OPENCLAW_GATEWAY_TOKEN"),)),
    # ml
    vllm("vllm-server", "Qwen/Qwen3-8B-AWQ", 1),
    vllm("vllm-r1", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 0),
    App("ml", "ollama", "ollama", "inference", "docker.io/ollama/ollama:0.9.6", 11434, node="k3s-worker-02",
        managed_by="kubectl", memory="6Gi", cpu="2",
        volumes=(Volume("ollama-models", "nfs-client", "50Gi", 0.62, 0.0, "/root/.ollama"),),
        env=(("OLLAMA_KEEP_ALIVE", "24h"), ("OLLAMA_MODELS", "/root/.ollama/models"))),
    App("ml", "litellm", "litellm", "proxy", "ghcr.io/berriai/litellm:main-v1.106.0-stable", 4000, host="litellm",
        managed_by="kubectl", memory="1Gi",
        secret_keys=("LITELLM_MASTER_KEY", "OPENAI_API_KEY"),
        secret_env=(("LITELLM_MASTER_KEY", "litellm-secrets", "LITELLM_MASTER_KEY"),
                    ("OPENAI_API_KEY", "litellm-secrets", "OPENAI_API_KEY")),
        container={"args": ["--config", "/app/config.yaml", "--port", "4000"],
                   "volumeMounts": [{"name": "config", "mountPath": "/app/config.yaml", "subPath": "config.yaml"}]},
        pod={"volumes": [{"name": "config", "configMap": {"name": "litellm-config"}}]}),
    # docs
    App("docs", "paperless-ngx", "paperless", "server", "ghcr.io/paperless-ngx/paperless-ngx:2.17.1", 8000,
        host="paperless", memory="2Gi",
        volumes=(Volume("paperless-data", "nfs-client", "10Gi", 0.55, 0.003, "/usr/src/paperless/data"),
                 Volume("paperless-media", "nfs-client", "100Gi", 0.78, 0.004, "/usr/src/paperless/media")),
        env=(("PAPERLESS_TIKA_ENABLED", "1"), ("PAPERLESS_TIKA_ENDPOINT", "http://tika.docs.svc.cluster.local:9998"),
             ("PAPERLESS_TIKA_GOTENBERG_ENDPOINT", "http://gotenberg.docs.svc.cluster.local:3000")),
        secret_keys=("PAPERLESS_SECRET_KEY", "PAPERLESS_DBPASS", "PAPERLESS_ADMIN_PASSWORD"),
        secret_env=(("PAPERLESS_SECRET_KEY", "paperless-secrets", "PAPERLESS_SECRET_KEY"),
                    ("PAPERLESS_DBPASS", "paperless-secrets", "PAPERLESS_DBPASS"))),
    # CONVENTION VIOLATION (rule 13): paperless-gpt talks to vLLM directly with a raw model path, bypassing LiteLLM
    App("docs", "paperless-gpt", "paperless-gpt", "ai", "docker.io/icereed/paperless-gpt:v0.22.0", 8080,
        host="paperless-gpt", managed_by="kubectl",
        env=(("LLM_PROVIDER", "openai"), ("LLM_MODEL", "openai/Qwen/Qwen3-8B-AWQ"),
             ("OPENAI_BASE_URL", "http://vllm-server.ml.svc.cluster.local:8000/v1"),
             ("PAPERLESS_BASE_URL", "http://paperless-ngx.docs.svc.cluster.local:8000")),
        secret_keys=("PAPERLESS_API_TOKEN", "OPENAI_API_KEY"),
        secret_env=(("PAPERLESS_API_TOKEN", "paperless-gpt-secrets", "PAPERLESS_API_TOKEN"),)),
    # docling-serve is OOM-killed at start: a pod in CrashLoopBackOff for the screens to show
    App("docs", "docling", "docling", "converter", "quay.io/docling-project/docling-serve:v1.0.1", 5001,
        managed_by="kubectl", memory="2Gi", crashloop=True),
    App("docs", "tika", "tika", "parser", "docker.io/apache/tika:3.2.0.0-full", 9998),
    App("docs", "gotenberg", "gotenberg", "converter", "docker.io/gotenberg/gotenberg:8.21.1", 3000),
    App("docs", "stirling-pdf", "stirling-pdf", "tools", "docker.io/stirlingtools/stirling-pdf:1.0.2", 8080,
        host="stirling-pdf", memory="1Gi"),
    # dev
    App("dev", "nginx-proxy", "nginx", "proxy", "docker.io/library/nginx:1.29.0", 80, managed_by="kubectl",
        memory="64Mi"),
    # CONVENTION VIOLATION (rule 15): a DinD container without dnsPolicy: None (jetzinger.com stays in the
    # search list, so registry-1.docker.io.jetzinger.com resolves to the wildcard and image pulls break)
    App("dev", "devcontainer-dind", "devcontainer", "dind", "docker.io/library/docker:28.3-dind", 2376,
        managed_by="kubectl", memory="2Gi",
        container={"securityContext": {"privileged": True},
                   "volumeMounts": [{"name": "docker-graph", "mountPath": "/var/lib/docker"}]},
        volumes=(Volume("devcontainer-docker", "nfs-client", "30Gi", 0.57, 0.006, "/var/lib/docker-cache"),),
        pod={"volumes": [{"name": "docker-graph", "emptyDir": {}}]}),
)
