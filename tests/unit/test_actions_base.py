"""The action contract: the read-only gate for every registered action, final plan/execute, audit, progress."""

from __future__ import annotations

import threading

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.audit import AuditLog
from homelab_tui.actions.base import (Action, ActionContext, ActionError, Input, Outcome, Plan, ReadOnlyError,
                                      RefusedError, Target)
from homelab_tui.config import Settings
from homelab_tui.sources.kube_client import KubeError

NOW = 1_800_000_000.0


class NoApi:
    """Fails the test on any request: a refused action must not touch the cluster."""

    context = "homelab-demo"

    def __getattr__(self, name):
        def call(*args, **kwargs):
            raise AssertionError(f"the API was called ({name}) although the action must be refused")
        return call


def _ctx(tmp_path, read_only: bool, api=None) -> ActionContext:
    return ActionContext(api=api or NoApi(), settings=Settings(), read_only=read_only,
                         audit=AuditLog(tmp_path / "audit.jsonl"), user="tom", clock=lambda: NOW)


#: one sample target and parameters per registered action: a new action must be added here (and so be gated)
SAMPLES = {
    "gpu-mode": (Target("GpuMode", "ml", "k3s-gpu-worker"), {"mode": "r1"}),
    "restart": (Target("Deployment", "apps", "n8n"), {}),
    "scale": (Target("Deployment", "apps", "n8n"), {"replicas": 2}),
    "secret-patch": (Target("Secret", "ml", "litellm-secrets"), {"key": "K", "value": "v"}),
    "cert-renew": (Target("Certificate", "apps", "n8n-tls"), {}),
    "cordon": (Target("Node", "", "k3s-worker-01"), {}),
}


def test_every_registered_action_has_a_sample():
    assert set(SAMPLES) == {a.id for a in registry.all_actions()}


@pytest.mark.parametrize("action", registry.all_actions(), ids=lambda a: a.id)
def test_read_only_refuses_plan_and_execute_before_any_request(tmp_path, action):
    target, params = SAMPLES[action.id]
    ctx = _ctx(tmp_path, read_only=True)
    with pytest.raises(ReadOnlyError, match="read-only"):
        action.plan(ctx, target, **params)
    with pytest.raises(ReadOnlyError, match="read-only"):
        action.execute(ctx, Plan(action.id, target, "t", ("change",)), progress=lambda _: None,
                       cancel=threading.Event())
    assert [(e["action"], e["outcome"], e["details"]["stage"]) for e in ctx.audit.read()] == [
        (action.id, "refused", "plan"), (action.id, "refused", "execute")]  # audited; the API never called


def test_an_action_cannot_override_the_gated_methods():
    with pytest.raises(TypeError, match="must not override plan"):
        class Sneaky(Action):  # noqa: F841 - defining it is the test
            id = "sneaky"

            def plan(self, ctx, target, **params):  # type: ignore[override]
                return None


def test_actions_for_a_kind():
    assert {a.id for a in registry.actions_for("Deployment")} == {"restart", "scale"}
    assert {a.id for a in registry.actions_for("StatefulSet")} == {"restart", "scale"}
    assert {a.id for a in registry.actions_for("DaemonSet")} == {"restart"}
    assert {a.id for a in registry.actions_for("Secret")} == {"secret-patch"}
    assert {a.id for a in registry.actions_for("Certificate")} == {"cert-renew"}
    assert {a.id for a in registry.actions_for("GpuMode")} == {"gpu-mode"}
    assert registry.actions_for("Pod") == ()


class Boom(Action):
    id = "boom"
    label = "Boom"
    kinds = frozenset({"Thing"})

    def _plan(self, ctx, target, **params):
        if params.get("api_error"):
            raise KubeError(0, "Unreachable", "connection refused")
        return Plan(self.id, target, "Boom it", ("explode",), details={"size": 3})

    def _execute(self, ctx, plan, progress, cancel):
        progress("line one\nline two")
        if plan.details.get("fail"):
            raise ActionError("it broke")
        if plan.details.get("bug"):
            raise KeyError("planted-detail")
        return Outcome(True, "ok", "boomed", details={"after": 1})


