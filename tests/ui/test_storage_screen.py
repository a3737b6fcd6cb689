"""Storage: PVC usage with its honesty flags (local-path not reported, NFS share-wide), StorageClasses, errors."""

from __future__ import annotations

import dataclasses

from homelab_tui.config import Settings
from homelab_tui.model.quantity import format_bytes
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.storage import pvc_rows
from homelab_tui.ui.screens.storage import LOCAL_NOTE, StorageScreen
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import app_for, failing, with_share_wide_volume
from tests.ui.demo_state import demo_state


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


async def test_the_fullest_pvc_comes_first_with_its_bar_and_verdict() -> None:
    state = demo_state()
    fullest = pvc_rows(state.cluster.data, state.metrics.data, Settings())[0]
    assert fullest.percent is not None and fullest.percent > 90  # the demo's planted PVC
    app = app_for(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, StorageScreen)
        assert app.screen.query_one("#pvcs", DashboardTable).row_keys[0] == f"{fullest.namespace}/{fullest.name}"
        row = screen_text(app).splitlines()[2]
        used = f"{format_bytes(fullest.used_bytes)} / {format_bytes(fullest.capacity_bytes)}"
        assert f"{fullest.percent:.0f} %" in row and used in row and "█████████" in row
        assert ("▲ warn" if fullest.percent < 95 else "✖ fail") in row


async def test_local_path_usage_is_not_reported_never_zero() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        row = line_with(text, "openclaw-data")
        assert "local-path" in row and "not reported" in row and "k3s-worker-01" in row
        assert "0 %" not in row and "░" not in row
        assert LOCAL_NOTE in text


async def test_nfs_share_wide_figures_are_flagged() -> None:
    app = app_for(with_share_wide_volume(demo_state()))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        row = line_with(text, "n8n-data")
        assert "30 %*" in row and "1.2 TiB / 4.0 TiB" in row and "share-wide fi" in row
        assert "their used / capacity is share-wide" in text


async def test_storage_classes_mark_the_default() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        assert "★ default" in line_with(text, "nfs-client    ")
        assert "default" not in line_with(text, "rancher.io/local-path")


async def test_prometheus_errors_are_shown_and_usage_is_not_invented() -> None:
    state = demo_state()
    state = dataclasses.replace(state, metrics=failing(Snapshot("prometheus"), "prometheus: HTTP 503"))
    app = app_for(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        assert "prometheus: failing for 12 s: prometheus: HTTP 503" in text
        row = line_with(text, "prometheus-db")
        assert "%" not in row and "█" not in row


async def test_days_until_full_from_the_growth() -> None:
    state = demo_state()
    metrics = state.metrics.data
    volumes = dict(metrics.volumes)
    old = volumes[("apps", "n8n-data")]
    volumes[("apps", "n8n-data")] = dataclasses.replace(old, days_until_full=3.2)
    state = dataclasses.replace(state, metrics=dataclasses.replace(
        state.metrics, data=dataclasses.replace(metrics, volumes=volumes)))
    app = app_for(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        row = line_with(screen_text(app), "n8n-data")
        assert "3.2 d" in row and "▲ warn" in row
