"""SVG snapshots of the data screens (ingress, storage, GPU, inference, nodes) at 80x24 and 160x50.

Fixed demo data and a fixed clock, as in ``test_snapshots.py``. Update them after an
intended change with ``pytest tests/ui --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from typing import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from homelab_tui.model.state import DashboardState
from tests.ui.conftest import settle
from tests.ui.data_screens import app_for, gpu_with_history, vllm_qwen_unhealthy, with_gpu, with_llm, with_vllm_stats
from tests.ui.demo_state import demo_state

SIZES = {"80x24": (80, 24), "160x50": (160, 50)}


def press(*keys: str) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run(pilot: Pilot[object]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
    return run


def gpu_state() -> DashboardState:
    return with_gpu(demo_state(), gpu_with_history())


def inference_state() -> DashboardState:
    return with_vllm_stats(demo_state())


def vllm_down_state() -> DashboardState:
    return with_llm(demo_state(), vllm_qwen_unhealthy())


@pytest.mark.parametrize("size", SIZES)
def test_ingress(snap_compare, size: str) -> None:
    assert snap_compare(app_for(), terminal_size=SIZES[size], run_before=press("3"))


@pytest.mark.parametrize("size", SIZES)
def test_certificate_detail(snap_compare, size: str) -> None:
    # row 2 is openclaw's failed certificate (row 1 is the plain-HTTP Ingress, which has none)
    assert snap_compare(app_for(), terminal_size=SIZES[size], run_before=press("3", "down", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_storage(snap_compare, size: str) -> None:
    assert snap_compare(app_for(), terminal_size=SIZES[size], run_before=press("4"))


@pytest.mark.parametrize("size", SIZES)
def test_gpu(snap_compare, size: str) -> None:
    assert snap_compare(app_for(gpu_state()), terminal_size=SIZES[size], run_before=press("5"))


@pytest.mark.parametrize("size", SIZES)
def test_inference(snap_compare, size: str) -> None:
    assert snap_compare(app_for(inference_state()), terminal_size=SIZES[size], run_before=press("6"))


def test_inference_with_vllm_unhealthy_160x50(snap_compare) -> None:
    assert snap_compare(app_for(vllm_down_state()), terminal_size=SIZES["160x50"], run_before=press("6"))


@pytest.mark.parametrize("size", SIZES)
def test_nodes(snap_compare, size: str) -> None:
    assert snap_compare(app_for(), terminal_size=SIZES[size], run_before=press("9"))
