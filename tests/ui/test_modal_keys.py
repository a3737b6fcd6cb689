"""Every modal shows its own keys, not those of the screen under it (they do nothing while it is open), and
``?`` lists them."""

from __future__ import annotations

from homelab_tui.actions.base import Plan, Target
from homelab_tui.ui.action_types import ActionRequest, RunState
from homelab_tui.ui.screens.action_progress import ActionProgressScreen
from homelab_tui.ui.screens.certificate_detail import CertificateDetailScreen
from homelab_tui.ui.screens.confirm import ActionConfirmScreen
from homelab_tui.ui.screens.gpu import GpuScreen
from homelab_tui.ui.screens.help import HelpScreen
from homelab_tui.ui.screens.ingress import IngressScreen
from homelab_tui.ui.widgets.confirm import ConfirmScreen
from tests.ui.conftest import build_app, screen_text, settle
from tests.ui.test_action_modals import N8N, Planner
from tests.ui.test_inference_screen import fake_app, open_inference
from tests.ui.test_ingress_screen import open_certificate_detail

SCREEN_KEYS = "123456789 Screens"


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


async def test_the_certificate_detail_lists_its_keys_and_answers_the_help_key() -> None:
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_certificate_detail(pilot)
        keys = footer(app)
        assert SCREEN_KEYS not in keys and "Certificate" not in keys
        for key in ("esc Close", "e Reload", "R Renew", "? Help"):
            assert key in keys, keys
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "Keys · Certificate apps/openclaw-tls" in text and "Reload" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CertificateDetailScreen)


async def test_a_screen_key_in_the_certificate_detail_closes_it_and_goes_there() -> None:
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_certificate_detail(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, GpuScreen)
        await pilot.press("3")  # back on Ingress & TLS: the detail was closed, not left under it
        await settle(pilot)
        assert isinstance(app.screen, IngressScreen) and len(app.screen_stack) == 1


async def test_the_confirmation_modals_list_their_own_keys() -> None:
    app, _ = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inference(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        keys = footer(app)
        assert SCREEN_KEYS not in keys and "y Yes" in keys and "n No" in keys and "? Help" in keys, keys

    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ActionConfirmScreen(ActionRequest("scale", N8N, defaults={"replicas": "1"}), Planner()))
        await settle(pilot)
        keys = footer(app)
        assert SCREEN_KEYS not in keys and "esc Cancel" in keys, keys


async def test_the_progress_modal_lists_its_own_keys_under_its_own_title() -> None:
    app = build_app()
    run = RunState(Plan("scale", Target("Deployment", "apps", "n8n"), "Scale apps/n8n 1 → 2", ("replicas: 1 → 2",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ActionProgressScreen(run))
        await settle(pilot)
        keys = footer(app)
        assert SCREEN_KEYS not in keys and "esc Close" in keys and "? Help" in keys, keys
        await pilot.press("question_mark")
        await settle(pilot)
        assert "Keys · Scale apps/n8n 1 → 2" in screen_text(app)  # the window's title, not "homelab-tui"


async def test_f1_opens_the_help_of_an_action_window_while_its_input_has_the_focus() -> None:
    app = build_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        modal = ActionConfirmScreen(ActionRequest("scale", N8N, defaults={"replicas": "1"}), Planner())
        app.push_screen(modal)
        await settle(pilot)
        assert "F1 Help" in footer(app)
        await pilot.press("question_mark")  # the count field takes (and drops) it: no help
        await settle(pilot)
        assert app.screen is modal
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Keys · Scale · Deployment apps/n8n" in screen_text(app)  # the window's own title
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")  # review: the plan is shown
        await settle(pilot)
        assert modal.phase == "confirm"
        await pilot.press("enter")  # Enter again is not an answer: it says which keys are
        await settle(pilot)
        assert app.screen is modal and modal.phase == "confirm"
        assert any(n.message == "y applies the plan · n or Esc cancels" for n in app._notifications)


async def test_the_help_of_a_question_is_titled_by_the_question() -> None:
    app = build_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmScreen("Probe the paid tier?", ["it costs money"]))
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert "Keys · Probe the paid tier?" in screen_text(app)


def test_the_gpu_switch_window_names_the_gpu_node_not_an_internal_kind() -> None:
    request = ActionRequest("gpu-mode", Target("GpuMode", "", "k3s-gpu-worker"))
    assert request.target_text == "GPU node k3s-gpu-worker"
    assert ActionRequest("scale", N8N).target_text == "Deployment apps/n8n"
