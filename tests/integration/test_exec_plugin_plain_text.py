"""A failing kubeconfig exec plugin (a real script, run by the real CLI against the demo lab) is reported with
the path it names as it wrote it; only its secret is masked."""

from __future__ import annotations

import json
from pathlib import Path

from homelab_tui.demo.runner import DemoLab
from tests.integration.test_exec_plugin_env import CLIENT_SECRET, _check

MISSING = "/home/tom/.kube/k3s-homelab-2024.yaml"  # 20+ characters with digits, as a token has


def test_plugin_path_kept(lab: DemoLab, tmp_path: Path) -> None:  # short: the reason is cut at 200 characters
    plugin = tmp_path / "p"
    plugin.write_text(f"#!/bin/sh\necho 'open {MISSING}: client_secret={CLIENT_SECRET}' >&2\nexit 1\n",
                      encoding="utf-8")
    plugin.chmod(0o755)
    doc = _check(lab, tmp_path, plugin)
    nodes = next(a for a in doc["areas"] if a["area"] == "nodes")
    assert nodes["reason"] == (f"kubernetes: kubeconfig exec plugin {plugin} failed: process returned 1. "
                               f"open {MISSING}: client_secret=***"), nodes["reason"]
    assert CLIENT_SECRET not in json.dumps(doc)
