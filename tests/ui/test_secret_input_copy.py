"""The masked inputs of the patch modal never put the typed value on a clipboard (select all, then copy or cut),
so typing it twice proves it was typed twice; pasting into them still works."""

from __future__ import annotations

from textual.widgets import Input

from homelab_tui.actions.base import Target
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.screens.confirm import ActionConfirmScreen
from tests.ui.conftest import build_app, screen_text, settle

TYPED = "Tangerine  Otter  Marble  9"


def _never_planned(values: dict) -> None:
    raise AssertionError("nothing is reviewed here")


async def test_the_hidden_value_cannot_be_copied_or_cut_but_can_be_pasted() -> None:
    app = build_app()
    request = ActionRequest("secret-patch", Target("Secret", "apps", "n8n-secrets"), choices={"key": (("K", "K"),)})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ActionConfirmScreen(request, _never_planned))
        await settle(pilot)
        await pilot.press("K", "enter", *("space" if ch == " " else ch for ch in TYPED))
        first = app.screen.query_one("#in-value", Input)
        assert first.has_focus and first.value == TYPED and not first.allow_select  # no mouse selection either
        for keys in (("ctrl+shift+a", "ctrl+c"), ("ctrl+shift+a", "super+c"), ("ctrl+shift+a", "ctrl+x"),
                     ("shift+home", "ctrl+x")):
            await pilot.press(*keys)
            await settle(pilot)
            assert app.clipboard == "" and first.value == TYPED, keys
        app.copy_to_clipboard(TYPED)  # as a terminal's paste (or a password manager) would bring it
        await pilot.press("end", "enter", "ctrl+v")
        await settle(pilot)
        again = app.screen.query_one("#in-value-again", Input)
        assert again.has_focus and again.value == TYPED
        assert f"new value: {SecretValue(TYPED).fingerprint}" in screen_text(app)
