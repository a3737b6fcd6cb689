"""The Overview roll-up shared by the TUI and ``check``."""

from __future__ import annotations

import dataclasses

import pytest
from tests.unit.factories import DAY, NOW, cluster, deployment, exposed, ingressroute, namespace, node, pod, pvc

from homelab_tui.config import HOMELAB_NAMESPACES, Settings
from homelab_tui.model.health import AreaStatus, State
from homelab_tui.model.metrics import AliasHealth, LiteLLMData, MetricsData, TierHealth, VolumeStats
from homelab_tui.model.overview import AREAS, build_overview, overall_state, resolve_areas
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState
from homelab_tui.sources.resources import WATCHED

S = Settings()


def _healthy_cluster(*extra, r1=0):
    return cluster(
        *[namespace(n) for n in HOMELAB_NAMESPACES],
        node("k3s-master", roles=("control-plane",)), node("k3s-gpu-worker", gpus=1),
        deployment("vllm-server", "ml", strategy="Recreate"), deployment("vllm-r1", "ml", replicas=r1),
        deployment("ollama", "ml"), deployment("n8n", "apps"),
        pvc("n8n-data"), *exposed("n8n"), *extra)


def _state(c=None, metrics=None, llm=None, *, cluster_age=5.0, metrics_age=20.0):
    st = DashboardState()
    if c is not None:
        st = DashboardState(cluster=st.cluster.succeeded(c, NOW - cluster_age))
    m = MetricsData(volumes={("apps", "n8n-data"): VolumeStats("apps", "n8n-data", 1e9, 5e9)}) \
        if metrics is None else metrics
    healthy = {a: AliasHealth(a, TierHealth.HEALTHY) for a in ("vllm-qwen", "ollama-qwen", "openai-gpt4o")}
    l = LiteLLMData(alive=True, ready=True, aliases=healthy, health_checked_at=NOW - 30) if llm is None else llm
    return DashboardState(cluster=st.cluster, metrics=st.metrics.succeeded(m, NOW - metrics_age),
                          llm=st.llm.succeeded(l, NOW - 2), gpu=st.gpu)


def _by_area(rows):
    return {r.area: r for r in rows}


def test_healthy_lab_is_all_ok_with_sources_and_ages():
    rows = build_overview(_state(_healthy_cluster()), S, NOW)
    assert [r.area for r in rows] == list(AREAS)
    assert all(r.state is State.OK for r in rows), [(r.area, r.reason) for r in rows]
    by = _by_area(rows)
    assert by["storage"].sources == ("kubernetes", "prometheus") and by["storage"].age == 20.0
    assert by["nodes"].age == 5.0 and by["nodes"].reason == "2/2 nodes Ready"
    assert by["gpu"].reason == "mode ml (vllm-server 1/1)"
    assert by["inference"].reason == "vllm-qwen answers"
    assert by["certificates"].reason == "1 hosts, next expiry in 60 d"
    assert overall_state(rows) is State.OK


def test_problems_roll_up_with_worst_reason():
    c = _healthy_cluster(*exposed("grafana", "monitoring", not_after=NOW + 2 * DAY),
                         pod("docling-7c-abcde", "docs", waiting="CrashLoopBackOff", ready=False), r1=1)
    by = _by_area(build_overview(_state(c), S, NOW))
    assert by["certificates"].state is State.FAIL and "expires in 2.0 d" in by["certificates"].reason
    assert by["namespaces"].state is State.FAIL and "CrashLoopBackOff" in by["namespaces"].reason
    assert by["gpu"].state is State.FAIL
    assert by["certificates"].findings


def test_no_cluster_data_is_unknown_with_the_error():
    st = DashboardState()
    st = DashboardState(cluster=st.cluster.failed("connection refused", NOW))
    rows = build_overview(st, S, NOW)
    assert all(r.state is State.UNKNOWN for r in rows)
    assert rows[0].reason == "kubernetes: connection refused"
    assert rows[0].source_errors == ("kubernetes: connection refused",) and rows[0].age is None


