"""Helpers to run the installed program: the console script next to the test interpreter."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest


def installed(name: str) -> str:
    """Path of an installed executable (the venv's bin first); fail (in CI) or skip when missing."""
    candidate = Path(sys.executable).parent / name
    path = str(candidate) if candidate.exists() else shutil.which(name)
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is not installed (pip install -e '.[test]' installs it)")
    pytest.skip(f"{name} is not installed")


def start_demo_server(*extra: str, timeout: float = 30.0, cwd: Path | None = None) -> tuple[subprocess.Popen, dict]:
    """Start ``homelab-tui demo-server`` and return the process and its JSON line."""
    proc = subprocess.Popen([installed("homelab-tui"), "demo-server", *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sel.select(timeout=0.2):
            line = proc.stdout.readline()
            if line:
                return proc, json.loads(line)
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"demo-server printed no JSON line; stderr: {proc.stderr.read()[-2000:]}")


def serve_demo() -> Iterator[dict]:
    """For a module fixture: a ``demo-server`` with fast pod transitions, its JSON line, stopped afterwards."""
    proc, info = start_demo_server("--step", "0.2")
    yield info
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)


def run_kubectl(info: dict, *args: str, manifest: str | None = None) -> subprocess.CompletedProcess:
    """A stock kubectl against that demo-server (``manifest`` on its stdin)."""
    return subprocess.run([installed("kubectl"), "--kubeconfig", info["kubeconfig"], "--request-timeout=10s", *args],
                          input=manifest, capture_output=True, text=True, timeout=60)
