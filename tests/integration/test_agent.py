"""``homelab-tui agent`` in-process against the simulated home-lab: what it answers, when it declines, and that
``check`` falls back to reading the sources whenever no agent can answer (ADR-011)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from homelab_tui import agent as agent_module
from homelab_tui import agent_link
from homelab_tui.agent import Agent, AgentError
from homelab_tui.agent_link import PROTOCOL, AgentUnavailable, ask, check_via_agent
from homelab_tui.config import LITELLM_KEY_ENV


def _flags(lab, **kw) -> argparse.Namespace:
    base = {"kubeconfig": str(lab.kubeconfig_path), "context": None, "config": str(lab.config_path), "demo": False,
            "only": None, "conventions": False, "wait": 10.0, "full_health": False, "json": True, "no_agent": False}
    return argparse.Namespace(**{**base, **kw})


@pytest.fixture
def short() -> Iterator[Path]:
    """A short directory: an AF_UNIX socket path holds at most 107 bytes, and pytest's tmp_path is long."""
    path = Path(tempfile.mkdtemp(prefix="hl-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def run_user(short) -> Path:
    return short / "no-run-user"  # /run/user/UID exists on a desktop, not here: the tests say where


@pytest.fixture
def env(short, tmp_path) -> dict[str, str]:
    run = short / "run"
    run.mkdir(mode=0o700)
    return {"XDG_RUNTIME_DIR": str(run), "XDG_STATE_HOME": str(tmp_path / "state")}


def _serve(lab, env, run_user, **kw) -> tuple[Agent, threading.Thread]:
    served = Agent(_flags(lab, **kw), environ=dict(env), run_user=run_user)
    served.bind()
    served.load()
    thread = threading.Thread(target=served.serve, daemon=True)
    thread.start()
    return served, thread


@pytest.fixture
def agent(lab, env, run_user, monkeypatch) -> Iterator[Agent]:
    monkeypatch.setenv("XDG_STATE_HOME", env["XDG_STATE_HOME"])  # the agent's saved /health result
    served, thread = _serve(lab, env, run_user)
    yield served
    served.stop.set()
    thread.join(5)
    served.close()


def _answer(lab, env, run_user, **kw) -> tuple[str, int, list[str]] | None:
    return check_via_agent(_flags(lab, **kw), env, run_user)


def _ask(lab, env, run_user, **kw) -> tuple[dict, int, list[str]] | None:
    answer = _answer(lab, env, run_user, **kw)
    if answer is None:
        return None
    output, code, warnings = answer
    return json.loads(output), code, warnings


def _direct(lab, **kw) -> dict:
    from homelab_tui.check import run_check, to_json
    from homelab_tui.config import load_settings
    from homelab_tui.services import build_services

    services = build_services(load_settings(lab.config_path, explicit=True), kubeconfig=str(lab.kubeconfig_path),
                              read_only=True, litellm_key=lab.litellm_key)
    try:
        return to_json(run_check(services, wait=kw.pop("wait", 10.0), **kw))
    finally:
        services.close()


def _verdicts(doc: dict) -> list[tuple[str, str, str]]:
    return [(a["area"], a["state"], a["reason"]) for a in doc["areas"]]


def test_the_agent_answers_what_check_would_from_its_watches_without_listing(lab, env, run_user, agent):
    assert _ask(lab, env, run_user) is not None  # waits for the watch cache to load
    requests = lab.faults["kubernetes"].requests
    lists = requests["GET list"]
    doc, code, warnings = _ask(lab, env, run_user)
    assert requests["GET list"] == lists  # the cluster came from the watches
    assert doc["agent"] is True and warnings == []
    direct = _direct(lab)
    assert direct["agent"] is False
    assert code == direct["exit_code"] and doc["state"] == direct["state"]
    assert _verdicts(doc) == _verdicts(direct)
    assert {k: s["ok"] for k, s in doc["sources"].items()} == {k: s["ok"] for k, s in direct["sources"].items()}


@pytest.mark.parametrize(("source", "only"), [("prometheus", ["storage"]), ("litellm", ["inference"])])
def test_a_polled_source_that_goes_down_is_unknown_as_without_the_agent(lab, env, run_user, agent, source, only):
    before, _, _ = _ask(lab, env, run_user, only=only)
    assert before["state"] != "unknown"  # it has data to keep, which it must not judge once the source is down
    lab.set_down(source, True)
    try:
        doc, code, _ = _ask(lab, env, run_user, only=only, wait=2.0)
        direct = _direct(lab, areas=tuple(only), wait=2.0)
    finally:
        lab.set_down(source, False)
    assert code == direct["exit_code"] == 3 and doc["agent"] is True
    assert _verdicts(doc) == _verdicts(direct)


def test_the_agent_declines_while_the_api_server_is_down_so_check_reads_it_itself(lab, env, run_user, agent):
    assert _ask(lab, env, run_user, only=["nodes"])[0]["areas"][0]["state"] == "ok"
    lab.set_down("kubernetes", True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _answer(lab, env, run_user, only=["nodes"], wait=1.0) is not None:
            time.sleep(0.2)  # until a watch has noticed: the answers before are the cluster as it was
        assert _answer(lab, env, run_user, only=["nodes"], wait=1.0) is None
        assert _direct(lab, areas=("nodes",), wait=1.0)["exit_code"] == 3  # what check then says itself
    finally:
        lab.set_down("kubernetes", False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _answer(lab, env, run_user, only=["nodes"]) is None:
        time.sleep(0.2)
    assert _ask(lab, env, run_user, only=["nodes"])[0]["areas"][0]["state"] == "ok"  # the watches came back


def test_a_failing_resource_the_check_does_not_read_is_not_its_business(lab, env, run_user, agent):
    assert _ask(lab, env, run_user) is not None
    faults = lab.faults["kubernetes"]
    faults.status, faults.status_path = 403, "/secrets"
    faults.drop_watches_epoch += 1  # open watches reconnect and meet the fault
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _answer(lab, env, run_user, only=["certificates"]) is not None:
            time.sleep(0.2)
        assert _answer(lab, env, run_user, only=["certificates"]) is None  # it reads secrets: declined
        doc, code, _ = _ask(lab, env, run_user, only=["nodes"])  # it does not
    finally:
        lab.faults["kubernetes"].reset()
    direct = _direct(lab, areas=("nodes",))
    assert (code, _verdicts(doc)) == (direct["exit_code"], _verdicts(direct))
    assert doc["sources"]["kubernetes"]["ok"] is True and doc["sources"]["kubernetes"]["error"] is None


def test_only_and_conventions_are_judged_by_the_agent_and_a_bad_area_is_the_same_error(lab, env, run_user, agent):
    doc, _, _ = _ask(lab, env, run_user, only=["certs"], conventions=True)
    assert [a["area"] for a in doc["areas"]] == ["certificates", "conventions"]
    assert isinstance(doc["conventions"], list) and doc["conventions"]
    table = _answer(lab, env, run_user, json=False, only=["nodes"])
    assert table is not None and table[0].splitlines()[0].endswith("(answered by homelab-tui agent)")
    with pytest.raises(ValueError, match=r"^--only: unknown area 'bogus'"):
        _answer(lab, env, run_user, only=["bogus"])
    with pytest.raises(ValueError, match=r"^--only: no area named"):
        _answer(lab, env, run_user, only=[","])


def test_full_health_through_the_agent_calls_health_once_and_saves_it_where_the_agent_keeps_state(
        lab, env, run_user, agent):
    requests = lab.faults["litellm"].requests
    _ask(lab, env, run_user, only=["inference"])
    assert requests["GET health"] == 0
    _ask(lab, env, run_user, only=["inference"], full_health=True)
    assert requests["GET health"] == 1
    assert (Path(env["XDG_STATE_HOME"]) / "homelab-tui" / "litellm-health.json").is_file()
    _ask(lab, env, run_user, only=["inference"])
    assert requests["GET health"] == 1


def test_a_change_in_the_cluster_reaches_the_next_answer(lab, env, run_user, agent):
    assert _ask(lab, env, run_user, only=["nodes"])[0]["areas"][0]["state"] == "ok"
    lab.store.mutate("nodes", None, "k3s-worker-01", lambda node: node["spec"].update(unschedulable=True))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        area = _ask(lab, env, run_user, only=["nodes"])[0]["areas"][0]
        if area["state"] != "ok":
            break
        time.sleep(0.1)
    assert area["state"] == "warn", area
    assert {"state": "warn", "subject": "k3s-worker-01", "reason": "cordoned (SchedulingDisabled)"} in area["findings"]


@pytest.mark.parametrize("which", ["config", "kubeconfig", "key"])
def test_a_changed_file_is_declined_once_and_read_again(lab, env, run_user, agent, which):
    assert _ask(lab, env, run_user) is not None
    before = agent.services
    path = {"config": lab.config_path, "kubeconfig": lab.kubeconfig_path, "key": lab.key_file}[which]
    text = Path(path).read_text(encoding="utf-8")
    Path(path).write_text(text + ("\n# edited\n" if which != "key" else ""), encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert _answer(lab, env, run_user) is None  # declined: that check reads the sources itself
    assert agent.services is not before and agent.broken is None and not agent.stop.is_set()
    doc = _ask(lab, env, run_user)
    assert doc is not None and doc[0]["agent"] is True


def test_a_config_made_invalid_is_declined_until_it_is_fixed(lab, env, run_user, agent, capsys):
    assert _ask(lab, env, run_user) is not None
    path = Path(lab.config_path)
    good = path.read_text(encoding="utf-8")
    path.write_text("[kubernetes\n", encoding="utf-8")
    for _ in range(2):
        assert _answer(lab, env, run_user) is None
    assert agent.broken is not None and agent.broken.startswith(f"config file {path}: invalid TOML")
    assert not agent.stop.is_set()
    assert f"homelab-tui agent: config file {path}: invalid TOML" in capsys.readouterr().err
    path.write_text(good, encoding="utf-8")
    assert _answer(lab, env, run_user) is None  # changed again: read again, declined once more
    assert agent.broken is None and _ask(lab, env, run_user)[0]["agent"] is True


def test_a_change_of_its_own_code_stops_the_agent(lab, env, run_user, agent, monkeypatch):
    assert _ask(lab, env, run_user) is not None
    monkeypatch.setattr(agent, "_code", ())  # as after an upgrade
    assert _answer(lab, env, run_user) is None
    assert agent.stop.is_set()


def test_no_agent_demo_and_a_missing_socket_read_the_sources(lab, env, run_user):
    assert _answer(lab, env, run_user) is None  # none runs
    assert _answer(lab, env, run_user, no_agent=True) is None
    assert _answer(lab, env, run_user, demo=True) is None


def test_cron_without_xdg_runtime_dir_finds_an_agent_that_has_one(lab, short):
    run_user = short / "run-user"
    (run_user / str(os.getuid())).mkdir(parents=True, mode=0o700)
    service_env = {"XDG_RUNTIME_DIR": str(run_user / str(os.getuid()))}  # systemd --user sets it
    served, thread = _serve(lab, service_env, run_user)
    try:
        assert served.path.parent == run_user / str(os.getuid()) / "homelab-tui"
        doc = _ask(lab, {}, run_user, only=["nodes"])  # cron's environment has no XDG_RUNTIME_DIR
        assert doc is not None and doc[0]["agent"] is True
    finally:
        served.stop.set()
        thread.join(5)
        served.close()


def test_a_second_agent_for_the_same_files_is_refused(lab, env, run_user, agent):
    with pytest.raises(AgentError, match="another agent already serves these kubeconfig, context and config"):
        Agent(_flags(lab), environ=dict(env), run_user=run_user).bind()
    assert _ask(lab, env, run_user) is not None  # the first one still serves


def test_the_socket_a_killed_agent_left_is_taken_over_and_removed_at_the_end(lab, env, run_user):
    served = Agent(_flags(lab), environ=dict(env), run_user=run_user)
    served.path.parent.mkdir(mode=0o700)
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(served.path))  # bound, never listening: what a SIGKILLed agent leaves
    dead.close()
    served.bind()
    try:
        assert served._socket.listener is not None and served.path.exists()
    finally:
        served.close()
    assert not served.path.exists()
    served.path.write_text("not a socket")
    with pytest.raises(AgentError, match="exists and is not a socket"):
        Agent(_flags(lab), environ=dict(env), run_user=run_user).bind()


@pytest.mark.parametrize("mode", [0o755, 0o770])
def test_a_directory_others_can_enter_is_neither_served_nor_asked(lab, tmp_path, run_user, mode):
    run = tmp_path / "open"
    (run / "homelab-tui").mkdir(parents=True)
    os.chmod(run / "homelab-tui", mode)
    env = {"XDG_RUNTIME_DIR": str(run)}
    with pytest.raises(AgentError, match=f"mode {mode:04o}; it must be 0700"):
        Agent(_flags(lab), environ=dict(env), run_user=run_user).bind()
    with pytest.raises(AgentUnavailable, match="open to other users"):
        ask(run / "homelab-tui" / "agent-x.sock", {})
    assert _answer(lab, env, run_user) is None


def test_the_places_looked_in_and_their_order(tmp_path):
    uid = os.getuid()
    tmp = Path(f"/tmp/homelab-tui-{uid}")
    assert agent_link.runtime_dirs({}, tmp_path) == [tmp]
    assert agent_link.runtime_dirs({"XDG_RUNTIME_DIR": "relative"}, tmp_path) == [tmp]
    (tmp_path / str(uid)).mkdir()
    run = tmp_path / "xdg"
    run.mkdir()
    assert agent_link.runtime_dirs({"XDG_RUNTIME_DIR": str(run)}, tmp_path) == \
        [run / "homelab-tui", tmp_path / str(uid) / "homelab-tui", tmp]


def test_a_socket_path_too_long_for_af_unix_is_never_tried(lab, tmp_path, run_user):
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    env = {"XDG_RUNTIME_DIR": str(deep)}
    served = Agent(_flags(lab), environ=dict(env), run_user=run_user)
    served.bind()  # the next place, /tmp/homelab-tui-UID, is short enough
    try:
        assert served.path.parent == Path(f"/tmp/homelab-tui-{os.getuid()}")
    finally:
        served.close()
    with pytest.raises(AgentUnavailable, match="longer than 107 bytes"):
        ask(deep / "homelab-tui" / ("agent-" + "0" * 16 + ".sock"), {})


def test_the_socket_is_for_its_user_only(lab, env, run_user, agent, monkeypatch):
    assert (os.stat(agent.path).st_mode & 0o777) == 0o600
    assert (os.stat(agent.path.parent).st_mode & 0o777) == 0o700
    assert _ask(lab, env, run_user, only=["nodes"]) is not None
    monkeypatch.setattr(agent_module, "peer_uid", lambda conn: os.getuid() + 1)  # another user connects
    with pytest.raises(AgentUnavailable, match="closed"):  # before it read the request, or after
        ask(agent.path, {"v": PROTOCOL, "key": agent.key})


def test_the_key_in_the_environment_is_taken_out_of_it_and_read_as_check_reads_it(lab, env, run_user, monkeypatch):
    environ = {**env, LITELLM_KEY_ENV: f"  {lab.litellm_key}  "}
    served = Agent(_flags(lab), environ=environ, run_user=run_user)
    assert LITELLM_KEY_ENV not in environ  # exec plugins and other children never see it
    served.bind()
    served.load()
    thread = threading.Thread(target=served.serve, daemon=True)
    thread.start()
    try:
        doc, code, _ = _ask(lab, env, run_user, only=["inference"])
        assert code == 0 and doc["areas"][0]["state"] == "ok"  # stripped, as read_litellm_key strips it
    finally:
        served.stop.set()
        thread.join(5)
        served.close()
    blank = {**env, LITELLM_KEY_ENV: " "}
    served = Agent(_flags(lab), environ=blank, run_user=run_user)
    served.bind()
    served.load()  # a blank variable means "not set": the key file is read, as without the agent
    try:
        assert served.services.litellm._key.reveal() == lab.litellm_key
    finally:
        served.close()


def test_nonsense_gets_no_answer_and_the_agent_goes_on(lab, env, run_user, agent):
    for payload in (b"not json\n", b"[1, 2]\n", b"\xff\xfe\n"):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(agent.path))
            s.sendall(payload)
            assert s.recv(100) == b""  # closed without an answer
    assert ask(agent.path, {"v": 99})["failed"] == "the agent speaks protocol 1, not 99"
    assert "declined" in ask(agent.path, {"v": PROTOCOL, "key": "0" * 16})
    assert ask(agent.path, {"v": PROTOCOL, "key": agent.key, "wait": -1})["failed"] == "malformed request (wait)"
    assert ask(agent.path, {"v": PROTOCOL, "key": agent.key, "only": "nodes"})["failed"] == \
        "malformed request (only)"
    assert _ask(lab, env, run_user, only=["nodes"])[0]["agent"] is True


def test_a_client_that_sends_a_byte_now_and_then_is_cut_off(lab, env, run_user, agent, monkeypatch):
    monkeypatch.setattr(agent_module, "REQUEST_TIMEOUT", 0.5)
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(agent.path))
        s.settimeout(5)
        started = time.monotonic()
        for _ in range(10):
            try:
                s.sendall(b" ")
            except OSError:
                break
            time.sleep(0.2)
        assert s.recv(100) == b"" and time.monotonic() - started < 3


def test_a_failure_inside_the_agent_is_a_warning_and_check_reads_the_sources(lab, env, run_user, agent, monkeypatch,
                                                                            capsys):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("homelab_tui.check.run_check", broken)
    assert _answer(lab, env, run_user) is None
    assert f"homelab-tui: check: the agent at {agent.path} failed (internal error (KeyError); set " \
           "HOMELAB_TUI_DEBUG=1 to see where); reading the sources directly" in capsys.readouterr().err


def test_checks_are_judged_one_at_a_time_and_each_gets_its_own_answer(lab, env, run_user, agent, monkeypatch):
    import homelab_tui.check as check

    running, overlaps = [0], []
    real = check.run_check

    def counted(*args, **kwargs):
        running[0] += 1
        overlaps.append(running[0])
        try:
            time.sleep(0.1)
            return real(*args, **kwargs)
        finally:
            running[0] -= 1

    monkeypatch.setattr(check, "run_check", counted)
    results: list = [None] * 4
    areas = ["nodes", "storage", "certificates", "gpu"]

    def one(i: int) -> None:
        results[i] = _ask(lab, env, run_user, only=[areas[i]])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert max(overlaps) == 1 and len(overlaps) == 4
    assert [r[0]["areas"][0]["area"] for r in results] == areas


def test_an_agent_that_never_accepts_the_request_is_given_up_on_quickly(lab, env, run_user, capsys):
    ident = agent_link.identity(str(lab.kubeconfig_path), None, str(lab.config_path), env)
    path = agent_link.runtime_dirs(env, run_user)[0] / agent_link.socket_name(agent_link.agent_key(ident))
    path.parent.mkdir(mode=0o700)
    stopped = socket.socket(socket.AF_UNIX)  # what a stopped (Ctrl-Z) agent looks like: connects, never reads
    stopped.bind(str(path))
    stopped.listen(1)
    try:
        started = time.monotonic()
        assert _answer(lab, env, run_user) is None
        assert time.monotonic() - started < agent_link.ACCEPT_TIMEOUT + 2
    finally:
        stopped.close()
    assert f"the agent at {path} did not answer in time; reading the sources directly" in capsys.readouterr().err


def test_the_answer_is_waited_for_as_long_as_the_bound_the_agent_gave(lab, env, run_user, agent, monkeypatch):
    import homelab_tui.check as check

    real = check.run_check
    monkeypatch.setattr(agent_link, "ACCEPT_TIMEOUT", 0.5)
    monkeypatch.setattr(agent_module.Agent, "bound", lambda self, wait: 0.0)
    monkeypatch.setattr(check, "run_check",
                        lambda *a, **k: (time.sleep(agent_link.ANSWER_MARGIN + 1), real(*a, **k))[1])
    assert _answer(lab, env, run_user, only=["nodes"]) is None  # later than bound + margin: given up on
    monkeypatch.setattr(agent_module.Agent, "bound", lambda self, wait: 10.0)
    assert _answer(lab, env, run_user, only=["nodes"]) is not None  # within its bound: waited for


def test_a_check_whose_client_gave_up_while_queued_is_not_run(lab, env, run_user, agent, monkeypatch):
    import homelab_tui.check as check

    calls: list = []
    real = check.run_check

    def slow(*args, **kwargs):
        calls.append(kwargs.get("areas"))
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(check, "run_check", slow)
    first = threading.Thread(target=_ask, args=(lab, env, run_user), kwargs={"only": ["nodes"]})
    first.start()
    time.sleep(0.3)  # the first check holds the agent
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(agent.path))
        agent_link.send_line(s, {"v": PROTOCOL, "key": agent.key, "only": ["storage"], "json": True})
        assert agent_link.LineReader(s).line(5)["accepted"] is True
    first.join(30)
    time.sleep(0.5)
    assert calls == [("nodes",)]  # the second client left before its turn: nothing ran for it
