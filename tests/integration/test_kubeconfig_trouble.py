"""Kubeconfigs that cannot work, a failing exec plugin, ``insecure-skip-tls-verify`` and servers that answer
errors, through the real CLI (subprocesses) against the demo lab.

Each is one line naming what is wrong, never a secret, never a stray warning or log line on stderr; a
server that answered is never called "unreachable".
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from homelab_tui.check import run_check
from homelab_tui.demo.runner import DemoLab
from homelab_tui.sources.kube_client import CLIENT_VARIABLE, KubeError, KubeTarget, load_kube_api
from tests.reliability.harness import lab_services

SECRET = "hunter2-0123456789abcdef"


def _run(lab: DemoLab, tmp_path: Path, *args: str, official: bool = False,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in (CLIENT_VARIABLE, "KUBECONFIG")}
    environ.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), **(env or {}))
    if official:
        environ[CLIENT_VARIABLE] = "official"
    return subprocess.run([sys.executable, "-m", "homelab_tui", *args, "--config", str(lab.config_path)],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, env=environ)


def _kubeconfig(lab: DemoLab, tmp_path: Path, name: str, edit: tuple[str, str]) -> Path:
    text, found = re.subn(edit[0], edit[1], lab.kubeconfig_path.read_text(encoding="utf-8"), flags=re.M)
    assert found == 1, edit
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _exec_user(command: str) -> tuple[str, str]:
    return (r"^    token: .*$", "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                                f"      command: {command}\n      interactiveMode: Never")


def _plugin(tmp_path: Path) -> Path:
    plugin = tmp_path / "login-plugin"
    plugin.write_text(f"#!/bin/sh\necho 'login failed for token {SECRET} password={SECRET}' >&2\n"
                      "echo 'a second line' >&2\nexit 1\n", encoding="utf-8")
    plugin.chmod(0o755)
    return plugin


@pytest.mark.parametrize("official", [False, True], ids=["direct", "official"])
def test_a_failing_exec_plugin_is_named_in_one_line_without_its_secrets(lab: DemoLab, tmp_path: Path,
                                                                        official: bool) -> None:
    plugin = _plugin(tmp_path)
    kubeconfig = _kubeconfig(lab, tmp_path, "exec", _exec_user(str(plugin)))
    out = _run(lab, tmp_path, "check", "--json", "--only", "nodes", "--kubeconfig", str(kubeconfig),
               official=official)
    assert out.returncode == 3 and out.stderr == "", out.stderr
    doc = json.loads(out.stdout)
    assert doc["areas"][0]["reason"] == (f"kubernetes: kubeconfig exec plugin {plugin} failed: process returned 1. "
                                         "login failed for token *** password=***")
    assert doc["context"] == "homelab-demo"
    status = _run(lab, tmp_path, "gpu-mode", "status", "--kubeconfig", str(kubeconfig), official=official)
    assert status.returncode == 3 and status.stderr.count("\n") == 1, status.stderr
    assert f"exec plugin {plugin} failed" in status.stderr
    for text in (out.stdout, status.stdout + status.stderr):
        assert SECRET not in text and "ERROR:root" not in text and "second line" not in text


def test_a_missing_exec_plugin_is_named(lab: DemoLab, tmp_path: Path) -> None:
    kubeconfig = _kubeconfig(lab, tmp_path, "exec", _exec_user("/nonexistent/kube-login"))
    out = _run(lab, tmp_path, "check", "--only", "nodes", "--kubeconfig", str(kubeconfig))
    assert out.returncode == 3 and out.stderr == "", out.stderr
    assert "kubeconfig exec plugin /nonexistent/kube-login failed: " in out.stdout


@pytest.mark.parametrize("official", [False, True], ids=["direct", "official"])
def test_insecure_skip_tls_verify_reads_the_cluster_without_warnings(lab: DemoLab, tmp_path: Path,
                                                                     official: bool) -> None:
    kubeconfig = _kubeconfig(lab, tmp_path, "insecure", (r"^    certificate-authority-data: .*$",
                                                         "    insecure-skip-tls-verify: true"))
    out = _run(lab, tmp_path, "check", "--only", "nodes,gpu", "--kubeconfig", str(kubeconfig), official=official)
    assert out.returncode == 0 and out.stderr == "", out.stdout + out.stderr
    status = _run(lab, tmp_path, "gpu-mode", "status", "--kubeconfig", str(kubeconfig), official=official)
    assert status.returncode == 0 and status.stderr == "", status.stderr


def test_a_cluster_without_a_server_is_a_kubeconfig_error(lab: DemoLab, tmp_path: Path) -> None:
    kubeconfig = _kubeconfig(lab, tmp_path, "noserver", (r"^    server: .*\n", ""))
    out = _run(lab, tmp_path, "check", "--only", "nodes", "--kubeconfig", str(kubeconfig))
    assert out.returncode == 3 and out.stderr == "", out.stderr
    assert f"{kubeconfig}: cluster 'homelab-demo' has no server" in out.stdout


def test_a_server_without_a_scheme_is_tls_as_for_kubectl_or_a_clear_error(lab: DemoLab, tmp_path: Path) -> None:
    kubeconfig = _kubeconfig(lab, tmp_path, "noscheme", (r"^    server: https://", "    server: "))
    out = _run(lab, tmp_path, "check", "--only", "nodes", "--kubeconfig", str(kubeconfig))
    assert out.returncode == 0 and out.stderr == "", out.stdout + out.stderr
    official = _run(lab, tmp_path, "check", "--only", "nodes", "--kubeconfig", str(kubeconfig), official=True)
    assert official.returncode == 3 and official.stderr == "", official.stderr
    assert "needs https:// in front of it" in official.stdout


def test_the_context_is_named_while_the_api_is_down(lab: DemoLab, tmp_path: Path) -> None:
    lab.set_down("kubernetes", True)
    out = _run(lab, tmp_path, "check", "--json", "--only", "nodes", "--wait", "3", "--kubeconfig",
               str(lab.kubeconfig_path))
    doc = json.loads(out.stdout)
    assert out.returncode == 3 and doc["context"] == "homelab-demo", doc
    assert doc["areas"][0]["reason"] == "kubernetes: API unreachable: connection refused"


@pytest.mark.parametrize("fault,reason", [
    ({"status": 500}, "kubernetes: API answered 500 InternalError: injected fault: 500"),
    ({"status": 404}, "kubernetes: API answered 404 NotFound: injected fault: 404"),
    ({"malformed": True}, "kubernetes: API answered with malformed JSON (HTTP 200)"),
    ({"status": 401}, "kubernetes: API refused every request: 401 Unauthorized: injected fault: 401"),
])
def test_a_server_that_answered_is_not_called_unreachable(lab: DemoLab, fault: dict, reason: str) -> None:
    for name, value in fault.items():
        setattr(lab.faults["kubernetes"], name, value)
    services = lab_services(lab)
    try:
        report = run_check(services, areas=("nodes",), wait=3.0)
    finally:
        services.close()
    assert report.exit_code == 3 and report.areas[0].reason == reason, report.areas[0]


def test_a_password_in_the_server_url_is_never_shown(lab: DemoLab, tmp_path: Path) -> None:
    kubeconfig = _kubeconfig(lab, tmp_path, "userinfo", (r"^    server: .*$",
                                                         f"    server: https://tom:{SECRET}@127.0.0.1:99999"))
    out = _run(lab, tmp_path, "check", "--only", "nodes", "--kubeconfig", str(kubeconfig))
    assert out.returncode == 3 and "https://***@127.0.0.1:99999" in out.stdout, out.stdout
    assert SECRET not in out.stdout + out.stderr
    assert load_kube_api(KubeTarget(str(kubeconfig)), 3.0).server == "https://***@127.0.0.1:99999"


@pytest.mark.parametrize("edit,message", [
    ((r"^    certificate-authority-data: .*$", "    certificate-authority-data: 'not*base64!'"),
     "{path}: certificate-authority-data is not valid base64"),
    ((r"^    token: .*$", "    tokenFile: /nonexistent/token"),
     "{path}: tokenFile /nonexistent/token: No such file or directory"),
    ((r"^    server: .*$", "    server: 5"),
     "{path}: not a kubeconfig (the server of cluster 'homelab-demo' is not text)"),
    ((r"^  context:\n    cluster: homelab-demo\n    user: homelab-demo-admin$", "  context: homelab-demo"),
     "{path}: not a kubeconfig (context 'homelab-demo' is not a mapping)"),
    ((r"^clusters:\n(?:[ -].*\n)*", "clusters: 5\n"), "{path}: not a kubeconfig (clusters is not a list)"),
])
def test_a_broken_kubeconfig_says_what_is_wrong(lab: DemoLab, tmp_path: Path, edit: tuple[str, str],
                                               message: str) -> None:
    path = _kubeconfig(lab, tmp_path, "broken", edit)
    with pytest.raises(KubeError) as err:
        load_kube_api(KubeTarget(str(path)), 3.0)
    assert err.value.message == message.format(path=path)


def test_kubeconfig_paths_that_are_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KubeError, match=f"^{tmp_path}: is a directory$"):
        load_kube_api(KubeTarget(str(tmp_path)), 3.0)
    monkeypatch.setenv("KUBECONFIG", "::")
    with pytest.raises(KubeError, match=r"^no kubeconfig found \(\$KUBECONFIG names no file\)$"):
        load_kube_api(KubeTarget(), 3.0)
    with pytest.raises(KubeError, match=r"^no kubeconfig found \(--kubeconfig names no file\)$"):
        load_kube_api(KubeTarget(""), 3.0)


def test_an_unreadable_kubeconfig_says_it_cannot_be_read(lab: DemoLab, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path.read_text

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        if self == lab.kubeconfig_path:
            raise PermissionError(13, "Permission denied")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", refuse)  # the tests run as root, who can read a 0000 file
    with pytest.raises(KubeError, match=r": cannot read \(Permission denied\)$"):
        load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 3.0)
