"""Issue 6, nothing lost: a GPU-mode switch killed at any step never leaves both vLLM deployments up,
and the NEXT start of the dashboard shows the half-done switch on its GPU screen and offers to finish
it or roll it back — which then works, from the screen.

The switch runs as ``homelab-tui gpu-mode r1`` would, in a child process. It is killed (SIGKILL) from a
subscriber of the simulated API server's store, on the change that reaches the kill point: the
subscriber runs before the API server answers the request that made the change (or, for a pod turning
Ready, before the child can read it), so the kill lands exactly there however loaded the machine is.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest

from homelab_tui.model.gpu_switch import ANNOTATION
from homelab_tui.demo.runner import DemoLab
from homelab_tui.demo.store import ClusterStore as Store
from homelab_tui.ui.actions_runner import runner_for
from homelab_tui.ui.app import make_app
from tests.integration.test_actions_gpu_mode import BothUpMonitor
from tests.reliability.harness import fast_settings, lab_services
from tests.ui.actions_live import BOUND, audit_lines, confirm_and_finish, wait_for, wait_for_phase
from tests.ui.conftest import screen_text

ROOT = Path(__file__).resolve().parents[2]
SWITCH = ("import argparse, sys\n"
          "from homelab_tui.cli_gpu import run_gpu_mode\n"
          "from homelab_tui.config import Settings\n"
          "args = argparse.Namespace(kubeconfig=sys.argv[1], context=None, demo=False, read_only=False,\n"
          "                          mode='r1', yes=True, no_wait=False)\n"
          "sys.exit(run_gpu_mode(args, Settings(), poll=0.05))\n")
GPU = ("vllm-server", "vllm-r1")
SIZE = (160, 50)


def _annotated(store: Store) -> int:
    """How many GPU deployments carry the switch record."""
    return sum(1 for name in GPU
               if ANNOTATION in ((store.get("deployments", "ml", name) or {}).get("metadata") or {}).get("annotations", {}))


def _replicas(store: Store, name: str) -> int:
    return int(((store.get("deployments", "ml", name) or {}).get("spec") or {}).get("replicas") or 0)


def _ready(store: Store, name: str) -> int:
    pods, _ = store.list("pods", "ml")
    return sum(1 for p in pods if p["metadata"]["name"].startswith(name + "-") and any(
        c["type"] == "Ready" and c["status"] == "True" for c in (p.get("status") or {}).get("conditions", [])))


#: kill point -> the store state that first holds there during a switch ml -> r1
KILL_POINTS: dict[str, Callable[[Store], bool]] = {
    "between the two record patches":
        lambda s: _annotated(s) == 1 and _replicas(s, "vllm-server") == 1 and _replicas(s, "vllm-r1") == 0,
    "recorded, nothing scaled yet":
        lambda s: _annotated(s) == 2 and _replicas(s, "vllm-server") == 1,
    "vllm-server scaled to 0":
        lambda s: _annotated(s) == 2 and _replicas(s, "vllm-server") == 0 and _replicas(s, "vllm-r1") == 0,
    "vllm-r1 scaled to 1":
        lambda s: _annotated(s) == 2 and _replicas(s, "vllm-r1") == 1 and _ready(s, "vllm-r1") == 0,
    "vllm-r1 Ready, record not yet cleared":
        lambda s: _annotated(s) == 2 and _ready(s, "vllm-r1") == 1,
    "between the two clearing patches":
        lambda s: _annotated(s) == 1 and _ready(s, "vllm-r1") == 1,
}


def _kill_switch_at(lab: DemoLab, tmp_path: Path, point: str) -> None:
    """Run the switch in a child process and SIGKILL it on the store change that reaches ``point``."""
    reached = KILL_POINTS[point]
    killed = threading.Event()
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "switch-state"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SWITCH, str(lab.kubeconfig_path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)

    def watch(key: str, _event: str, _obj: dict) -> None:
        if key in ("pods", "deployments") and not killed.is_set() and reached(lab.store):
            proc.send_signal(signal.SIGKILL)
            killed.set()

    unsubscribe = lab.call(lambda: lab.store.subscribe(watch))
    try:
        proc.wait(BOUND)
    finally:
        lab.call(unsubscribe)
        proc.kill()
        proc.wait(30)
    assert killed.is_set(), f"the switch ended (exit {proc.returncode}) without reaching {point!r}"
    assert lab.call(lambda: reached(lab.store)), f"the cluster moved on after the kill at {point!r}"


@pytest.fixture
def switch_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoLab]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # the next start's audit log
    with DemoLab(tmp_path / "lab", step=0.5) as running:
        yield running


@pytest.mark.parametrize("point", list(KILL_POINTS))
async def test_a_killed_switch_is_shown_on_the_next_start_and_resolved_from_the_screen(
        switch_lab: DemoLab, tmp_path: Path, point: str) -> None:
    lab = switch_lab
    finish = point == "vllm-r1 Ready, record not yet cleared"  # one case finishes the switch, the others roll back
    with BothUpMonitor(lab) as monitor:
        _kill_switch_at(lab, tmp_path, point)
        settings = fast_settings(lab)
        settings = dataclasses.replace(settings, gpu=dataclasses.replace(settings.gpu, switch_timeout=BOUND))
        app = make_app(lab_services(lab, settings, read_only=False))  # the next start
        runner = runner_for(app)
        runner.poll, runner.wait_timeout = 0.05, BOUND
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("5")
            await wait_for(pilot, lambda: "ml → r1 started" in screen_text(app), "the half-done switch on screen")
            text = " ".join(screen_text(app).split())
            assert "is not finished — press g to roll back to gpu mode ml or retry switching to r1" in text, text
            await pilot.press("g")
            await wait_for_phase(pilot, "input")
            text = screen_text(app)
            assert "Roll back to GPU mode ml" in text and "Retry switching to r1" in text, text
            if finish:
                await pilot.press("down")
            await pilot.press("enter")
            done = await confirm_and_finish(pilot)
            assert done.run_state.outcome is not None and done.run_state.outcome.ok, done.run_state.outcome
            await pilot.press("escape")
            await wait_for(pilot, lambda: "ml → r1 started" not in screen_text(app), "the record gone from the screen")
            verdict = "mode r1 (vllm-r1 1/1)" if finish else "mode ml (vllm-server 1/1)"
            await wait_for(pilot, lambda: verdict in screen_text(app), f"{verdict} on the screen")
        app.services.close()
    assert monitor.violations == [], f"both vLLM deployments were up: {monitor.violations}"
    assert lab.call(lambda: _annotated(lab.store)) == 0
    up = lab.call(lambda: {name: _replicas(lab.store, name) for name in GPU})
    assert up == ({"vllm-server": 0, "vllm-r1": 1} if finish else {"vllm-server": 1, "vllm-r1": 0})
    (line,) = audit_lines(tmp_path)
    assert (line["action"], line["outcome"]) == ("gpu-mode", "ok")
