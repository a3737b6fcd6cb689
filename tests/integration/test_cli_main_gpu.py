"""`gpu-mode` is reachable through the real entry point, with its documented exit codes."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "homelab_tui", *args], capture_output=True, text=True, timeout=120)


def test_status_on_the_demo_prints_the_mode():
    out = run("gpu-mode", "status", "--demo")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "GPU mode: ml"


def test_unknown_mode_is_exit_2_one_line():
    out = run("--demo", "gpu-mode", "turbo")
    assert out.returncode == 2
    assert "turbo" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_read_only_refuses_a_switch_with_exit_4():
    out = run("gpu-mode", "gaming", "--yes", "--demo", "--read-only")
    assert out.returncode == 4, out.stdout + out.stderr
    assert "read-only" in (out.stdout + out.stderr).lower()
