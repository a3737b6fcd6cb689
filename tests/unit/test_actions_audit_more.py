"""The audit log after a write that failed part-way (file size limit, full disk) or a line torn by a crash."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

from homelab_tui.actions.audit import AuditLog

NOW = 1_800_000_000.0
ROOT = Path(__file__).resolve().parents[2]

#: appends one long line under a file size limit that lets only part of it through (a real short write, then
#: EFBIG), like a disk that fills up mid-line; prints the errno the append raised
SHORT_WRITE = """
import os, resource, signal, sys
from homelab_tui.actions.audit import AuditLog
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = os.path.getsize(sys.argv[1]) + 100
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    AuditLog(sys.argv[1]).append({"action": "scale", "message": "y" * 5000}, now=0)
except OSError as exc:
    print(exc.errno)
"""


def _entry(i: int) -> dict:
    return {"action": "scale", "target": f"Deployment apps/n8n-{i}", "outcome": "ok", "message": "scaled"}


def test_a_write_that_fails_part_way_leaves_no_torn_line(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(_entry(1), now=NOW)
    before = log.path.read_bytes()
    child = subprocess.run([sys.executable, "-c", SHORT_WRITE, str(log.path)], capture_output=True, text=True,
                           timeout=60, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == str(errno.EFBIG)  # the append did fail, after writing part of its line
    assert log.path.read_bytes() == before
    log.append(_entry(2), now=NOW)
    assert [e["target"] for e in log.read()] == ["Deployment apps/n8n-1", "Deployment apps/n8n-2"]


def test_a_line_torn_by_a_crash_does_not_swallow_the_next_one(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(_entry(1), now=NOW)
    with log.path.open("ab") as f:
        f.write(b'{"time": "2027-01-15T08:00:00Z", "action": "sca')  # killed mid-write, before the newline
    log.append(_entry(2), now=NOW)
    assert [e["target"] for e in log.read()] == ["Deployment apps/n8n-1", "Deployment apps/n8n-2"]
    assert log.path.read_bytes().endswith(b"\n") and len(log.path.read_bytes().splitlines()) == 3
