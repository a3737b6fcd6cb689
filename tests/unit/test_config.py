"""Settings: home-lab defaults, strict validation with one-line errors, secrets only from env or file."""

from __future__ import annotations

import pytest

from homelab_tui.config import (LITELLM_KEY_ENV, Settings, default_audit_path, default_config_path, load_settings,
                                read_litellm_key, settings_from_mapping)
from homelab_tui.errors import ConfigError


def test_defaults_are_the_home_lab():
    s = Settings()
    assert set(s.namespaces) == {"kube-system", "infra", "monitoring", "data", "apps", "ml", "docs", "dev"}
    assert s.gpu.mode("ml").deployment == "vllm-server"
    assert s.gpu.mode("r1").deployment == "vllm-r1"
    assert s.gpu.mode("gaming").deployment == ""
    assert s.inference.chain == ("vllm-qwen", "ollama-qwen", "openai-gpt4o")
    assert s.inference.backend("openai-gpt4o").paid
    assert s.cluster_issuer == "letsencrypt-prod"
    assert s.litellm.health_interval >= 300


def test_xdg_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    assert default_config_path() == tmp_path / "c" / "homelab-tui" / "config.toml"
    assert default_audit_path() == tmp_path / "s" / "homelab-tui" / "audit.jsonl"


def test_full_file_round_trip(tmp_path):
    f = tmp_path / "config.toml"
    f.write_text("""
[prometheus]
url = "http://prometheus.monitoring.svc:9090"
timeout = 2
[litellm]
health_interval = 600
[thresholds]
cert_warn_days = 21
[gpu]
switch_timeout = 900
[gpu.modes.ml]
deployment = "vllm-server"
[gpu.modes.gaming]
deployment = ""
replicas = 0
[inference]
chain = ["vllm-qwen", "ollama-qwen"]
[inference.backends.ollama-qwen]
namespace = "ml"
deployment = "ollama"
""")
    s = load_settings(f, explicit=True)
    assert s.prometheus.url.startswith("http://prometheus")
    assert s.prometheus.timeout == 2.0
    assert s.litellm.health_interval == 600
    assert s.thresholds.cert_warn_days == 21
    assert [m.name for m in s.gpu.modes] == ["ml", "gaming"]
    assert s.gpu.switch_timeout == 900
    assert s.inference.chain == ("vllm-qwen", "ollama-qwen")
    assert s.inference.backend("ollama-qwen").deployment == "ollama"


@pytest.mark.parametrize("text,fragment", [
    ("[prometheus]\nurl = 5\n", "prometheus.url: expected a string"),
    ("[prometheus]\nurll = 'x'\n", "prometheus.urll: unknown key"),
    ("[promethus]\n", "promethus: unknown section"),
    ("[thresholds]\ncert_warn_days = 'soon'\n", "cert_warn_days: expected a number"),
    ("[thresholds]\ncert_warn_days = 2\ncert_fail_days = 5\n", "cert_fail_days must be below cert_warn_days"),
    ("[litellm]\nurl = 'litellm:4000'\n", "litellm.url must be http:// or https://HOST[:PORT][/PATH]"),
    ("[kubernetes]\ntimeout = 0\n", "kubernetes.timeout must be positive (seconds), got 0"),
    ("not toml = = =", "invalid TOML"),
    ("[inference]\nchain = 'vllm-qwen'\n", "expected a list"),
    ("[inference]\nbackends = { foo = 'x' }\n", "inference.backends.foo: expected a table"),
    ("[inference]\nbackends = 5\n", "inference.backends: expected a table"),
])
def test_bad_files_give_one_line_errors(tmp_path, text, fragment):
    f = tmp_path / "config.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(f, explicit=True)
    message = str(info.value)
    assert fragment in message and "\n" not in message


def test_missing_default_file_means_defaults_but_explicit_is_an_error(tmp_path):
    assert load_settings(tmp_path / "none.toml") == Settings()
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "none.toml", explicit=True)


def test_non_utf8_file(tmp_path):
    f = tmp_path / "config.toml"
    f.write_bytes(b"\xff\xfe[x]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(f, explicit=True)


def test_litellm_key_from_env_or_file_never_elsewhere(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("sk-from-file\n")
    s = settings_from_mapping({"litellm": {"key_file": str(key_file)}})
    assert read_litellm_key(s, {}) == "sk-from-file"
    assert read_litellm_key(s, {LITELLM_KEY_ENV: "sk-from-env"}) == "sk-from-env"
    assert read_litellm_key(Settings(), {}) is None
    missing = settings_from_mapping({"litellm": {"key_file": str(tmp_path / "missing")}})
    with pytest.raises(ConfigError) as info:
        read_litellm_key(missing, {})
    assert "cannot read" in str(info.value)


def test_namespaces_add_to_the_home_labs_table():
    s = settings_from_mapping({"namespaces": {"gpu-operator": "NVIDIA GPU Operator", "dev": ""}})
    assert s.namespaces["gpu-operator"] == "NVIDIA GPU Operator" and s.namespaces["apps"] == "Applications"
    assert "dev" not in s.namespaces  # an empty purpose takes a namespace out


def test_the_readmes_configuration_example_loads_and_keeps_the_defaults():
    import tomllib
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    s = settings_from_mapping(tomllib.loads(block), "README.md")
    defaults = Settings()
    assert (s.prometheus, s.kubernetes, s.thresholds, s.gpu) == (defaults.prometheus, defaults.kubernetes,
                                                                 defaults.thresholds, defaults.gpu)
    assert s.inference == defaults.inference and s.domain == defaults.domain
    assert s.litellm.key_file == defaults.litellm.key_file  # the example names no key file: the default applies
    assert set(s.namespaces) == set(defaults.namespaces) | {"gpu-operator"}
