"""The Overview's age column ticks every second, repainting only the cells that changed."""

from __future__ import annotations

from typing import Any

from homelab_tui.ui.app import make_app
from homelab_tui.ui.screens.overview import age_text, data_age
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import screen_text, settle
from tests.ui.demo_state import FIXED, demo_services, demo_state


def _row_line(text: str, title: str) -> str:
    return next(line for line in text.splitlines() if f" {title} " in line)


async def test_ages_tick_on_screen_and_repaint_only_their_cells() -> None:
    clock = [FIXED]
    app = make_app(demo_services(demo_state()), clock=lambda: clock[0])
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DashboardTable)
        storage = app.screen._areas["storage"]
        assert age_text(data_age(storage, app.latest, FIXED)) in _row_line(screen_text(app), "Storage")

        repaints: list[tuple[Any, ...]] = []
        original = table.refresh

        def recording_refresh(*regions: Any, **kw: Any) -> Any:
            repaints.append(regions)
            return original(*regions, **kw)

        table.refresh = recording_refresh  # type: ignore[method-assign]
        clock[0] = FIXED + 42
        app._tick()
        await pilot.pause()

        later = age_text(data_age(storage, app.latest, FIXED + 42))
        assert later != age_text(data_age(storage, app.latest, FIXED))
        assert later in _row_line(screen_text(app), "Storage")
        assert repaints, "the age cells were not repainted"
        # each repaint is one cell: one line of the table, never the whole widget (no region = everything)
        assert all(len(r) == 1 and r[0].height == 1 for r in repaints), repaints
