"""The Secrets screen on fixed demo data: keys, sizes, fingerprints and warnings — never a value."""

from __future__ import annotations

import base64
import dataclasses

from homelab_tui.actions.secret_info import describe_secret
from homelab_tui.actions.secret_value import fingerprint
from homelab_tui.ui.action_requests import secret_request
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.widgets.table import DashboardTable
from tests.ui.conftest import build_app, screen_text, settle
from tests.ui.demo_state import demo_objects, demo_state


def seed_values() -> list[str]:
    """Every decoded value of the seed's Opaque secrets (long enough to be recognisable)."""
    out = []
    for obj in demo_objects():
        if obj.get("kind") == "Secret" and obj.get("type") == "Opaque":
            out += [base64.b64decode(v).decode() for v in (obj.get("data") or {}).values()]
    return [v for v in out if len(v) >= 6]


async def test_secrets_are_listed_with_fingerprints_and_never_a_value() -> None:
    app = build_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        app.screen.query_one(DashboardTable).select_key("ml/litellm-secrets")
        await settle(pilot)
        text = screen_text(app)
        assert "20 secrets" in text and "2 with warnings" in text
        assert "managed by Helm" in text and "name 'dev-registry-creds' breaks" in text
        secret = next(o for o in demo_objects() if o["kind"] == "Secret" and o["metadata"]["name"] == "litellm-secrets")
        for key, value in secret["data"].items():
            assert key in text and fingerprint(base64.b64decode(value)) in text
        assert "used by: Deployment litellm" in text
        shown = text + app.export_screenshot()
        values = seed_values()
        assert values and not [v for v in values if v in shown]


async def test_the_filter_narrows_by_key_name() -> None:
    app = build_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("7", "slash", *"HF_TOKEN", "enter")
        await settle(pilot)
        assert app.screen.query_one(DashboardTable).row_keys == ["ml/vllm-secrets"]


async def test_secrets_that_cannot_be_read_say_so() -> None:
    state = demo_state()
    cluster = state.cluster.data
    assert cluster is not None
    denied = dataclasses.replace(cluster, objects={k: v for k, v in cluster.objects.items() if k != "secrets"},
                                 errors={"secrets": "403 Forbidden: secrets is forbidden"})
    app = build_app(dataclasses.replace(state, cluster=dataclasses.replace(state.cluster, data=denied)))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        assert "Secrets cannot be read: 403 Forbidden" in screen_text(app)
        assert app.screen.query_one(DashboardTable).row_keys == []


def test_the_patch_of_a_cert_manager_secret_says_before_the_value_is_typed_which_keys_are_refused() -> None:
    def request_for(name: str) -> ActionRequest:
        secret = next(o for o in demo_objects() if o["kind"] == "Secret" and o["metadata"]["name"] == name)
        request = secret_request(describe_secret(secret))
        assert isinstance(request, ActionRequest)
        return request

    hints = request_for("n8n-tls").hints
    assert ("⚠ ca.crt, tls.crt, tls.key are written by cert-manager (Certificate apps/n8n-tls): a patch of them is "
            "refused — renew the certificate with R (screen 3)") in hints
    assert not [h for h in request_for("litellm-secrets").hints if "cert-manager" in h]
