"""Certificate renew against the simulated home-lab, as cmctl renew does it."""

from __future__ import annotations

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, RefusedError, Target
from homelab_tui.actions.certs import MESSAGE, REASON
from homelab_tui.config import KubernetesSettings
from homelab_tui.model.issuance import ISSUANCE_KINDS, issuance_chain
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.kube_client import KubeTarget
from tests.integration.lab_actions import lab_context


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, wait_timeout=20)


def _cert(lab, ns: str, name: str) -> dict:
    return lab.call(lambda: lab.store.get("certificates", ns, name))


class Recorder:
    """Records the requests the action sends."""

    def __init__(self, api) -> None:
        self._api, self.sent = api, []

    def __getattr__(self, name):
        return getattr(self._api, name)

    def patch(self, path, body, content_type="application/merge-patch+json", **kw):
        self.sent.append((path, body, content_type))
        return self._api.patch(path, body, content_type, **kw)


def test_renew_sets_issuing_through_status_and_follows_to_a_new_not_after(lab, ctx):
    old = _cert(lab, "apps", "n8n-tls")["status"]["notAfter"]
    ctx.api = Recorder(ctx.api)
    renew = registry.get("cert-renew")
    plan = renew.plan(ctx, Target("Certificate", "apps", "n8n-tls"))
    outcome = renew.execute(ctx, plan)
    assert outcome.ok, outcome.message
    (path, body, content_type) = ctx.api.sent[0]
    assert path.endswith("/namespaces/apps/certificates/n8n-tls/status")
    assert content_type == "application/merge-patch+json"
    issuing = next(c for c in body["status"]["conditions"] if c["type"] == "Issuing")
    assert (issuing["status"], issuing["reason"], issuing["message"]) == ("True", REASON, MESSAGE)
    assert any(c["type"] == "Ready" for c in body["status"]["conditions"])  # the full list is sent
    new = _cert(lab, "apps", "n8n-tls")["status"]["notAfter"]
    assert new != old and outcome.details["new_not_after"] == new
    assert ctx.audit.read()[-1]["details"]["old_not_after"] == old
    # the issuance left a new request and its valid order, linked by owner uid, as cert-manager's do
    cert = _cert(lab, "apps", "n8n-tls")
    chain = _chain(lab, "apps", "n8n-tls")
    assert [(s.kind, s.name, s.status) for s in chain.steps] == [
        ("CertificateRequest", f"n8n-tls-{cert['status']['revision']}", "Ready"),
        ("Order", chain.steps[1].name, "valid")]
    assert chain.older_requests == 1
    request = lab.call(lambda: lab.store.get("certificaterequests", "apps", chain.steps[0].name))
    order = lab.call(lambda: lab.store.get("orders", "apps", chain.steps[1].name))
    assert request["metadata"]["ownerReferences"][0]["uid"] == cert["metadata"]["uid"]
    assert order["metadata"]["ownerReferences"][0]["uid"] == request["metadata"]["uid"]


def _chain(lab, namespace: str, name: str):
    """The certificate's issuance chain as the detail reads it: the real source against the lab's API."""
    source = KubeSource(KubeTarget(str(lab.kubeconfig_path)), KubernetesSettings(timeout=5.0))
    return issuance_chain(name, *(source.list_once(ISSUANCE_KINDS, namespace)[k] for k in ISSUANCE_KINDS))


def test_a_failing_issuance_is_reported(lab, ctx):
    renew = registry.get("cert-renew")
    outcome = renew.execute(ctx, renew.plan(ctx, Target("Certificate", "apps", "openclaw-tls")))
    assert not outcome.ok and outcome.status == "failed" and "renewal failed" in outcome.message
    # the retry replaced the failed request of that revision, with its order and challenge
    chain = _chain(lab, "apps", "openclaw-tls")
    assert [(s.kind, s.status) for s in chain.steps] == [("CertificateRequest", "Failed"), ("Order", "invalid"),
                                                        ("Challenge", "invalid")]
    assert chain.steps[0].name == "openclaw-tls-1" and chain.older_requests == 0
    orders = lab.call(lambda: lab.store.list("orders", "apps")[0])
    assert [o["metadata"]["name"] for o in orders if o["metadata"]["name"].startswith("openclaw-tls-")] == \
        [chain.steps[1].name]
    assert chain.steps[1].name in _cert(lab, "apps", "openclaw-tls")["status"]["conditions"][-1]["message"]
    assert ctx.audit.read()[-1]["outcome"] == "failed"


def test_a_certificate_already_issuing_is_refused(lab, ctx):
    def issuing(cert: dict) -> None:
        cert["status"]["conditions"].append({"type": "Issuing", "status": "True", "reason": "Renewing"})
    lab.call(lambda: lab.store.mutate("certificates", "docs", "paperless-tls", issuing))
    with pytest.raises(RefusedError, match="already being issued"):
        registry.get("cert-renew").plan(ctx, Target("Certificate", "docs", "paperless-tls"))


def test_an_unknown_certificate_is_one_clear_line(ctx):
    with pytest.raises(Exception, match="Certificate apps/nope not found"):
        registry.get("cert-renew").plan(ctx, Target("Certificate", "apps", "nope"))
