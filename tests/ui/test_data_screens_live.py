"""The data screens on the live simulated home-lab (real HTTP, real sources, real clock): what the demo plants
shows up, the probe goes through LiteLLM, and a LiteLLM that stops answering is reported."""

from __future__ import annotations

import time
from typing import Callable, Iterator

import pytest
from textual.pilot import Pilot

from homelab_tui.config import Settings
from homelab_tui.services import demo_services
from homelab_tui.ui.app import HomelabApp, make_app
from tests.ui.conftest import screen_text, settle

#: seconds the live demo gets to deliver data or react
BOUND = 30.0


@pytest.fixture
def live_app(tmp_path) -> Iterator[HomelabApp]:
    services = demo_services(Settings(), workdir=tmp_path / "lab", step=0.2)
    yield make_app(services)
    services.close()


async def wait_for(pilot: Pilot[object], predicate: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {BOUND:.0f} s waiting for {what}")
        await pilot.pause(0.1)


async def test_live_demo_certificates_probe_and_a_failing_litellm(live_app: HomelabApp) -> None:
    app = live_app
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.latest.cluster.ok and app.latest.llm.has_data, "the demo's first data")
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert any("openclaw.home" in line and "✖ fail" in line for line in text.splitlines())
        assert "standard Ingress" in text

        await pilot.press("6")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: "answered by" in screen_text(app), "the probe's answer")
        assert "vllm-qwen → answered by vllm-qwen · 0 fallbacks attempted" in screen_text(app)

        app.services.lab.set_down("litellm")
        await pilot.press("h")
        await wait_for(pilot, lambda: "✖ litellm: failing" in screen_text(app), "the LiteLLM error")
