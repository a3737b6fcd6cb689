"""GPU-mode switch and certificate renew end to end through the UI on the simulated home-lab."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from textual.widgets import OptionList

from homelab_tui.model.gpu_switch import ANNOTATION, PendingSwitch
from homelab_tui.ui.app import HomelabApp
from homelab_tui.ui.screens.certificate_detail import CertificateDetailScreen
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.actions_live import (
    SIZE, audit_lines, confirm_and_finish, select_row, serve, stored, wait_for, wait_for_data, wait_for_phase,
)
from tests.ui.conftest import screen_text


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HomelabApp]:
    yield from serve(tmp_path, monkeypatch)


def replicas(app: HomelabApp, name: str) -> int:
    return int(stored(app, "deployments", "ml", name)["spec"].get("replicas") or 0)


async def choose_mode(pilot, mode: str) -> None:
    """Highlight ``mode`` in the modal's choice list and press Enter."""
    modal = await wait_for_phase(pilot, "input")
    options = modal.query_one("#in-mode", OptionList)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    steps = ids.index(mode) - (options.highlighted or 0)
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")


async def test_gpu_mode_ml_to_gaming_and_back(live: HomelabApp, tmp_path) -> None:
    app = live
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("5")
        await pilot.press("g")
        await choose_mode(pilot, "gaming")
        await wait_for_phase(pilot, "confirm")
        assert "Switch GPU mode ml → gaming" in screen_text(app)
        assert "scale ml/vllm-server 1 → 0" in screen_text(app)
        done = await confirm_and_finish(pilot)
        assert done.run_state.outcome is not None and done.run_state.outcome.ok, done.run_state.outcome
        assert any("the GPU is free" in line for line in done.run_state.lines)
        assert replicas(app, "vllm-server") == 0 and replicas(app, "vllm-r1") == 0
        await pilot.press("escape")

        await pilot.press("g")
        await choose_mode(pilot, "ml")
        await wait_for_phase(pilot, "confirm")
        assert "Switch GPU mode gaming → ml" in screen_text(app)
        back = await confirm_and_finish(pilot)
        assert back.run_state.outcome is not None and back.run_state.outcome.ok, back.run_state.outcome
        assert replicas(app, "vllm-server") == 1
    lines = audit_lines(tmp_path)
    assert [(a["action"], a["outcome"], a["details"]["to"]) for a in lines] == [
        ("gpu-mode", "ok", "gaming"), ("gpu-mode", "ok", "ml")]


async def test_a_half_done_switch_is_shown_and_rolled_back(live: HomelabApp, tmp_path) -> None:
    app = live
    record = PendingSwitch("ml", "r1", "2026-11-25T20:00:00Z", "someone", {"vllm-server": 1, "vllm-r1": 0},
                           {"vllm-r1": 1}).to_json()
    lab = app.services.lab

    def plant(dep: dict) -> None:
        dep["metadata"].setdefault("annotations", {})[ANNOTATION] = record

    for name in ("vllm-server", "vllm-r1"):
        lab.call(lambda n=name: lab.store.mutate("deployments", "ml", n, plant))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("5")
        await wait_for(pilot, lambda: "ml → r1 started" in screen_text(app), "the half-done switch on screen")
        await pilot.press("g")
        modal = await wait_for_phase(pilot, "input")
        assert "Roll back to GPU mode ml" in screen_text(app) and "Retry switching to r1" in screen_text(app)
        assert modal.query_one("#in-mode", OptionList).highlighted == 0
        await pilot.press("enter")
        await wait_for_phase(pilot, "confirm")
        assert "Roll back the GPU switch ml → r1 (back to ml)" in screen_text(app)
        done = await confirm_and_finish(pilot)
        assert done.run_state.outcome is not None and done.run_state.outcome.ok, done.run_state.outcome
        annotations = [stored(app, "deployments", "ml", n)["metadata"].get("annotations") or {}
                       for n in ("vllm-server", "vllm-r1")]
        assert all(ANNOTATION not in a for a in annotations)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "ml → r1 started" not in screen_text(app), "the record gone from the screen")
    (line,) = audit_lines(tmp_path)
    assert (line["action"], line["outcome"]) == ("gpu-mode", "ok")


def cert_row(app: HomelabApp, certificate: str) -> str:
    return next(k for k in app.screen.query_one(DashboardTable).row_keys if f"|{certificate}|" in k)


async def test_renew_a_certificate_and_a_failing_one_is_loud(live: HomelabApp, tmp_path) -> None:
    app = live
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        old = stored(app, "certificates", "apps", "n8n-tls")["status"]["notAfter"]
        await pilot.press("3")
        await wait_for(pilot, lambda: any("|apps/n8n-tls|" in k for k in app.screen.query_one(DashboardTable).row_keys),
                       "the certificate rows")
        await select_row(pilot, cert_row(app, "apps/n8n-tls"))
        await pilot.press("R")
        await wait_for_phase(pilot, "confirm")
        assert "Issuing=True, reason ManuallyTriggered" in screen_text(app)
        done = await confirm_and_finish(pilot)
        outcome = done.run_state.outcome
        assert outcome is not None and outcome.ok and "new notAfter" in outcome.message, outcome
        assert stored(app, "certificates", "apps", "n8n-tls")["status"]["notAfter"] != old
        await pilot.press("escape")

        await select_row(pilot, cert_row(app, "apps/openclaw-tls"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CertificateDetailScreen), "the certificate detail")
        await pilot.press("R")
        failed = await confirm_and_finish(pilot)
        outcome = failed.run_state.outcome
        assert outcome is not None and not outcome.ok and "renewal failed" in outcome.message
        assert failed.query_one("#progress-box").has_class("-failed")
        assert "✖ FAILED: renewal failed" in screen_text(app)
    assert [(a["target"], a["outcome"]) for a in audit_lines(tmp_path)] == [
        ("Certificate apps/n8n-tls", "ok"), ("Certificate apps/openclaw-tls", "failed")]


async def test_a_switch_whose_target_never_becomes_ready_is_loud_and_rolled_back(live: HomelabApp, tmp_path) -> None:
    app = live
    lab = app.services.lab

    def crash(dep: dict) -> None:
        dep["metadata"].setdefault("annotations", {})["demo.homelab-tui/crashloop"] = "true"

    lab.call(lambda: lab.store.mutate("deployments", "ml", "vllm-r1", crash))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("5", "g")
        await choose_mode(pilot, "r1")
        failed = await confirm_and_finish(pilot)
        outcome = failed.run_state.outcome
        assert outcome is not None and not outcome.ok and "CrashLoopBackOff" in outcome.message
        assert failed.query_one("#progress-box").has_class("-failed")
        text = screen_text(app)
        assert "✖ FAILED" in text and "1  Roll back to GPU mode ml" in text
        await pilot.press("1")
        await wait_for_phase(pilot, "confirm")
        assert "Roll back the GPU switch ml → r1 (back to ml)" in screen_text(app)
        back = await confirm_and_finish(pilot)
        assert back.run_state.outcome is not None and back.run_state.outcome.ok, back.run_state.outcome
        assert replicas(app, "vllm-server") == 1 and replicas(app, "vllm-r1") == 0
    assert [a["outcome"] for a in audit_lines(tmp_path)] == ["failed", "ok"]
