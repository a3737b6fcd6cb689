"""Read-only mode answers an action key with a notice (the key is shown off, and does nothing else), and every
screen's READ-ONLY marker fits at 80 columns."""

from __future__ import annotations

from homelab_tui.actions import registry
from tests.ui.actions_live import record_notices
from tests.ui.conftest import build_app, screen_text, settle
from tests.ui.data_screens import app_for
from tests.ui.demo_state import demo_services
from tests.ui.test_actions_read_only import action_bindings, visit_action_screens


async def test_every_action_key_says_read_only_mode_switched_it_off() -> None:
    app = build_app(read_only=True)
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        async for cls, screen in visit_action_screens(app, pilot):
            for binding in action_bindings(cls):
                label = registry.get(binding.id.removeprefix("action.")).label
                notices.clear()
                await pilot.press(binding.key)
                await settle(pilot)
                assert app.screen is screen, (cls.__name__, binding.key)
                assert notices == [f"{label}: read-only mode: {label} is off (started with --read-only)"], notices


async def test_the_read_only_marker_fits_at_80_columns() -> None:
    services = demo_services(read_only=True)
    services.context = "homelab-demo"  # the demo lab's kubeconfig context
    app = app_for(services=services)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in "123456789":
            await pilot.press(key)
            await settle(pilot)
            header = screen_text(app).splitlines()[0]
            assert "· READ-ONLY" in header, header
