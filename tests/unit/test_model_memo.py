"""Facts kept per object version (model/memo.py) and per cluster state: never stale, never unbounded."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import pytest

from tests.unit.factories import NOW, deployment, pod, ts
from tests.unit.test_model_on_seed import seeded_metrics, to_cluster

from homelab_tui.config import Settings
from homelab_tui.demo.seed import build_objects
from homelab_tui.model.certs import cert_rows
from homelab_tui.model.health import State
from homelab_tui.model.memo import VersionMemo, VersionMemos, version_key
from homelab_tui.model.namespaces import summarize_namespaces
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.overview import AREAS, EXTRA_AREAS, build_overview, resources_for
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState
from homelab_tui.model.workloads import PENDING_GRACE, pod_problem, workload_problem

S = Settings()


def versioned(obj: dict, rv: str) -> dict:
    out = copy.deepcopy(obj)
    out["metadata"]["resourceVersion"] = rv
    return out


def test_version_key_needs_both_uid_and_resource_version():
    assert version_key({"metadata": {"uid": "u", "resourceVersion": "7"}}) == ("u", "7")
    assert version_key({"metadata": {"uid": "u"}}) is None
    assert version_key({"metadata": {"resourceVersion": "7"}}) is None
    assert version_key({"metadata": {"uid": "", "resourceVersion": "7"}}) is None
    assert version_key({"metadata": None}) is None
    assert version_key({"metadata": {"uid": 3, "resourceVersion": 7}}) is None


def test_one_computation_per_object_version():
    calls: list[str] = []
    memo = VersionMemo(lambda o: calls.append(o["metadata"]["name"]) or len(calls))
    a1 = {"metadata": {"name": "a", "uid": "ua", "resourceVersion": "1"}}
    assert memo(a1) == memo(copy.deepcopy(a1)) == 1  # an equal copy of the same version is the same version
    a2 = {"metadata": {"name": "a", "uid": "ua", "resourceVersion": "2"}}
    assert memo(a2) == 2
    unversioned = {"metadata": {"name": "b"}}
    memo(unversioned)
    memo(unversioned)
    assert calls == ["a", "a", "b", "b"]
    assert (memo.hits, memo.misses) == (1, 2)


def test_the_memo_is_bounded_and_keeps_what_is_still_read():
    memo = VersionMemo(lambda o: o["metadata"]["resourceVersion"], generation_size=4)
    live = {"metadata": {"uid": "live", "resourceVersion": "1"}}
    for i in range(100):
        memo({"metadata": {"uid": f"gone-{i}", "resourceVersion": "1"}})
        memo(live)  # read on every "render": it survives every generation change
        assert len(memo) <= 8
    misses = memo.misses
    memo(live)
    assert memo.misses == misses  # still cached
    assert misses == 101  # the 100 gone objects and the live one, once


def lineage(*pods: dict) -> ClusterState:
    """A state of one watch cache (it shares its facts with the next state of the same cache)."""
    return ClusterState(objects={"pods": tuple(pods)}, versions=VersionMemos())


def test_a_cached_pod_is_still_judged_at_the_time_asked():
    young = versioned(pod("x", phase="Pending", ready=False, age=PENDING_GRACE - 60), "41")
    c = lineage(young)
    assert pod_problem(young, NOW, cluster=c) is None
    later = pod_problem(young, NOW + 120, cluster=c)  # the same version, two minutes later: past the grace
    assert later is not None and later.state is State.WARN and later.reason == "Pending for 6 min"
    assert pod_problem(young, NOW + 180, cluster=c).reason == "Pending for 7 min"
    assert c.version_memo("pod", lambda o: None).hits == 2  # judged three times, read once


def test_a_new_version_of_a_pod_is_judged_again():
    v1 = versioned(pod("x", restarts=0), "100")
    first = lineage(v1)
    assert pod_problem(v1, NOW, cluster=first) is None
    v2 = versioned(pod("x", waiting="CrashLoopBackOff", ready=False, restarts=6), "101")
    assert version_key(v1)[0] == version_key(v2)[0]  # same object (uid), new version
    second = dataclasses.replace(first, objects={"pods": (v2,)})  # the cache's next state
    assert second.versions is first.versions
    assert pod_problem(v2, NOW, cluster=second).reason == "CrashLoopBackOff"
    assert pod_problem(v1, NOW, cluster=first) is None


def test_two_clusters_never_share_facts_even_with_equal_uids_and_versions():
    """The simulated home-lab gives every lab the same uids; two watch caches must not mix them."""
    healthy = versioned(pod("x"), "7")
    crashing = versioned(pod("x", waiting="CrashLoopBackOff", ready=False), "7")
    assert version_key(healthy) == version_key(crashing)
    a, b = lineage(healthy), lineage(crashing)
    assert pod_problem(healthy, NOW, cluster=a) is None
    assert pod_problem(crashing, NOW, cluster=b).reason == "CrashLoopBackOff"
    loose = ClusterState(objects={"pods": (crashing,)})  # built without a watch cache: its own facts
    assert pod_problem(crashing, NOW, cluster=loose).reason == "CrashLoopBackOff"


def test_a_cached_workload_leaves_its_rollout_grace_on_time():
    d = deployment("n8n", "apps", None, 0, {}, None)
    d["metadata"]["creationTimestamp"] = ts(NOW - 60)
    d["status"] = {"readyReplicas": 0}
    d = versioned(d, "9")
    c = ClusterState(objects={"deployments": (d,)}, versions=VersionMemos())
    assert workload_problem(d, "Deployment", NOW, c).state is State.WARN  # young: still rolling out
    assert workload_problem(d, "Deployment", NOW + 3600, c).state is State.FAIL


def _strip_versions(objects: list[dict]) -> list[dict]:
    out = copy.deepcopy(objects)
    for o in out:
        o["metadata"].pop("resourceVersion", None)
    return out


def test_cached_and_uncached_judgements_agree_on_the_10x_home_lab():
    when = dt.datetime.fromtimestamp(NOW, dt.timezone.utc)
    objects = build_objects(when, scale=10)
    for i, o in enumerate(objects):
        o["metadata"]["resourceVersion"] = str(i + 1)
        o["metadata"].setdefault("uid", f"uid-{i}")
    plain = to_cluster(_strip_versions(objects))
    memos = VersionMemos()
    for at in (NOW, NOW + 400, NOW + 7 * 86400):  # pending pods cross their grace; certificates age
        cached = dataclasses.replace(to_cluster(objects), versions=memos)  # a new state of the same cache
        first = summarize_namespaces(cached, S, at)
        assert first == summarize_namespaces(cached, S, at) == summarize_namespaces(plain, S, at)
        assert cert_rows(cached, S, at) == cert_rows(plain, S, at)
        state = DashboardState(cluster=Snapshot("kubernetes", cached, fetched_at=at),
                               metrics=Snapshot("prometheus", seeded_metrics(cached), fetched_at=at))
        plain_state = DashboardState(cluster=Snapshot("kubernetes", plain, fetched_at=at),
                                     metrics=Snapshot("prometheus", seeded_metrics(plain), fetched_at=at))
        assert build_overview(state, S, at) == build_overview(plain_state, S, at)
    assert any(s.state is not State.OK for s in first)  # the seed's planted problems are judged
    assert memos.get("pod", lambda o: None).hits > memos.get("pod", lambda o: None).misses  # facts were reused


def test_certificate_rows_of_one_state_follow_the_clock():
    objects = build_objects(dt.datetime.fromtimestamp(NOW, dt.timezone.utc))
    c = to_cluster(objects)
    before = {r.host: r.days_left for r in cert_rows(c, S, NOW) if r.days_left is not None}
    after = {r.host: r.days_left for r in cert_rows(c, S, NOW + 86400) if r.days_left is not None}
    assert before and before.keys() == after.keys()
    assert all(abs(before[h] - after[h] - 1.0) < 1e-9 for h in before)



@pytest.mark.parametrize("scale", [1, 10])
def test_each_area_reads_only_the_resources_check_lists_for_it(scale):
    """``check --only AREA`` lists resources_for(AREA): judging the area on just those gives the same verdict."""
    objects = build_objects(dt.datetime.fromtimestamp(NOW, dt.timezone.utc), scale=scale)
    full = to_cluster(objects)
    metrics = Snapshot("prometheus", seeded_metrics(full), fetched_at=NOW)
    for area in AREAS + EXTRA_AREAS:
        keys = resources_for((area,))
        some = ClusterState(objects={k: v for k, v in full.objects.items() if k in keys},
                            synced=frozenset(k for k in full.synced if k in keys))
        judged = [build_overview(DashboardState(cluster=Snapshot("kubernetes", c, fetched_at=NOW), metrics=metrics),
                                 S, NOW, areas=(area,)) for c in (full, some)]
        assert judged[0] == judged[1], area
    # without --conventions, check need not list services (configmaps: inference reads LiteLLM's fallbacks)
    assert resources_for(AREAS) == frozenset(full.objects) - {"services"} | {
        "ingressroutes_legacy", "middlewares_legacy"}


def test_an_unchanged_cluster_keeps_its_verdicts_for_a_while_and_a_change_is_judged_at_once():
    from homelab_tui.model.overview import REJUDGE_AFTER

    young = pod("x", namespace="apps", phase="Pending", ready=False, age=PENDING_GRACE - 2)
    state = DashboardState(cluster=Snapshot("kubernetes", ClusterState(objects={"pods": (young,)}), fetched_at=NOW))

    def namespaces(s: DashboardState, at: float) -> State:
        return build_overview(s, S, at, areas=("namespaces",))[0].state

    assert namespaces(state, NOW) is State.OK
    assert namespaces(state, NOW + 5) is State.OK  # past the grace, but the same state within REJUDGE_AFTER
    assert namespaces(state, NOW + REJUDGE_AFTER + 1) is State.WARN
    crashing = pod("y", namespace="apps", waiting="CrashLoopBackOff", ready=False)
    changed = DashboardState(cluster=Snapshot("kubernetes", ClusterState(objects={"pods": (young, crashing)}),
                                              fetched_at=NOW))
    assert namespaces(changed, NOW) is State.FAIL  # a new state: judged at once
    fresh = DashboardState(cluster=Snapshot("kubernetes", ClusterState(objects={"pods": (young,)}), fetched_at=NOW))
    assert namespaces(fresh, NOW) is State.OK
    other = Settings()  # other settings (a reloaded config) are never served a verdict judged with the old ones
    assert build_overview(fresh, other, NOW + 5, areas=("namespaces",))[0].state is State.WARN
