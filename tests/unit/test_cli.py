"""Command-line errors: one clear line on stderr, a documented exit code, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from homelab_tui.cli import build_parser


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "homelab_tui", *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_help_documents_exit_codes_and_commands():
    out = run("--help")
    assert out.returncode == 0
    for text in ("demo-server", "check", "--kubeconfig", "--context", "--config", "--read-only", "--demo",
                 "exit codes", "HOMELAB_TUI_LITELLM_KEY"):
        assert text in out.stdout
    assert "--kubeconfig FILE" not in run("demo-server", "--help").stdout
    check = run("check", "--help").stdout
    assert "--kubeconfig" in check and "--read-only" not in check  # check never changes anything anyway


@pytest.mark.parametrize("args,code,fragment", [
    (["--bogus"], 2, "unrecognized arguments: --bogus"),
    (["frobnicate"], 2, "invalid choice"),
    (["--config", "/nonexistent/homelab.toml"], 3, "does not exist"),
    (["--kubeconfig", "/nonexistent/kubeconfig"], 3, "--kubeconfig /nonexistent/kubeconfig: no such file"),
    (["demo-server", "--scale", "0"], 2, "--scale"),
    (["demo-server", "--step", "0"], 2, "--step: expected a number of seconds above 0 and at most 86400, got '0'"),
    (["demo-server", "--step", "-1"], 2, "--step: expected a number of seconds"),
    (["demo-server", "--step", "inf"], 2, "--step: expected a number of seconds above 0 and at most 86400"),
    (["check", "--only", "certs,bogus"], 3, "unknown area 'bogus'"),
    (["check", "--nonsense"], 3, "unrecognized arguments: --nonsense (see homelab-tui check --help)"),
    (["check", "--wait", "-1"], 3, "--wait: expected a number of seconds from 0 to 86400, got '-1'"),
    (["check", "--wait", "nan"], 3, "--wait: expected a number of seconds from 0 to 86400"),
    (["check", "--wait", "inf"], 3, "--wait: expected a number of seconds from 0 to 86400"),
    (["check", "--wait", "1e10"], 3, "--wait: expected a number of seconds from 0 to 86400, got '1e10'"),
    (["check", "--wait", "soon"], 3, "--wait: expected a number of seconds from 0 to 86400"),
    (["gpu-mode", "--bogus"], 2, "unrecognized arguments: --bogus (see homelab-tui gpu-mode --help)"),
    (["demo-server", "--scale", "x"], 2, "(see homelab-tui demo-server --help)"),
    # demo-server serves its own cluster: a flag it would ignore is refused, before or after the command word
    (["--kubeconfig", "/x", "--demo", "demo-server"], 2,
     "demo-server takes no --kubeconfig, --demo: it writes its own kubeconfig and config.toml"),
    (["demo-server", "--config", "c.toml"], 2, "unrecognized arguments: --config c.toml (see homelab-tui demo-server"),
    # no abbreviated flags: --kube is not --kubeconfig (and cannot hide the command word)
    (["--kube", "/x", "check"], 2, "invalid choice: '/x'"),
    (["check", "--wai", "1"], 3, "unrecognized arguments: --wai"),
    (["check", "--only", ""], 3, "--only: no area named"),
    (["check", "--only", " , "], 3, "--only: no area named"),
    # "check" as the value of a global flag is not the check command: usage errors stay 2
    (["--context", "check", "--bogus"], 2, "unrecognized arguments: --bogus (see homelab-tui --help)"),
    (["--config=x", "--context", "lab", "check", "--bogus"], 3, "unrecognized arguments: --bogus"),
])
def test_bad_input_is_one_line_with_documented_code(args, code, fragment):
    out = run(*args)
    assert out.returncode == code, out.stderr
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_bad_config_file_content(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("[prometheus]\nurl = 42\n")
    out = run("--config", str(bad))
    assert out.returncode == 3 and "prometheus.url: expected a string" in out.stderr
    assert "Traceback" not in out.stderr


def test_global_flags_work_before_or_after_the_command():
    p = build_parser()
    before = p.parse_args(["--context", "lab", "--read-only", "check", "--json"])
    after = p.parse_args(["check", "--context", "lab", "--read-only", "--json"])
    for a in (before, after):
        assert a.context == "lab" and a.read_only and a.json and a.command == "check"


def test_no_key_flag_exists():
    out = run("--litellm-key", "sk-x")
    assert out.returncode == 2


def test_an_unexpected_error_is_one_line_without_its_text(monkeypatch, capsys):
    """A bug must not print a traceback, nor the exception's text (it may hold what a server sent)."""
    from homelab_tui import cli

    def broken(args):
        raise ValueError("s3cr3t-from-a-server")

    monkeypatch.setattr(cli, "_dashboard", broken)
    monkeypatch.delenv("HOMELAB_TUI_DEBUG", raising=False)
    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "homelab-tui: internal error (ValueError); set HOMELAB_TUI_DEBUG=1 to see where"
    monkeypatch.setattr(cli, "_check", broken)
    assert cli.main(["check"]) == 3
