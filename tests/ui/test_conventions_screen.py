"""The Conventions screen lists every violation with its rule, why and fix, from the live cluster state;
fixing violations through the API server (kubectl) makes their rows disappear live."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from homelab_tui.model.conventions import NOT_CHECKED_LIVE, check_conventions, rule
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.demo.runner import DemoLab
from homelab_tui.ui.app import make_app
from tests.reliability.harness import lab_services, wait_for
from tests.ui.conftest import build_app, screen_text, settle
from tests.ui.demo_state import demo_state

KUBECTL = shutil.which("kubectl")
#: what rule 15 asks of a DinD pod: its own DNS, without the jetzinger.com search domain
DIND_DNS = {"spec": {"template": {"spec": {"dnsPolicy": "None", "dnsConfig": {
    "nameservers": ["10.43.0.10"], "searches": ["dev.svc.cluster.local", "svc.cluster.local", "cluster.local"]}}}}}


async def test_violations_listed_with_why_and_fix():
    state = demo_state()
    expected = check_conventions(state.cluster.data, build_app(state).services.settings)
    assert expected, "the demo keeps deliberate violations"
    app = build_app(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        text = screen_text(app)
        assert f"{len(expected)} violation(s)" in text
        assert "nginx-proxy" in text  # the standard Ingress left in dev
        first = expected[0]
        assert rule(first.rule_id).fix[:40] in " ".join(text.split())
        # the screen says which of the project's rules it cannot check, so its list is not read as full compliance
        assert "not checkable from the cluster (6): manifest headers with FR/NFR · one file per service" in text


async def test_the_whole_not_checkable_list_shows_at_80_columns():
    app = build_app(demo_state())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        summary = " ".join(app.screen.query_one("#conventions-summary").render().plain.split())
        shown = " ".join(screen_text(app).split())
        assert summary.endswith(" · ".join(NOT_CHECKED_LIVE))
        for item in NOT_CHECKED_LIVE:  # on screen, not cut off by the summary's height
            assert item in shown, item


async def test_fixing_a_violation_makes_it_disappear():
    state = demo_state()
    app = build_app(state)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        assert "Ingress dev/nginx-proxy" in screen_text(app)
        cluster = state.cluster.data
        fixed = dataclasses.replace(cluster, objects={**cluster.objects, "ingresses": ()},
                                    revision=cluster.revision + 1)
        app.services.kube.replace(Snapshot("kubernetes", fixed, fetched_at=state.cluster.fetched_at))
        app.refresh_state()
        await settle(pilot)
        assert "Ingress dev/nginx-proxy" not in screen_text(app)


def kubectl(lab: DemoLab, home: Path, *args: str) -> None:
    assert KUBECTL is not None
    out = subprocess.run([KUBECTL, "--kubeconfig", str(lab.kubeconfig_path), "--request-timeout=10s", *args],
                         capture_output=True, text=True, timeout=60, env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, f"kubectl {' '.join(args)} failed: {out.stderr}"


@pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary")
async def test_violations_fixed_through_the_api_disappear_live(tmp_path: Path) -> None:
    with DemoLab(tmp_path / "lab", step=0.2) as lab:
        app = make_app(lab_services(lab))
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("8")
            await wait_for(pilot, lambda: "10 violation(s)" in screen_text(app), "the demo's 10 violations")
            text = screen_text(app)
            assert "Ingress dev/nginx-proxy" in text and "Deployment dev/devcontainer-dind" in text, text
            kubectl(lab, tmp_path, "delete", "ingress", "nginx-proxy", "-n", "dev")
            kubectl(lab, tmp_path, "patch", "deployment", "devcontainer-dind", "-n", "dev", "--type", "merge",
                    "-p", json.dumps(DIND_DNS))
            await wait_for(pilot, lambda: "6 violation(s)" in screen_text(app), "4 rows fewer after the fixes")
            text = screen_text(app)
            assert "nginx-proxy" not in text and "devcontainer-dind" not in text, text
            assert "Deployment docs/paperless-gpt" in text, "the violations not fixed are still listed"
        app.services.close()


async def test_no_cluster_data_says_so():
    state = dataclasses.replace(demo_state(), cluster=Snapshot("kubernetes", error="connection refused",
                                                               error_since=1.0, attempted_at=2.0))
    app = build_app(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        assert "conventions cannot be checked" in screen_text(app)
