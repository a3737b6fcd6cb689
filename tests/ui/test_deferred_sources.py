"""The dashboard paints before it builds its sources (``deferred_services``, docs/benchmarks.md).

The real sources are built in a worker after the first frame and adopted on the UI thread; until then
every source says "loading". A quit during the build, a bug in it, and an action asked of the stand-in
each end the way they would have with the sources built first.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from textual.worker import WorkerFailed

from homelab_tui.config import Settings
from homelab_tui.demo.runner import DemoLab
from homelab_tui.errors import HomelabError
from homelab_tui.config import LITELLM_KEY_ENV
from homelab_tui.services import (
    PendingClusterSource, Services, build_services, deferred_services, static_services,
)
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.litellm import LiteLLMSource
from homelab_tui.ui.app import HomelabApp, make_app
from tests.reliability.harness import fast_settings, wait_for
from homelab_tui.ui.messages import SourcesBuilt
from tests.ui.conftest import screen_text, settle
from tests.ui.demo_state import demo_state


def test_deferred_services_build_nothing_until_asked() -> None:
    services = deferred_services(Settings(), kubeconfig="/nonexistent/kubeconfig", context="homelab")
    assert isinstance(services.kube, PendingClusterSource) and services.pending is not None
    state = services.state()
    assert all(not snap.has_data and snap.error is None for snap in (state.cluster, state.metrics, state.llm,
                                                                      state.gpu))
    assert services.context == "homelab"  # asked for: shown at once
    for call in (services.kube.api, lambda: services.kube.list_events("ml"),
                 lambda: services.kube.list_once(["issuers"], "ml")):
        with pytest.raises(HomelabError, match="still starting"):
            call()
    built = services.pending()  # a missing kubeconfig is the source's error later, never an exception here
    try:
        assert isinstance(built.kube, KubeSource) and isinstance(built.litellm, LiteLLMSource)
        services.adopt(built)
        assert services.kube is built.kube and services.pending is None and services.context == "homelab"
    finally:
        built.close()


class Recorder:
    """``Services.pending`` that notes when and where it ran, and can be held back."""

    def __init__(self, build: Any, app_box: list[HomelabApp]) -> None:
        self.build = build
        self.app_box = app_box
        self.release = threading.Event()
        self.release.set()
        self.thread = ""
        self.painted_before = False

    def __call__(self) -> Services:
        self.thread = threading.current_thread().name
        app = self.app_box[0]
        self.painted_before = app.call_from_thread(lambda: app.screen.is_mounted and "Overview" in screen_text(app))
        assert self.release.wait(10)
        return self.build()


async def test_first_frame_then_sources_built_in_a_worker_and_adopted(lab: DemoLab) -> None:
    settings = fast_settings(lab)
    services = deferred_services(settings, kubeconfig=str(lab.kubeconfig_path))
    box: list[HomelabApp] = []
    recorder = Recorder(lambda: build_services(settings, kubeconfig=str(lab.kubeconfig_path),
                                               litellm_key=lab.litellm_key), box)
    services.pending = recorder
    app = make_app(services)
    box.append(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: services.pending is None, "the sources adopted", 10)
        assert recorder.thread != threading.current_thread().name  # a worker, not the UI thread
        assert recorder.painted_before  # the Overview was on screen before the build began
        assert isinstance(services.kube, KubeSource)
        assert app.title == "homelab-tui · homelab-demo"  # the kubeconfig's context, once read
        await wait_for(pilot, lambda: app.latest.cluster.has_data and app.latest.llm.has_data
                       and app.latest.metrics.has_data, "every source's data", 20)
        await settle(pilot)
        text = screen_text(app)
        assert "homelab-demo" in text and "kubernetes: updated" in text
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_quit_while_the_sources_are_being_built(lab: DemoLab) -> None:
    settings = fast_settings(lab)
    services = deferred_services(settings, kubeconfig=str(lab.kubeconfig_path))
    box: list[HomelabApp] = []
    built: list[Services] = []

    def build() -> Services:
        built.append(build_services(settings, kubeconfig=str(lab.kubeconfig_path), litellm_key=lab.litellm_key))
        return built[0]

    recorder = Recorder(build, box)
    recorder.release.clear()
    services.pending = recorder
    app = make_app(services)
    box.append(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: recorder.thread != "", "the build to begin", 10)
        await pilot.press("q")
    recorder.release.set()
    assert app.return_code in (0, None) and app._exception is None
    assert isinstance(services.kube, PendingClusterSource)  # never adopted: nothing was started
    for _ in range(50):
        if built:
            break
        threading.Event().wait(0.1)
    assert built and not built[0].kube._threads  # built, but no watch ever started
    services.close()
    built[0].close()


async def test_a_bug_in_the_build_ends_the_app_with_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    services = deferred_services(Settings(), kubeconfig="/nonexistent/kubeconfig")

    def broken() -> Services:
        raise ZeroDivisionError("a bug with data in its text")

    services.pending = broken
    app = make_app(services)
    with pytest.raises(WorkerFailed):
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(200):  # until the worker's failure reached the app (10 s at most)
                if app._exception is not None:
                    break
                await pilot.pause(0.05)
    assert app.return_code == 1
    err = " ".join(capfd.readouterr().err.split())  # the terminal's width may fold the line
    assert err == "homelab-tui: internal error (ZeroDivisionError); set HOMELAB_TUI_DEBUG=1 to see where"


FIRST_FRAME_PROBE = """
import asyncio, json, sys
from homelab_tui.config import Settings
from homelab_tui.services import build_services, deferred_services
from homelab_tui.ui.app import make_app

