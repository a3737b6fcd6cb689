"""Actions end to end through the UI on the simulated home-lab: scale, restart, secret patch.

Each goes key → confirmation modal (inputs, the plan) → y → progress → outcome, changes the
simulated cluster, and writes one audit line. The secret's typed value never reaches the screen.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Iterator

import pytest

from textual.widgets import Input

from homelab_tui.actions.rollout import RESTARTED_AT
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.ui.app import HomelabApp
from tests.ui.actions_live import (
    SIZE, audit_lines, audit_text, confirm_and_finish, confirm_screen, noticed, open_namespace, progress_screen,
    secret_data, select_row, serve, stored, wait_for, wait_for_data, wait_for_phase,
)
from tests.ui.conftest import screen_text

PLANTED = "planted-Tui-s3cret-4242"
PLANTED_B64 = base64.b64encode(PLANTED.encode()).decode()


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HomelabApp]:
    yield from serve(tmp_path, monkeypatch)


def assert_not_shown(app: HomelabApp, *more: str) -> None:
    """Neither the text of the screen nor its SVG export holds the planted value (raw or base64)."""
    for text in (screen_text(app), app.export_screenshot(), *more):
        assert PLANTED not in text and PLANTED_B64 not in text, "the typed secret value was shown"


async def test_scale_asks_the_count_and_changes_the_deployment(live: HomelabApp, tmp_path) -> None:
    app = live
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await open_namespace(pilot, "apps")
        await select_row(pilot, "Deployment/n8n")
        await pilot.press("s")
        modal = await wait_for_phase(pilot, "input")
        assert modal.query_one("#in-replicas", Input).value == "1"  # pre-filled with spec.replicas
        await pilot.press("backspace", "2", "enter")
        await wait_for_phase(pilot, "confirm")
        assert "replicas: 1 → 2" in screen_text(app)
        done = await confirm_and_finish(pilot)
        assert done.run_state.outcome is not None and done.run_state.outcome.ok, done.run_state.outcome
        assert "scaled Deployment apps/n8n from 1 to 2" in screen_text(app)
        assert stored(app, "deployments", "apps", "n8n")["spec"]["replicas"] == 2
        await pilot.press("escape")
        assert progress_screen(app) is None
    (line,) = audit_lines(tmp_path)
    assert (line["action"], line["target"], line["outcome"]) == ("scale", "Deployment apps/n8n", "ok")
    assert line["details"]["from"] == 1 and line["details"]["to"] == 2


async def test_scale_refusal_keeps_the_inputs_and_n_cancels(live: HomelabApp, tmp_path) -> None:
    app = live
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await open_namespace(pilot, "apps")
        await select_row(pilot, "Deployment/n8n")
        await pilot.press("s", "backspace", "5", "0", "0", "enter")
        await wait_for(pilot, lambda: "replicas must be a whole number from 0 to 100" in screen_text(app),
                       "the plan's refusal")
        modal = await wait_for_phase(pilot, "input")
        await pilot.press("y")  # typed into the count, never a confirmation
        assert modal.phase == "input" and modal.query_one("#in-replicas", Input).value == "500"
        await pilot.press("escape")
        await wait_for(pilot, lambda: noticed(app, "cancelled, nothing changed"), "the cancel notice")
        assert stored(app, "deployments", "apps", "n8n")["spec"]["replicas"] == 1
    assert audit_lines(tmp_path) == []


async def test_restart_follows_the_rollout(live: HomelabApp, tmp_path) -> None:
    app = live
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await open_namespace(pilot, "apps")
        await select_row(pilot, "Deployment/open-webui")
        await pilot.press("r")
        await wait_for_phase(pilot, "confirm")
        assert RESTARTED_AT in screen_text(app)
        done = await confirm_and_finish(pilot)
        outcome = done.run_state.outcome
        assert outcome is not None and outcome.ok, outcome
        assert done.run_state.lines, "progress lines were shown while the rollout ran"
        template = stored(app, "deployments", "apps", "open-webui")["spec"]["template"]["metadata"]
        assert RESTARTED_AT in template["annotations"]
    (line,) = audit_lines(tmp_path)
    assert (line["action"], line["outcome"]) == ("restart", "ok")


async def test_restart_on_a_pod_row_says_why_not(live: HomelabApp, tmp_path) -> None:
    app = live
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await open_namespace(pilot, "apps")
        pod = next(k for k in app.screen.query_one("DashboardTable").row_keys if k.startswith("Pod/"))
        await select_row(pilot, pod)
        await pilot.press("r")
        await wait_for(pilot, lambda: noticed(app, "Rollout restart applies to"), "the notice")
        assert confirm_screen(app) is None and progress_screen(app) is None
    assert audit_lines(tmp_path) == []


async def test_secret_patch_typed_twice_verified_and_restart_offered(live: HomelabApp, tmp_path) -> None:
    app = live
    before = secret_data(app, "apps", "n8n-secrets")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("7")
        await select_row(pilot, "apps/n8n-secrets")
        text = screen_text(app)
        assert "N8N_ENCRYPTION_KEY" in text and "hmac:" in text and "used by: Deployment n8n" in text
        await pilot.press("p")
        modal = await wait_for_phase(pilot, "input")
        await pilot.press(*"DB_POSTGRESDB_PASSWORD", "enter")
        await pilot.press(*PLANTED, "enter")
        await pilot.press(*(PLANTED + "x"), "enter")  # a typo in the repetition
        await wait_for(pilot, lambda: "the two values differ" in screen_text(app), "the mismatch refusal")
        assert modal.phase == "input" and modal.plan is None
        assert_not_shown(app)
        await pilot.press("backspace", "enter")
        await wait_for_phase(pilot, "confirm")
        fingerprint = SecretValue(PLANTED).fingerprint
        assert fingerprint in screen_text(app)
        assert_not_shown(app)
        done = await confirm_and_finish(pilot)
        outcome = done.run_state.outcome
        assert outcome is not None and outcome.ok and "verified" in outcome.message, outcome
        assert "1  Restart Deployment apps/n8n (uses n8n-secrets)" in screen_text(app)
        assert_not_shown(app)
        await pilot.press("1")  # the offered restart, confirmed in the same modal
        await wait_for_phase(pilot, "confirm")
        assert "Rollout restart Deployment apps/n8n" in screen_text(app)
        restarted = await confirm_and_finish(pilot)
        assert restarted.run_state.outcome is not None and restarted.run_state.outcome.ok
        await pilot.press("escape")
        await wait_for(pilot, lambda: fingerprint in screen_text(app), "the new fingerprint in the list")
        assert_not_shown(app)
        after = secret_data(app, "apps", "n8n-secrets")
    assert after["DB_POSTGRESDB_PASSWORD"] == PLANTED.encode()
    assert {k: v for k, v in after.items() if k != "DB_POSTGRESDB_PASSWORD"} == \
        {k: v for k, v in before.items() if k != "DB_POSTGRESDB_PASSWORD"}
    lines = audit_lines(tmp_path)
    assert [(a["action"], a["outcome"]) for a in lines] == [("secret-patch", "ok"), ("restart", "ok")]
    assert lines[0]["details"]["new_fingerprint"] == fingerprint
    text = audit_text(tmp_path)
    assert PLANTED not in text and PLANTED_B64 not in text


async def test_action_keys_are_in_the_palette(live: HomelabApp) -> None:
    app = live
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await open_namespace(pilot, "apps")
        await select_row(pilot, "Deployment/n8n")
        await pilot.press("ctrl+p")
        await pilot.press(*"scale")
        await wait_for(pilot, lambda: "Scale the highlighted" in screen_text(app), "the palette's Scale entry")
        await pilot.press("enter")
        await wait_for_phase(pilot, "input")
