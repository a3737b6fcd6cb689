"""A failed Secret patch whose server message quotes the request or the object (a 422, an admission webhook)
shows neither the typed value nor any value the Secret holds — whatever the whitespace, however long the
message — and a value too short to mask withholds the message (status, reason, fields kept), in the outcome
and in the audit log. Against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from homelab_tui.actions.base import ActionError, RefusedError, Target, make_context
from homelab_tui.actions.secrets import SecretPatchAction
from homelab_tui.actions.secret_value import MASK, SecretValue
from homelab_tui.config import load_settings
from homelab_tui.sources.kube_client import KubeTarget, load_kube_api
from tests.integration.echo_kube import EchoKube, b64, status

TOKEN = "kubetok-5a4b3c2d1e0f99887766"
OLD = "old-encryption-key-4711-qwerty"
DB = "demo-db-postgresdb-password-jlc7fvswb7ds"
KEY = "N8N_ENCRYPTION_KEY"
FIELD = f"stringData.{KEY}"
WITHHELD = f"422 Invalid: server message withheld: it may quote a secret value (fields: {FIELD})"


def _secret(**extra: str) -> dict[str, Any]:
    data = {KEY: b64(OLD), "DB_POSTGRESDB_PASSWORD": b64(DB), **{k: b64(v) for k, v in extra.items()}}
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": data,
            "metadata": {"name": "n8n-secrets", "namespace": "apps", "resourceVersion": "7"}}


def _typed(body: dict[str, Any]) -> str:
    return body["stringData"][KEY]


CASES: dict[str, tuple[str, Callable[[dict[str, Any], str], str]]] = {
    # a policy message long enough that cutting it at 200 characters used to cut inside the value
    "long-webhook": ("Xk9-q7Lr2-Vw4mZt8-Hs6pNb3", lambda b, a: (
        'admission webhook "validate.policies.example.org" denied the request: policy require-strong-secrets '
        f'(rule 12) failed for {FIELD} of apps/n8n-secrets: value "{_typed(b)}" is on the breached list')),
    # a passphrase: collapsing whitespace before masking used to unmask it
    "double-spaces": ("Tangerine  Otter  Marble  9", lambda b, a: (
        f'Secret "n8n-secrets" is invalid: {FIELD}: Invalid value: "{_typed(b)}": rejected by policy')),
    "nbsp": ("Tangerine\u00a0Otter\u00a0Marble 9", lambda b, a: f'Invalid value: "{_typed(b)}": rejected'),
    # the object as the webhook saw it: the other keys (base64) and the patched key's old value
    "object": ("new-value-123456", lambda b, a: (
        f'admission webhook "audit.example" denied the request: object: {{"data":{{"DB_POSTGRESDB_PASSWORD":'
        f'"{b64(DB)}","{KEY}":"{b64(OLD)}"}},"old":"{OLD}","stringData":{{"{KEY}":"{_typed(b)}"}}}}')),
    "token": ("new-value-123456", lambda b, a: f"proxy denied {a} for {_typed(b)}"),
}


def _patch(tmp_path, value: str, message: Callable[[dict[str, Any], str], str],
           secret: dict[str, Any] | None = None) -> tuple[str, str]:
    answer = lambda body, auth: status(422, "Invalid", message(body, auth), (FIELD,))  # noqa: E731
    with EchoKube(secret or _secret(), answer) as kube:
        ctx = _context(tmp_path, kube)
        action = SecretPatchAction()
        plan = action.plan(ctx, Target("Secret", "apps", "n8n-secrets"), key=KEY, value=SecretValue(value))
        outcome = action.execute(ctx, plan)
    assert not outcome.ok and outcome.status == "failed"
    (line,) = ctx.audit.read()
    assert line["message"] == outcome.message
    return outcome.message, (tmp_path / "audit.jsonl").read_text()


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_echoing_server_shows_no_value(tmp_path, case):
    value, message = CASES[case]
    shown, audit = _patch(tmp_path, value, message)
    assert shown.startswith("patch Secret apps/n8n-secrets: 422 Invalid: ") and "withheld" not in shown, shown
    assert "*" in shown  # masked, then cut: the mask itself may be cut
    for text in (shown, audit):
        for secret in (value, " ".join(value.split()), b64(value), OLD, b64(OLD), DB, b64(DB), TOKEN):
            assert secret not in text, f"{secret!r} leaked"
        assert value[:6] not in text and "Tangerine" not in text  # no part of it either (a cut one)


@pytest.mark.parametrize("value", ["e", "on", "the", "7charsX"])
def test_a_short_value_withholds_the_message_and_garbles_nothing(tmp_path, value):
    """Even a form not foreseen (here upper case) is never shown: the message is withheld whole."""
    shown, audit = _patch(tmp_path, value, lambda b, a: (
        f'Operation cannot be fulfilled on secrets "n8n-secrets": {FIELD}: Invalid value: "{_typed(b).upper()}"'))
    assert shown == f"patch Secret apps/n8n-secrets: {WITHHELD}"
    assert MASK not in audit and f'"{value.upper()}"' not in audit


def test_a_short_value_the_secret_holds_withholds_the_message(tmp_path):
    shown, _ = _patch(tmp_path, "new-value-123456", lambda b, a: 'denied: user "tom" may not change this',
                      secret=_secret(username="tom"))
    assert shown == f"patch Secret apps/n8n-secrets: {WITHHELD}"


def test_a_message_quoting_nothing_secret_is_kept_whole(tmp_path):
    text = f'Secret "n8n-secrets" is invalid: {FIELD}: Invalid value: "": must not be empty'
    shown, _ = _patch(tmp_path, "new-value-123456", lambda b, a: text)
    assert shown == f"patch Secret apps/n8n-secrets: 422 Invalid: {text}"


def _context(tmp_path, kube: EchoKube):
    api = load_kube_api(KubeTarget(str(kube.kubeconfig(tmp_path / "kc", f"token: {TOKEN}"))), 5)
    return make_context(api, load_settings(None), read_only=False, audit_path=str(tmp_path / "audit.jsonl"))


def test_a_plan_error_is_not_masked_as_the_value_was_never_sent(tmp_path):
    with EchoKube() as kube:  # every read answers 401
        ctx = _context(tmp_path, kube)
        with pytest.raises(ActionError) as raised:
            SecretPatchAction().plan(ctx, Target("Secret", "apps", "n8n-secrets"), key=KEY, value=SecretValue("e"))
    assert str(raised.value) == ("Patch secret key Secret apps/n8n-secrets: 401 Unauthorized: invalid credentials "
                                 "Bearer *** (), lookup failed for ***")  # with "e" masked it read "S********cr…"


def test_without_a_fingerprint_key_nothing_is_planned(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))

    def never(body: dict[str, Any], auth: str) -> dict[str, Any]:
        raise AssertionError("a patch that cannot be verified was sent")
    with EchoKube(_secret(), never) as kube:
        ctx = _context(tmp_path, kube)
        with pytest.raises(RefusedError) as raised:
            SecretPatchAction().plan(ctx, Target("Secret", "apps", "n8n-secrets"), key=KEY,
                                     value=SecretValue("new-value-123456"))
    assert str(raised.value).startswith(f"no fingerprints (fingerprint key {blocker}/homelab-tui/fingerprint.key: ")
    assert str(raised.value).endswith("): a patch could not be verified, so none is planned")
    (line,) = ctx.audit.read()
    assert line["outcome"] == "refused" and line["details"]["stage"] == "plan"
