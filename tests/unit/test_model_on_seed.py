"""The model finds the simulated home-lab's planted problems (homelab_tui/demo/seed.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from homelab_tui.config import Settings
from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.seed_util import USED_FRACTION
from homelab_tui.model.certs import cert_rows, certificate_detail
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.conventions import check_conventions
from homelab_tui.model.gpu import derive_gpu_mode
from homelab_tui.model.health import State
from homelab_tui.model.inference import build_inference
from homelab_tui.model.metrics import MetricsData, VolumeStats
from homelab_tui.model.namespaces import namespace_detail, summarize_namespaces
from homelab_tui.model.nodes import summarize_nodes
from homelab_tui.model.overview import build_overview
from homelab_tui.model.quantity import parse_quantity
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState
from homelab_tui.model.storage import NOT_REPORTED, pvc_rows
from homelab_tui.sources.resources import WATCHED

WHEN = dt.datetime(2027, 1, 15, 8, 0, tzinfo=dt.timezone.utc)
NOW = WHEN.timestamp()
S = Settings()


def to_cluster(objects: list[dict]) -> ClusterState:
    keys = {(s.api_version, s.kind): s.key for s in WATCHED}
    grouped: dict[str, list[dict]] = {}
    for o in objects:
        key = keys.get((o.get("apiVersion"), o.get("kind")))
        if key:
            grouped.setdefault(key, []).append(o)

    def order(o: dict) -> tuple[str, str]:
        return (o["metadata"].get("namespace", ""), o["metadata"]["name"])

    return ClusterState(objects={k: tuple(sorted(v, key=order)) for k, v in grouped.items()},
                        synced=frozenset(s.key for s in WATCHED))


def seeded_metrics(c: ClusterState) -> MetricsData:
    """VolumeStats matching the seed's simulated usage (what the simulated Prometheus reports)."""
    volumes = {}
    for p in c.get("persistentvolumeclaims"):
        fraction = (p["metadata"].get("annotations") or {}).get(USED_FRACTION)
        if fraction is None:
            continue
        capacity = parse_quantity(p["spec"]["resources"]["requests"]["storage"])
        ns, name = p["metadata"]["namespace"], p["metadata"]["name"]
        volumes[(ns, name)] = VolumeStats(ns, name, float(fraction) * capacity, capacity)
    return MetricsData(volumes=volumes)


@pytest.fixture(scope="module")
def lab() -> ClusterState:
    return to_cluster(build_objects(WHEN))


def test_expiring_and_failed_certificates(lab):
    rows = {r.host.split(".")[0]: r for r in cert_rows(lab, S, NOW)}
    grafana = rows["grafana"]
    assert grafana.state is State.WARN and grafana.days_left < 14 and grafana.ready is True
    openclaw = rows["openclaw"]
    assert openclaw.state is State.FAIL and openclaw.ready is False
    assert "acme" in openclaw.failure_message and "No TXT record" in openclaw.failure_message
    assert list(rows)[:2] == ["dev", "openclaw"]  # most urgent first: the failures (dev: plain HTTP)
    assert rows["dev"].reason == "serves dev.home.jetzinger.com over plain HTTP (no spec.tls)"
    detail = certificate_detail(lab, "apps", "openclaw-tls", NOW)
    assert {c.type for c in detail.conditions} == {"Ready", "Issuing"} and detail.failed_attempts == 4


def test_routes_problems(lab):
    rows = {r.host.split(".")[0]: r for r in cert_rows(lab, S, NOW)}
    assert "no HTTP→HTTPS redirect route" in rows["stirling-pdf"].reason
    assert any("namespace kube-system" in f.reason for f in rows["alertmanager"].findings)
    assert rows["dev"].route == "Ingress dev/nginx-proxy"


def test_pvc_over_90_percent_and_local_path(lab):
    rows = {r.name: r for r in pvc_rows(lab, seeded_metrics(lab), S)}
    prometheus = next(r for n, r in rows.items() if n.startswith("prometheus-db"))
    assert prometheus.percent > 90 and prometheus.state is State.WARN
    assert rows["openclaw-data"].flags == (NOT_REPORTED,) and rows["openclaw-data"].node == "k3s-worker-01"


def test_crashloop_pod(lab):
    docs = next(s for s in summarize_namespaces(lab, S, NOW) if s.name == "docs")
    assert docs.state is State.FAIL and docs.problem.reason == "CrashLoopBackOff"
    pods = [r for r in namespace_detail(lab, "docs", NOW, S) if r.kind == "Pod" and r.name.startswith("docling")]
    assert pods and pods[0].status == "CrashLoopBackOff"


def test_k3s_empty_namespaces_are_listed_after_the_table_and_not_judged(lab):
    summaries = summarize_namespaces(lab, S, NOW)
    assert [s.name for s in summaries] == [*S.namespaces, "default", "kube-node-lease", "kube-public"]
    builtins = summaries[-3:]
    assert all(s.exists and not s.known and s.state is State.OK and not s.findings for s in builtins)


def test_ml_mode_nodes_and_tiers(lab):
    g = derive_gpu_mode(lab, S, NOW)
    assert g.mode == "ml" and g.state is State.OK and g.node_ready is True and g.gpu_allocatable == 1
    assert all(n.state is State.OK for n in summarize_nodes(lab, NOW))
    inf = build_inference(lab, None, S, NOW)
    assert inf.answering == "vllm-qwen"


def test_deliberate_convention_violations(lab):
    found = check_conventions(lab, S)
    by_rule = {v.rule_id for v in found}
    assert {"no-ingress", "recommended-labels", "three-resources", "redirect-middleware", "secret-naming",
            "litellm-only", "dind-dns", "no-plain-http"} <= by_rule
    assert "Ingress dev/nginx-proxy" in {v.resource for v in found if v.rule_id == "no-ingress"}
    # the legacy Ingress has no spec.tls: dev.home.jetzinger.com is served in clear text
    assert {v.resource for v in found if v.rule_id == "no-plain-http"} == {"Ingress dev/nginx-proxy"}
    assert "Deployment docs/paperless-gpt" in {v.resource for v in found if v.rule_id == "litellm-only"}
    # what the demo does right is not reported
    assert not by_rule & {"naming", "gpu-recreate", "host-names", "cluster-issuer", "default-storageclass",
                          "hostpath", "gpu-shm", "gpu-exclusive", "namespace-boundaries", "no-public-ip"}


def test_overview_on_the_seed(lab):
    st = DashboardState(cluster=Snapshot("kubernetes").succeeded(lab, NOW),
                        metrics=Snapshot("prometheus").succeeded(seeded_metrics(lab), NOW))
    by = {a.area: a for a in build_overview(st, S, NOW)}
    assert by["nodes"].state is State.OK and by["gpu"].state is State.OK
    assert by["certificates"].state is State.FAIL and by["namespaces"].state is State.FAIL
    assert by["storage"].state is State.WARN
    assert by["inference"].state is State.UNKNOWN  # no LiteLLM data in this state
