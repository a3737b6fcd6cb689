"""The dashboard's GPU screen on a real GPU host: the demo lab's cluster beside this host's NVML readings.

Where NVML works, ``build_services`` reads the card itself and the DCGM figures the demo's Prometheus
serves are not used; the screen must say so (origin, model, freshness line). Skipped where NVML finds
no GPU. Set ``HOMELAB_TUI_SHOTS`` to a folder to keep an SVG of the screen.
"""

from __future__ import annotations

import asyncio
import io
import os
import time

import pynvml
import pytest
from rich.console import Console

from homelab_tui.config import Settings
from homelab_tui.demo.lab_metrics import GPU_MODEL
from homelab_tui.services import demo_services
from homelab_tui.ui.app import make_app
from tests.gpu.test_nvml_real_gpu import _gpus

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(_gpus() < 1, reason="NVML finds no GPU here")]


def _model() -> str:
    pynvml.nvmlInit()
    try:
        name = pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(0))
    finally:
        pynvml.nvmlShutdown()
    return name.decode() if isinstance(name, bytes) else str(name)


def _text(app: object) -> str:
    width, height = app.size  # type: ignore[attr-defined]
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    console.print(app.screen._compositor.render_update(full=True))  # type: ignore[attr-defined]
    return console.export_text()


async def _gpu_screen(shots: str | None) -> tuple[str, object]:
    services = demo_services(Settings())
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.switch_mode("gpu")
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline:
            await pilot.pause(0.2)
            text = _text(app)
            if "NVML on this host" in text and "Mode" in text and "Waiting" not in text:
                break
        await pilot.pause(1.5)  # a second NVML poll: the history has two points
        text = _text(app)
        if shots:
            app.save_screenshot("gpu-nvml.svg", shots)
        gpu = services.gpu.current()
        await pilot.press("q")
    return text, gpu


def test_gpu_screen_shows_this_hosts_card_from_nvml() -> None:
    text, gpu = asyncio.run(_gpu_screen(os.environ.get("HOMELAB_TUI_SHOTS")))
    print("\n" + text)
    assert gpu.ok and gpu.data.origin == "nvml", gpu.error  # type: ignore[attr-defined]
    assert "NVML on this host" in text and "DCGM exporter" not in text
    assert _model()[:20] in text  # the card's own name, not the demo's simulated one
    assert GPU_MODEL not in text or GPU_MODEL == _model()  # the demo's simulated RTX 3060 is not shown
    assert "✔ nvml" in text  # the freshness line names NVML as the GPU source, and it is fresh
    assert "No GPU telemetry" not in text and "NVML:" not in text  # no fallback note, no error
    for proc in gpu.data.processes[:3]:  # type: ignore[attr-defined]  # the first rows fit in any panel
        assert f" {proc.pid}  " in text, f"PID {proc.pid} is not shown whole"
