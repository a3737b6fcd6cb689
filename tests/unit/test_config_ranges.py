"""Values the config accepted although they cannot work: huge seconds, nan thresholds, reserved or renamed GPU
modes, URLs without a host. Each is one line naming the file and the key; the program exits 3 (UNKNOWN for check)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from homelab_tui.config import load_settings
from homelab_tui.errors import ConfigError


def error_of(tmp_path: Path, text: str) -> str:
    f = tmp_path / "config.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(f, explicit=True)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{f}: ")
    return message


@pytest.mark.parametrize("text,fragment", [
    ("[kubernetes]\ntimeout = 1e300\n", "kubernetes.timeout must be at most 86400 s (a day), got 1e+300"),
    ("[kubernetes]\nwatch_timeout = 100000000000000000\n", "kubernetes.watch_timeout must be at most 86400 s"),
    ("[gpu]\nswitch_timeout = 86400.5\n", "gpu.switch_timeout must be at most 86400 s"),
    ("[litellm]\nhealth_interval = 1e10\n", "litellm.health_interval must be at most 86400 s"),
    ("[thresholds]\ncert_warn_days = nan\n", "thresholds.cert_warn_days must be from 0 to 3650, got nan"),
    ("[thresholds]\ncert_fail_days = -1\n", "thresholds.cert_fail_days must be from 0 to 3650, got -1"),
    ("[thresholds]\ncert_warn_days = inf\n", "thresholds.cert_warn_days must be from 0 to 3650"),
    ("[thresholds]\npvc_fail_percent = nan\n", "thresholds.pvc_fail_percent must be from 0 to 100, got nan"),
    ("[thresholds]\npvc_warn_percent = -5\n", "thresholds.pvc_warn_percent must be from 0 to 100"),
    ("[thresholds]\npvc_fail_percent = 150\n", "thresholds.pvc_fail_percent must be from 0 to 100"),
    ("[thresholds]\ncert_warn_days = 3\ncert_fail_days = 3\n",
     "thresholds.cert_fail_days must be below cert_warn_days"),
    ("[thresholds]\npvc_warn_percent = 96\npvc_fail_percent = 90\n",
     "thresholds.pvc_warn_percent must not exceed pvc_fail_percent"),
    ("[thresholds]\nrestarts_warn = -1\n", "thresholds.restarts_warn must be at least 1, got -1"),
    ("[thresholds]\nrestarts_warn = 0\n", "thresholds.restarts_warn must be at least 1, got 0"),
    ("[gpu.modes.status]\ndeployment = 'vllm-server'\n",
     "gpu.modes.status: the name is reserved (`gpu-mode status` shows the mode); rename the mode"),
    ("[gpu.modes.ml]\nname = 'fast'\ndeployment = 'vllm-server'\n",
     "gpu.modes.ml.name: unknown key (the table's name is the mode's name)"),
    ("[inference.backends.vllm-qwen]\nalias = 'other'\n",
     "inference.backends.vllm-qwen.alias: unknown key (the table's name is the alias)"),
    ("[prometheus]\nurl = 'http://prom etheus:9090'\n", "prometheus.url must be http:// or https://HOST[:PORT][/PATH]"),
    ("[litellm]\nurl = 'https://'\n", "litellm.url must be http:// or https://HOST[:PORT][/PATH] (got 'https://')"),
    ("[litellm]\nurl = 'http:///v1'\n", "litellm.url must be http:// or https://"),
    ("[ollama]\nurl = 'http://ollama:99999'\n", "ollama.url must be http:// or https://"),
    ("[ollama]\nurl = 'http://ollama:port'\n", "ollama.url must be http:// or https://"),
    ("[prometheus]\nurl = 'http://prometheus/?q=1'\n", "prometheus.url must be http:// or https://"),
    ("[prometheus]\nurl = 'ftp://prometheus'\n", "prometheus.url must be http:// or https://"),
    ("[prometheus]\nurl = \"http://prometheus\\tx\"\n", "prometheus.url must be http:// or https://"),
])
def test_out_of_range_values_are_one_line_errors(tmp_path, text, fragment):
    assert fragment in error_of(tmp_path, text)


def test_a_url_password_is_never_shown(tmp_path):
    message = error_of(tmp_path, "[prometheus]\nurl = 'https://admin:hunter2@prom etheus/x'\n")
    assert "hunter2" not in message and "admin" not in message
    assert "(got 'https://***@prom etheus/x')" in message


def test_the_largest_accepted_values(tmp_path):
    f = tmp_path / "config.toml"
    f.write_text("[kubernetes]\ntimeout = 86400\nwatch_timeout = 86400\n[thresholds]\ncert_warn_days = 3650\n"
                 "cert_fail_days = 0\npvc_warn_percent = 100\npvc_fail_percent = 100\nrestarts_warn = 1\n"
                 "[prometheus]\nurl = 'https://user:pw@prometheus.example:9090/prom'\n"
                 "[ollama]\nurl = 'http://[::1]:11434'\n[gpu.modes.ml]\ndeployment = 'vllm-server'\n")
    s = load_settings(f, explicit=True)
    assert s.kubernetes.timeout == 86400 and s.thresholds.restarts_warn == 1 and s.gpu.mode("ml").name == "ml"


@pytest.mark.parametrize("args", [["check"], ["gpu-mode", "status"]])
def test_a_huge_timeout_stops_the_program_with_one_line(tmp_path, args):
    f = tmp_path / "config.toml"
    f.write_text("[kubernetes]\ntimeout = 1e300\n")
    out = subprocess.run([sys.executable, "-m", "homelab_tui", *args, "--config", str(f), "--kubeconfig", str(f)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 3 and "Traceback" not in out.stderr and "Exception in thread" not in out.stderr
    assert out.stderr.strip().splitlines() == [f"homelab-tui: {f}: kubernetes.timeout must be at most 86400 s "
                                               "(a day), got 1e+300"]
