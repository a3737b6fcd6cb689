"""The watch cache's retries and health stamps against the simulated API server: the backoff cap and reset,
an error cleared by the server accepting the watch, bookmarks keeping a quiet resource fresh, and the ages
("failing for", "showing data from") of several failing resources."""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

import pytest

import homelab_tui.demo.kube_watch as kube_watch
from homelab_tui.config import KubernetesSettings
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.kube_client import KubeTarget, load_kube_api
from homelab_tui.sources.resources import SPECS, ResourceSpec
from tests.conftest import wait_until

MIN_BACKOFF = 0.1
SETTINGS = KubernetesSettings(timeout=3.0, watch_timeout=30, max_backoff=0.5)


class Clock:
    """A clock the test sets: the stamps the cache takes are exact."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordedWaits(threading.Event):
    """The cache's stop event, recording each wait between two attempts into ``log``."""

    def __init__(self, log: list[Any]) -> None:
        super().__init__()
        self.log = log

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None:
            self.log.append(timeout)
        return super().wait(timeout)


@pytest.fixture
def start(lab) -> Iterator[Callable[..., KubeSource]]:
    """Start a source over ``resources`` of the lab; every one started is stopped after the test."""
    sources: list[KubeSource] = []

    def started(*resources: ResourceSpec, clock: Clock | None = None, log: list[Any] | None = None,
                **kw: Any) -> KubeSource:
        src = KubeSource(KubeTarget(str(lab.kubeconfig_path)), SETTINGS, resources=resources,
                         clock=clock or Clock(100.0), min_backoff=MIN_BACKOFF, **kw)
        if log is not None:
            src._stop = RecordedWaits(log)  # noqa: SLF001 - the spy on the waits between attempts
        sources.append(src)
        src.start()
        return src

    yield started
    for src in sources:
        src.stop()


def _lists(lab) -> int:
    return lab.faults["kubernetes"].requests["GET list"]


def _errors(src: KubeSource) -> dict[str, str]:
    data = src.current().data
    return dict(data.errors) if data else {}


def test_retries_back_off_exponentially_up_to_the_cap(lab, start) -> None:
    """After a long outage the next try is at most ``max_backoff`` away, not 0.5·2ⁿ s."""
    lab.faults["kubernetes"].status = 500
    waits: list[Any] = []
    start(SPECS["storageclasses"], log=waits)
    wait_until(lambda: len(waits) >= 6, message="six failed lists")
    assert waits[:6] == [0.1, 0.2, 0.4, 0.5, 0.5, 0.5]


def test_a_list_that_succeeds_resets_the_backoff(lab, monkeypatch, start) -> None:
    """Lists failed long enough to reach the cap; once one succeeds, a failing watch retries from the start."""
    faults = lab.faults["kubernetes"]
    faults.status = 500
    log: list[Any] = []
    api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), SETTINGS.timeout)
    get = api.get

    def logged_get(path: str, **kw: Any) -> Any:
        data = get(path, **kw)
        log.append("listed")
        return data

    monkeypatch.setattr(api, "get", logged_get)
    start(SPECS["storageclasses"], log=log, api=api)
    wait_until(lambda: log[-1:] == [SETTINGS.max_backoff], message="the backoff at its cap")
    faults.watch_status = 500
    faults.status = 0
    wait_until(lambda: "listed" in log[:-1], message="a list, then a failed watch")
    assert log[log.index("listed") + 1] == MIN_BACKOFF


def test_a_watch_the_server_accepts_again_clears_the_error_at_once(lab, monkeypatch, start) -> None:
    """No event and no bookmark on a quiet resource: the accepted watch alone says it is readable again."""
    monkeypatch.setattr(kube_watch, "BOOKMARK_INTERVAL", 3600.0)
    faults = lab.faults["kubernetes"]
    src = start(SPECS["storageclasses"])
    wait_until(lambda: src.current().ok, message="storageclasses listed")
    faults.watch_status = 500
    faults.drop_watches_epoch += 1
    wait_until(lambda: src.current().error, message="the watch refused")
    lists = _lists(lab)
    faults.watch_status = 0
    wait_until(lambda: src.current().ok, message="the error cleared when the watch was accepted")
    assert _lists(lab) == lists  # resumed from its resourceVersion: the watch, not a list, cleared it


def test_bookmarks_keep_a_quiet_resource_fresh(lab, monkeypatch, start) -> None:
    """Secrets are forbidden, storageclasses never change: their bookmarks date the data shown, not the list."""
    monkeypatch.setattr(kube_watch, "BOOKMARK_INTERVAL", 0.05)
    faults = lab.faults["kubernetes"]
    faults.status, faults.status_path = 403, "/secrets"
    clock = Clock(100.0)
    src = start(SPECS["storageclasses"], SPECS["secrets"], clock=clock)
    wait_until(lambda: src.current().has_data and "secrets" in _errors(src), message="the first sync")
    assert src.current().fetched_at == 100.0
    clock.now = 200.0
    wait_until(lambda: src.current().fetched_at == 200.0, message="a bookmark stamped the quiet resource")


def test_of_several_failing_resources_the_oldest_data_and_the_first_failure_are_reported(lab, start) -> None:
    faults = lab.faults["kubernetes"]
    clock = Clock(100.0)
    src = start(SPECS["namespaces"], SPECS["configmaps"], clock=clock)
    wait_until(lambda: src.current().ok, message="the first sync")
    faults.status, faults.status_path = 500, "/namespaces"
    faults.drop_watches_epoch += 1
    wait_until(lambda: "namespaces" in _errors(src), message="namespaces failing since 100")
    clock.now = 200.0
    lab.call(lambda: lab.store.put("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                  "metadata": {"name": "late", "namespace": "apps"}}))
    wait_until(lambda: any(o["metadata"]["name"] == "late" for o in src.current().data.get("configmaps")),
               message="configmaps read at 200")
    faults.status_path = ""
    faults.drop_watches_epoch += 1
    wait_until(lambda: "configmaps" in _errors(src), message="configmaps failing since 200")
    snap = src.current()
    assert (snap.fetched_at, snap.error_since) == (100.0, 100.0)


def test_an_error_whose_text_changes_is_still_failing_since_it_began(lab, start) -> None:
    """A refused→timed-out flip is one outage: "failing for" keeps counting."""
    faults = lab.faults["kubernetes"]
    clock = Clock(100.0)
    src = start(SPECS["namespaces"], clock=clock)
    faults.status = 500
    wait_until(lambda: "500" in (src.current().error or ""), message="failing with 500")
    clock.now = 200.0
    faults.status = 503
    wait_until(lambda: "503" in (src.current().error or ""), message="failing with 503")
    assert src.current().error_since == 100.0
