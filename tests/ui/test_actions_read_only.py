"""Read-only mode: every action key is disabled, and the action layer refuses even when the UI is bypassed.

The tests enumerate the action registry and every screen class that has action keys, so a new
action or a new action key cannot skip the gate.
"""

from __future__ import annotations

from typing import AsyncIterator, Callable

import pytest
from textual.binding import Binding
from textual.screen import Screen

from homelab_tui.actions import registry
from homelab_tui.actions.base import Target
from homelab_tui.actions.gpu_mode import gpu_target
from homelab_tui.config import Settings
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.action_keys import ACT, ActionKeys
from homelab_tui.ui.actions_runner import runner_for
from homelab_tui.ui.screens.certificate_detail import CertificateDetailScreen
from homelab_tui.ui.screens.namespace_detail import NamespaceDetailScreen
from homelab_tui.ui.screens.registry import SCREENS
from tests.ui.actions_live import SIZE, audit_lines, live_app, progress_screen, wait_for, wait_for_data, wait_for_phase
from tests.ui.conftest import build_app, screen_text, settle

#: how the test opens each screen class with action keys (a new one must be added here)
DRILL_DOWNS: dict[type, Callable[[], Screen[object]]] = {
    NamespaceDetailScreen: lambda: NamespaceDetailScreen("apps"),
    CertificateDetailScreen: lambda: CertificateDetailScreen("apps", "n8n-tls"),
}

#: a complete request per action (nothing left to ask), for driving the runner directly
REQUESTS = {
    "gpu-mode": ActionRequest("gpu-mode", gpu_target(Settings()), params={"mode": "r1"}),
    "restart": ActionRequest("restart", Target("Deployment", "apps", "n8n")),
    "scale": ActionRequest("scale", Target("Deployment", "apps", "n8n"), params={"replicas": 2}),
    "secret-patch": ActionRequest("secret-patch", Target("Secret", "apps", "n8n-secrets"),
                                  params={"key": "K", "value": "v"}),
    "cert-renew": ActionRequest("cert-renew", Target("Certificate", "apps", "n8n-tls")),
    "cordon": ActionRequest("cordon", Target("Node", "", "k3s-worker-01")),
}


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def action_bindings(cls: type) -> list[Binding]:
    return [b for b in getattr(cls, "BINDINGS", []) if isinstance(b, Binding) and b.action.startswith(f"{ACT}(")]


def mode_classes() -> dict[type, str]:
    """The screen class of every mode (the registry's factories import lazily) and its key."""
    return {type(spec.factory()): spec.key for spec in SCREENS}


def screens_with_actions() -> dict[type, Callable[[], Screen[object]]]:
    """Every screen class (of the app's modes and drill-downs) that declares action keys."""
    openers: dict[type, Callable[[], Screen[object]]] = {cls: cls for cls in mode_classes()}
    openers.update(DRILL_DOWNS)
    return {cls: opener for cls, opener in openers.items() if action_bindings(cls)}


async def visit_action_screens(app, pilot) -> AsyncIterator[tuple[type, Screen[object]]]:
    """Open every screen with action keys in turn (a mode by its key, a drill-down pushed) and yield it."""
    keys = mode_classes()
    for cls, opener in screens_with_actions().items():
        key = keys.get(cls)
        if key is not None:
            await pilot.press(key)
        else:
            app.push_screen(opener())
        await settle(pilot)
        yield cls, app.screen
        if key is None:
            app.pop_screen()
            await settle(pilot)


def test_every_action_has_a_key_and_every_key_screen_is_covered() -> None:
    keyed = {cls for cls in _subclasses(ActionKeys) if action_bindings(cls)}
    assert keyed <= set(screens_with_actions()), f"screens with action keys this test does not open: {keyed}"
    ids = {b.id for cls in screens_with_actions() for b in action_bindings(cls)}
    assert ids == {f"action.{a.id}" for a in registry.all_actions()}
    assert set(REQUESTS) == {a.id for a in registry.all_actions()}
    for cls in screens_with_actions():
        for binding in action_bindings(cls):
            assert binding.action == f"{ACT}('{binding.id.removeprefix('action.')}')" and binding.description


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "read-write"])
async def test_action_keys_are_disabled_only_in_read_only_mode(read_only: bool) -> None:
    app = build_app(read_only=read_only)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        async for cls, screen in visit_action_screens(app, pilot):
            assert isinstance(screen, cls)
            if cls is CertificateDetailScreen:  # its hint line names the renew key only where it works
                assert ("R renews" in screen_text(app)) is (not read_only)
            for binding in action_bindings(cls):
                active = screen.active_bindings[binding.key]
                assert active.enabled is (not read_only), (cls.__name__, binding.key)
                if read_only:
                    await pilot.press(binding.key)
                    await settle(pilot)
                    assert app.screen is screen, f"{binding.key} on {cls.__name__} opened something in read-only"


async def test_the_action_layer_refuses_when_the_ui_is_bypassed(tmp_path, monkeypatch) -> None:
    app = live_app(tmp_path, monkeypatch, read_only=True)
    lab = app.services.lab
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_data(pilot)

            def writes() -> int:
                return sum(n for k, n in lab.faults["kubernetes"].requests.items() if not k.startswith("GET"))

            before = writes()
            for action_id, request in REQUESTS.items():
                runner_for(app).start(request)  # what a key would do, without its check_action gate
                modal = await wait_for_phase(pilot, "refused")
                assert modal.plan is None
                await wait_for(pilot, lambda: "read-only mode" in screen_text(app),
                               f"the refusal of {action_id}")
                await pilot.press("y")  # nothing to confirm
                assert progress_screen(app) is None
                await pilot.press("escape")
            assert writes() == before
            assert [(e["action"], e["outcome"], e["details"]["stage"]) for e in audit_lines(tmp_path)] == [
                (action_id, "refused", "plan") for action_id in REQUESTS]  # each refusal audited
    finally:
        app.services.close()


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "read-write"])
async def test_the_help_says_which_action_keys_read_only_mode_switched_off(read_only: bool) -> None:
    app = build_app(read_only=read_only)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5", "question_mark")
        await settle(pilot)
        text = screen_text(app)
        gpu_key = next(b for b in action_bindings(type(app.screen_stack[-2])) if b.id == "action.gpu-mode")
        assert (f"{gpu_key.description} (off: read-only mode)" in text) is read_only, text
        assert ("(off:" in text) is read_only
