"""Read-only mode blocks every registered action at the action layer, with real plans against the lab."""

from __future__ import annotations

import dataclasses

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ReadOnlyError, Target, make_context
from homelab_tui.actions.gpu_mode import gpu_target
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.config import Settings
from homelab_tui.sources.kube_client import KubeTarget, load_kube_api

#: a real target and parameters per action; the first test fails when an action is added without one
CASES = {
    "gpu-mode": (gpu_target(Settings()), {"mode": "r1"}),
    "restart": (Target("Deployment", "apps", "n8n"), {}),
    "scale": (Target("Deployment", "apps", "n8n"), {"replicas": 2}),
    "secret-patch": (Target("Secret", "ml", "litellm-secrets"), {"key": "K", "value": SecretValue("v")}),
    "cert-renew": (Target("Certificate", "apps", "n8n-tls"), {}),
    "cordon": (Target("Node", "", "k3s-worker-01"), {}),
}


def _writes(lab) -> int:
    return sum(n for k, n in lab.faults["kubernetes"].requests.items() if not k.startswith("GET"))


def test_every_action_has_a_case():
    assert set(CASES) == {a.id for a in registry.all_actions()}


@pytest.mark.parametrize("action", registry.all_actions(), ids=lambda a: a.id)
def test_read_only_refuses_a_real_plan(lab, tmp_path, action):
    api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 5)
    writable = make_context(api, Settings(), read_only=False, audit_path=str(tmp_path / "audit.jsonl"))
    read_only = dataclasses.replace(writable, read_only=True)
    target, params = CASES[action.id]
    plan = action.plan(writable, target, **params)
    assert plan.changes
    writes = _writes(lab)
    with pytest.raises(ReadOnlyError):
        action.plan(read_only, target, **params)
    with pytest.raises(ReadOnlyError):
        action.execute(read_only, plan)
    assert _writes(lab) == writes
    assert [(e["outcome"], e["details"]["stage"]) for e in writable.audit.read()] == [
        ("refused", "plan"), ("refused", "execute")]  # both refusals audited, nothing sent
