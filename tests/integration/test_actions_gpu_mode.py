"""GPU-mode switch against the simulated home-lab: order, never both up, failure → rollback, interruption."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, RefusedError
from homelab_tui.actions.gpu_mode import gpu_target, pending_switch
from homelab_tui.config import Settings
from homelab_tui.demo.podgen import STARTING, set_pod_state
from tests.integration.lab_actions import StoreHook, lab_context


CRASHLOOP = "demo.homelab-tui/crashloop"


def _settings(timeout: float = 20.0) -> Settings:
    s = Settings()
    return dataclasses.replace(s, gpu=dataclasses.replace(s.gpu, switch_timeout=timeout))


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, _settings())


class BothUpMonitor(StoreHook):
    """Checks, on every change the store makes, that the two vLLM deployments are never up together."""

    def __init__(self, lab) -> None:
        super().__init__(lab)
        self.violations, self.changes = [], 0

    def on_change(self, key: str, _event: str, _obj: dict) -> None:
        if key not in ("pods", "deployments"):
            return
        self.changes += 1
        store = self.lab.store
        pods, _ = store.list("pods", "ml")
        names = [p["metadata"]["name"] for p in pods]
        pods_up = [d for d in ("vllm-server", "vllm-r1") if any(n.startswith(d + "-") for n in names)]
        specs_up = [d for d in ("vllm-server", "vllm-r1")
                    if ((store.get("deployments", "ml", d) or {}).get("spec") or {}).get("replicas")]
        if len(pods_up) > 1 or len(specs_up) > 1:
            self.violations.append((pods_up, specs_up))


def _ready_pods(lab, deployment: str) -> int:
    pods, _ = lab.call(lambda: lab.store.list("pods", "ml"))
    return sum(1 for p in pods if p["metadata"]["name"].startswith(deployment + "-")
               and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", [])))


def _switch(ctx: ActionContext, mode: str, progress=None):
    action = registry.get("gpu-mode")
    return action.execute(ctx, action.plan(ctx, gpu_target(ctx.settings), mode=mode), progress=progress)


def test_switches_in_order_and_never_both_up(lab, ctx):
    with BothUpMonitor(lab) as monitor:
        lines: list[str] = []
        outcome = _switch(ctx, "r1", lines.append)
        assert outcome.ok, outcome.message
        assert _ready_pods(lab, "vllm-r1") == 1 and _ready_pods(lab, "vllm-server") == 0
        gone = next(i for i, line in enumerate(lines) if "the GPU is free" in line)
        assert gone < next(i for i, line in enumerate(lines) if "scaling ml/vllm-r1 to 1" in line)
        assert _switch(ctx, "gaming").ok
        assert _ready_pods(lab, "vllm-r1") == 0
        assert _switch(ctx, "ml").ok
        assert _ready_pods(lab, "vllm-server") == 1
    assert monitor.changes > 10 and monitor.violations == []
    assert [(e["action"], e["outcome"], e["details"]["to"]) for e in ctx.audit.read()] == [
        ("gpu-mode", "ok", "r1"), ("gpu-mode", "ok", "gaming"), ("gpu-mode", "ok", "ml")]
    assert pending_switch(ctx.api, ctx.settings) is None


class GetCounter:
    def __init__(self, api) -> None:
        self._api, self.paths = api, []

    def __getattr__(self, name):
        return getattr(self._api, name)

    def get(self, path, **kw):
        self.paths.append(path)
        return self._api.get(path, **kw)


def test_only_the_checks_before_a_switch_list_every_pod(ctx):
    ctx.api = GetCounter(ctx.api)
    assert _switch(ctx, "r1").ok
    assert ctx.api.paths.count("/api/v1/pods") == 2  # the plan's pre-flight and execute's own
    assert ctx.api.paths.count("/api/v1/namespaces/ml/pods") > 2  # every poll while waiting


def test_the_monitor_sees_both_up(lab):
    def up(dep: dict) -> None:
        dep["spec"]["replicas"] = 1
    with BothUpMonitor(lab) as monitor:
        lab.call(lambda: lab.store.mutate("deployments", "ml", "vllm-r1", up))
    assert monitor.violations


def test_already_in_the_mode_is_a_noop_plan(ctx):
    plan = registry.get("gpu-mode").plan(ctx, gpu_target(ctx.settings), mode="ml")
    assert plan.noop and plan.title == "GPU mode is already ml"


def test_target_never_ready_offers_a_rollback_that_restores_the_previous_mode(lab, ctx):
    def crash(dep: dict) -> None:
        dep["metadata"].setdefault("annotations", {})[CRASHLOOP] = "true"
    lab.call(lambda: lab.store.mutate("deployments", "ml", "vllm-r1", crash))
    with BothUpMonitor(lab) as monitor:
        failed = _switch(ctx, "r1")
        assert not failed.ok and failed.status == "failed"
        assert "CrashLoopBackOff" in failed.message and "recorded as half-done" in failed.message
        pending = pending_switch(ctx.api, ctx.settings)
        assert pending is not None and (pending.from_mode, pending.to_mode) == ("ml", "r1")
        assert pending.replicas == {"vllm-server": 1, "vllm-r1": 0}
        with pytest.raises(RefusedError, match="finish it .*or roll it back"):
            registry.get("gpu-mode").plan(ctx, gpu_target(ctx.settings), mode="gaming")
        rollback = next(f for f in failed.follow_ups if f.key == "rollback")
        assert rollback.params == {"mode": "ml"}
        action = registry.get(rollback.action)
        plan = action.plan(ctx, rollback.target, **rollback.params)
        assert any("rolls it back" in w for w in plan.warnings)
        result = action.execute(ctx, plan)
        assert result.ok, result.message
    assert _ready_pods(lab, "vllm-server") == 1 and _ready_pods(lab, "vllm-r1") == 0
    assert monitor.violations == []
    assert pending_switch(ctx.api, ctx.settings) is None
    assert [e["outcome"] for e in ctx.audit.read()] == ["failed", "refused", "ok"]  # the refused plan (gaming) too


def test_a_timeout_is_reported_with_a_rollback_offer(lab, ctx):
    ctx.settings = _settings(timeout=0.01)
    outcome = _switch(ctx, "r1")
    assert not outcome.ok and "timed out" in outcome.message
    assert {f.key for f in outcome.follow_ups} == {"rollback", "retry"}
    ctx.settings = _settings()
    action = registry.get("gpu-mode")
    offer = next(f for f in outcome.follow_ups if f.key == "rollback")
    assert action.execute(ctx, action.plan(ctx, offer.target, **offer.params)).ok
    assert _ready_pods(lab, "vllm-server") == 1


class NeverReady(StoreHook):
    """Keeps the pods of one deployment Running but never Ready, as a vLLM that never finishes loading.

    It runs under the store's lock on every change, so a client never reads such a pod as Ready.
    """

    def __init__(self, lab, deployment: str) -> None:
        super().__init__(lab)
        self.prefix = deployment + "-"

    def on_change(self, key: str, event: str, pod: dict) -> None:
        md = pod["metadata"]
        if key != "pods" or event == "DELETED" or not md["name"].startswith(self.prefix) or md.get("deletionTimestamp"):
            return
        if any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])):
            self.lab.store.mutate("pods", md["namespace"], md["name"], lambda p: set_pod_state(
                p, STARTING, dt.datetime.now(dt.timezone.utc)))


def test_a_target_running_but_never_ready_times_out_and_is_rolled_back(lab, ctx):
    ctx.settings = _settings(timeout=3)  # long enough for the old pods to stop, not for the target to be Ready
    lines: list[str] = []
    with BothUpMonitor(lab) as monitor, NeverReady(lab, "vllm-r1"):
        failed = _switch(ctx, "r1", lines.append)
        assert not failed.ok and failed.status == "failed"
        assert "timed out after 3 s waiting for ml/vllm-r1 to become Ready" in failed.message
        assert "Running, not ready" in failed.message and "recorded as half-done" in failed.message
        assert "scaling ml/vllm-r1 to 1" in lines  # the target was up: the wait for Ready is what timed out
        assert pending_switch(ctx.api, ctx.settings).to_mode == "r1"
        rollback = next(f for f in failed.follow_ups if f.key == "rollback")
        action = registry.get(rollback.action)
        result = action.execute(ctx, action.plan(ctx, rollback.target, **rollback.params))
        assert result.ok, result.message
    assert monitor.violations == [] and _ready_pods(lab, "vllm-server") == 1
    pods, _ = lab.call(lambda: lab.store.list("pods", "ml"))
    assert not [p for p in pods if p["metadata"]["name"].startswith("vllm-r1-")]
    assert pending_switch(ctx.api, ctx.settings) is None
    assert [e["outcome"] for e in ctx.audit.read()] == ["failed", "ok"]


def test_cancel_leaves_a_recorded_half_done_switch_that_can_be_finished(lab, ctx):
    cancel = threading.Event()
    action = registry.get("gpu-mode")
    plan = action.plan(ctx, gpu_target(ctx.settings), mode="r1")

    def progress(line: str) -> None:
        if "scaling ml/vllm-server to 0" in line:
            cancel.set()
    outcome = action.execute(ctx, plan, progress=progress, cancel=cancel)
    assert outcome.status == "cancelled"
    assert pending_switch(ctx.api, ctx.settings).to_mode == "r1"
    finish = action.plan(ctx, gpu_target(ctx.settings), mode="r1")
    assert any("this finishes it" in w for w in finish.warnings)
    assert action.execute(ctx, finish).ok
    assert pending_switch(ctx.api, ctx.settings) is None and _ready_pods(lab, "vllm-r1") == 1


def test_a_killed_switch_never_leaves_both_up_and_is_shown_on_the_next_start(lab, ctx, tmp_path):
    script = ("import argparse, sys\n"
              "from homelab_tui.cli_gpu import run_gpu_mode\n"
              "from homelab_tui.config import Settings\n"
              "args = argparse.Namespace(kubeconfig=sys.argv[1], context=None, demo=False, read_only=False,\n"
              "                          mode='r1', yes=True, no_wait=False)\n"
              "sys.exit(run_gpu_mode(args, Settings(), poll=0.05))\n")
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": root}
    with BothUpMonitor(lab) as monitor:
        proc = subprocess.Popen([sys.executable, "-c", script, str(lab.kubeconfig_path)], stderr=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, text=True, env=env)
        try:
            for line in proc.stderr:  # bounded: the child exits when the switch ends
                if "scaling ml/vllm-server to 0" in line:
                    proc.send_signal(signal.SIGKILL)
                    break
        finally:
            proc.kill()
            proc.wait(30)
        pending = pending_switch(ctx.api, ctx.settings)
        assert pending is not None and (pending.from_mode, pending.to_mode) == ("ml", "r1")
        back = registry.get("gpu-mode").plan(ctx, gpu_target(ctx.settings), mode="ml")
        assert registry.get("gpu-mode").execute(ctx, back).ok
    assert monitor.violations == []
    assert pending_switch(ctx.api, ctx.settings) is None and _ready_pods(lab, "vllm-server") == 1


def test_preflight_refuses_a_foreign_gpu_pod_and_a_not_ready_node(lab, ctx):
    pods, _ = lab.call(lambda: lab.store.list("pods", "ml"))
    gpu_pod = next(p for p in pods if p["metadata"]["name"].startswith("vllm-server-"))
    foreign = {**gpu_pod, "metadata": {"name": "comfyui-0", "namespace": "apps", "labels": {"app": "comfyui"}}}
    lab.call(lambda: lab.store.put("pods", foreign))
    with pytest.raises(RefusedError, match="another pod holds nvidia.com/gpu .*apps/comfyui-0"):
        registry.get("gpu-mode").plan(ctx, gpu_target(ctx.settings), mode="r1")
    lab.call(lambda: lab.store.delete("pods", "apps", "comfyui-0"))

    def not_ready(node: dict) -> None:
        for cond in node["status"]["conditions"]:
            if cond["type"] == "Ready":
                cond["status"] = "False"
    lab.call(lambda: lab.store.mutate("nodes", None, "k3s-gpu-worker", not_ready))
    with pytest.raises(RefusedError, match="k3s-gpu-worker is not Ready"):
        registry.get("gpu-mode").plan(ctx, gpu_target(ctx.settings), mode="r1")
    plan = registry.get("gpu-mode").plan(ctx, gpu_target(ctx.settings), mode="gaming")
    assert any("not Ready" in w for w in plan.warnings)


def test_api_down_mid_switch_is_reported_and_rolled_back_later(lab, ctx):
    action = registry.get("gpu-mode")
    plan = action.plan(ctx, gpu_target(ctx.settings), mode="r1")

    def progress(line: str) -> None:
        if line == "the GPU is free":
            lab.set_down("kubernetes")
    with BothUpMonitor(lab) as monitor:
        outcome = action.execute(ctx, plan, progress=progress)
        assert not outcome.ok and "recorded as half-done" in outcome.message
        assert "connection refused" in outcome.message
        assert {f.key for f in outcome.follow_ups} == {"rollback", "retry"}
        lab.set_down("kubernetes", False)
        offer = next(f for f in outcome.follow_ups if f.key == "rollback")
        assert action.execute(ctx, action.plan(ctx, offer.target, **offer.params)).ok
    assert monitor.violations == [] and _ready_pods(lab, "vllm-server") == 1
