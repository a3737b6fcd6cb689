"""The audit log: 0600, parent dirs created, one JSON line per entry, append-only, concurrent-safe."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest

from homelab_tui.actions.audit import FIELDS, AuditLog
from homelab_tui.actions.secret_value import SecretValue

NOW = 1_800_000_000.0


def _entry(i: int = 0) -> dict:
    return {"action": "scale", "target": f"Deployment apps/n8n-{i}", "context": "homelab-demo", "user": "tom",
            "outcome": "ok", "message": "scaled", "details": {"from": 1, "to": 2}}


def test_creates_parents_and_a_private_file(tmp_path):
    log = AuditLog(tmp_path / "state" / "homelab-tui" / "audit.jsonl")
    line = log.append(_entry(), now=NOW)
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.path.parent.stat().st_mode) == 0o700
    assert list(line)[: len(FIELDS)] == list(FIELDS)
    assert line["time"] == "2027-01-15T08:00:00Z"
    assert log.read() == [line]


def test_appends_and_never_rewrites(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(_entry(1), now=NOW)
    first = log.path.read_bytes()
    log.append(_entry(2), now=NOW + 1)
    assert log.path.read_bytes().startswith(first)
    assert [e["target"] for e in log.read()] == ["Deployment apps/n8n-1", "Deployment apps/n8n-2"]


def test_default_path_follows_xdg_state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert AuditLog().path == tmp_path / "xdg" / "homelab-tui" / "audit.jsonl"


def test_a_secret_value_cannot_be_written(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    with pytest.raises(TypeError) as err:
        log.append({**_entry(), "details": {"value": SecretValue("planted-Secret-42")}}, now=NOW)
    assert "planted-Secret-42" not in str(err.value)
    assert not log.path.exists() or "planted-Secret-42" not in log.path.read_text()


def test_concurrent_writers_never_interleave(tmp_path):
    path = tmp_path / "audit.jsonl"
    big = "x" * 20000  # larger than PIPE_BUF: only the lock keeps lines whole

    def write(n: int) -> None:
        log = AuditLog(path)
        for i in range(25):
            log.append({**_entry(n * 100 + i), "message": big}, now=NOW)

    script = ("import sys; from homelab_tui.actions.audit import AuditLog\n"
              "log = AuditLog(sys.argv[1])\n"
              "for i in range(25): log.append({'action': 'p', 'message': 'y' * 20000}, now=0)\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path)]) for _ in range(2)]
    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for p in procs:
        assert p.wait(60) == 0
    lines = path.read_text().splitlines()
    assert len(lines) == 6 * 25
    assert all(isinstance(json.loads(line), dict) for line in lines)
    assert os.stat(path).st_size == sum(len(line) + 1 for line in lines)
