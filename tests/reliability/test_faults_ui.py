"""Issue 6: the dashboard (Pilot, headless) survives every fault of the simulated home-lab.

For each fault: no crash; keys answer (median keypress handled within 100 ms, measured on the event
loop while the source hangs); the failing source's error and its last good data with its age are on
the screen; and after the fault clears the source recovers by itself within one backoff period
(:func:`~tests.reliability.harness.recovery_bound`: the attempt in flight ends, one backoff period
passes, the next attempt succeeds). Recovery times are recorded for docs/reliability.md.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from homelab_tui.demo.runner import DemoLab
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.ui.app import HomelabApp, make_app
from tests.reliability.faults import FAULTS, Fault
from tests.reliability.harness import (
    BACKOFF, LoopLag, assert_keys_answer, lab_services, record, recovery_bound, wait_for,
)
from tests.ui.conftest import screen_text

SIZE = (160, 50)


@pytest.fixture
def fault_lab(tmp_path) -> Iterator[DemoLab]:
    with DemoLab(tmp_path / "lab", step=0.2) as running:
        yield running


def _first_data(app: HomelabApp) -> bool:
    s = app.latest
    return s.cluster.ok and s.metrics.ok and s.llm.ok and s.gpu.has_data


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
async def test_fault_is_shown_survived_and_recovered(fault_lab: DemoLab, fault: Fault) -> None:
    lab = fault_lab
    if fault.at_start:
        fault.inject(lab)
    services = lab_services(lab)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        if not fault.at_start:
            await wait_for(pilot, lambda: _first_data(app), "the first data from every source")
            fault.inject(lab)

        def snap() -> Snapshot[Any]:
            return getattr(app.latest, fault.field)

        with LoopLag() as lag:
            shown = await wait_for(pilot, lambda: snap().error and fault.error in snap().error,
                                   f"the {fault.source} error containing {fault.error!r}")
            await wait_for(pilot, lambda: f"✖ {fault.source}: failing" in screen_text(app), "the status line")
            median = await assert_keys_answer(pilot, fault.id)
        text = screen_text(app)
        assert snap().error in " ".join(text.split()) or fault.error in text
        if fault.partial:
            data = snap().data
            denied = fault.error.split(":")[0]
            assert data is not None and denied in data.errors and data.get("pods"), "what is allowed is shown"
            assert f"{denied}: 403" in text, text
            if denied == "secrets":  # the Secrets screen says what it cannot read
                await pilot.press("7")
                await wait_for(pilot, lambda: "Secrets cannot be read: 403" in screen_text(app), "the 403 title")
                await pilot.press("1")
        if not fault.at_start or fault.partial:
            assert snap().has_data, "the last good data is kept"
            assert "showing data from" in text, text
        fault.clear(lab)
        recovery = await wait_for(pilot, lambda: snap().ok, f"{fault.source} to recover")
        hang = getattr(services.settings, fault.source).timeout if fault.hangs else 0.0
        bound = recovery_bound(hang)
        assert recovery <= bound, (f"{fault.id}: recovered {recovery:.2f} s after the fault cleared; one backoff "
                                   f"period ({BACKOFF:.0f} s, after {hang:.0f} s for the hung attempt) allows {bound:.1f} s")
        await wait_for(pilot, lambda: f"✔ {fault.source}: updated" in screen_text(app), "the ✔ status line")
        record(fault=fault.id, shown_after_s=round(shown, 2), recovered_after_s=round(recovery, 2),
               key_median_ms=round(median * 1000, 1), loop_lag_worst_ms=round(lag.worst * 1000, 1),
               backoff_s=BACKOFF)
    assert app.return_code in (None, 0)
