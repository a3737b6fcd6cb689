"""Secret patch on TLS secrets, and the audit lines of plans that are refused or fail, against the home-lab."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, ActionError, InputError, ReadOnlyError, RefusedError, Target
from homelab_tui.actions.secret_value import SecretValue

from homelab_tui.sources.kube_client import KubeError
from tests.integration.lab_actions import lab_context


PLANTED = 'planted-"S3cret"&<value>-é'
N8N_TLS = Target("Secret", "apps", "n8n-tls")


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, wait_timeout=20)


def _writes(lab) -> int:
    return sum(n for k, n in lab.faults["kubernetes"].requests.items() if not k.startswith("GET"))


def _never_shown(*texts: object) -> None:
    for text in texts:
        for form in (PLANTED, json.dumps(PLANTED)[1:-1], json.dumps(PLANTED, ensure_ascii=False)[1:-1]):
            assert form not in str(text), "the secret value leaked"


# --------------------------------------------------------------------------- TLS secrets


@pytest.mark.parametrize("key", ["tls.key", "tls.crt", "ca.crt"])
def test_a_key_cert_manager_writes_is_refused_naming_the_certificate_and_renew(lab, ctx, key):
    writes = _writes(lab)
    with pytest.raises(RefusedError) as refused:
        registry.get("secret-patch").plan(ctx, N8N_TLS, key=key, value=SecretValue(PLANTED))
    message = str(refused.value)
    assert "managed by cert-manager (Certificate apps/n8n-tls)" in message and "renew the certificate with R" in message
    assert _writes(lab) == writes
    (entry,) = ctx.audit.read()
    assert entry["outcome"] == "refused" and entry["details"] == {"stage": "plan", "key": key}
    _never_shown(message, ctx.audit.path.read_text())


def test_another_key_of_a_cert_manager_secret_is_warned(lab, ctx):
    plan = registry.get("secret-patch").plan(ctx, N8N_TLS, key="keystore-password", value=SecretValue(PLANTED))
    assert plan.changes and any("Certificate apps/n8n-tls" in w and "renew it with R" in w for w in plan.warnings)


def test_half_of_a_hand_made_tls_pair_is_warned(lab, ctx):
    secret = copy.deepcopy(lab.call(lambda: lab.store.get("secrets", "apps", "n8n-tls")))
    secret["metadata"] = {"name": "manual-tls", "namespace": "apps"}
    lab.call(lambda: lab.store.put("secrets", secret))
    action = registry.get("secret-patch")
    plan = action.plan(ctx, Target("Secret", "apps", "manual-tls"), key="tls.key", value=SecretValue(PLANTED))
    assert any("tls.key alone no longer matches tls.crt" in w for w in plan.warnings), plan.warnings
    assert not any("cert-manager" in w for w in plan.warnings)


# --------------------------------------------------------------------------- audit of plans that stop


def test_a_missing_secret_is_audited_as_a_failed_plan(lab, ctx):
    with pytest.raises(ActionError, match="Secret ml/nope-secrets not found"):
        registry.get("secret-patch").plan(ctx, Target("Secret", "ml", "nope-secrets"), key="K",
                                          value=SecretValue(PLANTED))
    (entry,) = ctx.audit.read()
    assert entry["outcome"] == "failed" and entry["target"] == "Secret ml/nope-secrets"
    assert entry["details"] == {"stage": "plan", "key": "K"} and "not found" in entry["message"]
    _never_shown(ctx.audit.path.read_text())


def test_a_403_on_reading_the_secret_is_audited_as_a_failed_plan(lab, ctx):
    faults = lab.faults["kubernetes"]
    faults.status, faults.status_path, faults.status_method = 403, "/secrets/litellm-secrets", "GET"
    try:
        with pytest.raises(ActionError, match="403"):
            registry.get("secret-patch").plan(ctx, Target("Secret", "ml", "litellm-secrets"), key="K",
                                              value=SecretValue(PLANTED))
    finally:
        faults.reset()
    (entry,) = ctx.audit.read()
    assert entry["outcome"] == "failed" and "403" in entry["message"] and entry["details"]["stage"] == "plan"


def test_a_server_echoing_the_value_at_plan_time_is_masked_in_the_error_and_the_audit(lab, ctx):
    class Echoing:
        context = ctx.api.context

        def get(self, path, **kw):
            body = json.dumps({"stringData": {"K": PLANTED}}).replace("&", "\\u0026")  # as Go escapes it
            raise KubeError(403, "Forbidden", f"webhook denied: {body}")

    ctx.api = Echoing()  # type: ignore[assignment]
    with pytest.raises(ActionError) as failed:
        registry.get("secret-patch").plan(ctx, Target("Secret", "ml", "litellm-secrets"), key="K", value=PLANTED)
    assert "webhook denied" in str(failed.value)
    _never_shown(failed.value, ctx.audit.path.read_text())


def test_a_read_only_refusal_is_audited_at_plan_and_execute(lab, ctx):
    action = registry.get("scale")
    plan = action.plan(ctx, Target("Deployment", "apps", "n8n"), replicas=2)
    read_only = dataclasses.replace(ctx, read_only=True)
    writes = _writes(lab)
    with pytest.raises(ReadOnlyError):
        action.plan(read_only, Target("Deployment", "apps", "n8n"), replicas=2)
    with pytest.raises(ReadOnlyError):
        action.execute(read_only, plan)
    assert _writes(lab) == writes
    assert [(e["outcome"], e["details"]) for e in ctx.audit.read()] == [
        ("refused", {"stage": "plan", "replicas": 2}), ("refused", {"stage": "execute", "from": 1, "to": 2})]
    assert all("read-only" in e["message"] for e in ctx.audit.read())


def test_a_read_only_secret_patch_audits_the_key_never_the_value(lab, ctx):
    read_only = dataclasses.replace(ctx, read_only=True)
    with pytest.raises(ReadOnlyError):
        registry.get("secret-patch").plan(read_only, Target("Secret", "ml", "litellm-secrets"), key="K",
                                          value=SecretValue(PLANTED))
    (entry,) = ctx.audit.read()
    assert entry["details"] == {"stage": "plan", "key": "K"}
    _never_shown(ctx.audit.path.read_text())


def test_bad_input_is_not_audited(lab, ctx):
    with pytest.raises(InputError, match="replicas must be"):
        registry.get("scale").plan(ctx, Target("Deployment", "apps", "n8n"), replicas=-1)
    with pytest.raises(InputError, match="key must be"):
        registry.get("secret-patch").plan(ctx, Target("Secret", "ml", "litellm-secrets"), key="bad key!",
                                          value=SecretValue(PLANTED))
    assert ctx.audit.read() == []
