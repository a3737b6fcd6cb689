"""A LiteLLM key that cannot be read or used, and a LiteLLM that answers garbage, against the demo lab.

The key matters to the Inference area alone: a key file that is missing must not stop ``check --only nodes``
(a Nagios node check) nor any other area, and it turns Inference UNKNOWN naming the file. A proxy whose
answers cannot be trusted (not JSON, ``/model/info`` failing) is not "alive and fine": Inference UNKNOWN.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from homelab_tui.check import render_json, run_check
from homelab_tui.demo.runner import DemoLab
from homelab_tui.model.health import State
from homelab_tui.model.inference import KEY_REJECTED
from homelab_tui.services import build_services
from tests.reliability.harness import fast_settings, lab_services


def _cli(lab: DemoLab, tmp_path: Path, *args: str, key_file: str, env_key: str | None = None) -> \
        subprocess.CompletedProcess:
    config = tmp_path / "config.toml"
    text, found = re.subn(r'(?m)^key_file = ".*"$', f'key_file = "{key_file}"',
                          lab.config_path.read_text(encoding="utf-8"))
    assert found == 1
    config.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "HOMELAB_TUI_LITELLM_KEY"}
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    if env_key is not None:
        env["HOMELAB_TUI_LITELLM_KEY"] = env_key
    return subprocess.run([sys.executable, "-m", "homelab_tui", "check", "--config", str(config), "--kubeconfig",
                           str(lab.kubeconfig_path), "--wait", "10", *args],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, env=env)


def test_a_missing_key_file_leaves_a_nodes_check_alone(lab: DemoLab, tmp_path: Path) -> None:
    out = _cli(lab, tmp_path, "--only", "nodes", key_file=str(tmp_path / "no-such.key"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stderr == "" and "OK     Nodes" in out.stdout


def test_a_missing_key_file_makes_inference_unknown_naming_it_and_nothing_else(lab: DemoLab,
                                                                                tmp_path: Path) -> None:
    missing = tmp_path / "no-such.key"
    broken = json.loads(_cli(lab, tmp_path, "--json", key_file=str(missing)).stdout)
    good = json.loads(_cli(lab, tmp_path, "--json", key_file=str(lab.key_file)).stdout)
    by_area = {a["area"]: a for a in broken["areas"]}
    inference = by_area.pop("inference")
    assert inference["state"] == "unknown" and str(missing) in inference["reason"], inference
    assert any(str(missing) in e for e in inference["source_errors"])
    assert broken["sources"]["litellm"]["error"].startswith(f"litellm.key_file {missing}")
    assert {a["area"]: a["state"] for a in good["areas"]}["inference"] == "ok"
    assert {k: v["state"] for k, v in by_area.items()} == {a["area"]: a["state"] for a in good["areas"]
                                                           if a["area"] != "inference"}
    assert broken["context"] == "homelab-demo"


@pytest.mark.parametrize("key", ["sk-café-0123456789", "sk-0123\n456789", "sk-0123\x01456789"])
def test_a_key_that_cannot_be_sent_is_named_never_shown(lab: DemoLab, key: str) -> None:
    services = lab_services(lab, key=key)
    try:
        report = run_check(services, areas=("inference",), wait=5.0)
    finally:
        services.close()
    area = report.areas[0]
    assert area.state is State.UNKNOWN and "not one line of printable ASCII" in area.reason, area
    text = render_json(report)
    assert "456789" not in text and "Illegal header" not in text and "codec" not in text


def inference_check(lab: DemoLab):
    """``check --only inference`` in-process against the lab: the report and its one area."""
    services = lab_services(lab)
    try:
        report = run_check(services, areas=("inference",), wait=5.0)
    finally:
        services.close()
    return report, report.areas[0]


def test_garbage_answers_make_inference_unknown(lab: DemoLab) -> None:
    lab.faults["litellm"].malformed = True
    report, area = inference_check(lab)
    assert report.exit_code == 3 and area.state is State.UNKNOWN, area
    assert "not JSON" in area.reason and "answers" not in area.reason, area


@pytest.mark.parametrize("status", [400, 500])
def test_model_info_failing_makes_inference_unknown(lab: DemoLab, status: int) -> None:
    faults = lab.faults["litellm"]
    faults.status, faults.status_path = status, "/model/info"
    report, area = inference_check(lab)
    assert area.state is State.UNKNOWN and f"/model/info: {status}" in area.reason, area
    assert report.dashboard.llm.data is not None and report.dashboard.llm.data.alive  # the cheap calls still read


def test_the_dashboard_sources_build_without_the_key_file_and_say_why(lab: DemoLab, tmp_path: Path) -> None:
    """The dashboard builds the same sources: it starts, and its LiteLLM refreshes fail naming the file."""
    missing = tmp_path / "no-such.key"
    settings = fast_settings(lab)
    settings = dataclasses.replace(settings, litellm=dataclasses.replace(settings.litellm, key_file=str(missing)))
    services = build_services(settings, kubeconfig=str(lab.kubeconfig_path))
    try:
        snap = services.litellm.refresh()
    finally:
        services.close()
    assert snap.error is not None and snap.error.startswith(f"litellm.key_file {missing}"), snap.error
    assert snap.data is not None and snap.data.alive and snap.data.ready  # the keyless calls still read
    assert services.context == "homelab-demo"


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_liveliness_probe_is_unreadable_not_dead(lab: DemoLab, status: int) -> None:
    """An ingress or auth proxy refusing the keyless probe says nothing about LiteLLM: no "not alive"."""
    faults = lab.faults["litellm"]
    faults.status, faults.status_path = status, "/health/liveliness"
    report, area = inference_check(lab)
    llm = report.dashboard.llm
    assert area.state is State.UNKNOWN, area
    assert llm.error is not None and llm.error.startswith(f"/health/liveliness: {status}: "), llm.error
    assert llm.data is None  # neither alive nor dead: never read


def test_a_key_refused_with_403_is_named_a_rejected_key(lab: DemoLab) -> None:
    """A virtual key without the rights for /model/info (403) reads as the key's trouble, like a 401."""
    faults = lab.faults["litellm"]
    faults.status, faults.status_path = 403, "/model/info"
    report, _ = inference_check(lab)
    llm = report.dashboard.llm
    assert llm.data is not None and llm.data.health_error.startswith(f"{KEY_REJECTED}: /model/info: 403"), llm
    assert llm.error is None  # the proxy's own answers are trusted
