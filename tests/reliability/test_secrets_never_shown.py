"""Issue 6: no secret value and no LiteLLM key ever reaches the user or a log.

Known values are planted in a Secret (in ``data`` and, as ``kubectl apply`` leaves it, in the
last-applied annotation) and used as the LiteLLM key; a LiteLLM that echoes the key in its 401 and
500 errors is put in front. Then every screen and every modal that can be reached is opened, the
errors are triggered, a secret is patched, and ``check --json`` runs. No planted value, nor its
base64, may appear in: a screen export (text and SVG), Textual's log, Python logging, the audit
log, an exception or error message, or the check output. Every action run from the dashboard, and
the audit log it writes: test_secrets_never_shown_actions.py.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp import web

from homelab_tui.actions import registry
from homelab_tui.actions.base import Target, make_context
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.check import render_json, render_table, run_check
from homelab_tui.cli import build_parser
from homelab_tui.config import LiteLLMSettings, Settings
from homelab_tui.demo.runner import DemoLab
from homelab_tui.sources.base import SourceError
from homelab_tui.sources.litellm import LiteLLMSource
from homelab_tui.sources.kube_client import KubeTarget, load_kube_api
from homelab_tui.ui.app import make_app
from homelab_tui.ui.screens.registry import SCREENS
from tests.integration.aio_server import serve
from tests.reliability.harness import fast_settings, lab_services, wait_for
from tests.reliability.stubs import EchoLiteLLM
from tests.ui.conftest import screen_text

SECRET_VALUE = "planted-Secret-Value-5e8d1c"
LITELLM_KEY = "planted-LiteLLM-Key-a9f3b2"
PATCH_VALUE = "planted-Patch-Value-77c0aa"
PLANTED = (SECRET_VALUE, LITELLM_KEY, PATCH_VALUE)
PACKAGE = Path(__file__).resolve().parents[2] / "homelab_tui"


def forms(value: str) -> tuple[str, ...]:
    """The value, its base64 (as in Secret.data) and its base64 without padding."""
    b64 = base64.b64encode(value.encode()).decode()
    return value, b64, b64.rstrip("=")


def assert_clean(where: str, text: str) -> None:
    for value in PLANTED:
        for form in forms(value):
            assert form not in text, f"{where} shows a planted secret ({value!r} as {form!r})"


def plant(lab: DemoLab) -> None:
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    applied = json.dumps({"apiVersion": "v1", "kind": "Secret", "stringData": {"PLANTED": SECRET_VALUE}})

    def mutate(secret: dict) -> None:
        secret.setdefault("data", {})["PLANTED"] = encoded
        secret["metadata"].setdefault("annotations", {})[
            "kubectl.kubernetes.io/last-applied-configuration"] = applied

    lab.call(lambda: lab.store.mutate("secrets", "ml", "litellm-secrets", mutate))


@pytest.fixture
def planted_lab(tmp_path, monkeypatch) -> Iterator[DemoLab]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # where the UI would write its audit log
    with DemoLab(tmp_path / "lab", step=0.2) as running:
        plant(running)
        yield running


async def _exports(pilot, app, where: str, seen: list[tuple[str, str]]) -> None:
    await pilot.pause(0.2)
    seen.append((f"{where} (text)", screen_text(app)))
    seen.append((f"{where} (svg)", app.export_screenshot()))


async def test_no_planted_value_on_any_screen_modal_log_or_error(planted_lab: DemoLab, caplog) -> None:
    lab = planted_lab
    caplog.set_level(logging.DEBUG)
    with EchoLiteLLM(401) as llm:
        settings = fast_settings(lab)
        settings = dataclasses.replace(settings, litellm=dataclasses.replace(settings.litellm, url=llm.url))
        services = lab_services(lab, settings, key=LITELLM_KEY, read_only=False)
        app = make_app(services)
        logged: list[str] = []
        real_log = app._log

        def capture(group, verbosity, frame, *objects: Any, **kwargs: Any) -> None:
            logged.append(" ".join(map(str, objects)) + " " + " ".join(f"{k}={v}" for k, v in kwargs.items()))
            real_log(group, verbosity, frame, *objects, **kwargs)

        app._log = capture  # type: ignore[method-assign]
        seen: list[tuple[str, str]] = []
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(pilot, lambda: app.latest.cluster.ok and app.latest.llm.has_data, "the first data")
            await wait_for(pilot, lambda: app.latest.llm.data.health_error, "the echoed 401 from /model/info")
            assert LITELLM_KEY in llm.seen_keys  # the key was really sent, and really echoed
            for spec in SCREENS:
                await pilot.press(spec.key)
                await _exports(pilot, app, spec.mode, seen)
                for key, modal in (("enter", "drill-down"), ("question_mark", "help"), ("p", "action or probe")):
                    await pilot.press(key)
                    await _exports(pilot, app, f"{spec.mode} {modal}", seen)
                    if key == "p" and spec.mode == "inference":
                        await pilot.press("y")  # send the probe: LiteLLM answers 401 echoing the key
                        await pilot.pause(1.0)
                        await _exports(pilot, app, "inference probe answer", seen)
                    while len(app.screen_stack) > 1:
                        app.pop_screen()
                    await pilot.pause(0.05)
            await pilot.press("ctrl+p")
            await _exports(pilot, app, "command palette", seen)
            llm.status = 500
            await pilot.press("6", "h")  # full /health now fails with a 500 that echoes the key
            await wait_for(pilot, lambda: "500" in (app.latest.llm.data.health_error or ""), "the echoed 500")
            await _exports(pilot, app, "inference after 500", seen)
            notes = [str(n.message) + str(n.title) for n in app._notifications]
        snapshots = [repr(s) for s in (app.latest.cluster.error, app.latest.metrics, app.latest.llm, app.latest.gpu)]
    for where, text in seen:
        assert_clean(where, text)
    assert_clean("Textual's log", "\n".join(logged))
    assert_clean("Python logging", caplog.text)
    assert_clean("notifications", "\n".join(notes))
    assert_clean("the sources' snapshots", "\n".join(snapshots))


def test_litellm_errors_that_echo_the_key_are_scrubbed(planted_lab: DemoLab) -> None:
    lab = planted_lab
    for status in (401, 500):
        with EchoLiteLLM(status) as llm:
            settings = fast_settings(lab)
            settings = dataclasses.replace(settings, litellm=dataclasses.replace(settings.litellm, url=llm.url))
            services = lab_services(lab, settings, key=LITELLM_KEY)
            try:
                snap = services.litellm.refresh(full=True)
                probe = services.litellm.probe("vllm-qwen", timeout=5)
                with pytest.raises(SourceError) as raised:
                    services.litellm.models()
            finally:
                services.close()
        assert LITELLM_KEY in llm.seen_keys
        assert str(status) in snap.data.health_error and str(status) in probe.error
        for where, text in (("health error", snap.data.health_error), ("probe", repr(probe)),
                            ("exception", str(raised.value) + repr(raised.value)),
                            ("source repr", repr(services.litellm))):
            assert_clean(f"LiteLLM {status} {where}", text)


def test_a_readiness_answer_that_echoes_the_key_is_scrubbed() -> None:
    """LiteLLM's readiness names its database; a URL carrying the key must not reach the screen or the JSON."""
    async def echo(request: web.Request) -> web.Response:
        if request.path == "/health/liveliness":
            return web.json_response("I'm alive!")
        if request.path == "/health/readiness":
            return web.json_response({"status": "healthy", "db": f"postgresql://litellm:{LITELLM_KEY}@db/litellm",
                                      "last_error": f"auth with Bearer {LITELLM_KEY} failed"})
        return web.json_response({"detail": "Not Found"}, status=404)

    app = web.Application()
    app.router.add_get("/{tail:.*}", echo)
    with serve(app) as url:
        src = LiteLLMSource(Settings(litellm=LiteLLMSettings(url=url, timeout=5.0)), LITELLM_KEY)
        try:
            readiness = src.refresh().data.readiness
        finally:
            src.close()
    assert readiness["db"] == "postgresql://litellm:***@db/litellm"
    assert_clean("readiness", json.dumps(readiness))


