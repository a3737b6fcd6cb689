"""`q` ends the dashboard in a real pseudo-terminal while its read-only workers are blocked: servers that
accept and never answer (LiteLLM, Prometheus, the Kubernetes API, all with long timeouts), and an NVML that
never returns from ``nvmlInit`` (a GPU wedged after an Xid error), which the GPU screen names.

The bound on the exit is a liveness check, far below the timeouts the blocked reads would otherwise run to."""

from __future__ import annotations

import fcntl
import os
import pty
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.procs import installed
from tests.e2e.test_tui_pty import _read_until

pytestmark = pytest.mark.e2e

#: far longer than the bound below: a worker blocked on a read that the exit waits for fails the test
TIMEOUT = 300
EXIT_BOUND = 10.0

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: silent
  cluster:
    server: https://127.0.0.1:{port}
    insecure-skip-tls-verify: true
contexts:
- name: silent
  context: {{cluster: silent, user: silent}}
current-context: silent
users:
- name: silent
  user: {{token: not-a-secret}}
"""

CONFIG = """[kubernetes]
timeout = {timeout}
[prometheus]
url = "http://127.0.0.1:{port}"
timeout = {timeout}
interval = 1
[litellm]
url = "http://127.0.0.1:{port}"
timeout = {timeout}
"""

#: the dashboard with a pynvml that hangs in nvmlInit (NVML itself has no timeout)
WEDGED_NVML = """
import sys, threading, types
import homelab_tui.sources.nvml as nvml

class NVMLError(Exception):
    pass

stub = types.ModuleType("pynvml")
stub.NVMLError = NVMLError
stub.NVMLError_NotSupported = NVMLError
stub.nvmlInit = lambda: threading.Event().wait()
stub.nvmlShutdown = lambda: threading.Event().wait()
sys.modules["pynvml"] = stub
nvml.nvml_library_loadable = lambda: True
from homelab_tui.cli import run
sys.argv[0] = "homelab-tui"
run()
"""


class SilentServer:
    """127.0.0.1: accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self._held.append(conn)
            self.accepted.set()

    def close(self) -> None:
        self.sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def _files(tmp_path: Path, port: int) -> list[str]:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG.format(port=port))
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(port=port, timeout=TIMEOUT))
    return ["--kubeconfig", str(kubeconfig), "--config", str(config)]


def _start(argv: list[str], tmp_path: Path) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 110, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "HOMELAB_TUI_LITELLM_KEY": "sk-test-key"}
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    return proc, master


def _quit_and_wait(proc: subprocess.Popen, master: int) -> bool:
    """Press q; whether the process ended within EXIT_BOUND."""
    os.write(master, b"q")
    deadline = time.monotonic() + EXIT_BOUND
    while proc.poll() is None and time.monotonic() < deadline:
        _read_until(master, [b"\x00never"], timeout=0.2)  # a full pty would block the app
    return proc.poll() is not None


def _stop(proc: subprocess.Popen, master: int) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=5)
    os.close(master)


def test_q_ends_the_dashboard_while_every_server_is_silent(tmp_path: Path, silent: SilentServer) -> None:
    proc, master = _start([installed("homelab-tui"), *_files(tmp_path, silent.port)], tmp_path)
    try:
        screen = _read_until(master, [b"Overview", b"litellm:"], timeout=40)
        assert b"Overview" in screen, screen[-3000:]
        assert silent.accepted.wait(20), "no source connected to the silent server"
        _read_until(master, [b"\x00never"], timeout=1.0)  # the polls are now blocked in their reads
        assert _quit_and_wait(proc, master), f"still running {EXIT_BOUND:g} s after q"
        assert proc.returncode == 0
    finally:
        _stop(proc, master)


def test_a_wedged_nvml_is_named_on_the_gpu_screen_and_q_still_ends(tmp_path: Path, silent: SilentServer) -> None:
    proc, master = _start([sys.executable, "-c", WEDGED_NVML, *_files(tmp_path, silent.port)], tmp_path)
    try:
        _read_until(master, [b"Overview"], timeout=40)
        os.write(master, b"5")
        # the NVML call has not answered for 2 poll intervals (2 s here): a source error, not "loading"
        screen = _read_until(master, [b"NVML not answering for"], timeout=30)
        assert b"No GPU telemetry: NVML not answering for" in screen, screen[-3000:]
        assert _quit_and_wait(proc, master), f"still running {EXIT_BOUND:g} s after q"
        assert proc.returncode == 0
    finally:
        _stop(proc, master)
