"""Fingerprints are keyed (ADR-010): an HMAC under a random key of this install, made once, private, shared by
dashboards starting at the same moment; without a key they read '—' and say why, and nothing is patched."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from homelab_tui.actions.secret_info import describe_secret
from homelab_tui.actions.secret_value import NO_FINGERPRINT, SecretValue, fingerprint, fingerprint_problem

#: the review's brute-force target: a 3-byte username
WEAK = b"tom"


def _key_path() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "homelab-tui" / "fingerprint.key"


def test_the_key_is_made_on_first_use_private_and_beside_the_audit_log():
    assert not _key_path().exists()
    shown = fingerprint(WEAK)
    key = _key_path()
    assert len(key.read_bytes()) == 32 and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert [p.name for p in key.parent.iterdir()] == ["fingerprint.key"]  # no temporary file left behind
    assert shown.startswith("hmac:") and len(shown) == len("hmac:") + 12
    assert shown == fingerprint(WEAK) == SecretValue("tom").fingerprint  # values compare within an install
    assert shown != fingerprint(b"tim") and fingerprint_problem() == ""


def test_hashing_guesses_no_longer_recovers_a_weak_value(tmp_path, monkeypatch):
    shown = fingerprint(WEAK)
    guesses = [b"tom", b"admin", b"changeme", b"true", *(str(n).encode() for n in range(10000))]
    hashed = {hashlib.sha256(g).hexdigest()[:12] for g in guesses}
    assert shown.removeprefix("hmac:") not in hashed
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "another-install"))
    assert fingerprint(WEAK) != shown  # another install, another key


_CHILD = """
import os, sys, time
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.001)
from homelab_tui.actions.secret_value import fingerprint
print(fingerprint(b"tom"))
"""


def test_dashboards_starting_together_end_up_with_one_key(tmp_path):
    state, go = tmp_path / "state", tmp_path / "go"
    env = {**os.environ, "XDG_STATE_HOME": str(state)}
    children = [subprocess.Popen([sys.executable, "-c", _CHILD, str(go)], env=env, stdout=subprocess.PIPE,
                                 text=True, cwd=Path(__file__).parents[2]) for _ in range(6)]
    time.sleep(0.5)  # let them import and wait at the line (not a timed assertion: any timing must pass)
    go.touch()
    shown = {child.communicate(timeout=60)[0].strip() for child in children}
    assert all(child.returncode == 0 for child in children)
    assert len(shown) == 1 and shown.pop().startswith("hmac:")
    assert sorted(p.name for p in (state / "homelab-tui").iterdir()) == ["fingerprint.key"]


def test_no_state_directory_shows_a_dash_and_one_line_why(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    assert fingerprint(WEAK) == NO_FINGERPRINT
    problem = fingerprint_problem()
    assert problem.startswith("fingerprint key ") and str(blocker) in problem and "\n" not in problem
    secret = {"metadata": {"name": "x-secrets", "namespace": "apps"}, "data": {"username": "dG9t"}}
    (key,) = describe_secret(secret).keys
    assert key.fingerprint == NO_FINGERPRINT and key.size == 3


@pytest.mark.parametrize("content", [b"", b"short", bytes(33)], ids=["empty", "short", "long"])
def test_a_damaged_key_is_reported_and_kept(content):
    path = _key_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert fingerprint(WEAK) == NO_FINGERPRINT
    assert fingerprint_problem() == f"fingerprint key {path} is not a 32-byte key (move it away to make a new one)"
    assert path.read_bytes() == content  # never overwritten: old fingerprints stay comparable once it is fixed
