"""Issue 6, the Kubernetes faults that are not errors: 3 s latency on every call, dropped watches, 410 Gone,
watches that a proxy cuts as soon as they open.

The app must stay responsive while the API server is slow, keep its data through dropped or expired
watches, pick up changes made meanwhile, and never hammer the API server while a fault lasts.
"""

from __future__ import annotations

import time
from typing import Iterator

import pytest

from homelab_tui.demo.runner import DemoLab
from homelab_tui.ui.app import HomelabApp, make_app
from tests.reliability.harness import LoopLag, assert_keys_answer, lab_services, record, wait_for
from tests.ui.conftest import screen_text

SIZE = (160, 50)


@pytest.fixture
def watch_lab(tmp_path) -> Iterator[DemoLab]:
    with DemoLab(tmp_path / "lab", step=0.2) as running:
        yield running


def _configmap(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "apps"},
            "data": {"k": "v"}}


def _has_configmap(app: HomelabApp, name: str) -> bool:
    data = app.latest.cluster.data
    return data is not None and any(o["metadata"]["name"] == name for o in data.get("configmaps"))


def _all_listed(app: HomelabApp) -> bool:
    """Every watched resource has been listed (or found absent): the count of lists is settled."""
    from homelab_tui.sources.resources import WATCHED

    data = app.latest.cluster.data
    return data is not None and len(data.synced | data.absent) == len(WATCHED)


def _lists(lab: DemoLab) -> int:
    return lab.faults["kubernetes"].requests["GET list"]


async def test_three_second_latency_on_every_call(watch_lab: DemoLab) -> None:
    lab = watch_lab
    lab.faults["kubernetes"].latency = 3.0
    app = make_app(lab_services(lab))
    async with app.run_test(size=SIZE) as pilot:
        with LoopLag() as lag:
            # while every list hangs for 3 s the screen says it is loading and keys answer
            await wait_for(pilot, lambda: "kubernetes: loading…" in screen_text(app), "the loading line")
            median = await assert_keys_answer(pilot, "api-latency-3s")
            loaded = await wait_for(pilot, lambda: app.latest.cluster.ok, "the slow first list", bound=20.0)
        assert "✔ kubernetes: updated" in screen_text(app)
        assert lab.faults["kubernetes"].latency == 3.0
        lab.call(lambda: lab.store.put("configmaps", _configmap("slow-change")))
        changed = await wait_for(pilot, lambda: _has_configmap(app, "slow-change"), "a change while slow")
        assert app.latest.cluster.error is None
        record(fault="api-latency-3s", first_data_after_s=round(loaded, 2), change_seen_after_s=round(changed, 2),
               key_median_ms=round(median * 1000, 1), loop_lag_worst_ms=round(lag.worst * 1000, 1))


async def test_open_watches_dropped_resume_without_relisting(watch_lab: DemoLab) -> None:
    lab = watch_lab
    app = make_app(lab_services(lab))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.latest.cluster.ok and _all_listed(app), "the first data")
        lists = _lists(lab)
        with LoopLag() as lag:
            for _ in range(3):
                lab.faults["kubernetes"].drop_watches_epoch += 1
                median = await assert_keys_answer(pilot, "watches-dropped")
            lab.call(lambda: lab.store.put("configmaps", _configmap("after-drop")))
            seen = await wait_for(pilot, lambda: _has_configmap(app, "after-drop"), "a change after the drops")
        assert app.latest.cluster.ok and "✔ kubernetes: updated" in screen_text(app)
        assert _lists(lab) == lists, "dropped watches resume from their resourceVersion, without a re-list"
        record(fault="watches-dropped", change_seen_after_s=round(seen, 2), key_median_ms=round(median * 1000, 1),
               loop_lag_worst_ms=round(lag.worst * 1000, 1))


async def test_410_gone_on_watch_relists_without_hammering(watch_lab: DemoLab) -> None:
    lab = watch_lab
    app = make_app(lab_services(lab))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.latest.cluster.ok, "the first data")
        faults = lab.faults["kubernetes"]
        lists = _lists(lab)
        faults.watch_gone = True
        faults.drop_watches_epoch += 1
        started = time.monotonic()
        with LoopLag() as lag:
            median = await assert_keys_answer(pilot, "watch-410")
            lab.call(lambda: lab.store.put("configmaps", _configmap("during-410")))
            seen = await wait_for(pilot, lambda: _has_configmap(app, "during-410"), "a change picked up by re-lists")
            await pilot.pause(max(0.0, 2.0 - (time.monotonic() - started)))
        relists = _lists(lab) - lists
        elapsed = time.monotonic() - started
        resources = len(app.latest.cluster.data.objects) if app.latest.cluster.data else 18
        # one re-list per resource per backoff step (0.2 s here) at most, with room for scheduling noise
        assert relists <= resources * (elapsed / 0.2 + 2), f"{relists} lists in {elapsed:.1f} s: a hot loop"
        assert app.latest.cluster.has_data and "✖" not in screen_text(app).split("kubernetes:")[0][-3:]
        faults.watch_gone = False
        faults.drop_watches_epoch += 1
        calm = _lists(lab)
        await pilot.pause(1.5)
        assert _lists(lab) - calm <= resources, "after the fault the watches hold again"
        assert app.latest.cluster.ok
        record(fault="watch-410", change_seen_after_s=round(seen, 2), relists_per_s=round(relists / elapsed, 1),
               key_median_ms=round(median * 1000, 1), loop_lag_worst_ms=round(lag.worst * 1000, 1))


async def test_watches_cut_as_soon_as_they_open_are_not_reopened_in_a_hot_loop(watch_lab: DemoLab) -> None:
    """A proxy or load balancer that ends every watch at once: each resource waits a backoff step before
    reopening, rather than hammering the API server with watch requests."""
    lab = watch_lab
    app = make_app(lab_services(lab))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.latest.cluster.ok and _all_listed(app), "the first data")
        faults = lab.faults["kubernetes"]
        resources = len(app.latest.cluster.data.objects)
        watches = faults.requests["GET watch"]
        faults.watch_close = True
        faults.drop_watches_epoch += 1
        started = time.monotonic()
        await wait_for(pilot, lambda: faults.requests["GET watch"] - watches >= 2 * resources, "watches reopened")
        await pilot.pause(max(0.0, 2.0 - (time.monotonic() - started)))
        reopened = faults.requests["GET watch"] - watches
        elapsed = time.monotonic() - started
        # one watch per resource per backoff step (0.2 s here) at most, with room for scheduling noise
        assert reopened <= resources * (elapsed / 0.2 + 2), f"{reopened} watches in {elapsed:.1f} s: a hot loop"
        assert app.latest.cluster.ok  # a watch the server accepted and ended is no error
        faults.watch_close = False
        lab.call(lambda: lab.store.put("configmaps", _configmap("after-cuts")))
        await wait_for(pilot, lambda: _has_configmap(app, "after-cuts"), "a change once the watches hold")
