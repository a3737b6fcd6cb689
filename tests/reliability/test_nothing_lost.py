"""Issue 6, nothing lost — what tests/integration/test_actions_*.py do not already cover:

* a GPU switch killed mid-way is seen by the NEXT start of the dashboard (a fresh watch cache),
  whose GPU action offers exactly to roll it back or finish it — and the two vLLM deployments are
  never up together, also while the switch is rolled back from there;
* a secret patch meeting API faults (500s on secrets, the API server going down) changes nothing
  and says so in one line; the secret read back afterwards is byte-for-byte what it was.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionError, Target, make_context
from homelab_tui.actions.gpu_mode import gpu_target
from homelab_tui.actions.gpu_state import pending_in
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.config import Settings
from homelab_tui.demo.runner import DemoLab
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.kube_client import KubeTarget, load_kube_api
from homelab_tui.sources.resources import WATCHED
from homelab_tui.ui.action_requests import gpu_request
from homelab_tui.ui.action_types import ActionRequest
from tests.conftest import wait_until
from tests.integration.test_actions_gpu_mode import BothUpMonitor

ROOT = Path(__file__).resolve().parents[2]
SWITCH = ("import argparse, sys\n"
          "from homelab_tui.cli_gpu import run_gpu_mode\n"
          "from homelab_tui.config import Settings\n"
          "args = argparse.Namespace(kubeconfig=sys.argv[1], context=None, demo=False, read_only=False,\n"
          "                          mode='r1', yes=True, no_wait=False)\n"
          "sys.exit(run_gpu_mode(args, Settings(), poll=0.05))\n")


def _kill_switch_at(lab, tmp_path, step: str) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SWITCH, str(lab.kubeconfig_path)], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # bounded: the child exits when the switch ends
            if step in line:
                proc.send_signal(signal.SIGKILL)
                break
        else:
            pytest.fail(f"the switch never reached {step!r}")
    finally:
        proc.kill()
        proc.wait(30)


def _fresh_cluster(lab):
    """What a new start of the dashboard sees: a new watch cache, synced."""
    source = KubeSource(KubeTarget(str(lab.kubeconfig_path)), min_backoff=0.2)
    source.start()
    try:
        def synced():  # every resource listed (a snapshot is "ok" as soon as the first one is)
            data = source.current().data
            return data is not None and len(data.synced | data.absent) == len(WATCHED) and data

        return wait_until(synced, 20, message="a fresh watch cache")
    finally:
        source.stop()


@pytest.fixture
def slow_lab(tmp_path) -> Iterator[DemoLab]:
    """Pods take 2 s per transition: the kill surely lands while the switch waits, even on a loaded CI."""
    with DemoLab(tmp_path / "slow-lab", step=2.0) as running:
        yield running


@pytest.mark.parametrize("step", ["scaling ml/vllm-server to 0", "scaling ml/vllm-r1 to 1"])
def test_a_killed_gpu_switch_is_offered_for_rollback_on_the_next_start(slow_lab, tmp_path, step):
    lab = slow_lab
    settings = Settings()
    with BothUpMonitor(lab) as monitor:
        _kill_switch_at(lab, tmp_path, step)
        cluster = _fresh_cluster(lab)
        pending = pending_in(cluster, settings.gpu)
        assert pending is not None and (pending.from_mode, pending.to_mode) == ("ml", "r1")
        request = gpu_request(cluster, settings, time.time())
        assert isinstance(request, ActionRequest) and request.action == "gpu-mode"
        assert {mode for mode, _ in request.choices["mode"]} == {"ml", "r1"}  # roll back or finish, nothing else
        assert any("not finished" in h and "finish it or roll it back" in h for h in request.hints)
        api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 5)
        ctx = make_context(api, settings, read_only=False, audit_path=str(tmp_path / "audit.jsonl"), poll=0.05,
                           wait_timeout=30)
        action = registry.get("gpu-mode")
        assert action.execute(ctx, action.plan(ctx, gpu_target(settings), mode="ml")).ok
    assert monitor.violations == [] and monitor.changes > 0
    assert pending_in(_fresh_cluster(lab), settings.gpu) is None


SECRET = Target("Secret", "ml", "litellm-secrets")
VALUE = "nothing-lost-Value-3b9e"


def _secret_data(lab) -> dict[str, str]:
    return dict(lab.call(lambda: lab.store.get("secrets", "ml", "litellm-secrets"))["data"])


@pytest.mark.parametrize("fault", ["500-on-secrets", "api-down"])
def test_a_secret_patch_meeting_an_api_fault_changes_nothing(lab, tmp_path, fault):
    api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 2)
    ctx = make_context(api, Settings(), read_only=False, audit_path=str(tmp_path / "audit.jsonl"), poll=0.05,
                       wait_timeout=10)
    action = registry.get("secret-patch")
    before = _secret_data(lab)
    plan = action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(VALUE))
    if fault == "api-down":
        lab.set_down("kubernetes", True)
    else:
        lab.faults["kubernetes"].status, lab.faults["kubernetes"].status_path = 500, "/secrets"
    started = time.monotonic()
    try:
        outcome = action.execute(ctx, plan)
        message = outcome.message
        assert not outcome.ok
    except ActionError as exc:
        message = str(exc)
    took = time.monotonic() - started
    lab.faults["kubernetes"].reset()
    lab.set_down("kubernetes", False)
    assert _secret_data(lab) == before, "a failed patch changed the secret"
    assert message and "\n" not in message and "Traceback" not in message
    for form in (VALUE, base64.b64encode(VALUE.encode()).decode()):
        assert form not in message and form not in (tmp_path / "audit.jsonl").read_text(errors="replace")
    assert took < 60
    # and once the fault is gone the same plan goes through, every other key intact
    outcome = action.execute(ctx, action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(VALUE)))
    assert outcome.ok, outcome.message
    after = _secret_data(lab)
    assert base64.b64decode(after["OPENAI_API_KEY"]).decode() == VALUE
    assert {k: v for k, v in after.items() if k != "OPENAI_API_KEY"} == {
        k: v for k, v in before.items() if k != "OPENAI_API_KEY"}
