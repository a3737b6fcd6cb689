"""``homelab-tui gpu-mode`` as a real subprocess: a missing audit line is said, a refused first write is exit 1."""

from __future__ import annotations

import os
import subprocess
import sys

from homelab_tui.cli_gpu import EXIT_SWITCH_FAILED


def gpu_mode(lab, *argv: str, state: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_STATE_HOME": state, "XDG_CONFIG_HOME": state + "-config"}
    return subprocess.run([sys.executable, "-m", "homelab_tui", "gpu-mode", *argv, "--kubeconfig",
                           str(lab.kubeconfig_path)], capture_output=True, text=True, timeout=120, env=env)


def _replicas(lab, name: str) -> int:
    return lab.call(lambda: lab.store.get("deployments", "ml", name))["spec"]["replicas"]


def test_a_switch_whose_audit_line_cannot_be_written_warns(lab, tmp_path):
    state = tmp_path / "afile"
    state.write_text("not a directory\n")
    out = gpu_mode(lab, "r1", "--yes", state=str(state))
    assert out.returncode == 0, out.stderr
    assert "GPU mode is r1" in out.stdout and _replicas(lab, "vllm-r1") == 1
    (warning,) = [line for line in out.stderr.splitlines() if "warning" in line]
    assert warning.startswith("homelab-tui: gpu-mode: warning: audit log ") and "not written" in warning
    assert state.read_text() == "not a directory\n"


def test_a_failed_switch_and_its_rollback_warn_of_the_audit_too(lab, tmp_path):
    def crash(dep: dict) -> None:
        dep["metadata"].setdefault("annotations", {})["demo.homelab-tui/crashloop"] = "true"
    lab.call(lambda: lab.store.mutate("deployments", "ml", "vllm-r1", crash))
    state = tmp_path / "afile"
    state.write_text("")
    out = gpu_mode(lab, "r1", "--yes", state=str(state))
    assert out.returncode == EXIT_SWITCH_FAILED, out.stderr
    assert "rolled back: GPU mode is ml" in out.stdout
    warnings = [line for line in out.stderr.splitlines() if line.startswith("homelab-tui: gpu-mode: warning:")]
    assert len(warnings) == 2  # the failed switch and its rollback


def test_a_refused_switch_record_changes_nothing_and_exits_1(lab, tmp_path):
    faults = lab.faults["kubernetes"]
    faults.status, faults.status_method = 403, "PATCH"
    out = gpu_mode(lab, "r1", "--yes", state=str(tmp_path / "state"))
    assert out.returncode == 1, out.stdout + out.stderr
    (line,) = [ln for ln in out.stderr.splitlines() if ln.startswith("homelab-tui:")]
    assert "switch ml → r1 on k3s-gpu-worker: the API refused the switch record: 403" in line
    assert line.endswith("nothing changed") and "GpuMode" not in line
    assert _replicas(lab, "vllm-server") == 1 and _replicas(lab, "vllm-r1") == 0
    faults.reset()
    status = gpu_mode(lab, "status", state=str(tmp_path / "state"))
    assert status.returncode == 0 and status.stdout.startswith("GPU mode: ml") and "not finished" not in status.stdout


def test_a_prompt_with_stdin_closed_is_not_confirmed(lab, tmp_path):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    out = subprocess.run(["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-m", "homelab_tui", "gpu-mode", "gaming",
                          "--kubeconfig", str(lab.kubeconfig_path)], capture_output=True, text=True, timeout=120,
                         env=env)
    assert out.returncode == 4 and out.stderr.strip().endswith("homelab-tui: gpu-mode: not confirmed: nothing changed")
    assert _replicas(lab, "vllm-server") == 1
