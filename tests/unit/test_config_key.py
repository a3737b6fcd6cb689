"""The LiteLLM key: a bad key file is one line naming the file (never the key); the documented default key file
is read when nothing else names a key; a relative key_file is taken from the config file's directory."""

from __future__ import annotations

import os

import pytest

from homelab_tui.config import LITELLM_KEY_ENV, Settings, load_settings, read_litellm_key, settings_from_mapping
from homelab_tui.errors import ConfigError

SECRET = "sk-s3cr3t-value"


def key_error(path, environ=None) -> str:
    settings = settings_from_mapping({"litellm": {"key_file": str(path)}})
    with pytest.raises(ConfigError) as info:
        read_litellm_key(settings, environ or {})
    message = str(info.value)
    assert "\n" not in message and SECRET not in message and "s3cr3t" not in message
    return message


@pytest.mark.parametrize("content,fragment", [
    (b"\xff\xfe" + SECRET.encode(), "not UTF-8 text"),
    (b"", "the file is empty (it must hold the key)"),
    (b"  \n\n", "the file is empty"),
    (f"{SECRET}\n{SECRET}\n".encode(), "the key must be one line (found more than one)"),
    (f"{SECRET}\x07x\n".encode(), "the key must be printable ASCII (found a control or non-ASCII character)"),
    (f"{SECRET}é\n".encode(), "the key must be printable ASCII"),
])
def test_a_bad_key_file_is_one_line_naming_the_file(tmp_path, content, fragment):
    path = tmp_path / "litellm.key"
    path.write_bytes(content)
    message = key_error(path)
    assert message.startswith(f"litellm.key_file {path}: ") and fragment in message


def test_a_bad_key_in_the_environment_is_one_line_too(tmp_path):
    with pytest.raises(ConfigError) as info:
        read_litellm_key(Settings(), {LITELLM_KEY_ENV: f"{SECRET}\x1b[0m"})
    assert str(info.value) == f"{LITELLM_KEY_ENV}: the key must be printable ASCII (found a control or non-ASCII " \
                              "character)"


def test_the_default_key_file_is_read_when_nothing_names_a_key(tmp_path):
    environ = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert read_litellm_key(Settings(), environ) is None  # no file: no key, silently
    default = tmp_path / "homelab-tui" / "litellm.key"
    default.parent.mkdir()
    default.write_text(SECRET + "\n")
    assert read_litellm_key(Settings(), environ) == SECRET
    assert read_litellm_key(Settings(), {**environ, LITELLM_KEY_ENV: "sk-env"}) == "sk-env"
    other = tmp_path / "other.key"
    other.write_text("sk-other\n")
    named = settings_from_mapping({"litellm": {"key_file": str(other)}})
    assert read_litellm_key(named, environ) == "sk-other"
    default.write_text("")
    assert "the file is empty" in str(pytest.raises(ConfigError, read_litellm_key, Settings(), environ).value)


def test_a_relative_key_file_is_taken_from_the_config_files_directory(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "keys").mkdir()
    (conf / "keys" / "litellm.key").write_text(SECRET + "\n")
    (conf / "config.toml").write_text("[litellm]\nkey_file = 'keys/litellm.key'\n")
    elsewhere = tmp_path / "cron"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = load_settings(os.path.relpath(conf / "config.toml"), explicit=True)
    assert settings.litellm.key_file == str(conf / "keys" / "litellm.key")
    assert read_litellm_key(settings, {}) == SECRET


def test_a_key_file_under_the_home_directory_is_read(tmp_path, monkeypatch):
    """``key_file = "~/..."`` as the README shows it: the user's home, whatever the working directory."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "litellm.key").write_text(SECRET + "\n")
    (tmp_path / "config.toml").write_text("[litellm]\nkey_file = '~/litellm.key'\n")
    settings = load_settings(tmp_path / "config.toml", explicit=True)
    assert read_litellm_key(settings, {}) == SECRET
    assert read_litellm_key(settings_from_mapping({"litellm": {"key_file": "~/litellm.key"}}), {}) == SECRET


@pytest.mark.parametrize("value,expected", [("  ", "sk-from-file"), ("sk-env\n", "sk-env")])
def test_the_key_in_the_environment_is_stripped(tmp_path, value, expected):
    """A blank variable (``export HOMELAB_TUI_LITELLM_KEY=" "``) names no key: the key file is read. A key
    pasted with its newline is the key."""
    path = tmp_path / "litellm.key"
    path.write_text("sk-from-file\n")
    settings = settings_from_mapping({"litellm": {"key_file": str(path)}})
    assert read_litellm_key(settings, {LITELLM_KEY_ENV: value}) == expected
