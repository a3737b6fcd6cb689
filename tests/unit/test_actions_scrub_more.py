"""A secret value is masked in the JSON-escaped forms servers write: Python's json (both ensure_ascii) and Go's."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from homelab_tui.actions.secret_value import MASK, SecretValue

#: quotes, backslash, non-ASCII (BMP and astral), and the characters Go escapes as \u0026 \u003c \u003e
VALUES = ['pa"ss\\word', "pässwörd-ü", "a&b<c>d", 'x"\\é&<>🔑y', "tab\there\nline"]


def _denial(body: str) -> str:
    """An admission webhook's Status.message quoting the request it denied."""
    return f'admission webhook "policy.example" denied the request: {body} (see policy 7)'


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["ascii", "utf8"])
def test_python_json_forms_are_masked(value, ensure_ascii):
    body = json.dumps({"stringData": {"KEY": value}}, ensure_ascii=ensure_ascii)
    text = SecretValue(value).scrub(_denial(body))
    assert text == _denial(json.dumps({"stringData": {"KEY": MASK}}))
    assert json.loads(text.split(": ", 1)[1].rsplit(" (", 1)[0])["stringData"]["KEY"] == MASK


def _go_json(value: str) -> str:
    """The value as Go's encoding/json writes it (kubectl's -o json), without the quotes."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    out = subprocess.run([kubectl, "create", "configmap", "x", f"--from-literal=KEY={value}", "--dry-run=client",
                          "-o", "json"], capture_output=True, text=True, timeout=30, check=True,
                         env={"PATH": "/usr/bin:/bin", "KUBECONFIG": "/nonexistent"}).stdout
    line = next(raw for raw in out.splitlines() if raw.strip().startswith('"KEY"'))
    return line.split(":", 1)[1].strip().rstrip(",")[1:-1]


@pytest.mark.parametrize("value", VALUES)
def test_go_json_forms_are_masked(value):
    escaped = _go_json(value)
    assert json.loads(f'"{escaped}"') == value
    if set(value) & set("&<>"):
        assert "\\u0026" in escaped or "\\u003c" in escaped  # really Go's HTML escaping
    text = SecretValue(value).scrub(_denial(f'{{"data":{{"KEY":"{escaped}"}}}}'))
    assert text == _denial(f'{{"data":{{"KEY":"{MASK}"}}}}')


def test_a_masked_message_keeps_everything_else():
    value = SecretValue('p"&<>é')
    text = 'Invalid value: "p\\"\\u0026\\u003c\\u003e\\u00e9": must be shorter; also "other"'
    assert value.scrub(text) == f'Invalid value: "{MASK}": must be shorter; also "other"'
    assert SecretValue("").scrub(text) == text
