"""Secret values stay masked; secrets are described by keys, sizes and fingerprints; users are found."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import os
import pickle
from pathlib import Path

import pytest

from homelab_tui.actions.secret_info import describe_secret, describe_secrets, secret_refs, secret_users, \
    secret_warnings
from homelab_tui.actions.secret_value import MASK, SecretValue, fingerprint

PLANTED = "hunter2-planted-Value"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret(name: str = "litellm-secrets", data: dict | None = None, labels: dict | None = None,
            annotations: dict | None = None, stype: str = "Opaque") -> dict:
    md: dict = {"name": name, "namespace": "ml", "resourceVersion": "42"}
    if labels:
        md["labels"] = labels
    if annotations:
        md["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Secret", "metadata": md, "type": stype,
            "data": {k: _b64(v) for k, v in (data or {}).items()}}


def test_secret_value_never_shows_itself():
    v = SecretValue(PLANTED)
    rendered = [repr(v), str(v), f"{v}", f"{v!r}", "%s" % v, format(v, ">30"), repr([v]), repr({"k": v})]
    assert all(PLANTED not in text for text in rendered)
    assert MASK in str(v)
    assert v.reveal() == PLANTED
    with pytest.raises(TypeError):
        pickle.dumps(v)
    assert copy.deepcopy({"v": v})["v"] is v
    with pytest.raises(AttributeError):
        v._value = "other"  # type: ignore[misc]


def test_fingerprint_is_a_short_hmac_sha256_of_the_decoded_value_under_the_install_key():
    v = SecretValue(PLANTED)
    shown = v.fingerprint  # the key is made on first use
    key = (Path(os.environ["XDG_STATE_HOME"]) / "homelab-tui" / "fingerprint.key").read_bytes()
    assert shown == "hmac:" + hmac.new(key, PLANTED.encode(), hashlib.sha256).hexdigest()[:12]
    assert v.fingerprint != "hmac:" + hashlib.sha256(PLANTED.encode()).hexdigest()[:12]
    assert v.fingerprint == fingerprint(PLANTED.encode())
    assert v.size == len(PLANTED)


def test_scrub_masks_raw_and_base64_forms():
    v = SecretValue(PLANTED)
    text = f'422 Invalid: data[x]: "{PLANTED}" or {_b64(PLANTED)}'
    assert PLANTED not in v.scrub(text)
    assert _b64(PLANTED) not in v.scrub(text)
    assert "422 Invalid" in v.scrub(text)


@pytest.mark.parametrize("value", ['pä"ss', "pässwörd€🔑"], ids=["quote-and-umlaut", "bmp-and-astral"])
def test_scrub_masks_the_python_escaped_form_of_a_value(value):
    """Python's ascii() (a repr in a Python webhook's message, or in a log) writes ä as \\xe4 and 🔑 as \\U0001f511,
    which no JSON encoder writes (JSON's forms: test_actions_scrub_more.py)."""
    echo = ascii(value)[1:-1]
    assert echo != value
    text = f"admission webhook denied the request: bad value '{echo}' (rule 3)"
    assert SecretValue(value).scrub(text) == f"admission webhook denied the request: bad value '{MASK}' (rule 3)"


def test_describe_secret_lists_keys_sizes_fingerprints_but_no_value():
    info = describe_secret(_secret(data={"OPENAI_API_KEY": PLANTED, "EMPTY": ""}))
    assert [k.key for k in info.keys] == ["EMPTY", "OPENAI_API_KEY"]
    key = info.key("OPENAI_API_KEY")
    assert key is not None and key.size == len(PLANTED) and key.fingerprint == SecretValue(PLANTED).fingerprint
    assert PLANTED not in repr(info) and _b64(PLANTED) not in repr(info)
    assert info.resource_version == "42" and info.warnings == ()


def test_describe_secrets_filters_and_sorts():
    infos = describe_secrets([_secret("b-secrets"), _secret("a-secrets"),
                              {**_secret("x-secrets"), "metadata": {"name": "x-secrets", "namespace": "apps"}}],
                             namespace="ml")
    assert [i.name for i in infos] == ["a-secrets", "b-secrets"]


@pytest.mark.parametrize("secret,fragment", [
    (_secret("litellm-api-key"), "breaks the {app}-secrets convention"),
    (_secret("-secrets"), "breaks the {app}-secrets convention"),
    (_secret("postgresql-secrets", labels={"app.kubernetes.io/managed-by": "Helm"}), "managed by Helm"),
    (_secret("grafana-secrets", labels={"owner": "helm"}), "managed by Helm"),
    (_secret("grafana-secrets", annotations={"meta.helm.sh/release-name": "grafana"}), "managed by Helm"),
    (_secret("sh.helm.release.v1.grafana.v3", stype="helm.sh/release.v1"), "Helm's release record"),
])
def test_warnings_for_conventions_and_helm(secret, fragment):
    assert any(fragment in w for w in secret_warnings(secret))


def test_no_warning_for_a_conforming_secret_or_a_tls_secret():
    assert secret_warnings(_secret("paperless-secrets")) == ()
    assert secret_warnings(_secret("n8n-tls", stype="kubernetes.io/tls")) == ()


def _workload(name: str, ns: str = "ml", **pod: object) -> dict:
    return {"metadata": {"name": name, "namespace": ns}, "spec": {"template": {"spec": pod}}}


def test_secret_users_finds_env_envfrom_volumes_and_projected():
    env = _workload("litellm", containers=[{"name": "c", "env": [
        {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "litellm-secrets", "key": "OPENAI_API_KEY"}}}]}])
    env_from = _workload("worker", initContainers=[{"name": "i", "envFrom": [
        {"secretRef": {"name": "litellm-secrets"}}]}], containers=[{"name": "c"}])
    volume = _workload("vol", containers=[{"name": "c"}], volumes=[
        {"name": "creds", "secret": {"secretName": "litellm-secrets"}}])
    projected = _workload("proj", containers=[{"name": "c"}], volumes=[
        {"name": "all", "projected": {"sources": [{"configMap": {"name": "x"}},
                                                  {"secret": {"name": "litellm-secrets"}}]}}])
    other = _workload("other", containers=[{"name": "c", "envFrom": [{"secretRef": {"name": "other-secrets"}}]}])
    elsewhere = _workload("litellm", ns="apps", containers=env["spec"]["template"]["spec"]["containers"])
    users = secret_users([("Deployment", w) for w in (env, env_from, volume, projected, other, elsewhere)],
                         "ml", "litellm-secrets")
    assert [(k, n) for k, n, _ in users] == [("Deployment", "litellm"), ("Deployment", "proj"),
                                              ("Deployment", "vol"), ("Deployment", "worker")]
    assert secret_refs(env, "litellm-secrets") == ["env KEY (key OPENAI_API_KEY)"]
    assert secret_refs(projected, "litellm-secrets") == ["projected volume all"]


def test_odd_objects_do_not_raise():
    assert secret_refs({}, "x") == []
    assert describe_secret({"metadata": None, "data": {"k": "not base64!!"}}).keys[0].size == len("not base64!!")
