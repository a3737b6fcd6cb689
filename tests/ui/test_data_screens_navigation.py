"""The four data screens are reachable by their key, from the command palette, and by Enter on their Overview row."""

from __future__ import annotations

import pytest

from homelab_tui.ui.screens.gpu import GpuScreen
from homelab_tui.ui.screens.inference import InferenceScreen
from homelab_tui.ui.screens.ingress import IngressScreen
from homelab_tui.ui.screens.overview import OverviewScreen
from homelab_tui.ui.screens.registry import spec
from homelab_tui.ui.screens.storage import StorageScreen
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import settle
from tests.ui.data_screens import app_for

SCREENS = [("ingress", IngressScreen, "certificates"), ("storage", StorageScreen, "storage"),
           ("gpu", GpuScreen, "gpu"), ("inference", InferenceScreen, "inference")]


@pytest.mark.parametrize(("mode", "screen", "area"), SCREENS)
async def test_key_opens_the_screen(mode: str, screen: type, area: str) -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(spec(mode).key)
        await settle(pilot)
        assert isinstance(app.screen, screen)


@pytest.mark.parametrize(("mode", "screen", "area"), SCREENS)
async def test_palette_opens_the_screen(mode: str, screen: type, area: str) -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*f"go to {spec(mode).title.lower()}")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, screen)


@pytest.mark.parametrize(("mode", "screen", "area"), SCREENS)
async def test_enter_on_the_overview_row_opens_the_screen(mode: str, screen: type, area: str) -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        app.screen.query_one(DashboardTable).select_key(area)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, screen)
