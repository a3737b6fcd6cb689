"""Two GPU switches at once (two dashboards, or a dashboard and the CLI) against the simulated home-lab:
exactly one proceeds, and the two vLLM deployments are never up together."""

from __future__ import annotations

import io
import threading
from typing import Any

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, Outcome, make_context
from homelab_tui.actions.gpu_mode import gpu_target, pending_switch
from homelab_tui.model.gpu_switch import ANNOTATION
from homelab_tui.cli_gpu import EXIT_REFUSED, run_gpu_mode
from homelab_tui.config import Settings
from homelab_tui.sources.kube_client import KubeTarget, load_kube_api
from tests.integration.test_actions_gpu_mode import BothUpMonitor, _ready_pods, _settings
from tests.integration.test_cli_gpu_mode import _parse
from tests.integration.lab_actions import StoreHook


class Dashboard:
    """One more client of the lab (as a second dashboard would be) that records what it sends.

    With a ``barrier``, its first write of a switch record waits for the other dashboard's, so both
    send their record conditioned on the same resourceVersion.
    """

    def __init__(self, lab, tmp_path, name: str, barrier: threading.Barrier | None = None) -> None:
        self._api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 5)
        self.ctx: ActionContext = make_context(self, _settings(), read_only=False, poll=0.05,
                                               audit_path=str(tmp_path / f"{name}.jsonl"))
        self.sent: list[tuple[str, Any]] = []
        self.barrier, self.outcome = barrier, None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def patch(self, path: str, body: Any, content_type: str = "application/merge-patch+json", **kw: Any) -> Any:
        self.sent.append((path, body))
        if self.barrier is not None and ANNOTATION in str(body):
            barrier, self.barrier = self.barrier, None
            barrier.wait(10)
        return self._api.patch(path, body, content_type, **kw)

    def scales(self) -> list[tuple[str, int]]:
        return [(path.split("/")[-2], body["spec"]["replicas"]) for path, body in self.sent if path.endswith("/scale")]

    def switch(self, mode: str, progress=None) -> Outcome:
        action = registry.get("gpu-mode")
        self.outcome = action.execute(self.ctx, action.plan(self.ctx, gpu_target(self.ctx.settings), mode=mode),
                                      progress=progress)
        return self.outcome


