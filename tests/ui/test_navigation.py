"""Switching screens by key and by the command palette, the ``?`` help, and quitting."""

from __future__ import annotations

import pytest

from textual.app import App
from textual.command import CommandList

from homelab_tui.ui.app import HomelabApp
from homelab_tui.ui.screens.help import HelpScreen
from homelab_tui.ui.screens.namespaces import NamespacesScreen
from homelab_tui.ui.screens.overview import OverviewScreen
from homelab_tui.ui.screens.registry import SCREENS
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import build_app, screen_text, settle


def palette_entries(app: App[object]) -> list[str]:
    commands = app.screen.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt).split("\n")[0] for i in range(commands.option_count)]


async def test_number_keys_switch_screens(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, NamespacesScreen)
        assert "kube-system" in screen_text(app)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)


@pytest.mark.parametrize("width", [80, 100])
async def test_footer_shows_the_screen_keys(app: HomelabApp, width: int) -> None:
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "".join(spec.key for spec in SCREENS) + " Screens" in footer  # a compact group: 123456789
        assert "⏎ Open area" in footer and "? Help" in footer and "q Quit" in footer
        # the palette hint gives way below 100 columns (the help lists ^p)
        assert ("^p palette" in footer) is (width >= 100)


async def test_command_palette_lists_every_screen_and_goes_there(app: HomelabApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        listed = palette_entries(app)
        for spec in SCREENS:
            assert f"Go to {spec.title}" in listed
        await pilot.press(*"go to namespaces")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NamespacesScreen)


async def test_command_palette_offers_the_screens_own_keys(app: HomelabApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"filter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#filter Input").has_focus


async def test_help_lists_the_screen_keys_and_the_global_ones(app: HomelabApp) -> None:
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("2", "question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for expected in ("Keys · Namespaces", "This screen", "/", "Filter", "Open", "Everywhere", "Help",
                         "Quit", "Moving around", "Cursor down"):
            assert expected in text
        for spec in SCREENS:
            assert spec.title in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, NamespacesScreen)


async def test_title_names_the_context_and_read_only_mode() -> None:
    app = build_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = screen_text(app).splitlines()[0]
        assert "homelab-tui · demo" in header
        assert "READ-ONLY" in header


async def test_q_quits_and_closes_the_services(app: HomelabApp) -> None:
    closed: list[bool] = []
    app.services.closers.append(lambda: closed.append(True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert closed == [True]


async def test_enter_on_an_overview_row_opens_that_areas_screen(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DashboardTable)
        table.select_key("namespaces")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NamespacesScreen)


async def test_enter_on_an_overview_row_opens_its_screen_whole_never_filtered_or_drilled_in(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", "m", "l", "enter")  # left filtered to ml, which is fine
        await settle(pilot)
        assert app.screen.query_one(DashboardTable).row_keys == ["ml"]
        await pilot.press("enter")  # and drilled into it
        await settle(pilot)
        assert not isinstance(app.screen, NamespacesScreen)
        await pilot.press("1")
        await settle(pilot)
        app.screen.query_one(DashboardTable).select_key("namespaces")  # the failing area: docs crashloops
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NamespacesScreen)
        assert "docs" in app.screen.query_one(DashboardTable).row_keys  # the failure followed is on screen
        assert "Filter:" not in screen_text(app)


async def test_slash_on_a_screen_without_a_filter_says_where_one_is(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        assert [n.message for n in app._notifications] == [
            "This screen has no filter; / filters on Namespaces (2) and Secrets (7)."]
        await pilot.press("2", "slash", "d")  # Namespaces' own / still opens its filter
        await settle(pilot)
        assert "Filter:" in screen_text(app) and len(app._notifications) == 1


async def test_overview_starts_on_the_most_severe_area(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(DashboardTable).highlighted_key == "namespaces"
        assert "Namespaces · 2 findings" in screen_text(app)


async def test_title_falls_back_to_the_context_the_kubeconfig_chose(app: HomelabApp) -> None:
    app.services.context = ""  # no --context given: the cluster snapshot names it
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.title == "homelab-tui · demo"