def test_no_cluster_data_has_no_age_even_where_other_sources_answer():
    fresh = _state(_healthy_cluster())  # Prometheus and LiteLLM have data
    st = DashboardState(cluster=DashboardState().cluster.failed("connection refused", NOW), metrics=fresh.metrics,
                        llm=fresh.llm)
    by = _by_area(build_overview(st, S, NOW))
    assert fresh.metrics.has_data and by["storage"].state is State.UNKNOWN
    assert by["storage"].age is None and by["inference"].age is None  # not Prometheus' or LiteLLM's age


def test_failed_source_with_last_good_data_keeps_verdict_and_adds_error():
    st = _state(_healthy_cluster(), cluster_age=120)
    st = DashboardState(cluster=st.cluster.failed("API unreachable", NOW), metrics=st.metrics, llm=st.llm)
    by = _by_area(build_overview(st, S, NOW))
    assert by["nodes"].state is State.OK and by["nodes"].age == 120.0
    assert by["nodes"].source_errors == ("kubernetes: API unreachable",)


def test_missing_secondary_sources_make_ok_unknown_but_keep_worse():
    st = DashboardState(cluster=Snapshot("kubernetes").succeeded(_healthy_cluster(), NOW),
                        metrics=Snapshot("prometheus").failed("timeout", NOW))
    by = _by_area(build_overview(st, S, NOW))
    assert by["storage"].state is State.UNKNOWN and by["storage"].source_errors == ("prometheus: timeout",)
    assert by["inference"].state is State.UNKNOWN and "LiteLLM unknown" in by["inference"].reason
    full = MetricsData(volumes={("apps", "n8n-data"): VolumeStats("apps", "n8n-data", 4.9e9, 5e9)})
    assert _by_area(build_overview(_state(_healthy_cluster(), metrics=full), S, NOW))["storage"].state is State.FAIL


def test_resource_errors_and_absent_crds():
    c = cluster(*[namespace(n) for n in HOMELAB_NAMESPACES], node("k3s-gpu-worker", gpus=1),
                errors={"secrets": "403 Forbidden", "ingressroutes_legacy": "boom"},
                absent=frozenset({"certificates"}))
    by = _by_area(build_overview(_state(c), S, NOW, areas=["certs"]))
    assert list(by) == ["certificates"]
    assert by["certificates"].state is State.UNKNOWN and "cert-manager" in by["certificates"].reason
    assert set(by["certificates"].source_errors) == {"kubernetes/secrets: 403 Forbidden",
                                                     "kubernetes/ingressroutes_legacy: boom"}