def test_check_json_and_table_never_show_a_secret(planted_lab: DemoLab) -> None:
    lab = planted_lab
    with EchoLiteLLM(401) as llm:
        settings = fast_settings(lab)
        settings = dataclasses.replace(settings, litellm=dataclasses.replace(settings.litellm, url=llm.url))
        services = lab_services(lab, settings, key=LITELLM_KEY)
        try:
            report = run_check(services, conventions=True, wait=5.0)
        finally:
            services.close()
    assert report.dashboard.cluster.ok and report.dashboard.llm.data.health_error  # the echoed 401 was read
    assert_clean("check --json", render_json(report))
    assert_clean("check table", render_table(report))


def test_secret_patch_keeps_the_value_out_of_messages_and_the_audit_log(planted_lab: DemoLab, tmp_path) -> None:
    lab = planted_lab
    ctx = make_context(load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 5), fast_settings(lab), read_only=False,
                       audit_path=str(tmp_path / "audit.jsonl"), poll=0.05, wait_timeout=20)
    action = registry.get("secret-patch")
    target = Target("Secret", "ml", "litellm-secrets")
    progress: list[str] = []
    plan = action.plan(ctx, target, key="PLANTED", value=SecretValue(PATCH_VALUE))
    outcome = action.execute(ctx, plan, progress=progress.append)
    assert outcome.ok, outcome.message
    stored = lab.call(lambda: lab.store.get("secrets", "ml", "litellm-secrets"))
    assert base64.b64decode(stored["data"]["PLANTED"]).decode() == PATCH_VALUE
    for where, text in (("plan", repr(plan) + " ".join(plan.summary())), ("outcome", repr(outcome)),
                        ("progress", "\n".join(progress)), ("audit log", (tmp_path / "audit.jsonl").read_text())):
        assert_clean(f"secret patch {where}", text)


def test_the_key_cannot_be_passed_on_the_command_line() -> None:
    parser = build_parser()
    flags = {opt for action in parser._actions for opt in action.option_strings}
    subparsers = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    for sub in subparsers:
        for child in sub.choices.values():
            flags |= {opt for action in child._actions for opt in action.option_strings}
    assert not [f for f in flags if re.search(r"key|token|secret|password", f, re.I)], sorted(flags)
    out = subprocess.run([sys.executable, "-m", "homelab_tui", "check", "--litellm-key", LITELLM_KEY],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode != 0 and "unrecognized arguments" in out.stderr
    assert "Traceback" not in out.stderr


def test_no_subprocess_is_started_through_a_shell() -> None:
    pattern = re.compile(r"shell\s*=\s*True|os\.system\s*\(|os\.popen\s*\(|commands\.getoutput|pty\.spawn")
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{n}" for path in sorted(PACKAGE.rglob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders
    assert len(list(PACKAGE.rglob("*.py"))) > 20  # the scan really saw the package
