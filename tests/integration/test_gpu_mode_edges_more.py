"""GPU-mode switch edges against the simulated home-lab over HTTP: finished pods, the Ollama fallback, rollbacks."""

from __future__ import annotations

import dataclasses
import time

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, RefusedError
from homelab_tui.actions.gpu_mode import gpu_target, pending_switch, read_gpu, resume_offers, status_lines
from homelab_tui.config import Backend, Settings
from homelab_tui.sources.kube_client import KubeApi
from tests.conftest import wait_until
from tests.integration.lab_actions import lab_context


CRASHLOOP = "demo.homelab-tui/crashloop"
PAID = ("GPU mode {mode} stops ml/vllm-server and the fallback ollama-qwen (ml/ollama {state}) is not up: "
        "requests to vllm-qwen will go to openai-gpt4o (paid)")


def _settings(timeout: float = 20.0, **inference: object) -> Settings:
    s = Settings()
    return dataclasses.replace(s, gpu=dataclasses.replace(s.gpu, switch_timeout=timeout),
                               inference=dataclasses.replace(s.inference, **inference))


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, _settings())


def _plan(ctx: ActionContext, mode: str):
    return registry.get("gpu-mode").plan(ctx, gpu_target(ctx.settings), mode=mode)


def _switch(ctx: ActionContext, mode: str, progress=None):
    return registry.get("gpu-mode").execute(ctx, _plan(ctx, mode), progress=progress)


def _replicas(lab, name: str) -> int:
    return lab.call(lambda: lab.store.get("deployments", "ml", name))["spec"]["replicas"]


def _mark(lab, name: str, crash: bool) -> None:
    def edit(dep: dict) -> None:
        annotations = dep["metadata"].setdefault("annotations", {})
        if crash:
            annotations[CRASHLOOP] = "true"
        else:
            annotations.pop(CRASHLOOP, None)
    lab.call(lambda: lab.store.mutate("deployments", "ml", name, edit))


# ---------------------------------------------------------------- an evicted or completed vLLM pod


def _finished_pod(api: KubeApi, phase: str, reason: str) -> str:
    """A pod of an older vllm-server ReplicaSet, left in ``phase`` (as k3s keeps an evicted pod until pod GC)."""
    pods = api.get("/api/v1/namespaces/ml/pods")["items"]
    live = next(p for p in pods if p["metadata"]["name"].startswith("vllm-server-"))
    name = f"vllm-server-5f7c9d8b4-{phase.lower()[:5]}"
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "vllm-server-5f7c9d8b4",
             "uid": "0b3c2f6e-old-replicaset", "controller": True}
    body = {"apiVersion": "v1", "kind": "Pod", "spec": live["spec"],
            "metadata": {"name": name, "labels": live["metadata"]["labels"], "ownerReferences": [owner]}}
    api.request("POST", "/api/v1/namespaces/ml/pods", body=body, content_type="application/json")
    api.patch(f"/api/v1/namespaces/ml/pods/{name}/status", {"status": {"phase": phase, "reason": reason}})
    return name


@pytest.mark.parametrize("phase,reason", [("Failed", "Evicted"), ("Succeeded", "Completed")])
def test_an_evicted_or_completed_vllm_pod_does_not_block_a_switch(lab, ctx, phase, reason):
    name = _finished_pod(ctx.api, phase, reason)
    ctx.settings = _settings(timeout=10)  # without the fix the wait for the old pods to stop runs out
    outcome = _switch(ctx, "r1")
    assert outcome.ok, outcome.message
    assert _replicas(lab, "vllm-server") == 0 and _replicas(lab, "vllm-r1") == 1
    assert pending_switch(ctx.api, ctx.settings) is None
    pod = ctx.api.get(f"/api/v1/namespaces/ml/pods/{name}")  # left alone: pod GC's business
    assert pod["status"]["phase"] == phase
    assert "vllm-server" not in {n for n, pods in read_gpu(ctx.api, ctx.settings, time.time()).pods.items() if pods}
    assert _switch(ctx, "ml").ok  # and back, with the finished pod still there


# ---------------------------------------------------------------- the Ollama fallback


def _ollama_to(lab, replicas: int) -> None:
    def scale(dep: dict) -> None:
        dep["spec"]["replicas"] = replicas
    lab.call(lambda: lab.store.mutate("deployments", "ml", "ollama", scale))
    wait_until(lambda: lab.call(lambda: lab.store.get("deployments", "ml", "ollama"))["status"].get(
        "readyReplicas", 0) == replicas, message=f"ml/ollama at {replicas} ready")


def test_stopping_vllm_qwen_with_ollama_down_warns_of_the_paid_tier(lab, ctx):
    for mode in ("gaming", "r1"):
        assert not [w for w in _plan(ctx, mode).warnings if "requests to vllm-qwen" in w]  # Ollama is up
    _ollama_to(lab, 0)
    for mode in ("gaming", "r1"):
        plan = _plan(ctx, mode)
        assert PAID.format(mode=mode, state="0/0 ready") in plan.warnings, plan.warnings
    assert not _plan(ctx, "ml").warnings  # ml keeps vllm-qwen's own deployment: a no-op, no warning
    lab.call(lambda: lab.store.delete("deployments", "ml", "ollama"))
    assert PAID.format(mode="gaming", state="missing") in _plan(ctx, "gaming").warnings


