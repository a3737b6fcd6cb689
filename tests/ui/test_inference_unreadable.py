"""Inference when LiteLLM cannot be read, reports itself not ready, or its /health was overtaken by the watch."""

from __future__ import annotations

import dataclasses

from homelab_tui.model.health import State
from homelab_tui.model.overview import build_area
from homelab_tui.config import Settings
from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import app_for, failing, flat, scale, with_llm, with_objects
from tests.ui.demo_state import FIXED, demo_state, litellm_data

ERROR = "https://litellm.home.jetzinger.com: connection refused"


def row(text: str, alias: str) -> str:
    return next(line for line in text.splitlines() if f" {alias} " in line and line.lstrip()[:1] in "✔▲✖?")


async def inference_text(state, size: tuple[int, int] = (160, 50)) -> str:
    app = app_for(state)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        return screen_text(app)


async def test_an_unreadable_litellm_is_said_on_the_proxy_line_and_no_tier_stays_green() -> None:
    state = demo_state()
    state = dataclasses.replace(state, llm=failing(state.llm, ERROR))
    text = await inference_text(state)
    proxy = next(line for line in text.splitlines() if line.lstrip().startswith("LiteLLM"))
    assert f"✖ cannot be read: {ERROR} — last known: alive, ready, 40 s ago" in proxy
    assert "✔ alive" not in proxy
    for alias in ("vllm-qwen", "ollama-qwen", "openai-gpt4o"):
        line = row(text, alias)
        assert line.lstrip().startswith("?"), line
        assert "healthy (old)" in line and "LiteLLM unreadable" in line


async def test_a_readiness_failure_shows_its_reason_and_warns() -> None:
    llm = dataclasses.replace(litellm_data(), ready=False,
                              readiness={"status": "unhealthy", "error": "HTTP 200, answer is not a JSON object"})
    state = with_llm(demo_state(), llm)
    text = flat(await inference_text(state))
    assert "✖ not ready: HTTP 200, answer is not a JSON object" in text
    assert "▲ litellm: updated 7 s ago · proxy not ready: HTTP 200, answer is not a JSON object" in text
    assert "✔ litellm" not in text
    area = build_area("inference", state, Settings(), FIXED)
    assert area.state is State.WARN
    assert "proxy not ready (/health/readiness): HTTP 200, answer is not a JSON object" in area.reason


async def test_a_healthy_verdict_overtaken_by_a_scale_to_zero_is_marked_old() -> None:
    """After a switch to gaming, the last /health (2 min old, still fresh) said vllm-qwen was healthy."""
    state = with_objects(lambda objects: scale(objects, "ml", "vllm-server", 0))
    line = row(await inference_text(state), "vllm-qwen")
    assert "0/0" in line and "healthy (old)" in line
