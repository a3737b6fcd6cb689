"""Values out of range: every timeout and polling interval above 0, a slow full /health, a usable chain, one mode per
GPU deployment. Each is one line naming the file and the key, and the program exits 3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from homelab_tui.config import load_settings
from homelab_tui.errors import EXIT_CONFIG, ConfigError

SECONDS = [
    ("kubernetes", "timeout"), ("kubernetes", "watch_timeout"), ("kubernetes", "max_backoff"),
    ("prometheus", "timeout"), ("prometheus", "interval"), ("litellm", "timeout"), ("litellm", "interval"),
    ("litellm", "health_interval"), ("ollama", "timeout"), ("gpu", "switch_timeout"),
]


def error_of(tmp_path: Path, text: str) -> str:
    f = tmp_path / "config.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(f, explicit=True)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{f}: ")
    return message


@pytest.mark.parametrize("section,key", SECONDS)
@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_every_timeout_and_interval_must_be_above_zero_and_finite(tmp_path, section, key, value):
    if key == "watch_timeout" and value in ("nan", "inf"):
        value = "0"  # an integer key: TOML has no integer nan
    message = error_of(tmp_path, f"[{section}]\n{key} = {value}\n")
    assert f"{section}.{key} must be positive (seconds)" in message


@pytest.mark.parametrize("value", ["1", "30", "59.9"])
def test_full_health_at_most_once_a_minute(tmp_path, value):
    message = error_of(tmp_path, f"[litellm]\nhealth_interval = {value}\n")
    assert f"litellm.health_interval must be at least 60 s (a full /health calls every model, the paid one too)" \
           f", got {float(value):g}" in message


def test_the_smallest_accepted_values(tmp_path):
    f = tmp_path / "config.toml"
    f.write_text("[litellm]\nhealth_interval = 60\ninterval = 0.5\n[kubernetes]\nwatch_timeout = 1\n"
                 "[inference]\nchain = ['ollama-qwen']\nextra = []\n")
    s = load_settings(f, explicit=True)
    assert s.litellm.health_interval == 60 and s.litellm.interval == 0.5 and s.inference.chain == ("ollama-qwen",)


@pytest.mark.parametrize("text,fragment", [
    ("[inference]\nchain = []\n", "inference.chain must name at least one model alias"),
    ("[inference]\nchain = ['vllm-qwen', 'ollama-qwen', 'vllm-qwen']\n",
     "inference.chain: 'vllm-qwen' is listed twice; list each alias once"),
    ("[inference]\nextra = ['vllm-r1', 'vllm-r1']\n", "inference.extra: 'vllm-r1' is listed twice"),
    ("[inference]\nextra = ['ollama-qwen']\n", "inference.extra: 'ollama-qwen' is listed in the chain"),
    ("[inference]\nchain = ['vllm-qwen', ' ']\n", "inference.chain: a model alias must not be empty"),
])
def test_the_chain_is_non_empty_and_lists_each_alias_once(tmp_path, text, fragment):
    assert fragment in error_of(tmp_path, text)


def test_two_gpu_modes_on_one_deployment(tmp_path):
    message = error_of(tmp_path, "[gpu.modes.ml]\ndeployment = 'vllm-server'\n"
                                 "[gpu.modes.fast]\ndeployment = 'vllm-server'\n"
                                 "[gpu.modes.gaming]\ndeployment = ''\nreplicas = 0\n"
                                 "[gpu.modes.idle]\ndeployment = ''\nreplicas = 0\n")
    assert "gpu.modes.fast and gpu.modes.ml both use deployment 'vllm-server'; each mode needs its own" in message


def test_negative_gpu_replicas(tmp_path):
    assert "gpu.modes.ml.replicas must not be negative" in error_of(tmp_path, "[gpu.modes.ml]\nreplicas = -1\n")


@pytest.mark.parametrize("text,fragment", [
    ("[litellm]\nhealth_interval = 0\n", "litellm.health_interval must be positive"),
    ("[inference]\nchain = []\n", "inference.chain must name at least one model alias"),
])
def test_the_program_exits_3_with_one_line(tmp_path, text, fragment):
    f = tmp_path / "config.toml"
    f.write_text(text)
    for args in (["--config", str(f)], ["check", "--config", str(f)]):
        out = subprocess.run([sys.executable, "-m", "homelab_tui", *args], capture_output=True, text=True, timeout=60)
        assert out.returncode == EXIT_CONFIG, out.stderr
        assert fragment in out.stderr and "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