def test_two_switches_started_at_once_exactly_one_proceeds(lab, tmp_path):
    first = Dashboard(lab, tmp_path, "setup")
    assert first.switch("gaming").ok  # the GPU is free: each switch below wants to scale its own vLLM up
    barrier = threading.Barrier(2)
    a, b = Dashboard(lab, tmp_path, "a", barrier), Dashboard(lab, tmp_path, "b", barrier)
    action = registry.get("gpu-mode")
    plans = {a: action.plan(a.ctx, gpu_target(a.ctx.settings), mode="ml"),
             b: action.plan(b.ctx, gpu_target(b.ctx.settings), mode="r1")}

    def run(d: Dashboard) -> None:
        d.outcome = action.execute(d.ctx, plans[d])
    with BothUpMonitor(lab) as monitor:
        threads = [threading.Thread(target=run, args=(d,)) for d in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert monitor.violations == [] and monitor.changes > 0
    winner, loser = (a, b) if a.outcome.ok else (b, a)
    assert winner.outcome.ok and not loser.outcome.ok, (a.outcome, b.outcome)
    assert loser.outcome.status == "conflict" and "another GPU switch started" in loser.outcome.message
    assert "nothing changed" in loser.outcome.message and loser.outcome.follow_ups == ()
    assert loser.scales() == [] and loser.outcome.details["changed"] is False
    up = "vllm-server" if winner is a else "vllm-r1"
    assert winner.scales() == [(up, 1)]
    assert _ready_pods(lab, up) == 1 and pending_switch(first.ctx.api, first.ctx.settings) is None
    assert [e["outcome"] for e in loser.ctx.audit.read()] == ["conflict"]


def test_a_rollback_started_during_a_switch_stops_one_of_them(lab, tmp_path):
    a, b = Dashboard(lab, tmp_path, "a"), Dashboard(lab, tmp_path, "b")
    recorded = threading.Event()

    def progress(line: str) -> None:
        if line.startswith("recorded the switch"):
            recorded.set()
    with BothUpMonitor(lab) as monitor:
        switch = threading.Thread(target=a.switch, args=("r1", progress))
        switch.start()
        assert recorded.wait(30)
        b.switch("ml")  # a second dashboard sees the switch as half-done and rolls it back, meanwhile
        switch.join(60)
    assert monitor.violations == []
    assert sorted([a.outcome.ok, b.outcome.ok]) == [False, True], (a.outcome, b.outcome)
    winner, loser = (a, b) if a.outcome.ok else (b, a)
    assert loser.outcome.status == "conflict" and loser.outcome.follow_ups == ()
    if loser is a:
        assert a.outcome.message.startswith("switch ml → r1 stopped: ") and "another GPU switch" in a.outcome.message
        assert "no longer owns the GPU deployments" in a.outcome.message
        assert a.outcome.details["changed"] is True
    mode_up = "vllm-r1" if winner is a else "vllm-server"
    other = "vllm-server" if winner is a else "vllm-r1"
    assert _ready_pods(lab, mode_up) == 1 and _ready_pods(lab, other) == 0
    assert pending_switch(a.ctx.api, a.ctx.settings) is None


def test_the_cli_refuses_when_a_dashboard_switch_started_during_its_prompt(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    dashboard = Dashboard(lab, tmp_path, "dashboard")
    recorded, threads = threading.Event(), []

    def progress(line: str) -> None:
        if line.startswith("recorded the switch"):
            recorded.set()

    def ask(_question: str) -> bool:  # while the user reads the plan, a dashboard starts a switch
        threads.append(threading.Thread(target=dashboard.switch, args=("gaming", progress)))
        threads[0].start()
        assert recorded.wait(30)
        return True
    out, err = io.StringIO(), io.StringIO()
    args = _parse("--kubeconfig", str(lab.kubeconfig_path), "gpu-mode", "r1")
    with BothUpMonitor(lab) as monitor:
        code = run_gpu_mode(args, Settings(), ask=ask, out=out, err=err, poll=0.05)
        threads[0].join(60)
    assert code == EXIT_REFUSED, err.getvalue()
    assert "another GPU switch started (ml → gaming" in err.getvalue() and "nothing changed" in err.getvalue()
    assert dashboard.outcome.ok and monitor.violations == []
    assert _ready_pods(lab, "vllm-server") == 0 and _ready_pods(lab, "vllm-r1") == 0


class ScaledBackUp(StoreHook):
    """Someone else (Flux, kubectl) scales ``deployment`` back to 1 the moment a switch scales it to 0; once."""

    def __init__(self, lab, deployment: str) -> None:
        super().__init__(lab)
        self.deployment, self.done = deployment, False

    def on_change(self, key: str, _event: str, dep: dict) -> None:
        if self.done or key != "deployments" or dep["metadata"]["name"] != self.deployment or dep["spec"]["replicas"]:
            return
        self.done = True  # before the write: the write calls this again
        self.lab.store.mutate("deployments", "ml", self.deployment, lambda d: d["spec"].__setitem__("replicas", 1))


def test_the_old_mode_scaled_up_by_someone_else_while_waiting_stops_the_switch(lab, tmp_path):
    dashboard = Dashboard(lab, tmp_path, "dashboard")
    with ScaledBackUp(lab, "vllm-server") as someone:
        outcome = dashboard.switch("r1")
    assert someone.done and not outcome.ok and outcome.status == "failed"
    assert "ml/vllm-server was scaled up by someone else during the switch" in outcome.message
    assert "recorded as half-done" in outcome.message and {f.key for f in outcome.follow_ups} == {"rollback", "retry"}
    assert dashboard.scales() == [("vllm-server", 0)]  # vllm-r1 never scaled up: never two vLLMs on the GPU
    assert _ready_pods(lab, "vllm-server") == 1 and _ready_pods(lab, "vllm-r1") == 0
