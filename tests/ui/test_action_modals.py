"""The confirmation and progress modals on their own (fixed demo data, a recording planner): fast and exact."""

from __future__ import annotations

import threading
from typing import Any

from homelab_tui.actions.base import ActionError, FollowUp, Outcome, Plan, Target
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.ui.action_types import ActionRequest, RunState
from homelab_tui.ui.screens.action_progress import ActionProgressScreen
from homelab_tui.sources.kube_client import KubeError
from homelab_tui.ui.screens.confirm import ActionConfirmScreen, error_text
from tests.ui.conftest import build_app, screen_text, settle

TYPED = "typed-Only-0nce-9q"
N8N = Target("Deployment", "apps", "n8n")


class Planner:
    """Records the values it is asked to plan with; answers a fixed plan or raises."""

    def __init__(self, error: str = "") -> None:
        self.calls: list[dict[str, Any]] = []
        self.error = error
        self.called = threading.Event()

    def __call__(self, values: dict[str, Any]) -> Plan:
        self.calls.append(values)
        self.called.set()
        if self.error:
            raise ActionError(self.error)
        value = values.get("value")
        change = f"key K: → {value.fingerprint}" if isinstance(value, SecretValue) else f"replicas: 1 → {values}"
        return Plan("scale", N8N, "The plan's title", (change,), ("a warning",))


async def test_an_int_input_is_planned_then_confirmed_with_y() -> None:
    app, planner, answers = build_app(), Planner(), []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        modal = ActionConfirmScreen(ActionRequest("scale", N8N, defaults={"replicas": "1"}), planner)
        app.push_screen(modal, answers.append)
        await settle(pilot)
        await pilot.press("y")  # typed into the count (digits only), not a confirmation
        await settle(pilot)
        assert answers == [] and planner.calls == []
        await pilot.press("backspace", "3", "enter")
        await settle(pilot)
        assert planner.calls == [{"replicas": 3}] and modal.phase == "confirm"
        text = screen_text(app)
        assert "The plan's title" in text and "⚠ a warning" in text and "y = apply" in text
        await pilot.press("y")
        await settle(pilot)
    assert answers == [True] and modal.plan is not None and modal.plan.title == "The plan's title"


async def test_a_refused_plan_without_inputs_leaves_only_escape() -> None:
    app, planner, answers = build_app(), Planner(error="Rollout restart: refused, it is paused"), []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ActionConfirmScreen(ActionRequest("restart", N8N), planner), answers.append)
        await settle(pilot)
        assert "✖ Rollout restart: refused, it is paused" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert answers == []
        await pilot.press("escape")
        await settle(pilot)
    assert answers == [False]


async def test_a_secret_typed_twice_shows_only_its_fingerprint() -> None:
    app, planner = build_app(), Planner()
    request = ActionRequest("secret-patch", Target("Secret", "apps", "n8n-secrets"),
                            choices={"key": (("K", "K"),)}, hints=("Keys: K",))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        modal = ActionConfirmScreen(request, planner)
        app.push_screen(modal)
        await settle(pilot)
        await pilot.press("K", "enter", *TYPED, "enter", *TYPED[:-1], "enter")
        await settle(pilot)
        assert planner.calls == [] and screen_text(app).count("the two values differ") == 1  # said once
        await pilot.press(TYPED[-1])
        await settle(pilot)
        fingerprint = SecretValue(TYPED).fingerprint
        assert f"new value: {fingerprint}" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert modal.phase == "confirm" and fingerprint in screen_text(app)
        (values,) = planner.calls
        assert values["key"] == "K" and values["value"] == SecretValue(TYPED)
        for shown in (screen_text(app), app.export_screenshot()):
            assert TYPED not in shown


async def test_a_verify_failure_is_loud_and_offers_its_follow_ups() -> None:
    app, chosen = build_app(), []
    plan = Plan("secret-patch", Target("Secret", "apps", "n8n-secrets"), "Patch key 'K'", ("key K",))
    offer = FollowUp("Restart Deployment apps/n8n", "restart", N8N, key="restart")
    run = RunState(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = ActionProgressScreen(run)
        app.push_screen(screen, chosen.append)
        run.add("patching key K")
        screen.show_run()
        await settle(pilot)
        assert "running…" in screen_text(app) and "c = cancel" in screen_text(app)
        await pilot.press("c")
        assert run.cancel.is_set()
        run.outcome = Outcome(False, "verify-failed", "VERIFY FAILED for Secret apps/n8n-secrets: K changed",
                              follow_ups=(offer,))
        screen.show_run()
        await settle(pilot)
        text = screen_text(app)
        assert "✖ VERIFY-FAILED: VERIFY FAILED for Secret apps/n8n-secrets" in text
        assert "1  Restart Deployment apps/n8n" in text
        assert screen.query_one("#progress-box").has_class("-failed")
        await pilot.press("2")  # no second offer: nothing happens
        await pilot.press("1")
        await settle(pilot)
    assert chosen == [offer]


def test_plan_errors_are_one_line_and_not_masked_as_a_plan_sends_no_value() -> None:
    assert error_text(KubeError(0, "", "connection refused\nat line 2")) == "connection refused at line 2"
    denied = 'Patch secret key Secret apps/n8n-secrets: 403 Forbidden: secrets "n8n-secrets" is forbidden'
    assert error_text(ActionError(denied)) == denied  # a short typed value ("e") garbles nothing here
    assert error_text(KeyError(TYPED)) == "internal error (KeyError)"
