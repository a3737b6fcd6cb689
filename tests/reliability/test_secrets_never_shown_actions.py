"""Issue 6, secrets never shown — every action, run to the end from the dashboard in read-write mode.

With the values of test_secrets_never_shown.py planted (a Secret's data and last-applied annotation, a
LiteLLM key echoed by a LiteLLM's 401s), the secret patch (typing a third planted value twice),
scale, restart, certificate renewal and GPU-mode switch are each planned, confirmed and finished from
their screens. No planted value may appear in any modal (input, confirmation, progress, outcome),
screen export (text and SVG), notification, Python logging, or the audit log — which must exist and
hold one line per action.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from homelab_tui.demo.runner import DemoLab
from homelab_tui.ui.actions_runner import runner_for
from homelab_tui.ui.app import HomelabApp, make_app
from homelab_tui.ui.widgets.table import DashboardTable
from tests.reliability.harness import fast_settings, lab_services
from tests.reliability.stubs import EchoLiteLLM
from tests.reliability.test_secrets_never_shown import LITELLM_KEY, PATCH_VALUE, assert_clean, planted_lab
from tests.ui.actions_live import (
    BOUND, audit_lines, confirm_and_finish, open_namespace, record_notices, select_row, wait_for, wait_for_phase,
)
from tests.ui.conftest import screen_text
from tests.ui.test_actions_gpu_cert_ui import cert_row, choose_mode

__all__ = ["planted_lab"]  # the fixture, shared with test_secrets_never_shown.py
SIZE = (160, 50)


async def _finish(pilot: Any, app: HomelabApp, what: str, seen: list[tuple[str, str]]) -> None:
    """From the confirmation: export it, press y, wait for the outcome, export it, close the modal."""
    await wait_for_phase(pilot, "confirm")
    seen += [(f"{what} confirmation", screen_text(app)), (f"{what} confirmation (svg)", app.export_screenshot())]
    done = await confirm_and_finish(pilot)
    outcome = done.run_state.outcome
    assert outcome is not None and outcome.ok, f"{what}: {outcome}"
    seen += [(f"{what} outcome", screen_text(app)), (f"{what} outcome (svg)", app.export_screenshot()),
             (f"{what} outcome object", repr(outcome))]
    await pilot.press("escape")
    await wait_for(pilot, lambda: not app.screen.is_modal, f"the {what} modal to close")


async def test_every_action_run_from_the_screens_shows_and_audits_no_secret(
        planted_lab: DemoLab, tmp_path: Path, caplog: Any) -> None:
    lab = planted_lab
    caplog.set_level(logging.DEBUG)
    with EchoLiteLLM(401) as llm:
        settings = fast_settings(lab)
        settings = dataclasses.replace(settings, litellm=dataclasses.replace(settings.litellm, url=llm.url),
                                       gpu=dataclasses.replace(settings.gpu, switch_timeout=BOUND))
        app = make_app(lab_services(lab, settings, key=LITELLM_KEY, read_only=False))
        runner = runner_for(app)
        runner.poll, runner.wait_timeout = 0.05, BOUND
        notices = record_notices(app)
        seen: list[tuple[str, str]] = []
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.latest.cluster.ok and app.latest.llm.has_data, "the first data")
            await wait_for(pilot, lambda: app.latest.llm.data.health_error, "the echoed 401 from /model/info")

            await pilot.press("7")  # secret patch: the planted key of ml/litellm-secrets, typed twice
            await select_row(pilot, "ml/litellm-secrets")
            await pilot.press("p")
            await wait_for_phase(pilot, "input")
            await pilot.press(*"PLANTED", "enter", *PATCH_VALUE, "enter", *PATCH_VALUE)
            seen += [("secret-patch input", screen_text(app)), ("secret-patch input (svg)", app.export_screenshot())]
            await pilot.press("enter")
            await _finish(pilot, app, "secret-patch", seen)

            await open_namespace(pilot, "apps")  # scale, then restart, on the Deployments of a namespace
            await select_row(pilot, "Deployment/n8n")
            await pilot.press("s")
            await wait_for_phase(pilot, "input")
            await pilot.press("backspace", "2", "enter")
            await _finish(pilot, app, "scale", seen)
            await select_row(pilot, "Deployment/open-webui")
            await pilot.press("r")
            await _finish(pilot, app, "restart", seen)

            await pilot.press("3")  # certificate renewal
            await wait_for(pilot, lambda: any("|apps/n8n-tls|" in k
                                              for k in app.screen.query_one(DashboardTable).row_keys),
                           "the certificate rows")
            await select_row(pilot, cert_row(app, "apps/n8n-tls"))
            await pilot.press("R")
            await _finish(pilot, app, "cert-renew", seen)

            await pilot.press("5", "g")  # GPU mode
            await choose_mode(pilot, "gaming")
            await _finish(pilot, app, "gpu-mode", seen)
        app.services.close()
    assert LITELLM_KEY in llm.seen_keys  # the key was really sent, and really echoed
    for where, text in seen:
        assert_clean(where, text)
    assert_clean("notifications", "\n".join(notices))
    assert_clean("Python logging", caplog.text)
    audit = tmp_path / "state" / "homelab-tui" / "audit.jsonl"
    assert audit.is_file(), "the actions wrote no audit log"
    assert [(a["action"], a["outcome"]) for a in audit_lines(tmp_path)] == [
        ("secret-patch", "ok"), ("scale", "ok"), ("restart", "ok"), ("cert-renew", "ok"), ("gpu-mode", "ok")]
    assert_clean("audit log", audit.read_text(encoding="utf-8"))