def test_the_fallback_warning_takes_its_names_from_the_settings(ctx):
    ctx.settings = _settings(backends=(Backend("vllm-qwen", "ml", "vllm-server"), Backend("vllm-r1", "ml", "vllm-r1"),
                                       Backend("ollama-qwen", "ml", "ollama-cpu"),
                                       Backend("openai-gpt4o", "", "", paid=True)))
    plan = _plan(ctx, "gaming")
    assert ("GPU mode gaming stops ml/vllm-server and the fallback ollama-qwen (ml/ollama-cpu missing) is not up: "
            "requests to vllm-qwen will go to openai-gpt4o (paid)") in plan.warnings
    assert any("(paid)" in line for line in plan.summary())
    ctx.settings = _settings(chain=("vllm-qwen", "ollama-qwen"), backends=ctx.settings.inference.backends)
    assert ("GPU mode gaming stops ml/vllm-server and the fallback ollama-qwen (ml/ollama-cpu missing) is not up: "
            "requests to vllm-qwen will fail (no tier of inference.chain is up)") in _plan(ctx, "gaming").warnings
    ctx.settings = _settings(chain=("vllm-r1", "ollama-qwen"), backends=ctx.settings.inference.backends)
    assert not [w for w in _plan(ctx, "gaming").warnings if "requests to" in w]  # vllm-r1 is at 0 already


# ---------------------------------------------------------------- a rollback that fails too


def test_a_failed_rollback_keeps_the_switch_it_undoes(lab, ctx):
    _mark(lab, "vllm-r1", crash=True)
    failed = _switch(ctx, "r1")
    assert not failed.ok and "CrashLoopBackOff" in failed.message
    first = pending_switch(ctx.api, ctx.settings)
    assert (first.from_mode, first.to_mode, dict(first.replicas)) == ("ml", "r1", {"vllm-server": 1, "vllm-r1": 0})
    _mark(lab, "vllm-server", crash=True)  # the rollback fails as well
    back = _plan(ctx, "ml")
    assert back.details["rollback_of"] == {"from": "ml", "to": "r1", "started": first.started}
    again = registry.get("gpu-mode").execute(ctx, back)
    assert not again.ok
    assert again.message.startswith(f"rollback to ml of the switch ml → r1 of {first.started} failed: ")
    record = pending_switch(ctx.api, ctx.settings)
    assert (record.from_mode, record.to_mode, dict(record.replicas)) == ("ml", "ml", dict(first.replicas))
    assert dict(record.rollback_of) == {"from": "ml", "to": "r1", "started": first.started}
    assert record.token != first.token
    assert [(f.key, f.label) for f in resume_offers(record, ctx.settings)] == [("retry", "Finish rolling back to ml")]
    lines = status_lines(read_gpu(ctx.api, ctx.settings, time.time()), ctx.settings)
    assert lines[0] == "GPU mode: transition"
    assert lines[-1] == "  ⚠ the rollback is not finished: finish it with `gpu-mode ml`"
    with pytest.raises(RefusedError, match=r"is not finished: finish it \(gpu-mode ml\) first$"):
        _plan(ctx, "gaming")
    _mark(lab, "vllm-server", crash=False)
    for pod in lab.call(lambda: lab.store.list("pods", "ml"))[0]:  # the crashing pod replaced, as after a fix
        if pod["metadata"]["name"].startswith("vllm-server-"):
            lab.call(lambda n=pod["metadata"]["name"]: lab.store.delete("pods", "ml", n))
    finish = _plan(ctx, "ml")
    assert finish.title == f"Finish the GPU rollback to ml of the switch ml → r1 of {first.started}"
    assert registry.get("gpu-mode").execute(ctx, finish).ok
    assert _replicas(lab, "vllm-server") == 1 and pending_switch(ctx.api, ctx.settings) is None
    audit = [e for e in ctx.audit.read() if e["outcome"] != "refused"]
    assert [(e["outcome"], e["details"].get("rollback_of")) for e in audit] == [
        ("failed", None), ("failed", back.details["rollback_of"]), ("ok", back.details["rollback_of"])]


# ---------------------------------------------------------------- resolving a conflict


def test_resolving_a_conflict_records_and_audits_it_as_from_conflict(lab, ctx):
    def up(dep: dict) -> None:
        dep["spec"]["replicas"] = 1
    lab.call(lambda: lab.store.mutate("deployments", "ml", "vllm-r1", up))
    lines: list[str] = []
    assert _switch(ctx, "r1", lines.append).ok
    assert "recorded the switch conflict → r1 on the deployments" in lines
    (entry,) = ctx.audit.read()
    assert (entry["outcome"], entry["details"]["from"], entry["details"]["to"]) == ("ok", "conflict", "r1")
