"""A kubeconfig exec plugin (a real script run by the real CLI against the demo lab) never inherits the LiteLLM
key, and what it says on stderr about its own secrets (``client_secret=``, ``refresh_token=``) is masked
while its words stay readable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from homelab_tui.demo.runner import DemoLab
from homelab_tui.sources.kube_client import CLIENT_VARIABLE

CLIENT_SECRET = "QwErTyUiOpAsDfGhJkLzXcVb"  # no digit: only its name gives it away
REFRESH = "ZxCvBnMaSdFgHjKlQwErTyUi"


def _exec_kubeconfig(lab: DemoLab, tmp_path: Path, plugin: Path) -> Path:
    text, found = re.subn(r"^    token: .*$", "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                          f"      command: {plugin}\n      interactiveMode: Never",
                          lab.kubeconfig_path.read_text(encoding="utf-8"), flags=re.M)
    assert found == 1
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(text, encoding="utf-8")
    return kubeconfig


def _env(tmp_path: Path, key: str, official: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (CLIENT_VARIABLE, "KUBECONFIG")}
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               HOMELAB_TUI_LITELLM_KEY=key)
    if official:
        env[CLIENT_VARIABLE] = "official"
    return env


def _check(lab: DemoLab, tmp_path: Path, plugin: Path, official: bool = False) -> dict:
    config = tmp_path / "config.toml"  # no key file: the key can only come from the variable
    config.write_text(re.sub(r'(?m)^key_file = ".*"$', f'key_file = "{tmp_path / "none.key"}"',
                             lab.config_path.read_text(encoding="utf-8")), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "homelab_tui", "check", "--json", "--only", "nodes,inference",
                          "--wait", "10", "--config", str(config), "--kubeconfig",
                          str(_exec_kubeconfig(lab, tmp_path, plugin))],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                         env=_env(tmp_path, lab.litellm_key, official))
    assert out.stderr == "", out.stderr
    return json.loads(out.stdout)


def _env_plugin(lab: DemoLab, tmp_path: Path) -> tuple[Path, Path]:
    """A plugin that writes its environment to a file and hands out the lab's token; (plugin, that file)."""
    seen, plugin = tmp_path / "plugin-env.txt", tmp_path / "login-plugin"
    match = re.search(r"(?m)^    token: (.*)$", lab.kubeconfig_path.read_text(encoding="utf-8"))
    assert match
    credential = json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                             "status": {"token": match.group(1).strip()}})
    plugin.write_text(f"#!/bin/sh\nenv > {seen}\necho '{credential}'\n", encoding="utf-8")
    plugin.chmod(0o755)
    return plugin, seen


@pytest.mark.parametrize("official", [False, True], ids=["direct", "official"])
def test_an_exec_plugin_never_inherits_the_litellm_key(lab: DemoLab, tmp_path: Path, official: bool) -> None:
    plugin, seen = _env_plugin(lab, tmp_path)
    doc = _check(lab, tmp_path, plugin, official)
    states = {a["area"]: a["state"] for a in doc["areas"]}
    assert states == {"nodes": "ok", "inference": "ok"}, doc  # the plugin ran; the key was read and used
    env = seen.read_text(encoding="utf-8")
    assert "PATH=" in env and "HOMELAB_TUI_LITELLM_KEY" not in env and lab.litellm_key not in env


def test_a_plugins_client_secret_and_refresh_token_are_masked(lab: DemoLab, tmp_path: Path) -> None:
    plugin = tmp_path / "login-plugin"
    plugin.write_text("#!/bin/sh\necho 'oidc-login: token refresh failed: "
                      f"client_secret={CLIENT_SECRET} refresh_token={REFRESH} invalid_grant' >&2\nexit 1\n",
                      encoding="utf-8")
    plugin.chmod(0o755)
    doc = _check(lab, tmp_path, plugin)
    nodes = next(a for a in doc["areas"] if a["area"] == "nodes")
    assert nodes["reason"].startswith(f"kubernetes: kubeconfig exec plugin {plugin} failed: process returned 1. "
                                      "oidc-login: token refresh failed: client_secret=*** refresh_token=***")
    text = json.dumps(doc)
    assert CLIENT_SECRET not in text and REFRESH not in text


def test_gpu_mode_never_hands_the_litellm_key_to_an_exec_plugin(lab: DemoLab, tmp_path: Path) -> None:
    plugin, seen = _env_plugin(lab, tmp_path)
    out = subprocess.run([sys.executable, "-m", "homelab_tui", "gpu-mode", "status", "--config", str(lab.config_path),
                          "--kubeconfig", str(_exec_kubeconfig(lab, tmp_path, plugin))],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                         env=_env(tmp_path, lab.litellm_key))
    assert out.returncode == 0 and out.stderr == "", out.stdout + out.stderr
    env = seen.read_text(encoding="utf-8")  # the plugin ran
    assert "HOMELAB_TUI_LITELLM_KEY" not in env and lab.litellm_key not in env
