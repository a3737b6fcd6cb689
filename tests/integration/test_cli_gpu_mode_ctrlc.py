"""Ctrl-C during ``homelab-tui gpu-mode r1 --yes``: the switch stops at its next safe point, the command waits
for it (a second Ctrl-C does not abandon it), prints what it did and what to run next, appends the audit line and
exits 130; ``gpu-mode status`` then shows the recorded, half-done switch.

The command runs as a real child process. SIGINT is sent from a subscriber of the simulated API server's
store, on the change that scales vllm-server to 0 (before the API answers it), so it lands mid-switch however
loaded the machine is. From then on the API answers slowly (the latency the control URL sets; set here on the
same fault object, as the server's own thread cannot call its control URL), so the switch needs seconds to
reach its safe point: a command that does not wait for it exits first and writes no audit line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from homelab_tui.demo.runner import DemoLab

ASKED = "homelab-tui: gpu-mode: interrupted: asking the switch to stop at its next safe point"
#: the safe point is wherever the switch next looks at its cancel event (e.g. the next poll of a wait)
STOPPED = "homelab-tui: gpu-mode: interrupted: the switch stopped at a safe point: switch ml → r1 stopped: cancelled "
OFFERS = "left half-done (not rolled back): roll back to GPU mode ml with `homelab-tui gpu-mode ml`, or retry " \
         "switching to r1 with `homelab-tui gpu-mode r1`"


def _command(lab: DemoLab, *args: str) -> list[str]:
    return [sys.executable, "-m", "homelab_tui", "gpu-mode", *args, "--kubeconfig", str(lab.kubeconfig_path)]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}


def _audit(tmp_path: Path) -> list[dict]:
    path = tmp_path / "state" / "homelab-tui" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _interrupt_mid_switch(lab: DemoLab, tmp_path: Path, *config: str, latency: float = 0.3,
                          again: bool = False, signum: int = signal.SIGINT) -> subprocess.CompletedProcess:
    """Run ``gpu-mode r1 --yes``: SIGINT once vllm-server is scaled to 0, and from then on ``latency`` s per answer.

    ``again``: a second SIGINT once the command says it is waiting for the switch's safe point.
    """
    sent = threading.Event()
    proc = subprocess.Popen(_command(lab, "r1", "--yes", *config), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env(tmp_path))

    def watch(key: str, _event: str, obj: dict) -> None:
        if key == "deployments" and not sent.is_set() and obj["metadata"]["name"] == "vllm-server" \
                and obj["spec"]["replicas"] == 0:
            lab.faults["kubernetes"].latency = latency
            proc.send_signal(signum)
            sent.set()

    unsubscribe = lab.call(lambda: lab.store.subscribe(watch))
    try:
        assert proc.stderr is not None and proc.stdout is not None
        err = []
        for line in proc.stderr:
            err.append(line)
            if again and line.startswith(ASKED):
                proc.send_signal(signal.SIGINT)
        out = proc.stdout.read()
        proc.wait(120)
    finally:
        lab.call(unsubscribe)
        proc.kill()
        proc.wait(30)
        lab.faults["kubernetes"].latency = 0.0
    assert sent.is_set(), f"the switch ended (exit {proc.returncode}) before vllm-server was scaled to 0: {err}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(err))


def _left_recorded(lab: DemoLab, tmp_path: Path) -> None:
    """``gpu-mode status`` shows the half-done switch (and how to finish or undo it)."""
    status = subprocess.run(_command(lab, "status"), capture_output=True, text=True, timeout=120, env=_env(tmp_path))
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[0] == "GPU mode: transition", status.stdout
    assert "the switch is not finished: finish it with `gpu-mode r1` or roll it back with `gpu-mode ml`" \
           in status.stdout, status.stdout


def test_one_ctrl_c_waits_for_the_safe_point_audits_it_and_exits_130(lab: DemoLab, tmp_path: Path) -> None:
    done = _interrupt_mid_switch(lab, tmp_path)
    assert done.returncode == 130, done.stdout + done.stderr
    # the worker was waited for: its audit line is there (a command that returns at once leaves none)
    assert [(e["action"], e["outcome"]) for e in _audit(tmp_path)] == [("gpu-mode", "cancelled")], done.stderr
    assert "switch ml → r1 stopped: cancelled " in _audit(tmp_path)[0]["message"]
    err = done.stderr.splitlines()
    assert [line for line in err if line.startswith("homelab-tui:")] == [
        next(line for line in err if line.startswith(ASKED)), next(line for line in err if line.startswith(STOPPED))]
    assert err[-1].endswith("recorded as half-done") and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.splitlines()[-1] == OFFERS, done.stdout
    _left_recorded(lab, tmp_path)


def test_a_second_ctrl_c_says_it_is_still_stopping_safely(lab: DemoLab, tmp_path: Path) -> None:
    done = _interrupt_mid_switch(lab, tmp_path, again=True)
    assert done.returncode == 130, done.stdout + done.stderr
    assert "homelab-tui: gpu-mode: still stopping at a safe point: waiting for the switch's current step to end " \
           "(Ctrl-C again does not abandon it)" in done.stderr.splitlines(), done.stderr
    assert STOPPED in done.stderr and done.stdout.splitlines()[-1] == OFFERS, done.stdout + done.stderr
    assert [e["outcome"] for e in _audit(tmp_path)] == ["cancelled"]
    _left_recorded(lab, tmp_path)


def test_a_switch_that_never_reaches_its_safe_point_is_said_abandoned_and_unaudited(
        lab: DemoLab, tmp_path: Path) -> None:
    config = tmp_path / "short.toml"
    config.write_text("[gpu]\nswitch_timeout = 1\n")
    # each answer now takes 5 s: the switch cannot reach its safe point within the 1 s it is waited for
    done = _interrupt_mid_switch(lab, tmp_path, "--config", str(config), latency=5.0)
    assert done.returncode == 130, done.stdout + done.stderr
    assert done.stderr.splitlines()[-1] == (
        "homelab-tui: gpu-mode: interrupted: the switch did not reach a safe point within 1 s: abandoned mid-step, "
        "NOT audited; see what is recorded with `homelab-tui gpu-mode status`"), done.stderr
    assert "stopped at a safe point" not in done.stderr and _audit(tmp_path) == []
    _left_recorded(lab, tmp_path)


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_dropped_ssh_session_or_sigterm_stops_the_switch_as_ctrl_c_does(lab: DemoLab, tmp_path: Path,
                                                                         signum: int) -> None:
    done = _interrupt_mid_switch(lab, tmp_path, signum=signum)
    assert done.returncode == 130, done.stdout + done.stderr
    assert [(e["action"], e["outcome"]) for e in _audit(tmp_path)] == [("gpu-mode", "cancelled")], done.stderr
    assert STOPPED in done.stderr and done.stdout.splitlines()[-1] == OFFERS, done.stdout + done.stderr
    _left_recorded(lab, tmp_path)
