"""Helpers for the action tests: the dashboard on a live simulated home-lab, bounded waits, the audit log."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from textual.pilot import Pilot

from homelab_tui.config import Settings
from homelab_tui.services import demo_services
from homelab_tui.ui.actions_runner import runner_for
from homelab_tui.ui.app import HomelabApp, make_app
from homelab_tui.ui.screens.action_progress import ActionProgressScreen
from homelab_tui.ui.screens.confirm import ActionConfirmScreen
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import screen_text

#: seconds the live demo gets to deliver data or finish an action
BOUND = 40.0
SIZE = (160, 50)


def live_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, read_only: bool = False) -> HomelabApp:
    """The dashboard on an in-process demo lab (fast pods); the audit log lands under ``tmp_path``."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    base = Settings()
    settings = dataclasses.replace(base, gpu=dataclasses.replace(base.gpu, switch_timeout=BOUND))
    services = demo_services(settings, read_only=read_only, workdir=tmp_path / "lab", step=0.2)
    app = make_app(services)
    runner = runner_for(app)
    runner.poll, runner.wait_timeout = 0.05, BOUND
    record_notices(app)
    return app


def record_notices(app: HomelabApp) -> list[str]:
    """Keep every notification's title and message in ``app.notices`` (toasts are not in the screen text)."""
    notices: list[str] = []
    original = app.notify

    def notify(message: str, *, title: str = "", **kw: Any) -> None:
        notices.append(f"{title}: {message}")
        original(message, title=title, **kw)

    app.notify = notify  # type: ignore[method-assign]
    app.notices = notices  # type: ignore[attr-defined]
    return notices


def noticed(app: HomelabApp, text: str) -> bool:
    return any(text in n for n in getattr(app, "notices", []))


def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HomelabApp]:
    """For a ``live`` fixture: the app on a demo lab, stopped afterwards."""
    app = live_app(tmp_path, monkeypatch)
    yield app
    app.services.close()


def audit_lines(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "homelab-tui" / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def audit_text(tmp_path: Path) -> str:
    path = tmp_path / "state" / "homelab-tui" / "audit.jsonl"
    return path.read_text() if path.exists() else ""


def stored(app: HomelabApp, key: str, namespace: str, name: str) -> dict[str, Any]:
    """An object as the simulated API server holds it now."""
    lab = app.services.lab
    return lab.call(lambda: lab.store.get(key, namespace, name)) or {}


def secret_data(app: HomelabApp, namespace: str, name: str) -> dict[str, bytes]:
    secret = stored(app, "secrets", namespace, name)
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


async def wait_for(pilot: Pilot[object], predicate: Callable[[], object], what: str, bound: float = BOUND) -> None:
    deadline = time.monotonic() + bound
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {bound:.0f} s waiting for {what}; screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


async def wait_for_data(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, HomelabApp)
    await wait_for(pilot, lambda: app.latest.cluster.ok, "the demo's first data")


def confirm_screen(app: HomelabApp) -> ActionConfirmScreen | None:
    return app.screen if isinstance(app.screen, ActionConfirmScreen) else None


def progress_screen(app: HomelabApp) -> ActionProgressScreen | None:
    return app.screen if isinstance(app.screen, ActionProgressScreen) else None


async def wait_for_phase(pilot: Pilot[object], phase: str) -> ActionConfirmScreen:
    app = pilot.app
    assert isinstance(app, HomelabApp)
    await wait_for(pilot, lambda: (s := confirm_screen(app)) is not None and s.phase == phase,
                   f"the confirmation modal in phase {phase}")
    screen = confirm_screen(app)
    assert screen is not None
    return screen


async def confirm_and_finish(pilot: Pilot[object]) -> ActionProgressScreen:
    """Press y on a planned action and wait until its progress modal shows the outcome."""
    app = pilot.app
    assert isinstance(app, HomelabApp)
    await wait_for_phase(pilot, "confirm")
    await pilot.press("y")
    await wait_for(pilot, lambda: (s := progress_screen(app)) is not None and not s.run_state.running,
                   "the action's outcome")
    screen = progress_screen(app)
    assert screen is not None
    return screen


async def select_row(pilot: Pilot[object], key: str) -> None:
    """Move the cursor of the current screen's table to the row ``key`` (waiting until it is there)."""
    app = pilot.app
    await wait_for(pilot, lambda: key in app.screen.query_one(DashboardTable).row_keys, f"row {key}")
    app.screen.query_one(DashboardTable).select_key(key)
    await pilot.pause()


async def open_namespace(pilot: Pilot[object], namespace: str) -> None:
    await pilot.press("2")
    await select_row(pilot, namespace)
    await pilot.press("enter")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "namespace", None) == namespace,
                   f"the detail of {namespace}")
