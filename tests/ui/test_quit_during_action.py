"""`q` while a scale follows its pods on a slow API, with a read-only worker blocked for good: the exit waits
for the action alone, which stops at its next safe point and writes its audit line; the blocked read is
abandoned. The app's executor is shut down here as ``asyncio.run`` does it when the real app ends."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from homelab_tui.ui.actions_runner import ACTION_GROUP, runner_for
from homelab_tui.ui.executor import KEEP_GROUPS
from tests.ui.actions_live import (BOUND, SIZE, audit_lines, live_app, open_namespace, select_row, wait_for,
                                   wait_for_data, wait_for_phase)


def test_the_executor_keeps_exactly_the_action_runners_worker_group() -> None:
    assert KEEP_GROUPS == {ACTION_GROUP}


@pytest.mark.parametrize("leave", ["q", "SIGHUP", "SIGTERM"])
async def test_q_waits_for_a_running_action_to_be_audited_but_not_for_a_blocked_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], leave: str) -> None:
    """``q``, and the SIGHUP of an SSH session that drops (or a SIGTERM), leave the same way."""
    app = live_app(tmp_path, monkeypatch)
    runner = runner_for(app)
    runner.poll = 0.5
    lab = app.services.lab
    app.services.closers.remove(lab.stop)  # the lab outlives the app here, so the action can stop cleanly
    never = threading.Event()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_data(pilot)
            app.run_worker(never.wait, name="a read that never answers", group="reads", thread=True,
                           exit_on_error=False)
            await open_namespace(pilot, "apps")
            await select_row(pilot, "Deployment/n8n")
            await pilot.press("s")
            await pilot.pause(0.3)
            await pilot.press("backspace", "4", "enter")
            await wait_for_phase(pilot, "confirm")
            lab.faults["kubernetes"].latency = 3.0
            await pilot.press("y")
            await wait_for(pilot, lambda: runner.run is not None and runner.run.lines, "the scale to start")
            assert runner.busy, runner.run.lines
            if leave == "q":
                assert type(app.screen).__name__ == "ActionProgressScreen"  # q from the running action's window
                await pilot.press("q")
                await wait_for(pilot, lambda: app.return_code is not None, "the app to leave on q")
            else:
                signum = getattr(signal, leave)
                # the app's handler must be there: the default action would end the test run itself
                assert signal.getsignal(signum) not in (signal.SIG_DFL, signal.SIG_IGN, None), leave
                os.kill(os.getpid(), signum)
                await wait_for(pilot, lambda: app.return_code is not None, "the app to leave on the signal")
        assert app.executor is not None
        # as the program does after the app ends: close the sources (the action is told to stop, and waited
        # for, saying so on stderr, as the screen is gone), then the executor
        telling = threading.Thread(target=app.services.close, daemon=True)
        telling.start()
        telling.join(BOUND)
        assert not telling.is_alive(), "closing waited for the blocked read"
        told = [line for line in capfd.readouterr().err.splitlines() if line.startswith("homelab-tui:")]
        assert told[0] == ("homelab-tui: waiting for Scale Deployment apps/n8n to stop at its next safe point "
                           "(it writes its audit line)…"), told
        assert told[1].startswith("homelab-tui: ✖ cancelled: Scale Deployment apps/n8n: "), told
        closing = threading.Thread(target=app.executor.shutdown, daemon=True)
        closing.start()
        closing.join(BOUND)
        assert not closing.is_alive(), "the exit waited for the blocked read"
        # shutdown returned: the action had ended, and its audit line was written
        scale = [line for line in audit_lines(tmp_path) if line.get("action") == "scale"]
        assert scale and scale[-1]["outcome"] == "cancelled", scale
    finally:
        never.set()
        app.services.close()
        lab.stop()
