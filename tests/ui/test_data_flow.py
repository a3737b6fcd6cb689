"""Data reaching the screens: failing sources, watch notifications from threads, polled sources, worker failures."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.services import StaticClusterSource
from homelab_tui.ui.app import HomelabApp
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import build_app, screen_text, settle
from tests.ui.demo_state import FIXED, demo_state, failing_cluster


class ThreadedCluster(StaticClusterSource):
    """A cluster source whose changes arrive from another thread, like the watch cache's."""

    def __init__(self, snapshot: Snapshot[ClusterState]) -> None:
        super().__init__(snapshot)
        self.on_change: Callable[[], None] | None = None

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        self.on_change = on_change

    def change_from_thread(self, snapshot: Snapshot[ClusterState], notifications: int = 1) -> None:
        def run() -> None:
            self._snap = snapshot
            for _ in range(notifications):
                assert self.on_change is not None
                self.on_change()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=5)


class ExplodingSource:
    name = "litellm"
    interval = 3600.0

    def __init__(self, snapshot: Snapshot[Any]) -> None:
        self._snap = snapshot

    def refresh(self) -> Snapshot[Any]:
        raise RuntimeError("socket closed unexpectedly\nwith a second line")

    def current(self) -> Snapshot[Any]:
        return self._snap

    def close(self) -> None:
        pass


def with_namespace(snapshot: Snapshot[ClusterState], name: str, revision: int) -> Snapshot[ClusterState]:
    cluster = snapshot.data
    assert cluster is not None
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "namespace": name},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}, "status": {"phase": "Running"}}
    objects = dict(cluster.objects)
    objects["namespaces"] = cluster.get("namespaces") + (ns,)
    objects["pods"] = cluster.get("pods") + (pod,)
    return dataclasses.replace(snapshot, data=dataclasses.replace(cluster, objects=objects, revision=revision))


async def wait_for(pilot, predicate: Callable[[], bool], tries: int = 100) -> bool:
    for _ in range(tries):
        if predicate():
            return True
        await pilot.pause(0.05)
    return predicate()


async def test_failing_source_says_what_failed_and_how_old_the_data_is() -> None:
    app = build_app(failing_cluster(demo_state()))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        expected = "kubernetes: failing for 12 s: connection refused — showing data from 40 s ago"
        assert expected in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert expected in screen_text(app)
        assert "docs" in app.screen.query_one(DashboardTable).row_keys  # the last good data is still shown


async def test_no_data_yet_says_loading() -> None:
    state = dataclasses.replace(demo_state(), cluster=Snapshot("kubernetes"))
    app = build_app(state)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        text = screen_text(app)
        assert "kubernetes: loading…" in text
        assert "Waiting for data from Kubernetes" in text


async def test_watch_changes_from_a_thread_reach_the_screen(app: HomelabApp) -> None:
    cluster = ThreadedCluster(app.services.kube.current())
    app.services.kube = cluster
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert "sandbox" not in app.screen.query_one(DashboardTable).row_keys
        cluster.change_from_thread(with_namespace(cluster.current(), "sandbox", revision=2))
        assert await wait_for(pilot, lambda: "sandbox" in app.screen.query_one(DashboardTable).row_keys)
        assert "not in the home-lab" in screen_text(app)


async def test_a_burst_of_watch_notifications_is_coalesced(app: HomelabApp) -> None:
    cluster = ThreadedCluster(app.services.kube.current())
    app.services.kube = cluster
    renders: list[int] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.watch(app, "state", lambda state: renders.append(state.cluster.data.revision), init=False)
        cluster.change_from_thread(with_namespace(cluster.current(), "sandbox", revision=7), notifications=500)
        assert await wait_for(pilot, lambda: 7 in renders)
        await pilot.pause(0.3)
        assert renders == [7]


async def test_unchanged_sources_cause_no_redraw(app: HomelabApp) -> None:
    renders: list[object] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.watch(app, "state", renders.append, init=False)
        for _ in range(5):
            app.refresh_state()
        await settle(pilot)
        assert renders == []


async def test_a_polled_source_with_news_updates_the_screen(app: HomelabApp) -> None:
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert "litellm: updated 7 s ago" in screen_text(app)
        failed = app.services.litellm.current().failed("401 Unauthorized: bad key", now=FIXED - 2)
        app.services.litellm._snap = failed  # the next refresh answers this
        app._poller.poll("litellm")
        await settle(pilot)
        assert "litellm: failing for 2 s: 401 Unauthorized: bad key — showing data from 7 s ago" in screen_text(app)


async def test_a_failing_worker_becomes_a_notification_not_a_crash(app: HomelabApp) -> None:
    app.services.litellm = ExplodingSource(app.services.litellm.current())
    app._poller._sources["litellm"] = app.services.litellm
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        # not settle(): waiting on every worker raises WorkerFailed for this one while it is still listed
        for _ in range(100):
            messages = [n.message for n in app._notifications]
            if messages:
                break
            await pilot.pause(0.05)
        assert "refresh litellm: socket closed unexpectedly with a second line" in messages
        assert app.is_running
        await pilot.press("2")
        await settle(pilot)
        assert "docs" in app.screen.query_one(DashboardTable).row_keys


async def test_screens_of_other_modes_skip_redraws_and_catch_up_when_shown(app: HomelabApp) -> None:
    from homelab_tui.ui.screens.namespaces import NamespacesScreen

    cluster = ThreadedCluster(app.services.kube.current())
    app.services.kube = cluster
    drawn: list[int] = []
    original = NamespacesScreen.render_state

    def counting(self, state, now):
        drawn.append(state.cluster.data.revision)
        return original(self, state, now)

    NamespacesScreen.render_state = counting  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            namespaces = app.screen
            await pilot.press("1")
            await settle(pilot)
            before = list(drawn)
            cluster.change_from_thread(with_namespace(cluster.current(), "sandbox", revision=9))
            assert await wait_for(pilot, lambda: app.state.cluster.data.revision == 9)
            await settle(pilot)
            assert drawn == before, "a screen of another mode was redrawn"
            await pilot.press("2")
            await settle(pilot)
            assert app.screen is namespaces and drawn[-1] == 9
            assert "sandbox" in namespaces.query_one(DashboardTable).row_keys
    finally:
        NamespacesScreen.render_state = original  # type: ignore[method-assign]
