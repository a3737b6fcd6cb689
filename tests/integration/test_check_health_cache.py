"""``check`` never calls LiteLLM's full /health (it calls the paid tier) unless asked, and reuses a saved one.

Counted on the simulated proxy's request counters; the saved result lives under ``$XDG_STATE_HOME``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from homelab_tui.check import run_check
from homelab_tui.config import load_settings
from homelab_tui.model.metrics import TierHealth
from homelab_tui.services import build_services
from homelab_tui.sources.litellm_cache import HealthCache


def _check(lab, cache: HealthCache, **kw):
    services = build_services(load_settings(lab.config_path, explicit=True), kubeconfig=str(lab.kubeconfig_path),
                              read_only=True, litellm_key=lab.litellm_key)
    try:
        return run_check(services, areas=("inference",), wait=10.0, health_cache=cache, **kw)
    finally:
        services.close()


def test_plain_runs_never_call_health_and_full_health_is_saved_and_reused(lab, tmp_path):
    requests = lab.faults["litellm"].requests
    cache = HealthCache(tmp_path / "litellm-health.json")
    for _ in range(2):
        plain = _check(lab, cache)
    assert requests["GET health"] == 0 and requests["GET model_info"] == 2  # the key is checked, no model called
    assert plain.exit_code == 0 and plain.dashboard.llm.data.health_checked_at is None
    assert {h.health for h in plain.dashboard.llm.data.aliases.values()} == {TierHealth.UNKNOWN}

    full = _check(lab, cache, full_health=True)
    checked_at = full.dashboard.llm.data.health_checked_at
    assert requests["GET health"] == 1 and checked_at is not None
    assert lab.litellm_key not in cache.path.read_text(encoding="utf-8")

    reused = _check(lab, cache)
    assert requests["GET health"] == 1  # not called again: the saved result is younger than health_interval
    data = reused.dashboard.llm.data
    assert data.health_checked_at == checked_at and data.aliases["vllm-qwen"].health is TierHealth.HEALTHY


def test_a_wrong_key_is_unknown_without_calling_health(lab, tmp_path):
    services = build_services(load_settings(lab.config_path, explicit=True), kubeconfig=str(lab.kubeconfig_path),
                              read_only=True, litellm_key="sk-not-the-master-key")
    try:
        report = run_check(services, areas=("inference",), wait=10.0,
                           health_cache=HealthCache(tmp_path / "c.json"))
    finally:
        services.close()
    area = report.areas[0]
    assert report.exit_code == 3 and area.reason.startswith("LiteLLM: key rejected: /model/info: 400"), area
    assert lab.faults["litellm"].requests["GET health"] == 0


def test_the_cli_flag_saves_under_xdg_state_home(lab, tmp_path):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(Path(__file__).parents[2])}
    base = [sys.executable, "-m", "homelab_tui", "check", "--kubeconfig", str(lab.kubeconfig_path),
            "--config", str(lab.config_path), "--only", "inference", "--json"]
    out = subprocess.run(base + ["--full-health"], capture_output=True, text=True, timeout=120, env=env,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stdout + out.stderr
    saved = tmp_path / "state" / "homelab-tui" / "litellm-health.json"
    assert json.loads(saved.read_text(encoding="utf-8"))["aliases"]["vllm-qwen"]["health"] == "healthy"
    assert lab.faults["litellm"].requests["GET health"] == 1
    again = subprocess.run(base, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    assert again.returncode == 0 and json.loads(again.stdout)["state"] == "ok", again.stdout + again.stderr
    assert lab.faults["litellm"].requests["GET health"] == 1
