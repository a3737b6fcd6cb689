"""Secret patch against the simulated home-lab: nothing lost, verified by reading back, never shown."""

from __future__ import annotations

import base64
from typing import Callable

import pytest

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, ConflictError, Target
from homelab_tui.actions.secret_value import MASK, SecretValue, fingerprint
from tests.integration.test_actions_certs import Recorder
from tests.integration.lab_actions import StoreHook, lab_context


PLANTED = "planted-S3cret-value-7f1c"
SECRET = Target("Secret", "ml", "litellm-secrets")


@pytest.fixture
def ctx(lab, tmp_path) -> ActionContext:
    return lab_context(lab, tmp_path, wait_timeout=20)


def _data(lab) -> dict[str, bytes]:
    secret = lab.call(lambda: lab.store.get("secrets", "ml", "litellm-secrets"))
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


def _assert_never_shown(*texts: object) -> None:
    b64 = base64.b64encode(PLANTED.encode()).decode()
    for text in texts:
        assert PLANTED not in str(text) and b64 not in str(text), "the secret value leaked"


@pytest.mark.parametrize("key", ["OPENAI_API_KEY", "NEW_KEY"])
def test_patch_one_key_keeps_every_other_key(lab, ctx, tmp_path, key):
    before = _data(lab)
    assert "OPENAI_API_KEY" in before and len(before) >= 2
    action = registry.get("secret-patch")
    plan = action.plan(ctx, SECRET, key=key, value=SecretValue(PLANTED))
    assert SecretValue(PLANTED).fingerprint in " ".join(plan.changes)
    assert any("Deployment litellm" in w for w in plan.warnings)
    progress: list[str] = []
    ctx.api = Recorder(ctx.api)
    outcome = action.execute(ctx, plan, progress=progress.append)
    assert outcome.ok and outcome.details["verified"], outcome.message
    ((path, body, content_type),) = ctx.api.sent  # one stringData merge: no data map that could drop keys
    assert path == "/api/v1/namespaces/ml/secrets/litellm-secrets" and content_type == "application/merge-patch+json"
    assert set(body) == {"metadata", "stringData"} and body["stringData"] == {key: PLANTED}
    assert set(body["metadata"]) == {"resourceVersion"}
    after = _data(lab)
    assert after[key] == PLANTED.encode()
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}
    assert [(f.action, str(f.target)) for f in outcome.follow_ups] == [("restart", "Deployment ml/litellm")]
    audit_text = (tmp_path / "audit.jsonl").read_text()
    (entry,) = ctx.audit.read()
    assert entry["details"]["new_fingerprint"] == SecretValue(PLANTED).fingerprint
    assert entry["details"]["key"] == key and entry["outcome"] == "ok"
    _assert_never_shown(audit_text, plan, plan.summary(), outcome, progress)


def test_restart_offered_after_the_patch_runs(lab, ctx):
    action = registry.get("secret-patch")
    outcome = action.execute(ctx, action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(PLANTED)))
    (offer,) = outcome.follow_ups
    restart = registry.get(offer.action)
    result = restart.execute(ctx, restart.plan(ctx, offer.target, **offer.params))
    assert result.ok, result.message


def test_a_changed_secret_between_plan_and_patch_writes_nothing(lab, ctx):
    action = registry.get("secret-patch")
    plan = action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(PLANTED))

    def someone_else(secret: dict) -> None:
        secret["data"]["LITELLM_MASTER_KEY"] = base64.b64encode(b"rotated-by-someone").decode()
    lab.call(lambda: lab.store.mutate("secrets", "ml", "litellm-secrets", someone_else))
    before = _data(lab)
    outcome = action.execute(ctx, plan)
    assert outcome.status == "conflict" and "changed since the plan (keys: LITELLM_MASTER_KEY)" in outcome.message
    assert "nothing was written" in outcome.message
    assert _data(lab) == before
    _assert_never_shown(outcome, ctx.audit.path.read_text())


class RacingApi:
    """Lets another writer touch the secret (metadata only) just before our first PATCH: a real 409."""

    def __init__(self, api, lab) -> None:
        self._api, self._lab, self.patches = api, lab, 0

    def __getattr__(self, name):
        return getattr(self._api, name)

    def patch(self, path, body, content_type="application/merge-patch+json", **kw):
        self.patches += 1
        if self.patches == 1:
            def label(secret: dict) -> None:
                secret["metadata"].setdefault("labels", {})["touched"] = "yes"
            self._lab.call(lambda: self._lab.store.mutate("secrets", "ml", "litellm-secrets", label))
        return self._api.patch(path, body, content_type, **kw)


def test_a_409_race_is_retried_on_fresh_data(lab, ctx):
    ctx.api = RacingApi(ctx.api, lab)
    action = registry.get("secret-patch")
    outcome = action.execute(ctx, action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(PLANTED)))
    assert outcome.ok, outcome.message
    assert ctx.api.patches == 2
    assert _data(lab)["OPENAI_API_KEY"] == PLANTED.encode()


def test_persistent_409_stops_with_a_clear_message(lab, ctx):
    action = registry.get("secret-patch")
    plan = action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(PLANTED))
    before = _data(lab)
    faults = lab.faults["kubernetes"]
    faults.status, faults.status_path, faults.status_method = 409, "/secrets/litellm-secrets", "PATCH"
    ctx.api = Recorder(ctx.api)
    try:
        outcome = action.execute(ctx, plan)
    finally:
        faults.reset()
    assert [path for path, _, _ in ctx.api.sent] == ["/api/v1/namespaces/ml/secrets/litellm-secrets"] * 3
    assert outcome.status == "conflict" and "stopped" in outcome.message
    assert "409" in outcome.message and "litellm-secrets" in outcome.message
    assert _data(lab) == before
    _assert_never_shown(outcome, ctx.audit.path.read_text())


