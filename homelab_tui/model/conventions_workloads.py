"""Convention checks about pod specs and inference: GPU strategy (3), hostPath (11), /dev/shm (12), LiteLLM only
(13), GPU exclusivity (14), DinD DNS (15), LiteLLM's fallback chain (19)."""

from __future__ import annotations

import re
from typing import Any, Iterator

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.convention_types import Violation, app_workloads, violation, workloads
from homelab_tui.model.fallbacks import litellm_chain
from homelab_tui.model.health import State
from homelab_tui.model.objects import (
    as_list, as_map, as_str, containers_of, find, gpu_request, name_of, namespace_of, pod_template_spec,
    spec_of,
)
from homelab_tui.model.workloads import workload_counts

MODEL_CACHE = "/var/lib/vllm/huggingface"
SHM = "/dev/shm"
#: raw model paths: provider/org/model (openai/Qwen/Qwen3-8B-AWQ) or a Hugging Face org path
RAW_MODEL = re.compile(r"\b(?:(?:openai|hosted_vllm|vllm|ollama|ollama_chat)/[\w.\-]+/[\w.\-:]+"
                       r"|(?:Qwen|deepseek-ai)/[\w.\-:]+)")
#: what may follow a backend's host when it is its metrics endpoint (vllm-server.ml.svc:8000/metrics)
METRICS_TAIL = re.compile(r"[\w.\-]*(?::\d+)?/metrics\b")
SCRAPE_CONFIG = re.compile(r"^\s*scrape_configs\s*:", re.MULTILINE)


