"""Shared pieces of the reliability suite: fast settings, services against a DemoLab, event-loop probes.

Every wait is bounded. Two measured bounds are asserted, both requirements of issue 6: the keypress
latency (:data:`KEY_BOUND`, the median of several presses measured on the event loop) and recovery
within one backoff period (:func:`recovery_bound`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from textual import events
from textual.pilot import Pilot

from homelab_tui.config import Settings, load_settings
from homelab_tui.demo.runner import DemoLab
from homelab_tui.services import Services, build_services
from homelab_tui.ui.app import HomelabApp

#: the requirement: a key is handled within 100 ms while a source hangs
KEY_BOUND = 0.100
#: the kube watch cache's longest backoff in these tests, and the polled sources' interval
BACKOFF = 1.0
#: how long a wait may last before the test gives up (generous, for a loaded 2-core CI machine)
SLACK = 10.0
#: what a recovery may take beyond one backoff period: the succeeding attempt itself and its way to the screen
RECOVERY_MARGIN = 1.5
#: where measured figures are appended (one JSON object a line) for docs/reliability.md, when set
FIGURES = os.environ.get("HOMELAB_TUI_FIGURES", "")


def fast_settings(lab: DemoLab, **kube: Any) -> Settings:
    """The lab's config with short timeouts and backoffs (kube timeout above the 3 s latency fault)."""
    s = load_settings(lab.config_path, explicit=True)
    return dataclasses.replace(
        s,
        kubernetes=dataclasses.replace(s.kubernetes, max_backoff=BACKOFF, timeout=5.0, **kube),
        prometheus=dataclasses.replace(s.prometheus, timeout=1.0, interval=BACKOFF),
        litellm=dataclasses.replace(s.litellm, timeout=1.0, interval=BACKOFF, health_interval=BACKOFF),
    )


def recovery_bound(hang: float = 0.0) -> float:
    """Seconds from clearing a fault to the screen showing the source good again, "within one backoff period".

    The attempt in flight when the fault cleared ends (at once for an error, after ``hang`` — the
    source's timeout — for a source that hangs), the source waits at most one backoff period
    (:data:`BACKOFF`: the watch cache's ``max_backoff``, the polled sources' ``interval``), and its next
    attempt succeeds (:data:`RECOVERY_MARGIN`). A second failed attempt, or a longer wait, exceeds it.
    """
    return hang + BACKOFF + RECOVERY_MARGIN


def lab_services(lab: DemoLab, settings: Settings | None = None, *, key: str | None = None,
                 read_only: bool = True) -> Services:
    """The real sources pointed at the lab (read-only unless asked)."""
    services = build_services(settings or fast_settings(lab), kubeconfig=str(lab.kubeconfig_path),
                              read_only=read_only, litellm_key=lab.litellm_key if key is None else key)
    services.kube.min_backoff = 0.2  # type: ignore[attr-defined]
    return services


def record(**figure: Any) -> None:
    """Print a measured figure (``pytest -s`` shows it) and append it to :data:`FIGURES` when set."""
    line = json.dumps(figure, sort_keys=True)
    print("FIGURE", line)
    if FIGURES:
        with Path(FIGURES).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], object], what: str,
                   bound: float = BACKOFF + SLACK) -> float:
    """Let the app run until ``predicate()`` holds; returns the seconds it took; fails after ``bound``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > bound:
            pytest.fail(f"timed out after {bound:.0f} s waiting for {what}")
        await pilot.pause(0.05)
    return time.monotonic() - started


class LoopLag:
    """Samples how late a 20 ms timer fires on the app's event loop (a blocked loop makes it late)."""

    def __init__(self, period: float = 0.02) -> None:
        self.period = period
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(self.period)
            self.samples.append(time.perf_counter() - t - self.period)

    def __enter__(self) -> "LoopLag":
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def worst(self) -> float:
        return max(self.samples, default=0.0)


async def key_latencies(pilot: Pilot[Any], presses: int = 7, gap: float = 0.15) -> list[float]:
    """Seconds from a key arriving to its binding's action running, for ``presses`` presses.

    The keys are typed from a separate thread through the driver, as a terminal's input thread
    does, so a blocked event loop delays them (a sender on the loop itself could only send
    between blocks). The current screen's own number key is pressed (its action is cheap: it
    only pops drill-downs); the action is timed by wrapping the App's ``action_show_screen``.
    """
    app = pilot.app
    assert isinstance(app, HomelabApp) and app._driver is not None
    from homelab_tui.ui.screens.registry import spec

    key = spec(app.current_mode).key
    driver = app._driver
    ran: list[float] = []
    original = app.action_show_screen

    def timed(mode: str) -> None:
        ran.append(time.perf_counter())
        original(mode)

    def typist() -> list[float]:
        # open loop, like a person typing: keys go out on a fixed cadence whether or not the app keeps up
        sent: list[float] = []
        for _ in range(presses):
            sent.append(time.perf_counter())
            driver.process_message(events.Key(key, key))
            time.sleep(gap)
        deadline = time.monotonic() + 10.0
        while len(ran) < presses:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(ran)} of {presses} keypresses were handled within 10 s")
            time.sleep(0.001)
        return [handled - at for handled, at in zip(ran, sent)]

    app.action_show_screen = timed  # type: ignore[method-assign]
    try:
        return await asyncio.get_running_loop().run_in_executor(None, typist)
    finally:
        del app.action_show_screen


async def assert_keys_answer(pilot: Pilot[Any], fault: str) -> float:
    """The requirement: the median keypress is handled within :data:`KEY_BOUND`; returns the median."""
    latencies = await key_latencies(pilot)
    median = statistics.median(latencies)
    assert median < KEY_BOUND, f"{fault}: keypresses took {[round(x * 1000) for x in latencies]} ms"
    return median
