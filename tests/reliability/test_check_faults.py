"""Issue 6: ``homelab-tui check`` under every fault gives the right exit code in bounded time.

Exit codes follow Nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; UNKNOWN where a source the
selected areas need cannot be read. Areas are chosen so the fault decides the verdict (the demo
has real CRITICAL findings elsewhere, which would otherwise win).
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Iterator

import pytest

from homelab_tui.check import render_json, run_check
from homelab_tui.demo.runner import DemoLab
from homelab_tui.model.health import State
from tests.reliability.stubs import EchoLiteLLM, EmptyPrometheus
from tests.reliability.faults import FAULTS
from tests.reliability.harness import fast_settings, lab_services, record

#: seconds ``check`` may wait for the watch cache (plus the sources' own timeouts)
WAIT = 3.0
#: the generous bound a check run must finish in, under any fault
BOUND = 30.0

_BY_ID = {f.id: f for f in FAULTS}

#: (fault, areas checked, expected exit code)
CASES = [
    ("api-down-at-start", ("nodes",), 3),
    ("api-500", ("nodes",), 3),
    ("api-malformed-json", ("nodes",), 3),
    # check lists only what the areas read: the Certificates area reads secrets (does each TLS secret
    # exist?), so the 403 is named there; the rest of it is judged (the demo's expired certificate: CRITICAL)
    ("api-403-secrets", ("certificates",), 2),
    # the Namespaces area is judged from the pods it can read (the demo has a CrashLoop): CRITICAL wins
    ("api-403-namespaces", ("namespaces",), 2),
    ("prometheus-down", ("storage",), 3),
    ("prometheus-slow", ("storage",), 3),
    ("prometheus-errors", ("storage",), 3),
    ("litellm-down", ("inference",), 3),
    ("litellm-500", ("inference",), 2),
    # 401 on every path, liveliness too: the proxy cannot be read, which is not "the proxy is dead"
    ("litellm-401", ("inference",), 3),
]


@pytest.fixture
def check_lab(tmp_path) -> Iterator[DemoLab]:
    with DemoLab(tmp_path / "lab", step=0.2) as running:
        yield running


def _timed_check(services, areas):
    started = time.monotonic()
    try:
        report = run_check(services, areas=areas, wait=WAIT)
    finally:
        services.close()
    return report, time.monotonic() - started


@pytest.mark.parametrize("fault_id,areas,code", CASES, ids=[c[0] for c in CASES])
def test_check_exit_code_under_fault(check_lab: DemoLab, fault_id: str, areas: tuple[str, ...], code: int) -> None:
    lab = check_lab
    fault = _BY_ID[fault_id]
    fault.inject(lab)
    report, took = _timed_check(lab_services(lab), areas)
    record(check=fault_id, areas=list(areas), exit_code=report.exit_code, took_s=round(took, 2))
    assert report.exit_code == code, [(a.area, a.state, a.reason, a.source_errors) for a in report.areas]
    assert took < BOUND
    doc = json.loads(render_json(report))
    assert doc["exit_code"] == code
    if fault.partial:
        denied = fault.error.split(":")[0]
        assert any(denied in e and "403" in e for a in report.areas for e in a.source_errors), report.areas
    if code == 3:
        failing = {fault.source if fault.source != "kubernetes" else "kubernetes"}
        sources = {k for k, v in doc["sources"].items() if v["error"]}
        assert failing & sources or any(a["source_errors"] for a in doc["areas"]), doc
    fault.clear(lab)


def test_check_with_403_on_secrets_names_what_it_cannot_read(check_lab: DemoLab) -> None:
    lab = check_lab
    _BY_ID["api-403-secrets"].inject(lab)
    report, _ = _timed_check(lab_services(lab), None)
    errors = [e for a in report.areas for e in a.source_errors]
    assert any("secrets" in e and "403" in e for e in errors), errors


def test_check_with_prometheus_answering_empty(check_lab: DemoLab) -> None:
    """An answering Prometheus without volume series: no bound PVC has a figure, so usage is unknown."""
    lab = check_lab
    with EmptyPrometheus(lab.prometheus_url) as prom:
        settings = fast_settings(lab)
        settings = dataclasses.replace(settings, prometheus=dataclasses.replace(settings.prometheus, url=prom.url))
        report, took = _timed_check(lab_services(lab, settings), ("storage",))
    record(check="prometheus-empty", areas=["storage"], exit_code=report.exit_code, took_s=round(took, 2))
    assert report.state is State.UNKNOWN and report.exit_code == 3, report.areas
    assert "without any kubelet_volume_stats" in report.areas[0].reason
    assert report.dashboard.metrics.ok and not report.dashboard.metrics.data.volumes


def test_check_with_the_litellm_key_rejected(check_lab: DemoLab) -> None:
    """LiteLLM alive and ready, but every keyed call answers 401 (echoing the key): UNKNOWN, the error named."""
    lab = check_lab
    with EchoLiteLLM(401) as llm:
        settings = fast_settings(lab)
        settings = dataclasses.replace(settings, litellm=dataclasses.replace(settings.litellm, url=llm.url))
        report, took = _timed_check(lab_services(lab, settings, key="sk-planted-0123456789"), ("inference",))
    record(check="litellm-key-rejected", areas=["inference"], exit_code=report.exit_code, took_s=round(took, 2))
    area = report.areas[0]
    assert report.exit_code == 3 and area.state is State.UNKNOWN, area
    assert area.reason.startswith("LiteLLM: key rejected: /model/info: 401"), area.reason
    assert any(e.startswith("litellm: key rejected: /model/info: 401") for e in area.source_errors), area
    assert llm.seen_keys == ["sk-planted-0123456789"]  # /model/info only: /health (the paid tier) never ran
    assert "0123456789" not in render_json(report)


def test_check_with_three_second_latency_still_answers(check_lab: DemoLab) -> None:
    lab = check_lab
    lab.faults["kubernetes"].latency = 3.0
    services = lab_services(lab)
    started = time.monotonic()
    try:
        report = run_check(services, areas=("nodes",), wait=10.0)
    finally:
        services.close()
    took = time.monotonic() - started
    record(check="api-latency-3s", areas=["nodes"], exit_code=report.exit_code, took_s=round(took, 2))
    assert report.exit_code == 0 and took < BOUND
