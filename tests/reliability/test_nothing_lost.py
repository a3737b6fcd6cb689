"""Issue 6, nothing lost — what tests/integration/test_actions_*.py do not already cover: a secret
patch meeting API faults (500s on secrets, the API server going down) changes nothing and says so in
one line; the secret read back afterwards is byte-for-byte what it was. (A killed GPU switch:
test_killed_gpu_switch.py.)
"""

from __future__ import annotations

import base64
import time

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionError, Target, make_context
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.config import Settings
from homelab_tui.sources.kube_client import KubeTarget, load_kube_api

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
