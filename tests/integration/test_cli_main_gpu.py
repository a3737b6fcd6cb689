"""`gpu-mode` is reachable through the real entry point, with its documented exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "homelab_tui", *args], capture_output=True, text=True, timeout=120)


def test_status_on_the_demo_prints_the_mode():
    out = run("gpu-mode", "status", "--demo")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "GPU mode: ml"
    assert "  ml/vllm-server 1/1 ready" in out.stdout.splitlines() and "  ml/vllm-r1 scaled to 0" in out.stdout.splitlines()


def test_unknown_mode_is_exit_2_one_line():
    out = run("--demo", "gpu-mode", "turbo")
    assert out.returncode == 2
    assert "turbo" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_read_only_refuses_a_switch_with_exit_4():
    out = run("gpu-mode", "gaming", "--yes", "--demo", "--read-only")
    assert out.returncode == 4, out.stdout + out.stderr
    assert "read-only" in (out.stdout + out.stderr).lower()
    # the refusal is audited, in the test's own state directory (tests/conftest.py), never the user's
    (line,) = (Path(os.environ["XDG_STATE_HOME"]) / "homelab-tui" / "audit.jsonl").read_text().splitlines()
    assert json.loads(line)["outcome"] == "refused"
