"""The installed ``homelab-tui agent`` and ``homelab-tui check`` as separate processes against a demo-server."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.procs import installed, serve_demo

pytestmark = pytest.mark.e2e

demo = pytest.fixture(scope="module")(serve_demo)


@pytest.fixture
def env(tmp_path) -> Iterator[dict[str, str]]:
    run = Path(tempfile.mkdtemp(prefix="hl-", dir="/tmp"))  # short: an AF_UNIX path holds at most 107 bytes
    environ = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    yield {**environ, "XDG_RUNTIME_DIR": str(run), "XDG_STATE_HOME": str(tmp_path / "state")}
    shutil.rmtree(run, ignore_errors=True)


def _files(demo: dict) -> list[str]:
    return ["--kubeconfig", demo["kubeconfig"], "--config", demo["config"]]


def _check(demo: dict, env: dict, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([installed("homelab-tui"), "check", *_files(demo), *extra], env=env,
                          capture_output=True, text=True, timeout=60)


def _start_agent(demo: dict, env: dict, preexec=None) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([installed("homelab-tui"), "agent", *_files(demo)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=preexec)
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not sel.select(timeout=0.2):
            if proc.poll() is not None:
                break
            continue
        line = proc.stderr.readline()
        if "serving check" in line:
            return proc, line
        if not line:
            break
    proc.kill()
    raise AssertionError(f"the agent did not start: {proc.stderr.read()}")


def test_check_asks_a_running_agent_and_reads_the_sources_itself_once_it_stopped(demo, env):
    direct = _check(demo, env, "--json")
    assert json.loads(direct.stdout)["agent"] is False
    proc, started = _start_agent(demo, env)
    sockets = list(Path(env["XDG_RUNTIME_DIR"], "homelab-tui").glob("agent-*.sock"))
    try:
        assert len(sockets) == 1 and f"at {sockets[0]}" in started and "context homelab-demo" in started
        answered = _check(demo, env, "--json")
        doc = json.loads(answered.stdout)
        assert doc["agent"] is True and answered.stderr == ""
        assert answered.returncode == direct.returncode == doc["exit_code"]
        assert [(a["area"], a["state"]) for a in doc["areas"]] == \
            [(a["area"], a["state"]) for a in json.loads(direct.stdout)["areas"]]

        table = _check(demo, env)
        assert table.stdout.splitlines()[0].endswith("(answered by homelab-tui agent)")
        assert table.returncode == direct.returncode

        bypassed = _check(demo, env, "--json", "--no-agent")
        assert json.loads(bypassed.stdout)["agent"] is False

        for bad in (["--only", "bogus"], ["--only", ","]):
            via_agent, without = _check(demo, env, *bad), _check(demo, env, *bad, "--no-agent")
            assert via_agent.returncode == without.returncode == 3 and via_agent.stdout == ""
            assert via_agent.stderr == without.stderr and via_agent.stderr.count("\n") == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0 and err.strip().endswith("homelab-tui agent: stopped"), err
    assert not sockets[0].exists()
    after = _check(demo, env, "--json")
    assert json.loads(after.stdout)["agent"] is False and after.stderr == ""


def test_a_second_agent_for_the_same_files_exits_1_in_one_line(demo, env):
    proc, _ = _start_agent(demo, env)
    try:
        second = subprocess.run([installed("homelab-tui"), "agent", *_files(demo)], env=env, capture_output=True,
                                text=True, timeout=60)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
    assert second.returncode == 1 and second.stderr.count("\n") == 1
    assert second.stderr.startswith("homelab-tui agent: another agent already serves these kubeconfig")
    assert proc.returncode == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--demo"], "homelab-tui: agent takes no --demo: give it the kubeconfig and config of demo-server"),
    (["--kubeconfig", "/nonexistent/kubeconfig"],
     "homelab-tui agent: --kubeconfig /nonexistent/kubeconfig: no such file"),
    (["--config", "/nonexistent/config.toml"],
     "homelab-tui agent: config file /nonexistent/config.toml does not exist"),
])
def test_bad_input_exits_3_in_one_line_and_leaves_no_socket(env, args, message):
    done = subprocess.run([installed("homelab-tui"), "agent", *args], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 3 and done.stderr == message + "\n" and done.stdout == ""
    assert list(Path(env["XDG_RUNTIME_DIR"]).glob("homelab-tui/*.sock")) == []  # the lock file may stay


def _ignore_hangup() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # what nohup does before it starts the program


def test_a_hangup_stops_the_agent_unless_it_was_started_under_nohup(demo, env):
    proc, _ = _start_agent(demo, env)
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0 and err.strip().endswith("homelab-tui agent: stopped")

    proc, _ = _start_agent(demo, env, preexec=_ignore_hangup)
    try:
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert proc.poll() is None
        assert json.loads(_check(demo, env, "--json", "--only", "nodes").stdout)["agent"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert proc.returncode == 0
