"""GPU: the mode from the cluster (conflict is a failure), telemetry with its origin, history, errors."""

from __future__ import annotations

from homelab_tui.model.gpu_switch import ANNOTATION, PendingSwitch
from homelab_tui.ui.screens.gpu import GpuScreen
from homelab_tui.ui.widgets.sparkline import ScaledSparkline, buckets, spark_text
from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import app_for, flat, gpu_with_history, scale, with_gpu, with_objects
from tests.ui.demo_state import demo_state


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


async def test_ml_mode_and_telemetry_from_dcgm() -> None:
    app = app_for()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, GpuScreen)
        text = screen_text(app)
        mode = line_with(text, "Mode ")
        assert " ml " in mode and "✔ ok" in mode
        assert "vllm-server 1/1" in text and "vllm-r1 0/0" in text
        assert "NVIDIA GeForce RTX 3060" in text
        assert "10.4 GiB / 12.0 GiB  87 %" in text
        assert "37 %" in line_with(text, "Utilisation  ")
        assert "61 °C · 95 W" in text
        assert "Prometheus (DCGM exporter)" in text
        assert "NVML: library not found; using Prometheus (DCGM)" in text
        assert "no history yet" in text


async def test_both_gpu_deployments_up_is_a_conflict_shown_as_failure() -> None:
    state = with_objects(lambda objs: scale(objs, "ml", "vllm-r1", 1))
    app = app_for(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        mode = line_with(screen_text(app), "Mode ")
        assert "conflict" in mode and "✖ fail" in mode and "mutually exclusive" in mode


async def test_a_half_done_switch_is_said_once_with_what_to_do_at_80_columns() -> None:
    record = PendingSwitch("ml", "r1", "2026-11-26T10:00:00Z", user="tom", token="t").to_json()

    def half_done(objects: list[dict]) -> None:
        scale(objects, "ml", "vllm-server", 0)  # killed after the old mode stopped: it looks like gaming
        for o in objects:
            if o["kind"] == "Deployment" and o["metadata"]["name"] in ("vllm-server", "vllm-r1"):
                o["metadata"].setdefault("annotations", {})[ANNOTATION] = record

    app = app_for(with_objects(half_done))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        text = flat(screen_text(app).replace("│", " "))  # the panel's wrapped lines, read as one text
        assert "Mode transition ▲ warn a GPU switch ml → r1 started 2026-11-26T10:00:00Z by tom" in text
        assert text.count("is not finished") == 2  # the verdict, and the notice saying what to do
        assert "the switch above is not finished — press g to roll back to gpu mode ml or retry switching to r1" in text


async def test_gaming_mode_frees_the_gpu() -> None:
    state = with_objects(lambda objs: scale(objs, "ml", "vllm-server", 0))
    app = app_for(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        mode = line_with(screen_text(app), "Mode ")
        assert "gaming" in mode and "GPU free" in mode


async def test_history_is_drawn_on_a_fixed_scale_and_processes_listed() -> None:
    app = app_for(with_gpu(demo_state(), gpu_with_history()))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        text = screen_text(app)
        util = app.screen.query_one("#util-spark", ScaledSparkline)
        assert len(util.data) == 30 and util.top == 100.0
        assert app.screen.query_one("#vram-spark", ScaledSparkline).top == 12 * 1024**3
        assert "peak 97 %" in text and "peak 10.4 GiB" in text
        assert "no history yet" not in text
        assert "4242" in text and "ml/vllm-server-75w6cp7h7n-kdlfs" in text and "10.1 GiB" in text


async def test_gpu_source_error_is_shown() -> None:
    app = app_for(with_gpu(demo_state(), None, error="NVML: library not found; DCGM: no series for k3s-gpu-worker"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        text = flat(screen_text(app))
        assert "prometheus-dcgm: failing for 30 s" in text
        assert "No GPU telemetry:" in text


def test_sparkline_scale_is_fixed_not_relative() -> None:
    # a flat line at half the scale stays half-high; Textual's Sparkline would draw it at the bottom
    assert spark_text([50.0] * 4, 4, 100.0).plain == "▄▄▄▄"
    assert spark_text([0.0, 100.0], 4, 100.0).plain == "  ▁█"
    assert spark_text([], 6, 100.0).plain == "no his"


def test_buckets_keep_peaks() -> None:
    assert buckets([1.0, 9.0, 2.0, 3.0], 2) == [9.0, 3.0]
    assert buckets([1.0, 2.0], 5) == [1.0, 2.0]


def test_a_narrow_processes_panel_shortens_names_never_pids_or_sizes() -> None:
    """Seen while preparing the GPU-host check (tests/gpu): a long vLLM command line squeezed the PID to
    '4…' and the size to '9.5 …'. The name gives way; PIDs and sizes stay whole."""
    from rich.console import Console

    from homelab_tui.model.metrics import GpuProcess, GpuTelemetry
    from homelab_tui.ui.screens.gpu import processes_panel

    gpu = GpuTelemetry(origin="nvml", node="gpu", model="NVIDIA H100 80GB HBM3", vram_used_bytes=0.0,
                       vram_total_bytes=80.0 * 2**30, processes=(
                           GpuProcess(3141592, "python3 -m vllm.entrypoints.openai.api_server --model x", 9.5 * 2**30),
                           GpuProcess(99, "pid 99", None)))
    console = Console(width=50, record=True, file=__import__("io").StringIO())
    console.print(processes_panel(gpu))
    lines = console.export_text().splitlines()
    assert "PID" in lines[0] and "VRAM" in lines[0]
    assert lines[1].lstrip().startswith("3141592 ") and lines[1].rstrip().endswith("9.5 GiB")
    assert "python3 -m vllm" in lines[1] and "…" in lines[1]
    assert lines[2].lstrip().startswith("99 ") and lines[2].rstrip().endswith("—")
