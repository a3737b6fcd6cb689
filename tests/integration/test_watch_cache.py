"""The watch cache against the simulated API server: sync, resume, 410 re-list, reconnect, errors."""

from __future__ import annotations

import time

import pytest

from homelab_tui.config import KubernetesSettings, load_settings
from homelab_tui.model.snapshot import freshness_text
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.kube_client import KubeTarget
from homelab_tui.sources.resources import SPECS, WATCHED
from tests.conftest import wait_until

REQUIRED = {s.key for s in WATCHED if not s.optional}


def _source(lab, **kw) -> KubeSource:
    settings = KubernetesSettings(timeout=3.0, watch_timeout=30, max_backoff=0.5)
    return KubeSource(KubeTarget(str(lab.kubeconfig_path), kw.pop("context", None)), settings, min_backoff=0.1, **kw)


def _synced(src: KubeSource) -> bool:
    """Every resource has finished its first list (or is known to be absent): no list is still under way."""
    snap = src.current()
    return bool(snap.data and REQUIRED <= snap.data.synced and snap.ok
                and set(SPECS) <= set(snap.data.synced) | set(snap.data.absent))


def _lists(lab) -> int:
    reqs = lab.faults["kubernetes"].requests
    return sum(v for k, v in reqs.items() if k.endswith("list"))


@pytest.fixture
def source(lab):
    src = _source(lab)
    src.start()
    wait_until(lambda: _synced(src), message="initial sync")
    yield src
    src.stop()


def _replicas(src: KubeSource, ns: str, name: str):
    dep = src.current().data.find("deployments", ns, name)
    return dep["spec"].get("replicas") if dep else None


def _scale(lab, ns: str, name: str, replicas: int) -> None:
    def edit(obj):
        obj["spec"]["replicas"] = replicas
    lab.call(lambda: lab.store.mutate("deployments", ns, name, edit))


def test_initial_sync_matches_the_server(lab, source):
    state = source.current().data
    pods, _ = lab.call(lambda: lab.store.list("pods"))
    assert len(state.get("pods")) == len(pods) > 20
    assert {n["metadata"]["name"] for n in state.get("nodes")} >= {"k3s-master", "k3s-gpu-worker"}
    assert state.find("deployments", "ml", "vllm-server") is not None
    assert state.context == "homelab-demo"


def test_changes_arrive_by_watch_without_new_lists(lab, source):
    lists_after_sync = _lists(lab)
    _scale(lab, "apps", "n8n", 3)
    wait_until(lambda: _replicas(source, "apps", "n8n") == 3, message="watch delivers the change")
    assert _lists(lab) == lists_after_sync


def test_states_of_one_cache_share_facts_and_only_changed_pods_are_read_again(lab, source):
    from homelab_tui.model.namespaces import summarize_namespaces
    from homelab_tui.model.workloads import pod_facts_reader

    settings = load_settings(lab.config_path, explicit=True)
    first = source.current().data
    summarize_namespaces(first, settings, time.time())
    memo = pod_facts_reader(first)
    misses = memo.misses
    assert misses >= len(first.get("pods"))
    _scale(lab, "apps", "n8n", 3)  # one new pod, and the controller's changes to it
    wait_until(lambda: _replicas(source, "apps", "n8n") == 3, message="watch delivers the change")
    wait_until(lambda: len(source.current().data.get("pods")) > len(first.get("pods")), message="a new pod")
    later = source.current().data
    assert later is not first and later.versions is first.versions
    summarize_namespaces(later, settings, time.time())
    # only the new pod and the pods that changed meanwhile are read again, not the other ~80
    assert pod_facts_reader(later) is memo and 0 < memo.misses - misses < 10


def test_stream_end_resumes_from_last_version_without_relist(lab, source):
    lists_after_sync = _lists(lab)
    watches = lab.faults["kubernetes"].requests["GET watch"]
    lab.faults["kubernetes"].drop_watches_epoch += 1
    wait_until(lambda: lab.faults["kubernetes"].requests["GET watch"] >= watches + len(SPECS) // 2,
               message="watches reopened")
    _scale(lab, "apps", "n8n", 2)
    wait_until(lambda: _replicas(source, "apps", "n8n") == 2, message="change after resume")
    assert _lists(lab) == lists_after_sync


def test_410_gone_relists(lab, source):
    lists_after_sync = _lists(lab)
    lab.faults["kubernetes"].watch_gone = True
    lab.faults["kubernetes"].drop_watches_epoch += 1
    wait_until(lambda: _lists(lab) > lists_after_sync, message="re-list after 410")
    lab.faults["kubernetes"].watch_gone = False
    _scale(lab, "docs", "tika", 2)
    wait_until(lambda: _replicas(source, "docs", "tika") == 2, message="change after re-list")


def test_a_410_answer_to_the_watch_relists(lab, source):
    """Not an ERROR event in the stream but the watch request itself answered 410: the resourceVersion is
    gone, so resuming from it would be refused forever while the data froze."""
    faults = lab.faults["kubernetes"]
    lists_after_sync = _lists(lab)
    faults.watch_status = 410
    faults.drop_watches_epoch += 1
    wait_until(lambda: _lists(lab) > lists_after_sync, message="re-list after a 410 answer")
    faults.watch_status = 0
    _scale(lab, "docs", "tika", 2)
    wait_until(lambda: _replicas(source, "docs", "tika") == 2, message="change after re-list")
    assert source.current().ok


