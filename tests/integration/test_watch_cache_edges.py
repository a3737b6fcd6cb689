"""Watch-cache edges against the simulated API server: a half-open watch, objects deleted while the watch
was down, a slow first list, and lists slower than the request timeout."""

from __future__ import annotations

import math
import threading
from typing import Any, Iterator

import pytest

from homelab_tui.config import KubernetesSettings
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.kube_client import KubeApi, KubeTarget, load_kube_api
from homelab_tui.sources.resources import SPECS, ResourceSpec
from tests.conftest import wait_until

SETTINGS = KubernetesSettings(timeout=3.0, watch_timeout=30, max_backoff=0.5)


def _source(lab, resources: tuple[ResourceSpec, ...], settings: KubernetesSettings = SETTINGS,
            api: KubeApi | None = None) -> KubeSource:
    return KubeSource(KubeTarget(str(lab.kubeconfig_path)), settings, resources=resources, api=api,
                      min_backoff=0.1)


@pytest.fixture
def started() -> Iterator[list[KubeSource]]:
    """Sources a test starts; stopped after it, pass or fail."""
    sources: list[KubeSource] = []
    yield sources
    for src in sources:
        src.stop()


class WatchSpy:
    """The real client, with its watch requests recorded and the list of one path held until released."""

    def __init__(self, lab, monkeypatch: pytest.MonkeyPatch, hold: str = "") -> None:
        self.api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), SETTINGS.timeout)
        self.watches: list[tuple[str, dict[str, Any], Any]] = []  # (path, query, read_timeout)
        self.release = threading.Event()
        get, stream_lines = self.api.get, self.api.stream_lines

        def held_get(path: str, **kw: Any) -> Any:
            if hold and path == hold:
                self.release.wait(10)
            return get(path, **kw)

        def recorded_stream_lines(path: str, query: Any, read_timeout: Any, **kw: Any) -> Iterator[bytes]:
            self.watches.append((path, dict(query), read_timeout))
            return stream_lines(path, query, read_timeout, **kw)

        monkeypatch.setattr(self.api, "get", held_get)
        monkeypatch.setattr(self.api, "stream_lines", recorded_stream_lines)


def _configmap(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "apps"},
            "data": {"k": "v"}}


def _configmaps(src: KubeSource) -> set[str]:
    data = src.current().data
    return {o["metadata"]["name"] for o in data.get("configmaps")} if data else set()


def test_a_silent_watch_is_given_up_a_margin_after_its_server_side_timeout(lab, monkeypatch, started) -> None:
    """A half-open connection (the master rebooted, a NAT entry expired) sends nothing and never closes: the
    client's read timeout must end it, or the data freezes while the footer says "updated just now"."""
    spy = WatchSpy(lab, monkeypatch)
    src = _source(lab, (SPECS["nodes"],), api=spy.api)
    started.append(src)
    src.start()
    wait_until(lambda: spy.watches, message="the watch opened")
    _, query, read_timeout = spy.watches[0]
    assert query["timeoutSeconds"] == SETTINGS.watch_timeout
    assert read_timeout is not None and SETTINGS.watch_timeout < read_timeout < math.inf


def test_an_object_deleted_while_the_watch_was_down_disappears(lab, started) -> None:
    """The watch resumes from its resourceVersion, so the server replays the deletion; a watch reopened
    without it gets only ADDED for what exists now, and the deleted object stays as a ghost."""
    faults = lab.faults["kubernetes"]
    src = _source(lab, (SPECS["configmaps"],))
    started.append(src)
    src.start()
    lab.call(lambda: lab.store.put("configmaps", _configmap("ghost")))
    wait_until(lambda: "ghost" in _configmaps(src), message="the configmap seen")
    faults.status, faults.status_path = 503, "/configmaps"
    faults.drop_watches_epoch += 1
    wait_until(lambda: src.current().error, message="the watch cannot reopen")
    lab.call(lambda: lab.store.delete("configmaps", "apps", "ghost"))
    lab.call(lambda: lab.store.put("configmaps", _configmap("after")))
    faults.status = 0
    wait_until(lambda: "after" in _configmaps(src), message="the watch resumed")
    assert "ghost" not in _configmaps(src)


def test_the_cluster_stays_loading_until_every_required_resource_is_listed(lab, monkeypatch, started) -> None:
    """Pods listed before deployments would show every pod as unowned: a partial first sync is not the cluster."""
    deployments = SPECS["deployments"]
    spy = WatchSpy(lab, monkeypatch, hold=deployments.path())
    src = _source(lab, (SPECS["pods"], deployments), api=spy.api)
    started.append(src)
    try:
        src.start()
        wait_until(lambda: any(path == SPECS["pods"].path() for path, _, _ in spy.watches),
                   message="pods listed (their watch opened)")
        snap = src.current()
        assert not snap.has_data and snap.error is None
    finally:
        spy.release.set()
    wait_until(lambda: src.current().ok, message="deployments listed")
    assert src.current().data.find("deployments", "ml", "vllm-server") is not None


def test_a_list_slower_than_the_request_timeout_still_loads(lab, started) -> None:
    """Lists of every pod or event on a slow K3s master take longer than one request's timeout."""
    lab.faults["kubernetes"].latency = 1.5
    src = _source(lab, (SPECS["nodes"],), KubernetesSettings(timeout=1.0, watch_timeout=30, max_backoff=0.5))
    started.append(src)
    src.start()
    wait_until(lambda: src.current().ok, timeout=15, message="the slow list answered")
    assert {n["metadata"]["name"] for n in src.current().data.get("nodes")} >= {"k3s-master"}
