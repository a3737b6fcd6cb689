"""Mutation audit round 4 (session 7): which thread workers an exit waits for (ui/executor.py), and what
leaving during an action says on stderr (ui/actions_runner.py)."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest
from textual.app import App

from homelab_tui.actions.base import Outcome, Plan, Target
from homelab_tui.ui.action_types import RunState
from homelab_tui.ui.actions_runner import ACTION_GROUP, ActionRunner
from homelab_tui.ui.executor import WorkerExecutor
from homelab_tui.ui.screens.overview import OverviewScreen
from tests.ui.conftest import build_app, settle


async def test_only_the_action_runners_jobs_run_in_threads_an_exit_waits_for() -> None:
    app: App[None] = App()
    executor = WorkerExecutor()
    daemon: dict[str, bool] = {}

    def job(group: str) -> None:
        daemon[group] = threading.current_thread().daemon

    async with app.run_test():
        asyncio.get_running_loop().set_default_executor(executor)
        for group in (ACTION_GROUP, "reads"):
            await app.run_worker(lambda g=group: job(g), group=group, thread=True).wait()
    assert daemon == {ACTION_GROUP: False, "reads": True}
    executor.shutdown()


def test_a_job_submitted_after_shutdown_is_refused_and_never_runs() -> None:
    executor = WorkerExecutor()
    ran = threading.Event()
    executor.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(ran.set)
    assert not ran.is_set()


async def test_shutdown_returns_only_when_a_running_action_job_has_ended() -> None:
    app: App[None] = App()
    executor = WorkerExecutor()
    started, release, ended = threading.Event(), threading.Event(), threading.Event()

    def action_job() -> None:
        started.set()
        release.wait()
        ended.set()

    async with app.run_test():
        asyncio.get_running_loop().set_default_executor(executor)
        app.run_worker(action_job, group=ACTION_GROUP, thread=True)
        await asyncio.to_thread(started.wait)
    threading.Timer(0.3, release.set).start()  # any delay passes: shutdown must wait however long it takes
    executor.shutdown(wait=True)
    assert ended.is_set()


def _runner_with_a_running_action(ended: Outcome) -> ActionRunner:
    runner = ActionRunner(SimpleNamespace(services=SimpleNamespace(closers=[])))  # type: ignore[arg-type]
    run = RunState(Plan("scale", Target("Deployment", "apps", "n8n"), "Scale Deployment apps/n8n", (), ()))

    def action() -> None:  # stops at its safe point once asked, as execute does
        run.cancel.wait()
        run.ended = ended
        run.done.set()
    threading.Thread(target=action, daemon=True).start()
    runner.run = run
    return runner


def test_leaving_during_an_action_says_on_stderr_when_its_audit_line_is_missing(
        capsys: pytest.CaptureFixture[str]) -> None:
    ended = Outcome(False, "cancelled", "cancelled at a safe point", audit_error="audit log not written: disk full")
    _runner_with_a_running_action(ended)._stop()
    assert capsys.readouterr().err.splitlines()[1:] == [
        "homelab-tui: ✖ cancelled: Scale Deployment apps/n8n: cancelled at a safe point",
        "homelab-tui: warning: audit log not written: disk full"]



async def test_the_fingerprint_key_is_made_in_a_worker_at_start_not_when_secrets_are_first_drawn(
        tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    key = tmp_path / "homelab-tui" / "fingerprint.key"
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen) and key.is_file()  # Secrets was never opened
