"""Fixtures for the UI tests: deterministic demo data, a fixed clock, and a way to read the screen as text."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from homelab_tui.model.state import DashboardState
from homelab_tui.ui.app import HomelabApp, make_app
from tests.ui.demo_state import demo_services, demo_state, fixed_clock


def screen_text(app: App[object]) -> str:
    """What the terminal shows now, as plain text (modal screens included)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def settle(pilot: Pilot[object]) -> None:
    """Let messages, workers and the re-render they cause finish."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def build_app(state: DashboardState | None = None, *, read_only: bool = False) -> HomelabApp:
    return make_app(demo_services(state or demo_state(), read_only=read_only), clock=fixed_clock)


@pytest.fixture
def app() -> HomelabApp:
    return build_app()
