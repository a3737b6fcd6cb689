"""What the scrubbers must leave alone: paths, file and host names, versions and Kubernetes names in an exec
plugin's stderr, the words of a message after a secret's name ("key: Required value"), and numbers that merely
contain the digits of a short LiteLLM key. Each case sits beside a real secret, which must still be masked."""

from __future__ import annotations

import base64

import pytest

from homelab_tui.sources.kube_text import scrub
from homelab_tui.sources.litellm_parse import WITHHELD, error_message, summarize_error

PATH_LINE = "open /home/tom/.kube/k3s-homelab-2024.yaml: no such file"

NAMES = [
    "/usr/local/bin/kubelogin-v1.28.0", "/home/tom/.kube/k3s-homelab-2024.yaml", "~/.kube/k3s-homelab-2024.yaml",
    "./bin/kubelogin_v1.28.0_linux_amd64", "kubelogin_v1.28.0_linux_amd64.zip", "k3s-master-01.lab.home.arpa",
    "v1.28.0+k3s1-rc.1-linux-amd64", "ollama-7f9c6d5b4-x2k8p", "--kubeconfig=/home/tom/.kube/config-2024-11",
    "/var/lib/kubelet/pods/3f2a1b4c-9d8e-4f7a-b6c5-1234567890ab/volumes",
    "/nix/store/0c7yq1r3kg7xxl4w2h0f5jrmwhsmx4m9-kubelogin-1.28.0/bin/kubelogin",
    "/Users/TomSmith/Library/MyApp/KubeConfig2024.yaml",
    "--data-dir=/var/lib/rancher/k3s/data/3f6a9e0d1c2b4a5f6e7d8c9b0a1f2e3d",
]
TOKENS = [
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJhZG1pbiJ9.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "q3Jx0f9Zk+8mH/2vR7sLw1YpT4eN6cUaB5dXoGiK0hE=", "/q3Jx0f9Zk+8mH2vR7sLw1YpT4eN6cUa", "QwErTyUiOpAsDfGhJkLzXcVb",
    "9f8e7d6c5b4a392817069f8e7d6c5b4a39281706", "tokens/9f8e7d6c5b4a392817069f8e7d6c5b4a",
    "K10a3f9c8e7d6b5a4f3e2d1c0b9a8f7e6d5::server:x",
    "Zq8/Rt5+Wm3=Hk7/Pn2+Lx9", "/home/tom/.config/kubelogin/cache/Xq7Lm2Np9Rt4Vw8Yz1Ab3Cd5",
    # made up, like every token here (the sk- key built from parts, so secret scanners do not take it for a real one)
    "c0ffee12-9d8e-4f7a-b6c5-0987654321fe", "sk-" + "proj-Zq8Rt5Wm3Hk7Pn2Lx9Vb4Nc6", "abcdef.0123456789abcdef",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("token", TOKENS)
def test_a_name_is_kept_and_a_token_beside_it_masked(name: str, token: str) -> None:
    shown = scrub(f"exec plugin {name} failed: {token} rejected")
    assert shown.startswith(f"exec plugin {name} failed: ") and shown.endswith(" rejected"), shown
    for piece in (token[:12], token[-12:]):
        assert piece not in shown, shown


def test_the_reviewed_plugin_failure_reads_as_written() -> None:
    text = f"exec plugin /usr/local/bin/kubelogin-v1.28.0 failed: {PATH_LINE}"
    assert scrub(text) == text


@pytest.mark.parametrize("prose", [
    "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.key: Required value",
    "secretKeyRef.key: Invalid value: \"db-pass\": a valid config key must consist of alphanumeric characters",
    "secrets \"n8n-secrets\" key: not found", "token: Expired.", "password: must be at least 8 characters",
    "api_key: missing", "client_secret = none given",
])
@pytest.mark.parametrize("secret,masked", [
    ("password: hunter2", "password: ***"), ("password: hunter", "password: ***"), ("key=Required", "key=***"),
    ("token:expired", "token:***"), ("api_key: \"not found\"", "api_key: ***"), ("X-Api-Key: Qw3rty", "X-Api-Key: ***"),
])
def test_the_words_after_a_secret_name_stay_and_a_value_is_masked(prose: str, secret: str, masked: str) -> None:
    assert scrub(f"{prose}; {secret}, then more") == f"{prose}; {masked}, then more"


SHORT = "sk-1234"


def test_a_number_holding_the_digits_of_a_short_key_is_kept_and_the_key_withheld() -> None:
    timeout = "litellm.APIConnectionError: OllamaException - timeout after 12340 ms for model qwen2.5:14b"
    assert summarize_error(timeout, (SHORT,)) == "OllamaException - timeout after 12340 ms for model qwen2.5:14b"
    assert error_message(503, {"error": {"message": "1234 requests queued"}}, (SHORT,)) == "503: 1234 requests queued"
    for echo in (SHORT, base64.b64encode(SHORT.encode()).decode(), f'{{"api_key": "{SHORT}"}}'):
        message = f"Authentication Error, Received API Key = {echo}"
        assert error_message(401, {"error": {"message": message}}, (SHORT,)) == f"401: {WITHHELD}", echo