def test_execute_audits_one_line_with_plan_and_outcome_details(tmp_path):
    ctx = _ctx(tmp_path, read_only=False)
    seen: list[str] = []
    plan = Boom().plan(ctx, Target("Thing", "ns", "t"))
    outcome = Boom().execute(ctx, plan, progress=seen.append)
    assert outcome.ok and seen == ["line one line two"]
    (line,) = ctx.audit.read()
    assert line["action"] == "boom" and line["target"] == "Thing ns/t" and line["outcome"] == "ok"
    assert line["user"] == "tom" and line["context"] == "homelab-demo"
    assert line["details"] == {"size": 3, "after": 1}


def test_a_failure_is_an_outcome_and_is_audited(tmp_path):
    ctx = _ctx(tmp_path, read_only=False)
    plan = Plan("boom", Target("Thing", "ns", "t"), "Boom", ("x",), details={"fail": True})

    def broken_progress(_: str) -> None:
        raise RuntimeError("UI gone")

    outcome = Boom().execute(ctx, plan, progress=broken_progress)
    assert not outcome.ok and outcome.status == "failed" and outcome.message == "it broke"
    assert [e["outcome"] for e in ctx.audit.read()] == ["failed"]


def test_a_bug_is_one_audited_line_without_the_exception_text(tmp_path):
    ctx = _ctx(tmp_path, read_only=False)
    plan = Plan("boom", Target("Thing", "ns", "t"), "Boom", ("x",), details={"bug": True})
    outcome = Boom().execute(ctx, plan)
    assert not outcome.ok and outcome.message == "Boom Thing ns/t: internal error (KeyError)"
    assert "planted-detail" not in ctx.audit.path.read_text()


def test_plan_errors_are_one_line_action_errors(tmp_path):
    ctx = _ctx(tmp_path, read_only=False)
    with pytest.raises(ActionError, match="connection refused"):
        Boom().plan(ctx, Target("Thing", "ns", "t"), api_error=True)
    with pytest.raises(RefusedError, match="does not apply"):
        Boom().plan(ctx, Target("Pod", "ns", "p"))


class Picky(Action):
    id = "picky"
    label = "Picky"
    kinds = frozenset({"Thing"})
    inputs = (Input("key", "Key"), Input("value", "Value", "secret"), Input("count", "Count", "int"))

    def _plan(self, ctx, target, **params):
        raise RefusedError("pre-flight failed: not today")


def test_a_refused_plan_is_audited_with_its_plain_inputs_only(tmp_path):
    ctx = _ctx(tmp_path, read_only=False)
    with pytest.raises(RefusedError, match="not today"):
        Picky().plan(ctx, Target("Thing", "ns", "t"), key="K", value="planted-value", count=2)
    (line,) = ctx.audit.read()
    assert (line["action"], line["target"], line["outcome"]) == ("picky", "Thing ns/t", "refused")
    assert line["message"] == "pre-flight failed: not today"
    assert line["details"] == {"stage": "plan", "key": "K", "count": 2}
    assert "planted-value" not in ctx.audit.path.read_text()


def test_an_unwritable_audit_log_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    ctx = _ctx(tmp_path, read_only=False)
    ctx.audit = AuditLog(blocker / "sub" / "audit.jsonl")
    outcome = Boom().execute(ctx, Boom().plan(ctx, Target("Thing", "ns", "t")))
    assert outcome.ok and outcome.audit_error and "not written" in outcome.audit_error


def test_an_unwritable_audit_log_never_hides_a_refusal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    unwritable = AuditLog(blocker / "sub" / "audit.jsonl")  # its directory cannot be made: OSError on append
    ctx = _ctx(tmp_path, read_only=False)
    ctx.audit = unwritable
    with pytest.raises(RefusedError, match="not today"):
        Picky().plan(ctx, Target("Thing", "ns", "t"), key="K", value="v", count=2)
    ctx = _ctx(tmp_path, read_only=True)
    ctx.audit = unwritable
    with pytest.raises(ReadOnlyError, match="read-only"):
        Boom().execute(ctx, Plan("boom", Target("Thing", "ns", "t"), "Boom", ("x",)))