def test_reconnects_after_server_comes_back_and_keeps_last_data(lab, source):
    before = len(source.current().data.get("pods"))
    lab.set_down("kubernetes", True)
    # the first watch to notice may see its stream cut ("remote end closed connection"); once the
    # reconnects are refused, the source says the API is unreachable
    wait_until(lambda: "refused" in (source.current().error or "")
               or "unreachable" in (source.current().error or "").lower(), message="API down reported")
    snap = source.current()
    assert snap.data is not None and len(snap.data.get("pods")) == before  # last good data kept
    lab.set_down("kubernetes", False)
    wait_until(lambda: source.current().ok, timeout=15, message="recovery")
    _scale(lab, "apps", "n8n", 4)
    wait_until(lambda: _replicas(source, "apps", "n8n") == 4, message="change after reconnect")


def test_forbidden_secrets_is_reported_per_resource(lab):
    lab.faults["kubernetes"].status = 403
    lab.faults["kubernetes"].status_path = "/secrets"
    src = _source(lab, clock=lambda: 1000.0)
    src.start()
    try:
        wait_until(lambda: (src.current().data and "secrets" in src.current().data.errors
                            and "pods" in src.current().data.synced), message="403 recorded")
        snap = src.current()
        assert "403" in snap.data.errors["secrets"]
        assert "secrets" in snap.error and "403" in snap.error
        assert snap.data.get("pods")  # what is allowed is still shown
        assert snap.error_since == 1000.0
        assert freshness_text(snap, 1003.0).startswith("kubernetes: failing for 3 s: secrets: 403")
    finally:
        src.stop()


def test_missing_kubeconfig_is_a_source_error(tmp_path):
    src = KubeSource(KubeTarget(str(tmp_path / "nope")), KubernetesSettings(timeout=1), clock=lambda: 1000.0)
    src.start()
    try:
        wait_until(lambda: src.current().error, message="error")
        snap = src.current()
        assert "no kubeconfig found" in snap.error
        assert snap.data is None
        assert snap.error_since == 1000.0  # failing since the start, not since the epoch
        assert freshness_text(snap, 1005.0).startswith("kubernetes: failing for 5 s: no kubeconfig found")
    finally:
        src.stop()


def test_unknown_context_is_a_source_error(lab):
    src = _source(lab, context="prod")
    src.start()
    try:
        wait_until(lambda: src.current().error, message="error")
        assert "unknown context 'prod' (available: homelab-demo)" in src.current().error
    finally:
        src.stop()


def test_wrong_token_reports_401_without_the_token(lab, tmp_path):
    bad = tmp_path / "bad-kubeconfig"
    text = lab.kubeconfig_path.read_text().replace(lab.token, "not-the-token")
    bad.write_text(text)
    src = KubeSource(KubeTarget(str(bad)), KubernetesSettings(timeout=2), min_backoff=0.1)
    src.start()
    try:
        # the server answered: the message names the refusal, not an unreachable API
        wait_until(lambda: (src.current().error or "").startswith("API refused every request: 401"),
                   message="every resource refused with 401")
        assert "unreachable" not in src.current().error
        assert "not-the-token" not in src.current().error
    finally:
        src.stop()


def test_reading_the_cache_never_waits_for_the_client_to_load(monkeypatch) -> None:
    """The UI thread calls current() every tick; loading the client (an import, exec plugins) must not block it."""
    import threading

    import homelab_tui.sources.kube as kube

    loading, release = threading.Event(), threading.Event()

    def slow_load(target, timeout):
        loading.set()
        release.wait(10)
        raise kube.KubeError(0, "", "no kubeconfig (test)")

    monkeypatch.setattr(kube, "load_kube_api", slow_load)
    source = KubeSource(KubeTarget("/nonexistent"), KubernetesSettings())
    source.start()
    try:
        assert loading.wait(5)
        reader = threading.Thread(target=source.current, daemon=True)
        reader.start()
        reader.join(timeout=5)
        assert not reader.is_alive(), "current() waited for the client to load"
        assert not source.current().has_data
    finally:
        release.set()
        source.stop()


def test_bookmarks_keep_a_quiet_watch_resumable_after_the_history_moved_on(lab, monkeypatch) -> None:
    """A resource that never changes still learns the current resourceVersion from BOOKMARKs, so after the
    server's history has moved past its last event a dropped watch resumes without a 410 and a re-list."""
    import homelab_tui.demo.kube_watch as kube_watch

    monkeypatch.setattr(kube_watch, "BOOKMARK_INTERVAL", 0.05)
    src = _source(lab, resources=(SPECS["storageclasses"],))
    src.start()
    try:
        wait_until(lambda: "storageclasses" in (src.current().data.synced if src.current().data else ()),
                   message="storageclasses listed")
        history = lab.call(lambda: lab.store._history.maxlen)  # noqa: SLF001 - the test sizes its churn by it

        lists = _lists(lab)

        def churn(batch: int) -> None:
            for i in range(history // 2):
                lab.store.mutate("deployments", "apps", "n8n",
                                 lambda o, i=i: o["metadata"].setdefault("labels", {}).update(churn=f"{batch}-{i}"))
        for batch in range(6):  # other resources move the version past the whole history, in steps the open
            lab.call(lambda batch=batch: churn(batch), timeout=60)  # watch keeps up with (no 410 on it)
            time.sleep(0.3)
        time.sleep(1.0)  # twenty bookmark intervals: the watch has seen the new version
        assert _lists(lab) == lists, "the open watch fell behind (the test's churn is too fast)"
        watches = lab.faults["kubernetes"].requests["GET watch"]
        lab.faults["kubernetes"].drop_watches_epoch += 1
        wait_until(lambda: lab.faults["kubernetes"].requests["GET watch"] > watches, message="watch reopened")
        time.sleep(0.5)  # a 410 would come back at once and be followed by a list
        assert _lists(lab) == lists, "the quiet watch had to re-list: it missed the bookmarks"
        assert src.current().ok
    finally:
        src.stop()
