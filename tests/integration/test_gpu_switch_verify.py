"""The end of a GPU switch against the simulated home-lab: the wait for the target and the read-back after it.

Each test changes the lab's store at the moment a progress line says how far the switch got: the
callback runs in the switch's own thread, so the change lands before its next request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from typing import Callable

import pytest

from homelab_tui.actions.base import ActionContext
from homelab_tui.actions.gpu_mode import pending_switch
from homelab_tui.demo.podgen import STARTING, make_pod, set_pod_state
from tests.integration.test_actions_gpu_mode import NeverReady, _ready_pods, _settings, _switch
from tests.integration.lab_actions import lab_context


DONE = "vllm-r1: 1/1 ready"  # the wait's last line: the target has exactly its one pod, Ready


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, _settings())


def _at(line: str, then: Callable[[], None], lines: list[str]) -> Callable[[str], None]:
    """A progress callback that records every line and runs ``then`` once, on ``line``."""
    def progress(seen: str) -> None:
        lines.append(seen)
        if seen == line and lines.count(line) == 1:
            then()
    return progress


def _assert_verify_failed(ctx: ActionContext, outcome, fragment: str) -> None:
    assert outcome.status == "verify-failed" and not outcome.ok, outcome.message
    assert outcome.message.startswith("switch ml → r1 failed: read back: ") and fragment in outcome.message
    assert "recorded as half-done" in outcome.message
    assert pending_switch(ctx.api, ctx.settings).to_mode == "r1"  # the record stays: rollback or retry
    assert {f.key for f in outcome.follow_ups} == {"rollback", "retry"}
    assert [e["outcome"] for e in ctx.audit.read()] == ["verify-failed"]


def test_the_old_mode_scaled_up_again_before_the_read_back_is_a_failed_verify(lab, ctx):
    def old_mode_back() -> None:  # e.g. Flux re-applying the old replicas just as the wait ends
        lab.call(lambda: lab.store.mutate("deployments", "ml", "vllm-server",
                                          lambda d: d["spec"].__setitem__("replicas", 1)))
    lines: list[str] = []
    outcome = _switch(ctx, "r1", _at(DONE, old_mode_back, lines))
    assert DONE in lines
    _assert_verify_failed(ctx, outcome, "up are ['vllm-server', 'vllm-r1'], expected ['vllm-r1']")


def test_the_target_losing_readiness_before_the_read_back_is_a_failed_verify(lab, ctx):
    held = contextlib.ExitStack()

    def readiness_lost() -> None:  # the readiness probe fails right after the wait saw the pod Ready, and stays failed
        held.enter_context(NeverReady(lab, "vllm-r1"))
        pods, _ = lab.call(lambda: lab.store.list("pods", "ml"))
        (pod,) = [p for p in pods if p["metadata"]["name"].startswith("vllm-r1-")]
        lab.call(lambda: lab.store.mutate("pods", "ml", pod["metadata"]["name"], lambda p: set_pod_state(
            p, STARTING, dt.datetime.now(dt.timezone.utc))))
    lines: list[str] = []
    with held:
        outcome = _switch(ctx, "r1", _at(DONE, readiness_lost, lines))
        assert DONE in lines and _ready_pods(lab, "vllm-r1") == 0
    _assert_verify_failed(ctx, outcome, "vllm-r1 has 0/1 pods ready")


def _leftover_pod(lab) -> str:
    """A Running, not Ready pod with vllm-r1's labels, of a ReplicaSet the deployment no longer has."""
    dep = lab.call(lambda: lab.store.get("deployments", "ml", "vllm-r1"))
    old_rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": "vllm-r1-5b4c8f9d7", "namespace": "ml", "uid": str(uuid.uuid4())}}
    pod = make_pod(old_rs, "vllm-r1-5b4c8f9d7-x2lqz", dep["spec"]["template"], "k3s-gpu-worker",
                   dt.datetime.now(dt.timezone.utc), STARTING)
    lab.call(lambda: lab.store.put("pods", pod))
    return pod["metadata"]["name"]


def test_the_wait_goes_on_while_the_target_has_more_pods_than_asked(lab, ctx):
    leftover: list[str] = []
    lines: list[str] = []
    with_leftover = DONE + " (Running, not ready)"  # the new pod is Ready, the leftover one is still there

    def progress(seen: str) -> None:
        lines.append(seen)
        if seen == "scaling ml/vllm-r1 to 1":
            leftover.append(_leftover_pod(lab))
        elif seen == with_leftover:
            lab.call(lambda: lab.store.delete("pods", "ml", leftover[0]))
    outcome = _switch(ctx, "r1", progress)
    assert outcome.ok, outcome.message
    # 1 of 1 Ready did not end the wait while a second pod was there; only the pod going away did
    assert DONE in lines[lines.index(with_leftover) + 1:]
    assert _ready_pods(lab, "vllm-r1") == 1
