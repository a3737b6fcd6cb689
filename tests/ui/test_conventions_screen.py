"""The Conventions screen lists every violation with its rule, why and fix, from the live cluster state."""

from __future__ import annotations

import dataclasses

from homelab_tui.model.conventions import check_conventions, rule
from homelab_tui.model.snapshot import Snapshot
from tests.ui.conftest import build_app, screen_text, settle
from tests.ui.demo_state import demo_state


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


async def test_no_cluster_data_says_so():
    state = dataclasses.replace(demo_state(), cluster=Snapshot("kubernetes", error="connection refused",
                                                               error_since=1.0, attempted_at=2.0))
    app = build_app(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        assert "conventions cannot be checked" in screen_text(app)
