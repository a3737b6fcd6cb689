"""Small things an operator notices: the help lists each key once, and at 80 columns the Storage PVC cell keeps
its namespace and the Secrets header keeps the word "fingerprints"."""

from __future__ import annotations

from homelab_tui.ui.screens.help import HelpScreen
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import build_app, screen_text, settle


async def screen_at_80(key: str) -> tuple[str, list[str]]:
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        return screen_text(app), app.screen.query_one(DashboardTable).shown_columns


async def test_the_help_lists_quit_once_and_capitalises_every_description() -> None:
    app = build_app()
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        entries = [entry for _, keys in app.screen.sections for entry in keys]
        assert [key for key, description in entries if description == "Quit"] == ["q"]
        assert all(description[:1].isupper() for _, description in entries), entries
        assert "Palette" in screen_text(app)


async def test_storage_at_80_columns_keeps_the_namespace_in_the_pvc_cell() -> None:
    text, shown = await screen_at_80("4")
    assert "namespace" not in shown
    assert "apps/n8n-data" in text and "data/data-postgresql-0" in text


async def test_storage_with_room_shows_the_namespace_in_its_own_column() -> None:
    app = build_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert "namespace" in app.screen.query_one(DashboardTable).shown_columns
        assert "apps/n8n-data" not in screen_text(app)


async def test_the_secrets_header_at_80_columns_says_fingerprints() -> None:
    text, _ = await screen_at_80("7")
    assert "keyed fingerprints, never values" in text.splitlines()[1]


async def test_the_secrets_header_says_why_fingerprints_are_missing(tmp_path, monkeypatch) -> None:
    (tmp_path / "homelab-tui").write_text("a file where the state folder should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    text, _ = await screen_at_80("7")
    assert "fingerprints unavailable: fingerprint key" in text.splitlines()[1]
    assert "hmac:" not in text
