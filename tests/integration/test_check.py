"""`homelab-tui check`: the Overview's verdicts headless, with Nagios exit codes and a documented JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from homelab_tui.check import render_json, render_table, run_check
from homelab_tui.config import load_settings
from homelab_tui.demo.runner import DemoLab
from homelab_tui.model.health import State
from homelab_tui.services import build_services


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "homelab_tui", "check", *args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def services_for(lab):
    settings = load_settings(lab.config_path, explicit=True)
    return build_services(settings, kubeconfig=str(lab.kubeconfig_path), read_only=True,
                          litellm_key=lab.litellm_key)


def check(lab, **kw):
    services = services_for(lab)
    try:
        return run_check(services, wait=kw.pop("wait", 10.0), **kw)
    finally:
        services.close()


def test_json_on_the_failing_demo_is_critical_with_every_area():
    out = cli("--demo", "--json")
    assert out.returncode == 2, out.stderr
    doc = json.loads(out.stdout)
    assert doc["version"] == 1 and doc["state"] == "fail" and doc["exit_code"] == 2
    assert [a["area"] for a in doc["areas"]] == ["nodes", "namespaces", "certificates", "storage", "gpu",
                                                 "inference"]
    for area in doc["areas"]:
        assert set(area) == {"area", "title", "state", "reason", "age_seconds", "sources", "source_errors",
                             "findings"}
        assert area["state"] in {"ok", "warn", "fail", "unknown"}
    by_area = {a["area"]: a for a in doc["areas"]}
    assert by_area["certificates"]["state"] == "fail"
    assert any("openclaw" in f["subject"] for f in by_area["certificates"]["findings"])
    assert by_area["gpu"]["state"] == "ok" and "ml" in by_area["gpu"]["reason"]
    assert set(doc["sources"]) == {"kubernetes", "prometheus", "litellm", "gpu"}
    assert doc["sources"]["gpu"]["name"] == "gpu (DCGM via prometheus)"  # no GPU here: NVML fell back
    assert doc["sources"]["kubernetes"]["ok"] is True
    assert "\x1b[" not in out.stdout  # never touches the terminal beyond printing


def test_healthy_areas_exit_zero_with_a_table():
    out = cli("--demo", "--only", "nodes,gpu")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].endswith("OK")
    assert any(line.startswith("OK") and "Nodes" in line for line in lines)
    assert not any("Certificates" in line for line in lines)


def test_healthy_areas_give_ok_json():
    out = cli("--demo", "--json", "--only", "nodes,gpu")
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    assert doc["state"] == "ok" and doc["exit_code"] == 0 and "conventions" not in doc
    assert [(a["area"], a["state"]) for a in doc["areas"]] == [("nodes", "ok"), ("gpu", "ok")]


def test_warning_only_area_exits_one(lab):
    report = check(lab, areas=("storage",))
    assert report.state is State.WARN and report.exit_code == 1
    assert "share-wide" in report.areas[0].reason


def test_api_server_down_is_unknown_within_bounded_time(lab):
    lab.set_down("kubernetes", True)
    report = check(lab, wait=3.0)
    assert report.exit_code == 3
    assert {a.state for a in report.areas} == {State.UNKNOWN}
    assert "kubernetes" in render_table(report)
    doc = json.loads(render_json(report))
    assert doc["sources"]["kubernetes"]["ok"] is False and doc["sources"]["kubernetes"]["error"]


def test_prometheus_down_makes_storage_unknown(lab):
    lab.set_down("prometheus", True)
    report = check(lab, areas=("storage",))
    assert report.state is State.UNKNOWN and report.exit_code == 3
    assert any("prometheus" in e for e in report.areas[0].source_errors)


def test_a_failure_beats_an_unreadable_source_in_the_exit_code(lab: DemoLab) -> None:
    lab.set_down("prometheus", True)
    report = check(lab, areas=("certificates", "storage"))
    assert [(a.area, a.state) for a in report.areas] == [("certificates", State.FAIL), ("storage", State.UNKNOWN)]
    assert report.state is State.FAIL and report.exit_code == 2  # CRITICAL, not UNKNOWN (3)


def test_conventions_are_listed_and_disappear_when_fixed_live(lab):
    report = check(lab, areas=("nodes",), conventions=True)
    rules = {(v.rule_id, v.resource) for v in report.conventions}
    ingress = [r for r in rules if "Ingress" in r[1] and "nginx-proxy" in r[1]]
    assert ingress, rules
    doc = json.loads(render_json(report))
    listed = [v for v in doc["conventions"] if v["resource"] == ingress[0][1] and v["rule"] == "no-ingress"]
    assert listed and set(listed[0]) == {"rule", "number", "title", "resource", "state", "message", "why", "fix"}
    assert (listed[0]["rule"], listed[0]["number"], listed[0]["title"]) == ("no-ingress", 4, "No standard Ingress")
    assert "IngressRoute" in listed[0]["why"] and "delete the Ingress" in listed[0]["fix"]
    table = render_table(report)
    assert f"#4  No standard Ingress — {ingress[0][1]}" in table
    assert f"why: {listed[0]['why']}" in table and f"fix: {listed[0]['fix']}" in table
    lab.call(lambda: lab.store.delete("ingresses", "dev", "nginx-proxy"))
    again = check(lab, areas=("nodes",), conventions=True)
    assert not [v for v in again.conventions if "nginx-proxy" in v.resource and "Ingress" in v.resource]


@pytest.mark.parametrize("args,fragment", [(["--only", "bogus"], "unknown area"),
                                           (["--config", "/nonexistent.toml"], "does not exist")])
def test_bad_input_is_unknown(args, fragment):
    out = cli(*args)
    assert out.returncode == 3 and fragment in out.stderr and "Traceback" not in out.stderr


def test_check_lists_what_its_areas_read_once_and_opens_no_watch(lab):
    from homelab_tui.model.overview import resources_for

    kube, prometheus = lab.faults["kubernetes"].requests, lab.faults["prometheus"].requests
    kube.clear()
    prometheus.clear()
    report = check(lab, areas=("certificates", "storage"))
    listed = resources_for(("certificates", "storage"))
    assert {"ingressroutes_legacy", "middlewares_legacy"} < listed  # the demo has no legacy Traefik group: 404
    assert report.dashboard.cluster.ok and set(report.dashboard.cluster.data.objects) == listed - {
        "ingressroutes_legacy", "middlewares_legacy"}
    assert kube["GET list"] == len(listed) - 2 and kube["GET watch"] == 0 and kube["GET get"] == 0
    assert prometheus["GET query_range"] == 0 and prometheus["GET query"] > 0  # no sparklines for a verdict


def test_a_slow_api_server_is_waited_for_no_longer_than_asked(lab):
    import time

    lab.faults["kubernetes"].latency = 30.0
    started = time.monotonic()
    report = check(lab, areas=("nodes",), wait=2.0)
    assert time.monotonic() - started < 10.0
    assert report.exit_code == 3 and report.areas[0].state is State.UNKNOWN


def test_a_resource_the_areas_do_not_read_cannot_spoil_their_verdict(lab):
    faults = lab.faults["kubernetes"]
    faults.status, faults.status_path = 403, "/secrets"
    nodes = check(lab, areas=("nodes",))
    assert nodes.exit_code == 0 and nodes.areas[0].source_errors == ()
    certs = check(lab, areas=("certificates",))
    assert any("secrets" in e and "403" in e for e in certs.areas[0].source_errors)


def test_a_deleted_cluster_issuer_is_reported_by_certificates_and_rule_8(lab):
    assert not [f for a in check(lab, areas=("certificates",)).areas for f in a.findings
                if f.subject.startswith("ClusterIssuer")]
    lab.call(lambda: lab.store.delete("clusterissuers", None, "letsencrypt-prod"))
    report = check(lab, areas=("certificates",), conventions=True)
    findings = {a.area: [(f.state, f.reason) for f in a.findings if f.subject == "ClusterIssuer letsencrypt-prod"]
                for a in report.areas}
    assert findings == {"certificates": [(State.WARN, "does not exist: renewals will fail")],
                        "conventions": [(State.FAIL, "[8] does not exist: no Certificate can be issued or renewed")]}
    assert ("cluster-issuer", "ClusterIssuer letsencrypt-prod", State.FAIL) in {
        (v.rule_id, v.resource, v.state) for v in report.conventions}


def test_check_reads_litellms_own_fallbacks_as_the_dashboard_does(lab):
    def drop_fallbacks(cm: dict) -> None:
        cm["data"]["config.yaml"] = "\n".join(line for line in cm["data"]["config.yaml"].splitlines()
                                              if "fallbacks" not in line)

    lab.call(lambda: lab.store.mutate("configmaps", "ml", "litellm-config", drop_fallbacks))
    inference = check(lab, areas=("inference",)).areas[0]
    assert ("inference", "LiteLLM's fallbacks give vllm-qwen, not vllm-qwen → ollama-qwen → openai-gpt4o "
                         "(ml/litellm-config)") in [(f.subject, f.reason) for f in inference.findings]
    assert inference.state is State.WARN
