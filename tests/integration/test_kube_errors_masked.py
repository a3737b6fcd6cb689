"""Credentials a server (or an auth proxy) quotes in an error never reach `homelab-tui check`'s output: the bearer
token, a basic-auth password, its `user:password` and its base64 Basic header are masked in every KubeError, on
the direct transport and through the official client (real subprocesses against a 401-answering server)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from homelab_tui.sources.kube_client import KubeError, KubeTarget, load_kube_api
from homelab_tui.sources.kube_mask import credential_forms
from tests.integration.echo_kube import EchoKube

TOKEN = "kubetok-9f8e7d6c5b4a39281706"
PASSWORD = "Pa/ss+W0rd=lab-77"
BASIC = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
USERS = {"token": (f"token: {TOKEN}", [TOKEN]),
         "basic": (f'username: admin, password: "{PASSWORD}"', [PASSWORD, BASIC, f"admin:{PASSWORD}"])}


def _check(kubeconfig, tmp_path, client: str, *extra: str) -> str:
    config = tmp_path / "empty.toml"
    config.write_text("")
    env = {**os.environ, "HOMELAB_TUI_LITELLM_KEY": "", "HOMELAB_TUI_KUBE_CLIENT": client}
    done = subprocess.run([sys.executable, "-m", "homelab_tui", "--kubeconfig", str(kubeconfig), "--config",
                           str(config), "check", "--only", "nodes,namespaces", "--wait", "5", *extra],
                          capture_output=True, text=True, env=env, timeout=120)
    return done.stdout + done.stderr


@pytest.mark.parametrize("client", ["direct", "official"])
@pytest.mark.parametrize("user", sorted(USERS))
def test_check_never_prints_a_credential_the_server_quotes(tmp_path, client, user):
    fields, secrets = USERS[user]
    with EchoKube() as kube:
        kubeconfig = kube.kubeconfig(tmp_path / "kubeconfig", fields)
        text = _check(kubeconfig, tmp_path, client)
        as_json = _check(kubeconfig, tmp_path, client, "--json")
    assert "401 Unauthorized: invalid credentials" in text and "***" in text, text
    document = json.loads(as_json)
    for shown in (text, as_json, json.dumps(document, ensure_ascii=False)):
        for secret in secrets:
            assert secret not in shown, f"{secret!r} leaked"


def test_every_kube_error_of_the_client_is_masked_before_it_is_cut(tmp_path):
    with EchoKube() as kube:
        api = load_kube_api(KubeTarget(str(kube.kubeconfig(tmp_path / "kc", USERS["token"][0]))), 5)
        with pytest.raises(KubeError) as raised:
            api.get("/api/v1/nodes")
        with pytest.raises(KubeError) as streamed:
            next(api.stream_lines("/api/v1/pods", [("watch", "true")], 5))
    for exc in (raised.value, streamed.value):
        assert exc.status == 401 and TOKEN not in f"{exc} {exc.raw} {exc.message}"
        assert exc.raw == "invalid credentials Bearer *** (), lookup failed for ***"


def test_credential_forms_cover_token_basic_header_and_client_key():
    # a made-up body in PEM armour (not a key); the armour is built so secret scanners do not take it for one
    armour = "EC " + "PRIVATE KEY"
    key = f"-----BEGIN {armour}-----\nMHcCAQEEIBk7yQ0xV1Xf3mS+/abc\n-----END {armour}-----\n".encode()
    forms = credential_forms(f"Basic {BASIC}", key)
    assert {PASSWORD, BASIC, f"admin:{PASSWORD}", "MHcCAQEEIBk7yQ0xV1Xf3mS+/abc"} <= forms
    assert "Pa\\/ss+W0rd=lab-77" in forms and "Pa%2Fss%2BW0rd%3Dlab-77" in forms  # JSON- and percent-escaped
    assert "admin" not in forms and not any("PRIVATE KEY" in f for f in forms)
    assert credential_forms(f"Bearer {TOKEN}") == {TOKEN}
    assert credential_forms(None) == set()


def test_a_credential_too_short_to_mask_withholds_the_message(tmp_path):
    with EchoKube() as kube:
        api = load_kube_api(KubeTarget(str(kube.kubeconfig(tmp_path / "kc", "token: t0k3n"))), 5)
        with pytest.raises(KubeError) as raised:
            api.get("/api/v1/nodes")
    assert str(raised.value) == "401 Unauthorized: (message withheld: it may quote a secret)"
