"""The installed `homelab-tui --demo` in a real pseudo-terminal: it shows the Overview with data and quits on `q`."""

from __future__ import annotations

import os
import pty
import re
import select
import struct
import subprocess
import time

import fcntl
import termios

import pytest

from tests.e2e.procs import installed

pytestmark = pytest.mark.e2e

ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


def _read_until(fd: int, needles: list[bytes], timeout: float) -> bytes:
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            plain = ANSI.sub(b"", buf)
            if all(n in plain for n in needles):
                return plain
    return ANSI.sub(b"", buf)


def test_demo_shows_overview_and_quits_with_q(tmp_path):
    exe = installed("homelab-tui")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 110, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "110", "LINES": "30",
           "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("HOMELAB_TUI_LITELLM_KEY", None)
    proc = subprocess.Popen([exe, "--demo"], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    try:
        # labels paint before any data: wait for text only data can produce (a node count, each source updated)
        data = [b"nodes Ready", b"kubernetes: updated", b"prometheus: updated", b"litellm: updated"]
        screen = _read_until(master, [b"Overview", b"Certificates", *data], timeout=40)
        assert b"Overview" in screen and b"Certificates" in screen, screen[-3000:]
        assert all(needle in screen for needle in data), screen[-3000:]
        _read_until(master, [b"\x00never"], timeout=0.5)  # keep draining the terminal
        os.write(master, b"q")
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            _read_until(master, [b"\x00never"], timeout=0.2)  # a full pty would block the app
        assert proc.poll() == 0, f"exit status {proc.poll()}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        os.close(master)


CRASHING_DASHBOARD = """
import sys
import homelab_tui.ui.app as ui_app
from homelab_tui.cli import main

class Crashing(ui_app.HomelabApp):
    BINDINGS = [("x", "crash", "Crash")]

    def action_crash(self):
        secret_value = "hunter2-" + "never-shown"  # a local, as a secret being patched would be
        raise RuntimeError("boom-" + "text")

ui_app.make_app = lambda services, **kw: Crashing(services)
sys.exit(main(["--demo"]))
"""


def _crash_in_a_pty(tmp_path, debug: bool) -> tuple[int | None, bytes]:
    import sys

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 110, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("HOMELAB_TUI_DEBUG", None)
    if debug:
        env["HOMELAB_TUI_DEBUG"] = "1"
    proc = subprocess.Popen([sys.executable, "-c", CRASHING_DASHBOARD], stdin=slave, stdout=slave, stderr=slave,
                            env=env, start_new_session=True)
    os.close(slave)
    out = b""
    try:
        out += _read_until(master, [b"Overview", b"kubernetes: updated"], timeout=40)
        os.write(master, b"x")
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            out += _read_until(master, [b"\x00never"], timeout=0.2)
        out += _read_until(master, [b"\x00never"], timeout=0.5)
        return proc.poll(), out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        os.close(master)


def test_a_bug_in_the_dashboard_ends_in_one_line_without_local_variables(tmp_path):
    """Textual's crash report lists every frame's locals (a secret being patched among them): never shown."""
    status, out = _crash_in_a_pty(tmp_path, debug=False)
    assert status == 1, out[-3000:]
    assert b"homelab-tui: internal error (RuntimeError); set HOMELAB_TUI_DEBUG=1 to see where" in out, out[-3000:]
    assert b"hunter2" not in out and b"boom-text" not in out and b"Traceback" not in out


def test_debug_shows_where_a_bug_happened_but_no_local_variable(tmp_path):
    status, out = _crash_in_a_pty(tmp_path, debug=True)
    assert status == 1, out[-3000:]
    assert b"action_crash" in out and b"RuntimeError" in out, out[-3000:]
    assert b"hunter2" not in out
