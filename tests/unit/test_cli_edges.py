"""The CLI as a real subprocess: closed stdout/stderr, repeated --only, the --help epilog, an unsaved /health."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.e2e.procs import installed


def run(*args: str, close: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    """``homelab-tui ARGS`` (the console script: ``cli.run``), with ``close`` = ">&-" or "2>&-" closing a stream."""
    cmd = f'exec "$@" {close}' if close else 'exec "$@"'
    return subprocess.run(["sh", "-c", cmd, "sh", installed("homelab-tui"), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_check_with_stdout_closed_is_unknown_with_one_line(tmp_path):
    out = run("check", "--demo", "--only", "nodes", close=">&-", env={"XDG_STATE_HOME": str(tmp_path)})
    assert out.returncode == 3
    assert out.stderr.strip() == "homelab-tui: cannot write the result: stdout is closed"


def test_an_error_with_stderr_closed_is_not_printed_on_stdout():
    for args, code in ((["check", "--kubeconfig", "/nonexistent/k"], 3), (["--kubeconfig", "/nonexistent/k"], 3),
                       (["check", "--wait", "x"], 3), (["--bogus"], 2)):
        out = run(*args, close="2>&-")
        assert (out.returncode, out.stdout) == (code, ""), args


def test_gpu_mode_with_stderr_closed_prints_nothing_on_stdout(tmp_path):
    out = run("gpu-mode", "turbo", close="2>&-", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert (out.returncode, out.stdout) == (2, "")


def test_only_given_twice_combines(tmp_path):
    out = run("check", "--demo", "--json", "--only", "nodes", "--only", "gpu,storage",
              env={"XDG_STATE_HOME": str(tmp_path)})
    assert out.returncode in (0, 1, 2), out.stderr
    assert [a["area"] for a in json.loads(out.stdout)["areas"]] == ["nodes", "storage", "gpu"]


def test_help_lists_every_exit_code():
    text = subprocess.run([sys.executable, "-m", "homelab_tui", "--help"], capture_output=True, text=True,
                          timeout=60).stdout
    for code in ("0", "1", "2", "3", "4", "5", "6", "130"):
        assert f"\n  {code} " in text
    assert "another switch started first" in " ".join(text.split())


def test_full_health_that_cannot_be_saved_says_so(tmp_path):
    state = tmp_path / "afile"
    state.write_text("")
    out = run("check", "--demo", "--only", "inference", "--full-health", env={"XDG_STATE_HOME": str(state)})
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == (f"homelab-tui: check: warning: the full /health result was not saved "
                                  f"({state}/homelab-tui/litellm-health.json: Not a directory); the next runs "
                                  "cannot reuse it")
    saved = run("check", "--demo", "--only", "inference", "--full-health", env={"XDG_STATE_HOME": str(tmp_path)})
    assert saved.returncode == 0 and saved.stderr == ""
    assert (tmp_path / "homelab-tui" / "litellm-health.json").is_file()
