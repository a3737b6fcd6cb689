"""The Overview shows a rejected LiteLLM key: the inference row is UNKNOWN and names the error (issue 5 & 6)."""

from __future__ import annotations

import dataclasses

from homelab_tui.demo.runner import DemoLab
from homelab_tui.ui.app import make_app
from tests.reliability.harness import fast_settings, lab_services, wait_for
from tests.reliability.stubs import EchoLiteLLM
from tests.ui.conftest import screen_text


async def test_a_rejected_key_is_on_the_overview(lab: DemoLab) -> None:
    planted = "sk-planted-0123456789"
    with EchoLiteLLM(401) as llm:
        settings = fast_settings(lab)
        settings = dataclasses.replace(settings, litellm=dataclasses.replace(settings.litellm, url=llm.url))
        app = make_app(lab_services(lab, settings, key=planted))
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(pilot, lambda: "Inference tiers" in screen_text(app) and "key rejected" in
                           " ".join(screen_text(app).split()), "the rejected key on the Overview")
            rows = [line for line in screen_text(app).splitlines() if "Inference tiers" in line]
            text = screen_text(app)
    assert rows and "unknown" in rows[0].lower() and "LiteLLM: key rejected: /model/info: 401" in rows[0], rows
    assert "0123456789" not in text