seen = []
services = deferred_services(Settings(), kubeconfig=sys.argv[1])

def pending():
    loaded = list(sys.modules)  # one atomic copy: another worker may be importing meanwhile
    seen.append(sorted(m for m in loaded if m.split(".")[0] in ("homelab_tui", "yaml", "httpx", "kubernetes")))
    return build_services(Settings(), kubeconfig=sys.argv[1])

services.pending = pending

async def main():
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        while not seen:
            await pilot.pause(0.05)
        await pilot.press("q")

asyncio.run(main())
print(json.dumps(seen[0]))
"""


def test_the_first_frame_waits_for_no_source_module_and_no_area_model(tmp_path) -> None:
    """What the Overview's first frame no longer waits for (docs/benchmarks.md): the sources' modules, PyYAML
    and the kubeconfig (built after it), and the models its areas are judged with (there is nothing to judge
    yet: ``model.overview`` imports them on first use, and a worker loads them meanwhile)."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", FIRST_FRAME_PROBE, str(tmp_path / "no-kubeconfig")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "homelab_tui.ui.screens.overview" in loaded and "homelab_tui.model.overview" in loaded  # sanity
    late = {"yaml", "httpx", "kubernetes", "homelab_tui.sources.kube", "homelab_tui.sources.kube_client",
            "homelab_tui.sources.kubeconfig", "homelab_tui.sources.litellm", "homelab_tui.sources.prometheus",
            "homelab_tui.sources.nvml", "homelab_tui.model.certs", "homelab_tui.model.gpu",
            "homelab_tui.model.inference", "homelab_tui.model.namespaces", "homelab_tui.model.nodes",
            "homelab_tui.model.storage"}
    assert not loaded & late, sorted(loaded & late)


async def test_sources_built_as_the_app_quits_are_closed_not_started() -> None:
    """The message that hands the sources over can be handled after ``exit()`` (q, SIGHUP, SIGTERM)."""
    services = deferred_services(Settings(), kubeconfig="/nonexistent/kubeconfig")
    closed: list[str] = []
    built = static_services(demo_state())
    built.closers.append(lambda: closed.append("closed"))
    started: list[str] = []
    built.kube.start = lambda on_change=None: started.append("watches")  # type: ignore[method-assign]
    services.pending = None  # the test hands the message over itself
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        app.post_message(SourcesBuilt(built))
        app.exit()
        await pilot.pause()
    assert closed == ["closed"] and started == []
    assert isinstance(services.kube, PendingClusterSource)


def test_the_key_leaves_the_environment_at_once_and_still_reaches_the_build(monkeypatch, tmp_path) -> None:
    """No child started before the build (a kubeconfig exec plugin) may inherit the LiteLLM key."""
    monkeypatch.setenv(LITELLM_KEY_ENV, "test-key-not-real-0000")
    services = deferred_services(Settings(), kubeconfig=str(tmp_path / "none"))
    assert LITELLM_KEY_ENV not in os.environ
    built = services.pending()
    try:
        assert built.litellm._key.reveal() == "test-key-not-real-0000"  # type: ignore[attr-defined]
    finally:
        built.close()