def test_an_area_lists_only_the_errors_of_the_resources_it_reads():
    # RBAC forbids secrets (never read): only the areas that read secrets are concerned, and they are at
    # least UNKNOWN, since their verdict leaves the secrets out
    never_read = frozenset(s.key for s in WATCHED) - {"secrets", "clusterissuers"}
    healthy = _healthy_cluster()
    c = dataclasses.replace(healthy, objects={k: v for k, v in healthy.objects.items() if k != "secrets"},
                            errors={"secrets": "403 Forbidden"}, synced=never_read)
    st = _state(c)
    st = DashboardState(cluster=st.cluster.failed("secrets: 403 Forbidden", NOW), metrics=st.metrics, llm=st.llm)
    by = _by_area(build_overview(st, S, NOW, areas=list(AREAS) + ["conventions"]))
    for area in ("nodes", "namespaces", "storage", "gpu", "inference"):
        assert by[area].source_errors == () and by[area].state is State.OK, area
    assert by["certificates"].source_errors == ("kubernetes: secrets: 403 Forbidden",)
    assert by["certificates"].state is State.UNKNOWN
    assert by["certificates"].reason == "kubernetes/secrets: secrets cannot be read: whether the TLS secrets " \
                                        "exist is unknown"
    conv = by["conventions"]
    assert conv.state in (State.UNKNOWN, State.WARN, State.FAIL)
    assert ("kubernetes/secrets", "cannot be read, left out of this verdict: 403 Forbidden") in [
        (f.subject, f.reason) for f in conv.findings]
    # the whole API down: one line per area, not one per resource
    down = dataclasses.replace(_healthy_cluster(), errors={s.key: "connection refused" for s in WATCHED})
    st = _state(down)
    st = DashboardState(cluster=st.cluster.failed("API unreachable: connection refused", NOW), metrics=st.metrics,
                        llm=st.llm)
    ns = _by_area(build_overview(st, S, NOW))["namespaces"]
    assert ns.source_errors == ("kubernetes: API unreachable: connection refused",) and ns.state is State.OK
    # two resources of an area failing differently: one line each
    mixed = dataclasses.replace(_healthy_cluster(), errors={"pods": "500 boom", "deployments": "403 Forbidden",
                                                             "secrets": "403 Forbidden"})
    st = _state(mixed)
    st = DashboardState(cluster=st.cluster.failed("deployments, pods, secrets: 403 Forbidden", NOW),
                        metrics=st.metrics, llm=st.llm)
    assert _by_area(build_overview(st, S, NOW))["namespaces"].source_errors == (
        "kubernetes/deployments: 403 Forbidden", "kubernetes/pods: 500 boom")


def test_resolve_areas():
    assert resolve_areas(["certs,storage"]) == ("certificates", "storage")
    assert resolve_areas(["storage", "nodes", "nodes"]) == ("nodes", "storage")
    assert resolve_areas(["tiers", " GPU "]) == ("gpu", "inference")
    with pytest.raises(ValueError, match="unknown area 'bogus'"):
        resolve_areas(["bogus"])


def test_conventions_area_on_request_only():
    st = _state(_healthy_cluster(ingressroute("n8n-plain", entry_points=("web",), tls_secret=None)))
    assert "conventions" not in _by_area(build_overview(st, S, NOW))
    conv = build_overview(st, S, NOW, areas=["nodes", "conventions"])
    assert [a.area for a in conv] == ["nodes", "conventions"]
    assert conv[1].state is State.FAIL and "[17]" in conv[1].reason
    clean = build_overview(_state(_healthy_cluster()), S, NOW, areas=["rules"])[0]
    assert clean.state is State.OK and clean.reason == "20 rules, no violations", clean.reason


def _row(state: State) -> AreaStatus:
    return AreaStatus("nodes", "Nodes", state, state.label)


@pytest.mark.parametrize("states,expected", [
    ((State.WARN, State.UNKNOWN), State.UNKNOWN),  # an unreadable source may hide worse than the warning
    ((State.UNKNOWN, State.WARN), State.UNKNOWN),
    ((State.FAIL, State.UNKNOWN), State.FAIL),  # a known failure is CRITICAL (2), not UNKNOWN (3)
    ((State.UNKNOWN, State.FAIL, State.WARN), State.FAIL),
    ((State.OK, State.WARN), State.WARN),
    ((), State.OK),
])
def test_check_precedence_fail_then_unknown_then_warn(states: tuple[State, ...], expected: State) -> None:
    assert overall_state([_row(s) for s in states]) is expected


def test_a_judge_that_raises_makes_its_area_unknown_not_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("model bug")

    import homelab_tui.model.gpu as gpu_model  # the GPU judge imports it on first use

    monkeypatch.setattr(gpu_model, "derive_gpu_mode", broken)
    rows = build_overview(_state(_healthy_cluster()), S, NOW)
    by = _by_area(rows)
    assert by["gpu"].state is State.UNKNOWN and by["gpu"].reason == "cannot evaluate: RuntimeError: model bug"
    assert all(r.state is State.OK for r in rows if r.area != "gpu")
    assert overall_state(rows) is State.UNKNOWN
