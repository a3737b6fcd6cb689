"""What the scrubbers let through: an exec plugin's stderr (``kube_text.scrub``), a LiteLLM error that echoes
the key (``litellm_parse``), and a config URL whose password holds ``/ ? # @ :`` (the config check's message).

Each secret must be gone in every form; the words around it must stay readable."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from homelab_tui.config import load_settings
from homelab_tui.errors import ConfigError
from homelab_tui.sources.kube_text import scrub
from homelab_tui.sources.litellm_parse import WITHHELD, error_message, summarize_error

VALUE = "QwErTyUiOpAsDfGhJkLzXcVb"  # no digit: only its name or its mixed case gives it away


@pytest.mark.parametrize("name", ["client_secret=", "refresh_token=", "id-token=", "access_token: ", "password=",
                                  "PASSWD=", "api_key=", "apikey:", "X-Api-Key: ", "secret=", "Token=",
                                  "AWS_SECRET_ACCESS_KEY=", "key=", '"password": ', "token="])
@pytest.mark.parametrize("value", ["hunter", '"two words"', "'two words'"])
def test_the_value_after_a_secret_name_is_masked_and_the_name_kept(name: str, value: str) -> None:
    text = f"oidc-login: failed: {name}{value}, then more"
    assert scrub(text) == f"oidc-login: failed: {name}***, then more"


def test_the_reviewed_plugin_stderr() -> None:
    text = (f"oidc-login: token refresh failed: client_secret={VALUE} refresh_token={VALUE[::-1]} "
            "invalid_grant")
    assert scrub(text) == ("oidc-login: token refresh failed: client_secret=*** refresh_token=*** "
                           "invalid_grant")


@pytest.mark.parametrize("text", [
    "token refresh failed", "invalid bearer token, token lookup failed", "max_tokens: 5 monkey=banana",
    "basic auth is off", "open /usr/local/lib/kubelogin/internationalization: no such file",
    "InvalidCredentialException at KUBERNETES_SERVICE_HOST", "-------------------- done", "password=*** token=***",
])
def test_prose_names_paths_and_masked_text_stay_as_they_are(text: str) -> None:
    assert scrub(text) == text


@pytest.mark.parametrize("text,shown", [
    (f"login failed: {VALUE} rejected", "login failed: *** rejected"),
    ("token kubetok-9f8e7d6c5b4a39281706", "token ***"),
    ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
    ("Basic dXNlcjpwYXNz rejected", "Basic *** rejected"),
    ("see https://admin:pw@idp.lab/x", "see https://***@idp.lab/x"),
])
def test_opaque_runs_bearer_values_and_userinfo_are_masked(text: str, shown: str) -> None:
    assert scrub(text) == shown


KEY = "sk-Zq8/Rt5+Wm3=Hk7/Pn2+Lx9"  # `openssl rand -base64` keys hold / + =


@pytest.mark.parametrize("form", [
    KEY, KEY.removeprefix("sk-"), quote(KEY, safe=""), quote(KEY, safe="").lower(), quote_plus(KEY), quote(KEY),
    base64.b64encode(KEY.encode()).decode(), KEY.replace("/", "\\/"),
])
def test_every_form_of_the_litellm_key_is_masked(form: str) -> None:
    shown = error_message(401, {"error": {"message": f"Authentication Error: key={form} not found"}}, (KEY,))
    assert shown.startswith("401: Authentication Error: key=") and shown.endswith(" not found"), shown
    for piece in ("Rt5", "Wm3", "Pn2", "Lx9", form[5:15]):
        assert piece.lower() not in shown.lower(), shown


def test_a_key_echoed_at_the_length_limit_is_masked_before_the_cut() -> None:
    text = "Authentication Error, Received API Key = " + "x" * 137 + f" key={KEY} not found"
    shown = summarize_error(text, (KEY,))  # cut first, 16 characters of the key would be left
    assert "Rt5" not in shown and "Zq8" not in shown, shown


@pytest.mark.parametrize("key", ["hunt2", "sk-ab1", "x"])
def test_a_short_key_in_an_error_withholds_the_message(key: str) -> None:
    assert error_message(401, {"error": {"message": f"Received API Key = {key}."}}, (key,)) == f"401: {WITHHELD}"
    assert error_message(401, {"error": {"message": f"key={quote(key + '/')}"}}, (key,)) == f"401: {WITHHELD}"
    other = error_message(503, {"error": {"message": "upstream timed out"}}, (key,))
    assert other == "503: upstream timed out"


def _config_error(tmp_path: Path, url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f"[prometheus]\nurl = {url!r}\n".replace("'", '"'), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, explicit=True)
    return str(info.value)


@pytest.mark.parametrize("password", ["Pa/ss-W0rd", "p@ss@word", "pa:ss:wd", "pa?ss=1", "pa#ss", "/?#@:x y"])
def test_a_config_url_never_shows_its_password(tmp_path: Path, password: str) -> None:
    message = _config_error(tmp_path, f"http://admin:{password}@prom.lab:9090/p q")  # the space: refused
    assert "admin" not in message and password not in message and "ss" not in message.split("(got", 1)[1]
    assert message.endswith("(got 'http://***@prom.lab:9090/p q')"), message


def test_a_url_without_a_scheme_never_shows_its_password(tmp_path: Path) -> None:
    message = _config_error(tmp_path, "admin:Pa/ss@prom.lab:9090")
    assert "Pa/ss" not in message and message.endswith("(got '***@prom.lab:9090')"), message
