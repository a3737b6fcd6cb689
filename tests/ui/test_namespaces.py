"""The Namespaces screen: rows per namespace, the ``/`` filter, and the drill-down with events."""

from __future__ import annotations

from homelab_tui.ui.app import HomelabApp
from homelab_tui.ui.screens.namespace_detail import NamespaceDetailScreen
from homelab_tui.ui.screens.namespaces import NamespacesScreen
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import screen_text, settle

HOMELAB_NAMESPACES = ["kube-system", "infra", "monitoring", "data", "apps", "ml", "docs", "dev"]


def table_keys(app: HomelabApp) -> list[str]:
    return app.screen.query_one(DashboardTable).row_keys


async def test_one_row_per_namespace_with_its_worst_problem(app: HomelabApp) -> None:
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert table_keys(app)[: len(HOMELAB_NAMESPACES)] == HOMELAB_NAMESPACES
        docs_line = next(line for line in screen_text(app).splitlines() if " docs " in line)
        assert "fail" in docs_line and "docling" in docs_line and "Document mgmt" in docs_line


async def test_slash_filters_rows_and_escape_clears(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("slash", *"infer")
        await settle(pilot)
        assert table_keys(app) == ["ml"]  # matches the purpose "AI/ML inference"
        await pilot.press("enter")  # keeps the filter, back to the table
        await settle(pilot)
        assert table_keys(app) == ["ml"]
        assert app.screen.query_one(DashboardTable).has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert table_keys(app)[: len(HOMELAB_NAMESPACES)] == HOMELAB_NAMESPACES


async def test_filter_matches_the_problem_text(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("slash", *"DOCLING")
        await settle(pilot)
        assert table_keys(app) == ["docs"]
        await pilot.press("escape")
        await settle(pilot)
        assert "docs" in table_keys(app) and "ml" in table_keys(app)


async def test_enter_drills_in_shows_events_and_escape_returns(app: HomelabApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        app.screen.query_one(DashboardTable).select_key("docs")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NamespaceDetailScreen) and screen.namespace == "docs"
        keys = screen.query_one(DashboardTable).row_keys
        assert "Deployment/docling" in keys
        pod = next(k for k in keys if k.startswith("Pod/docling-"))
        screen.query_one(DashboardTable).select_key(pod)
        await settle(pilot)
        text = screen_text(app)
        assert f"Events · {pod.replace('/', ' ')}" in text
        assert "BackOff" in text and "Warning" in text and "(×842)" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, NamespacesScreen)


async def test_events_that_cannot_be_loaded_are_reported_not_fatal(app: HomelabApp) -> None:
    def refuse(namespace: str, involved_name: str | None = None, involved_kind: str | None = None) -> list[dict]:
        raise RuntimeError("403 Forbidden: events is forbidden")

    app.services.kube.list_events = refuse  # type: ignore[method-assign]
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await pilot.press("2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, NamespaceDetailScreen)
        assert "events could not be loaded: 403 Forbidden" in screen_text(app)
        assert any("403 Forbidden" in n.message for n in app._notifications)


async def test_the_cursor_stays_on_its_namespace_while_the_filter_narrows(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(DashboardTable)
        table.select_key("docs")
        await settle(pilot)
        await pilot.press("slash", "d")
        await settle(pilot)
        assert table.row_keys == ["data", "docs", "dev", "default", "kube-node-lease"]
        assert table.highlighted_key == "docs"
        assert "docs · 2 findings" in screen_text(app)


async def test_the_screens_own_key_leaves_the_drill_down(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, NamespaceDetailScreen)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, NamespaceDetailScreen)  # each screen keeps its place
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, NamespacesScreen)


async def test_at_80_columns_the_drill_down_footer_keeps_help_and_quit(app: HomelabApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        app.screen.query_one(DashboardTable).select_key("docs")
        await pilot.press("enter")
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        for label in ("Back", "Events", "Restart", "Scale", "Screens", "Help", "Quit"):
            assert label in footer, footer
        assert "palette" not in footer


async def test_the_drill_down_reads_events_once_per_object_not_on_every_redraw(app: HomelabApp) -> None:
    calls: list[str | None] = []
    real = app.services.kube.list_events

    def counting(namespace: str, involved_name: str | None = None, involved_kind: str | None = None) -> list[dict]:
        calls.append(involved_name)
        return real(namespace, involved_name, involved_kind)

    app.services.kube.list_events = counting  # type: ignore[method-assign]
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        app.screen.query_one(DashboardTable).select_key("docs")
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one(DashboardTable)
        pod = next(k for k in table.row_keys if k.startswith("Pod/docling-"))
        table.select_key(pod)
        await settle(pilot)
        read = len(calls)
        await pilot.resize_terminal(160, 40)  # the table is rebuilt and its cursor put back on the same row
        await settle(pilot)
        app.state = app.state  # a state change redraws the rows
        await settle(pilot)
        assert len(calls) == read and calls[-1] == pod.split("/", 1)[1]
        await pilot.press("e")  # e reads them again on purpose
        await settle(pilot)
        assert len(calls) == read + 1