def check_gpu_strategy(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for d in cluster.get("deployments"):
        if gpu_request(pod_template_spec(d)) <= 0:
            continue
        strategy = as_str(as_map(spec_of(d).get("strategy")).get("type")) or "RollingUpdate"
        if strategy != "Recreate":
            yield violation("gpu-recreate", "Deployment", d,
                            f"requests nvidia.com/gpu but uses strategy {strategy}, not Recreate")


def check_host_path(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for kind, obj, spec in app_workloads(cluster):
        if kind == "DaemonSet":  # node agents read the host by design; this rule is about storage
            continue
        for v in as_list(spec.get("volumes")):
            path = as_str(as_map(as_map(v).get("hostPath")).get("path"))
            cache = path.rstrip("/") == MODEL_CACHE and gpu_request(spec) > 0  # only vLLM's own model cache
            if as_map(v).get("hostPath") is not None and not cache:
                yield violation("hostpath", kind, obj, f"hostPath volume {as_str(as_map(v).get('name'))!r} "
                                                       f"at {path or '?'}")


def check_gpu_shm(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for kind, obj, spec in workloads(cluster):
        if gpu_request(spec) <= 0:
            continue
        memory_volumes = {as_str(as_map(v).get("name")) for v in as_list(spec.get("volumes"))
                          if as_map(v).get("emptyDir") is not None
                          and as_str(as_map(as_map(v).get("emptyDir")).get("medium")) == "Memory"}
        mounted = any(as_str(as_map(m).get("mountPath")).rstrip("/") == SHM
                      and as_str(as_map(m).get("name")) in memory_volumes
                      for c in containers_of(spec, init=False) for m in as_list(c.get("volumeMounts")))
        if not mounted:
            yield violation("gpu-shm", kind, obj, "GPU pod without an emptyDir (medium: Memory) at /dev/shm")


def _backend_hosts(settings: Settings) -> re.Pattern[str] | None:
    names = sorted({(b.deployment, b.namespace) for b in settings.inference.backends if b.deployment and b.namespace})
    if not names:
        return None
    return re.compile("|".join(rf"\b{re.escape(d)}\.{re.escape(ns)}\b" for d, ns in names))


def _texts(spec: Any) -> Iterator[tuple[str, str]]:
    """(where, text) of every env value, arg and command of a pod spec."""
    for c in containers_of(spec):
        cname = as_str(c.get("name"))
        for e in as_list(c.get("env")):
            value = as_map(e).get("value")
            if isinstance(value, str):
                yield f"container {cname} env {as_str(as_map(e).get('name'))}", value
        for field in ("args", "command"):
            for arg in as_list(c.get(field)):
                if isinstance(arg, str):
                    yield f"container {cname} {field}", arg


def _bypass(text: str, hosts: re.Pattern[str] | None) -> str:
    """The first backend address (not its /metrics endpoint: Prometheus scrapes vLLM and Ollama by design)
    or raw model path in ``text``, else ""."""
    for m in hosts.finditer(text) if hosts else ():
        if not METRICS_TAIL.match(text, m.end()):
            return m.group(0)
    m = RAW_MODEL.search(text)
    return m.group(0) if m else ""


def check_litellm_only(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    ml = {b.namespace for b in settings.inference.backends if b.namespace} or {settings.gpu.namespace}
    hosts = _backend_hosts(settings)
    for kind, obj, spec in app_workloads(cluster):
        if namespace_of(obj) in ml:
            continue
        for where, text in _texts(spec):
            hit = _bypass(text, hosts)
            if hit:
                yield violation("litellm-only", kind, obj, f"{where} uses {hit!r} instead of a LiteLLM alias")
    for cm in cluster.get("configmaps"):
        if namespace_of(cm) in ml:
            continue
        for key, value in sorted(as_map(cm.get("data")).items()):
            if not isinstance(value, str) or SCRAPE_CONFIG.search(value):
                continue  # a Prometheus configuration scrapes the backends, it does not call them
            hit = _bypass(value, hosts)
            if hit:
                yield violation("litellm-only", "ConfigMap", cm, f"key {key} uses {hit!r} instead of a LiteLLM alias")


def check_gpu_exclusive(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    up = []
    for dep in settings.gpu.gpu_deployments:
        obj = find(cluster, "deployments", settings.gpu.namespace, dep)
        if obj is not None and max(workload_counts(obj, "Deployment")) > 0:
            up.append(obj)
    if len(up) > 1:
        names = " and ".join(name_of(o) for o in up)
        for obj in up:
            yield violation("gpu-exclusive", "Deployment", obj, f"{names} are both scaled up (12GB VRAM limit)",
                            State.FAIL)


def _is_dind(container: Any) -> bool:
    return "dind" in as_str(container.get("image")).lower() or "dind" in as_str(container.get("name")).lower()


def check_dind_dns(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    root = ".".join(settings.domain.split(".")[-2:])
    for kind, obj, spec in workloads(cluster):
        if not any(_is_dind(c) for c in containers_of(spec)):
            continue
        policy = as_str(spec.get("dnsPolicy")) or "ClusterFirst"
        searches = [as_str(s).rstrip(".") for s in as_list(as_map(spec.get("dnsConfig")).get("searches"))]
        bad = [s for s in searches if s == root or s.endswith("." + root)]
        if policy != "None":
            yield violation("dind-dns", kind, obj, f"DinD container with dnsPolicy {policy}, not None")
        elif bad:
            yield violation("dind-dns", kind, obj, f"DinD DNS search list contains {', '.join(bad)}")


def check_fallbacks(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    want = settings.inference.chain
    if not want:
        return
    found = litellm_chain(cluster, want[0])
    if found is None:
        return  # no LiteLLM configuration in the cluster (installed elsewhere, or by another name)
    arrow = " → ".join
    if found.error:
        yield Violation("litellm-fallbacks", found.source, f"cannot be read ({found.error})")
    elif found.chain[:len(want)] != want:
        got = arrow(found.chain) if len(found.chain) > 1 else f"no fallbacks for {want[0]}"
        yield Violation("litellm-fallbacks", found.source, f"LiteLLM tries {got}; the home-lab's chain is "
                                                           f"{arrow(want)}")
