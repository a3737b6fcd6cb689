"""Inference tiers: who answers now, the full /health and the probe on keys (probe asks first), vLLM stats, errors."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

import pytest

from homelab_tui.config import load_settings

from homelab_tui.model.metrics import ProbeResult
from homelab_tui.model.snapshot import format_age
from homelab_tui.ui.app import HomelabApp
from homelab_tui.ui.screens.inference import InferenceScreen
from homelab_tui.ui.widgets.confirm import ConfirmScreen
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.actions_live import record_notices
from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import (
    FakeLiteLLM, app_for, failing, flat, scale, vllm_qwen_unhealthy, with_llm, with_objects, with_vllm_stats,
)
from tests.ui.demo_state import demo_services, demo_state


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def row(text: str, alias: str) -> str:
    """The table row of ``alias`` (it starts with a state badge)."""
    return next(line for line in text.splitlines() if f" {alias} " in line and line.lstrip()[:1] in "✔▲✖?")


def fake_app(state=None, answer: ProbeResult | None = None):
    state = state or demo_state()
    services = demo_services(state)
    fake = FakeLiteLLM(state.llm, answer)
    services.litellm = fake
    return app_for(services=services), fake


async def open_inference(pilot) -> None:
    await settle(pilot)
    await pilot.press("6")
    await settle(pilot)


async def test_three_tiers_and_the_extra_with_vllm_answering() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        assert isinstance(app.screen, InferenceScreen)
        assert app.screen.query_one(DashboardTable).row_keys == ["vllm-qwen", "ollama-qwen", "openai-gpt4o", "vllm-r1"]
        text = screen_text(app)
        assert "◀ now" in row(text, "vllm-qwen")
        assert "◀ now" not in row(text, "ollama-qwen")
        assert "1/1" in row(text, "vllm-qwen") and "ml/vllm-server" in text
        assert "hosted" in row(text, "openai-gpt4o")
        assert "scaled to 0" in row(text, "vllm-r1")
        assert "Answers now  vllm-qwen" in text
        assert "Full /health  2 min ago" in text
        assert "✔ alive" in text and "✔ ready" in text


async def test_vllm_unhealthy_in_litellm_makes_ollama_answer() -> None:
    app = app_for(with_llm(demo_state(), vllm_qwen_unhealthy()))
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        text = screen_text(app)
        vllm = row(text, "vllm-qwen")
        assert "unhealthy" in vllm and "◀ now" not in vllm and "Connection refused" in vllm
        assert "◀ now" in row(text, "ollama-qwen")
        assert "Answers now  ollama-qwen" in text


async def test_gaming_mode_falls_through_to_ollama() -> None:
    app = app_for(with_objects(lambda objs: scale(objs, "ml", "vllm-server", 0)))
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        text = screen_text(app)
        assert "◀ now" in row(text, "ollama-qwen")
        assert "scaled to 0" in row(text, "vllm-qwen")


async def test_probe_asks_first_and_sends_nothing_when_cancelled() -> None:
    app, fake = fake_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inference(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        text = flat(screen_text(app))
        assert "max_tokens=1" in text and "PAID tier" in text and "openai-gpt4o" in text
        assert fake.probes == []
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, InferenceScreen)
        assert fake.probes == []
        assert "Probe cancelled: nothing was sent." in screen_text(app)


async def test_confirmed_probe_shows_who_answered_fallbacks_and_latency() -> None:
    app, fake = fake_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert fake.probes == ["vllm-qwen"]
        text = screen_text(app)
        assert "vllm-qwen → answered by ollama-qwen · 1 fallback attempted · 52 ms · HTTP 200" in text


async def test_failed_probe_says_why() -> None:
    answer = ProbeResult("vllm-qwen", 500, error="500: every fallback failed (vllm-qwen, ollama-qwen, openai-gpt4o)")
    app, fake = fake_app(answer=answer)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        await pilot.press("p", "y")
        await settle(pilot)
        assert "Probe vllm-qwen: HTTP 500 · 500: every fallback failed" in screen_text(app)


async def test_h_runs_the_full_health_in_a_worker_and_shows_its_age() -> None:
    app, fake = fake_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        assert True not in fake.refreshes  # the regular poll never asks for the full /health
        await pilot.press("h")
        await settle(pilot)
        assert fake.refreshes.count(True) == 1
        assert "Full /health  just now" in screen_text(app)


async def test_static_sources_disable_probe_and_health() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, InferenceScreen)


async def test_vllm_stats_when_prometheus_has_them() -> None:
    app = app_for(with_vllm_stats(demo_state()))
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        row = line_with(screen_text(app), "Qwen/Qwen3-8B-AWQ")
        assert row.split()[1:5] == ["Qwen/Qwen3-8B-AWQ", "2", "1", "42"]


async def test_litellm_errors_are_shown() -> None:
    state = demo_state()
    state = dataclasses.replace(state, llm=failing(state.llm, "https://litellm.home.jetzinger.com: connect timeout"))
    app = app_for(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inference(pilot)
        text = flat(screen_text(app))
        assert "litellm: failing for 12 s: https://litellm.home.jetzinger.com: connect timeout" in text


async def test_an_unreachable_litellm_answers_for_no_tier() -> None:
    """The last data said vllm-qwen answers, but every app goes through the proxy, which cannot be read now."""
    state = demo_state()
    state = dataclasses.replace(state, llm=failing(state.llm, "https://litellm.home.jetzinger.com: connect timeout"))
    app = app_for(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        text = flat(screen_text(app))
        assert "Answers now unknown: LiteLLM could not be read (https://litellm.home.jetzinger.com: connect timeout)" \
            in text
        assert "◀ now" not in text and "Answers now vllm-qwen" not in text


class GatedLiteLLM(FakeLiteLLM):
    """A LiteLLM whose full /health and probe wait for ``gate``: the test decides when they answer."""

    def __init__(self, snapshot, answer: ProbeResult | None = None) -> None:
        super().__init__(snapshot, answer)
        self.gate = threading.Event()
        self.entered = threading.Event()

    def refresh(self, full: bool = False):
        if full:
            self.entered.set()
            self.gate.wait(10)
        return super().refresh(full)

    def probe(self, alias: str) -> ProbeResult:
        self.entered.set()
        self.gate.wait(10)
        return super().probe(alias)


def gated_app() -> tuple[HomelabApp, GatedLiteLLM, list[str]]:
    services = demo_services()
    fake = GatedLiteLLM(demo_state().llm)
    services.litellm = fake
    app = app_for(services=services)
    return app, fake, record_notices(app)


async def test_h_is_ignored_while_a_full_health_is_in_flight() -> None:
    app, fake, notices = gated_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        await pilot.press("h")
        assert await asyncio.to_thread(fake.entered.wait, 10)
        await pilot.press("h", "h")
        await pilot.pause()
        text = flat(screen_text(app))
        assert fake.refreshes.count(True) == 0  # the first call has not returned yet, and no other began
        assert "running… (h is ignored until it answers)" in text
        assert notices == ["Full /health: A full /health is already running: h is ignored until it answers "
                               "(each call reaches every model, the paid one too)."] * 2
        fake.gate.set()
        await settle(pilot)
        assert fake.refreshes.count(True) == 1
        await pilot.press("h")
        await settle(pilot)
        assert fake.refreshes.count(True) == 2  # once it answered, h works again


async def test_p_is_ignored_while_a_probe_is_in_flight() -> None:
    app, fake, notices = gated_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_inference(pilot)
        await pilot.press("p", "y")
        assert await asyncio.to_thread(fake.entered.wait, 10)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, InferenceScreen)  # no second confirmation was asked
        assert notices == ["Probe: A probe is already waiting for LiteLLM: p is ignored until it answers."]
        fake.gate.set()
        await settle(pilot)
        assert fake.probes == ["vllm-qwen"]


ODD_BUT_VALID = """
[litellm]
health_interval = 60
[inference]
chain = ["[bold]odd[/x]", "openai/gpt-4o"]
extra = []
[inference.backends."[bold]odd[/x]"]
namespace = "ml"
deployment = "no-such-deployment"
[inference.backends."openai/gpt-4o"]
paid = true
"""


@pytest.mark.parametrize("text", [ODD_BUT_VALID, "[inference]\nchain = ['ollama-qwen']\nextra = []\n",
                                  "[inference]\nchain = ['openai-gpt4o']\nextra = ['vllm-qwen', 'vllm-r1']\n"])
async def test_any_config_the_validator_accepts_renders_and_probes(tmp_path, text) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    settings = load_settings(path, explicit=True)
    app, fake = fake_app()
    app.services.settings = settings
    aliases = [*settings.inference.chain, *settings.inference.extra]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inference(pilot)
        assert app.screen.query_one(DashboardTable).row_keys == aliases
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Send one chat (max_tokens=1) to {aliases[0]}?" in flat(screen_text(app))
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert fake.probes == [aliases[0]] and fake.refreshes.count(True) == 1
        every = format_age(settings.litellm.health_interval)
        assert f"Full /health  just now · every {every}" in screen_text(app)
