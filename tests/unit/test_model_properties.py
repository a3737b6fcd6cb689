"""Property tests: arbitrary (mutilated) objects never make the model raise; verdicts stay in State."""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from tests.unit.factories import (
    DAY, NOW, certificate, cluster, configmap, container, daemonset, deployment, exposed, ingress, ingressroute,
    namespace, node, pod, pod_spec, pv, pvc, redirect_route, secret, service, statefulset, storage_class,
)

from homelab_tui.config import Settings
from homelab_tui.model.certs import cert_rows, certificate_detail
from homelab_tui.model.conventions import check_conventions
from homelab_tui.model.gpu import derive_gpu_mode
from homelab_tui.model.health import State, worst
from homelab_tui.model.inference import build_inference
from homelab_tui.model.metrics import AliasHealth, LiteLLMData, MetricsData, TierHealth, VolumeStats
from homelab_tui.model.namespaces import namespace_detail, summarize_namespaces
from homelab_tui.model.nodes import summarize_nodes
from homelab_tui.model.objects import as_list, spec_of
from homelab_tui.model.overview import AREAS, build_overview
from homelab_tui.model.quantity import parse_quantity
from homelab_tui.model.routes import ingress_hosts, route_info
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState
from homelab_tui.model.storage import pvc_rows, storage_classes

S = Settings()
GPU = pod_spec([container("vllm", "vllm/vllm-openai", gpu=1)])
JUNK = (None, 3, -1, 1.5, "", "x", True, [], {}, [None], {"a": None}, "2027-99-99T00:00:00Z", "Host(`x`")


def base_objects() -> list[dict]:
    return [
        namespace("apps"), namespace("ml"), namespace("sandbox"),
        node("k3s-gpu-worker", gpus=1), node("k3s-master", roles=("control-plane",), pressures=("DiskPressure",)),
        deployment("vllm-server", "ml", spec=GPU, strategy="Recreate"), deployment("vllm-r1", "ml", replicas=1, ready=0),
        deployment("ollama", "ml"), statefulset("postgresql", "data", ready=0), daemonset("agent", "monitoring"),
        pod("vllm-server-6d-abcde", "ml", owner=("ReplicaSet", "vllm-server-6d"), spec=GPU),
        pod("docling-1", "docs", waiting="CrashLoopBackOff", ready=False, restarts=9), pod("p", "ml", deleted_ago=900),
        *exposed("n8n"), *exposed("grafana", "monitoring", not_after=NOW + 2 * DAY),
        certificate("bad-tls", "docs", dns=("bad.example.org",), ready="False", not_after=None),
        ingressroute("plain", entry_points=None, tls_secret=None), redirect_route("x", mw_namespace="kube-system"),
        ingress("legacy", "dev"), secret("creds", "dev"), configmap("cfg", "docs", {"m": "openai/Qwen/Qwen3-8B"}),
        service("lb", "kube-system", "LoadBalancer", ("8.8.8.8",)),
        pvc("n8n-data", volume="pv-1"), pv("pv-1", nfs=True, storage_class="nfs-client"),
        pvc("claw", storage_class="local-path", volume="pv-2"), pv("pv-2", "k3s-worker-01"),
        storage_class("nfs-client", default=True), storage_class("local-path", default=True),
    ]


