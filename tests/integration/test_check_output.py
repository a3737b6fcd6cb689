"""``check`` writes its result whatever stdout is, and does not wait for errors it already knows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from homelab_tui.demo.runner import DemoLab

ROOT = Path(__file__).parents[2]


def run_check_cli(lab, *args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "homelab_tui", "check", "--kubeconfig", str(lab.kubeconfig_path),
           "--config", str(lab.config_path), *args]
    if "stdout" not in kw:
        kw["capture_output"] = True
    return subprocess.run(cmd, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, **kw)


def test_a_latin1_stdout_gets_the_table_and_the_real_exit_code(lab):
    out = run_check_cli(lab, "--only", "nodes,gpu", env={"PYTHONIOENCODING": "latin-1"})
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout.splitlines()[0] == "homelab-tui check ? homelab-demo ? OK"  # "—" cannot be encoded


def test_a_closed_pipe_is_unknown_in_one_line(lab):
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write meets EPIPE
    try:
        out = run_check_cli(lab, "--only", "nodes", stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert out.returncode == 3, out.stderr
    assert out.stderr.strip() == "homelab-tui: cannot write the result: Broken pipe"


def test_a_file_that_is_not_a_kubeconfig_is_named(lab):
    out = subprocess.run([sys.executable, "-m", "homelab_tui", "check", "--kubeconfig", "/etc/passwd",
                          "--only", "nodes", "--wait", "600"], capture_output=True, text=True, timeout=120,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 3
    assert "kubernetes: /etc/passwd: not a kubeconfig (plain text, not a mapping" in out.stdout
    assert "TypeError" not in out.stdout + out.stderr


def test_errors_known_at_once_end_the_wait(lab):
    """--wait 600 would outlast the subprocess timeout: check must stop as soon as the error is certain."""
    unknown = run_check_cli(lab, "--context", "nope", "--only", "nodes", "--wait", "600")
    assert unknown.returncode == 3 and "unknown context 'nope'" in unknown.stdout
    lab.set_down("kubernetes", True)
    refused = run_check_cli(lab, "--only", "nodes", "--wait", "600", "--json")
    assert refused.returncode == 3
    assert "connection refused" in json.loads(refused.stdout)["sources"]["kubernetes"]["error"]


def test_conventions_are_null_when_the_cluster_cannot_be_read(lab):
    lab.set_down("kubernetes", True)
    out = run_check_cli(lab, "--only", "nodes", "--conventions", "--json", "--wait", "5")
    assert out.returncode == 3 and json.loads(out.stdout)["conventions"] is None
    table = run_check_cli(lab, "--only", "nodes", "--conventions", "--wait", "5")
    assert "conventions: unknown (the cluster could not be read)" in table.stdout


def test_the_table_names_the_resource_an_area_cannot_read(lab: DemoLab) -> None:
    faults = lab.faults["kubernetes"]
    faults.status, faults.status_path = 403, "/secrets"
    out = run_check_cli(lab, "--only", "nodes,certificates")
    lines = out.stdout.splitlines()
    assert "  ! Certificates: kubernetes: secrets: 403 Forbidden: injected fault: 403" in lines, out.stdout
    assert not [line for line in lines if line.startswith("  ! Nodes")]  # nodes do not read secrets


def test_conventions_on_a_clean_cluster_are_zero_violations(lab: DemoLab) -> None:
    def clear_all_but_nodes_and_issuer() -> None:  # a cluster with nothing deployed yet
        for key in lab.store.keys():
            if key not in ("nodes", "clusterissuers"):
                for obj in lab.store.list(key)[0]:
                    lab.store.delete(key, obj["metadata"].get("namespace"), obj["metadata"]["name"])

    lab.call(clear_all_but_nodes_and_issuer)
    out = run_check_cli(lab, "--only", "nodes", "--conventions")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1] == "conventions: 0 violation(s)"
    doc = json.loads(run_check_cli(lab, "--only", "nodes", "--conventions", "--json").stdout)
    assert doc["conventions"] == [] and doc["exit_code"] == 0


def test_a_source_that_has_not_answered_yet_is_not_ok(lab: DemoLab) -> None:
    """The API answers after --wait: no data, and an error saying it did not answer in time; the JSON must not
    call that source ok."""
    lab.faults["kubernetes"].latency = 5.0
    doc = json.loads(run_check_cli(lab, "--only", "nodes", "--wait", "1", "--json").stdout)
    assert doc["sources"]["kubernetes"] == {"name": "kubernetes", "ok": False, "age_seconds": None,
                                            "error": "API not answering: no answer within 1 s"}
    assert doc["sources"]["prometheus"]["ok"] is True  # the others answered in time
