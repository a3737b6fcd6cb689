"""One certificate, one expiry figure: the Expires column, the Problem text (the model's finding) and the
detail's "Not after" say the same number of days."""

from __future__ import annotations

from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import app_for
from tests.ui.test_ingress_screen import detail_text, expiring_row


async def test_the_expires_column_the_problem_and_the_detail_agree() -> None:
    days = expiring_row().days_left
    assert days is not None and 3 < days < 14 and f"{days:.1f}" != f"{days:.0f}"
    figure = f"{days:.1f} d"
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        grafana = next(line for line in screen_text(app).splitlines() if "grafana.home" in line)
        assert "▲ warn" in grafana and grafana.count(figure) == 2, grafana  # Expires in, and "expires in 9.6 d"
        table = app.screen.query_one(DashboardTable)
        table.select_key(next(k for k in table.row_keys if k.startswith("grafana.")))
        await pilot.press("enter")
        await settle(pilot)
        detail = detail_text(app)
        assert f"(in {figure})" in detail and f"expires in {figure}" in detail