def mutilate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """Randomly keep, drop, null or replace with junk every key, at every level (kind/apiVersion stay)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if depth == 0 and k in ("kind", "apiVersion"):
                out[k] = v
                continue
            action = rng.choice(("keep", "keep", "keep", "recurse", "recurse", "drop", "null", "junk"))
            if action == "drop":
                continue
            out[k] = (v if action == "keep" else mutilate(v, rng, depth + 1) if action == "recurse"
                      else None if action == "null" else rng.choice(JUNK))
        return out
    if isinstance(value, list):
        return [mutilate(v, rng, depth + 1) for v in value]
    return value


def _dashboard(c, metrics, llm) -> DashboardState:
    return DashboardState(cluster=Snapshot("kubernetes").succeeded(c, NOW - 3),
                          metrics=Snapshot("prometheus").succeeded(metrics, NOW - 9),
                          llm=Snapshot("litellm").succeeded(llm, NOW - 1))


METRICS = MetricsData(volumes={("apps", "n8n-data"): VolumeStats("apps", "n8n-data", 9e9, 1e10, 2.0)})
LLM = LiteLLMData(alive=True, ready=True, health_checked_at=NOW - 60,
                  aliases={"vllm-qwen": AliasHealth("vllm-qwen", TierHealth.UNHEALTHY, "down")})

PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.data_too_large])


@PROFILE
@given(st.integers(0, 2 ** 32))
def test_mutilated_objects_never_raise_and_verdicts_stay_states(seed):
    rng = random.Random(seed)  # a seed, not hundreds of draws: a failure shrinks at once
    objs = [mutilate(o, rng) for o in base_objects()]
    c = cluster(*objs)
    frozen = copy.deepcopy(c.objects)

    summaries = summarize_namespaces(c, S, NOW)
    rows = cert_rows(c, S, NOW)
    pvcs = pvc_rows(c, METRICS, S)
    nodes = summarize_nodes(c, NOW)
    gpu = derive_gpu_mode(c, S, NOW)
    inference = build_inference(c, LLM, S, NOW)
    violations = check_conventions(c, S)
    storage_classes(c)
    for ns in ("apps", "ml", "docs", ""):
        for r in namespace_detail(c, ns, NOW, S):
            assert isinstance(r.state, State)
    certificate_detail(c, "apps", "n8n-tls", NOW)
    overview = build_overview(_dashboard(c, METRICS, LLM), S, NOW)

    states = ([s.state for s in summaries] + [r.state for r in rows] + [r.state for r in pvcs]
              + [n.state for n in nodes] + [gpu.state, inference.state] + [v.state for v in violations]
              + [a.state for a in overview])
    assert all(isinstance(s, State) for s in states)
    assert [a.area for a in overview] == list(AREAS)
    assert not any(a.reason.startswith("cannot evaluate") for a in overview), [a.reason for a in overview]
    # the roll-ups agree with the rows they summarise
    by = {a.area: a for a in overview}
    assert by["namespaces"].state is worst(s.state for s in summaries)
    assert by["certificates"].state is worst(r.state for r in rows)
    assert by["storage"].state is worst(r.state for r in pvcs)
    assert by["gpu"].state is gpu.state and by["inference"].state is inference.state
    # the joins: urgency order, and every row's host comes from a route, an Ingress or a Certificate
    ranks = [r.state.rank for r in rows]
    assert ranks == sorted(ranks, reverse=True)
    hosts = {h for o in c.ingressroutes() for h in route_info(o).hosts}
    hosts |= {h for o in c.get("ingresses") for h in ingress_hosts(o)}
    hosts |= {str(d).lower() for o in c.get("certificates") for d in as_list(spec_of(o).get("dnsNames"))}
    assert all(r.host in hosts or r.host == "" for r in rows)
    assert all(r.certificate == "" or r.certificate.count("/") == 1 for r in rows)
    assert c.objects == frozen  # nothing mutated


@PROFILE
@given(st.lists(st.sampled_from(base_objects()), max_size=12))
def test_any_subset_of_valid_objects(objs):
    c = cluster(*objs)
    overview = build_overview(_dashboard(c, METRICS, LLM), S, NOW)
    assert all(isinstance(a.state, State) for a in overview)
    assert not any(a.reason.startswith("cannot evaluate") for a in overview)
    assert all(v.state in (State.WARN, State.FAIL) for v in check_conventions(c, S))


@given(st.integers(0, 10 ** 6), st.sampled_from(["", "k", "M", "G", "Ki", "Mi", "Gi", "Ti", "m"]))
def test_quantity_round_trip(n, suffix):
    mult = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4,
            "m": 1e-3}[suffix]
    assert parse_quantity(f"{n}{suffix}") == n * mult


@given(st.text(max_size=12))
def test_quantity_never_raises(text):
    value = parse_quantity(text)
    assert value is None or isinstance(value, float)