def test_server_errors_never_echo_the_value(lab, ctx):
    action = registry.get("secret-patch")
    plan = action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(PLANTED))

    class EchoingApi(RacingApi):
        def patch(self, path, body, content_type="application/merge-patch+json", **kw):
            from homelab_tui.sources.kube_client import KubeError
            raise KubeError(422, "Invalid", f"stringData: Invalid value: {body['stringData']}")

    ctx.api = EchoingApi(ctx.api, lab)
    outcome = action.execute(ctx, plan)
    assert not outcome.ok and "422" in outcome.message
    _assert_never_shown(outcome, ctx.audit.path.read_text())


def test_convention_and_helm_warnings_on_real_secrets(lab, ctx):
    secrets, _ = lab.call(lambda: lab.store.list("secrets"))
    action = registry.get("secret-patch")
    helm = next((s for s in secrets if (s["metadata"].get("labels") or {}).get("app.kubernetes.io/managed-by")
                 in ("Helm", "helm") and s.get("type", "Opaque") == "Opaque"), None)
    if helm is None:
        pytest.skip("the simulated home-lab has no Helm-managed Opaque secret")
    md = helm["metadata"]
    plan = action.plan(ctx, Target("Secret", md["namespace"], md["name"]), key="X", value=SecretValue(PLANTED))
    assert any("managed by Helm" in w for w in plan.warnings)


def test_a_403_on_listing_workloads_is_a_warning_not_a_failure(lab, ctx):
    faults = lab.faults["kubernetes"]
    faults.status, faults.status_path, faults.status_method = 403, "/deployments", "GET"
    try:
        action = registry.get("secret-patch")
        plan = action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(PLANTED))
        outcome = action.execute(ctx, plan)
    finally:
        faults.reset()
    assert any(w.startswith("could not check which workloads use litellm-secrets (") and "403" in w
               for w in plan.warnings), plan.warnings
    assert outcome.ok and outcome.follow_ups == () and _data(lab)["OPENAI_API_KEY"] == PLANTED.encode()


class WrittenOver(StoreHook):
    """A controller (External Secrets, Sealed Secrets) rewriting the secret right after our patch lands, before
    it is read back: ``change`` edits the decoded data, once."""

    def __init__(self, lab, change: Callable[[dict[str, bytes]], object]) -> None:
        super().__init__(lab)
        self.change, self.done = change, False

    def on_change(self, key: str, _event: str, secret: dict) -> None:
        planted = base64.b64encode(PLANTED.encode()).decode()
        if self.done or key != "secrets" or planted not in (secret.get("data") or {}).values():
            return
        self.done = True  # before the write: the write calls this again

        def rewrite(obj: dict) -> None:
            data = {k: base64.b64decode(v) for k, v in obj["data"].items()}
            self.change(data)
            obj["data"] = {k: base64.b64encode(v).decode() for k, v in data.items()}
        self.lab.store.mutate("secrets", "ml", "litellm-secrets", rewrite)


@pytest.mark.parametrize("key,change,problem", [
    ("OPENAI_API_KEY", lambda d, old: d.update(OPENAI_API_KEY=old["OPENAI_API_KEY"]),
     "OPENAI_API_KEY is {old_fp}, expected {new_fp}"),
    ("NEW_KEY", lambda d, old: d.pop("NEW_KEY"), "NEW_KEY is missing, expected {new_fp}"),
    ("OPENAI_API_KEY", lambda d, old: d.pop("LITELLM_MASTER_KEY"), "LITELLM_MASTER_KEY disappeared"),
    ("OPENAI_API_KEY", lambda d, old: d.update(LITELLM_MASTER_KEY=b"rotated"), "LITELLM_MASTER_KEY changed"),
], ids=["key-reverted", "new-key-dropped", "other-key-dropped", "other-key-changed"])
def test_a_read_back_that_differs_is_a_loud_verify_failure(lab, ctx, key, change, problem):
    action = registry.get("secret-patch")
    plan = action.plan(ctx, SECRET, key=key, value=SecretValue(PLANTED))
    old = _data(lab)
    with WrittenOver(lab, lambda data: change(data, old)) as controller:
        outcome = action.execute(ctx, plan)
    assert controller.done
    assert not outcome.ok and outcome.status == "verify-failed", outcome.message
    problem = problem.format(old_fp=fingerprint(old["OPENAI_API_KEY"]), new_fp=SecretValue(PLANTED).fingerprint)
    assert outcome.message == f"VERIFY FAILED for Secret ml/litellm-secrets: {problem} — check the secret now"
    assert outcome.follow_ups == ()  # no restart offered onto a secret that does not hold what was asked
    (entry,) = ctx.audit.read()
    assert entry["outcome"] == "verify-failed" and entry["message"] == outcome.message
    _assert_never_shown(outcome, ctx.audit.path.read_text())


def test_an_action_error_quoting_the_value_is_masked_and_keeps_its_kind(lab, ctx):
    action = registry.get("secret-patch")
    plan = action.plan(ctx, SECRET, key="OPENAI_API_KEY", value=SecretValue(PLANTED))

    class QuotingApi(RacingApi):  # a layer that quotes the request in the conflict it reports
        def patch(self, path, body, content_type="application/merge-patch+json", **kw):
            raise ConflictError(f"{path} changed; not sent: {body['stringData']}")

    ctx.api = QuotingApi(ctx.api, lab)
    outcome = action.execute(ctx, plan)
    assert outcome.status == "conflict" and outcome.message.endswith(f"not sent: {{'OPENAI_API_KEY': '{MASK}'}}")
    _assert_never_shown(outcome, ctx.audit.path.read_text())
