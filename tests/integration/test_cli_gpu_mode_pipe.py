"""``homelab-tui gpu-mode`` as a real subprocess whose stdout is a pipe closed early, or closed from the start."""

from __future__ import annotations

import os
import subprocess
import sys

BROKEN = "homelab-tui: cannot write the result: Broken pipe"


def _argv(lab, *args: str) -> list[str]:
    return [sys.executable, "-m", "homelab_tui", "gpu-mode", *args, "--kubeconfig", str(lab.kubeconfig_path)]


def _env(tmp_path) -> dict[str, str]:
    return {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}


def _into_closed_pipe(lab, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """Run with stdout a pipe whose reader is gone before the first write (``| head -c0``, ``| true``)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(_argv(lab, *args), stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
                              env=_env(tmp_path))
    finally:
        os.close(write)


def test_status_into_a_closed_pipe_is_one_line_and_exit_1(lab, tmp_path):
    out = _into_closed_pipe(lab, tmp_path, "status")
    assert (out.returncode, out.stderr.strip()) == (1, BROKEN)


def test_status_piped_into_head_prints_its_first_line_only(lab, tmp_path):
    out = subprocess.run(["bash", "-o", "pipefail", "-c", '"$@" | head -1', "sh", *_argv(lab, "status")],
                         capture_output=True, text=True, timeout=120, env=_env(tmp_path))
    assert (out.returncode, out.stdout, out.stderr) == (0, "GPU mode: ml\n", "")


def test_status_with_stdout_closed_says_so(lab, tmp_path):
    out = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *_argv(lab, "status")], capture_output=True, text=True,
                         timeout=120, env=_env(tmp_path))
    assert (out.returncode, out.stderr.strip()) == (1, "homelab-tui: cannot write the result: stdout is closed")


def test_a_switch_into_a_closed_pipe_still_switches_and_says_it_once(lab, tmp_path):
    out = _into_closed_pipe(lab, tmp_path, "gaming", "--yes")
    assert out.returncode == 0, out.stderr
    assert [line for line in out.stderr.splitlines() if line.startswith("homelab-tui:")] == [BROKEN]
    assert "internal error" not in out.stderr
    assert lab.call(lambda: lab.store.get("deployments", "ml", "vllm-server"))["spec"]["replicas"] == 0
