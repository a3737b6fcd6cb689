"""The Textual app: one factory, screens as modes, data from injected services.

The App holds one reactive :class:`DashboardState`; screens watch it and re-render.
It changes only when a source has news (watch events, coalesced; polled sources,
refreshed in thread workers on their own timers). A 1 s tick moves ``now`` so
screens can update their "x s ago" texts. Nothing here blocks the UI thread.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any, Callable

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.reactive import var
from textual.worker import Worker, WorkerFailed, WorkerState

from homelab_tui.errors import DEBUG_VARIABLE, crash_line
from homelab_tui.model.state import DashboardState
from homelab_tui.services import Services
from homelab_tui.ui.commands import ScreenKeysProvider, ScreensProvider
from homelab_tui.ui.executor import WorkerExecutor
from homelab_tui.ui.messages import ClusterChanged, SourceRefreshed, SourcesBuilt
from homelab_tui.ui.screens.help import HelpScreen, describe_keys
from homelab_tui.ui.screens.registry import DEFAULT_MODE, SCREENS, screen_for_area
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.workers import Coalescer, Poller, failure_text, state_signature


#: the number keys share one footer entry ("1 2 3 4 5 6 Screens") so the footer fits 80 columns;
#: the help and the palette list each screen by name
SCREEN_KEYS = Binding.Group("Screens", compact=True)


#: the signals that end the dashboard like q (with a running action stopped and audited)
HANG_UP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name))


class HomelabApp(App[None]):
    """The homelab-tui dashboard. Build it with :func:`make_app`."""

    TITLE = "homelab-tui"
    CSS_PATH = [stylesheet("base.tcss")]
    MODES = {spec.mode: spec.factory for spec in SCREENS}
    DEFAULT_MODE = DEFAULT_MODE
    COMMANDS = App.COMMANDS | {ScreensProvider, ScreenKeysProvider}
    BINDINGS = [
        *(Binding(spec.key, f"show_screen('{spec.mode}')", spec.title, tooltip=f"{spec.title}: {spec.help}",
                  id=f"screen.{spec.mode}", group=SCREEN_KEYS) for spec in SCREENS),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="List every key", id="help"),
        Binding("q", "quit", "Quit", tooltip="Quit homelab-tui", id="quit"),
        # the screens with a filter bind / themselves; elsewhere it says where one is, instead of nothing
        Binding("slash", "no_filter", "", show=False, id="no_filter"),  # no description: not listed by ?
    ]

    #: what the sources held at the last change; screens watch this and re-render
    state: var[DashboardState] = var(DashboardState, always_update=True, init=False)
    #: the clock at the last tick; screens watch this to update "x s ago" texts
    now: var[float] = var(0.0, init=False)

    def __init__(self, services: Services, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.services = services
        self.clock = clock
        #: the newest state, also between changes (freshness lines read it every tick)
        self.latest: DashboardState = services.state()
        self._signature: object = state_signature(self.latest)
        self.set_reactive(HomelabApp.state, self.latest)
        self._cluster_updates = Coalescer(self, self.refresh_state)
        self._poller = Poller(self, {"prometheus": services.prometheus, "litellm": services.litellm,
                                     "gpu": services.gpu})
        self.title = self._title()
        #: runs the thread workers, from the app's start (see :meth:`on_load`)
        self.executor: WorkerExecutor | None = None

    # ------------------------------------------------------------------ lifecycle

    def on_load(self) -> None:
        """Before anything runs: thread workers get daemon threads, so quitting never waits for a blocked
        read (a silent LiteLLM, a wedged NVML); only a running action is waited for (see executor.py)."""
        self.executor = WorkerExecutor()
        loop = asyncio.get_running_loop()
        loop.set_default_executor(self.executor)
        # an SSH session that drops sends SIGHUP (a service manager SIGTERM): leave as q does, so that a running
        # action stops at its next safe point and writes its audit line instead of dying mid-step
        for signum in HANG_UP_SIGNALS:
            try:
                loop.add_signal_handler(signum, self.exit)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests), no such signal
                pass

    def on_mount(self) -> None:
        self.refresh_state()
        self.set_interval(1.0, self._tick, name="tick")
        # paint first, then start the sources: their threads (TLS handshakes, the kubernetes client's
        # import) would otherwise compete with the first frame for the GIL
        self.call_after_refresh(self._start_sources)

    def _start_sources(self) -> None:
        if self.services.pending is not None:
            # the sources themselves are built only now (deferred_services), in a worker; then adopted
            self.run_worker(self._build_sources, name="build sources", group="warm-up", thread=True)
        else:
            self._run_sources()
        # the Secrets screen's fingerprints need this install's key: read (or, the first time, made and fsynced)
        # here in a worker, not on the UI thread when the first secret is drawn
        self.run_worker(_load_fingerprint_key, name="fingerprint key", group="warm-up", thread=True,
                        exit_on_error=False)

    def _build_sources(self) -> None:
        """Worker thread: build the real sources. A bug here ends the app with one line, as it did when they
        were built before the app (exit_on_error); a kubeconfig or key problem is a source's error instead."""
        pending = self.services.pending
        if pending is None:
            return
        built = pending()
        if not self.post_message(SourcesBuilt(built)):  # the app has closed meanwhile: nothing to start
            built.close()
            return
        from homelab_tui.model.overview import warm_up

        warm_up()  # the area models the first data will be judged with, while the sources connect

    def on_sources_built(self, message: SourcesBuilt) -> None:
        if self._exit:  # quitting: start nothing
            message.built.close()
            return
        self.services.adopt(message.built)
        self._poller = Poller(self, {"prometheus": self.services.prometheus, "litellm": self.services.litellm,
                                     "gpu": self.services.gpu})
        self.title = self._title()
        self.latest = self.services.state()
        self._signature = state_signature(self.latest)
        self.state = self.latest  # screens re-render: the context line, the sources' names
        self.refresh_bindings()  # keys that depend on what a source can do (Inference's h and p)
        self._run_sources()

    def _run_sources(self) -> None:
        self.services.kube.start(on_change=self._cluster_updates.notify)
        self._poller.start()

    def on_unmount(self) -> None:
        self.services.close()

    # ------------------------------------------------------------------ data

    def refresh_state(self) -> None:
        """Read what the sources hold (no I/O) and publish it if anything a screen shows changed."""
        self.latest = self.services.state()
        signature = state_signature(self.latest)
        if signature != self._signature:
            self._signature = signature
            self.state = self.latest
            self.title = self._title()

    def _title(self) -> str:
        """``homelab-tui · <context>``: the context asked for, else the one the kubeconfig chose."""
        cluster = self.latest.cluster.data
        context = self.services.context or (cluster.context if cluster is not None else "")
        return f"homelab-tui · {context}" if context else "homelab-tui"

    def _tick(self) -> None:
        self.refresh_state()
        self.now = self.clock()

    def on_cluster_changed(self, _: ClusterChanged) -> None:
        self._cluster_updates.handle()

    def on_source_refreshed(self, _: SourceRefreshed) -> None:
        self.refresh_state()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported: a notification, never a crash."""
        if event.state == WorkerState.ERROR:
            self.report_failure(event.worker)

    def report_failure(self, worker: Worker[Any]) -> None:
        self.notify(failure_text(worker), title="Background work failed", severity="error")

    # ------------------------------------------------------------------ navigation

    def action_show_screen(self, mode: str) -> None:
        """Switch to a screen; its own key on a drill-down of it goes back to the screen itself."""
        if mode == self.current_mode:
            while len(self.screen_stack) > 1:
                self.pop_screen()
        else:
            self.switch_mode(mode)

    def open_area(self, area: str) -> None:
        """Show the screen that details an Overview area. The screen opens whole: no drill-down left open
        on it and no filter left from before, which could hide the problem followed."""
        self.switch_mode(screen_for_area(area).mode)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        base = self.screen_stack[0]
        clear_filter = getattr(base, "action_clear_filter", None)
        if clear_filter is not None and base.is_mounted:  # a screen shown for the first time has no filter yet
            clear_filter()

    def action_no_filter(self) -> None:
        self.notify("This screen has no filter; / filters on Namespaces (2) and Secrets (7).", timeout=4)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(describe_keys(self.screen), title=self.screen.sub_title or "homelab-tui"))

    # ------------------------------------------------------------------ a bug

    def _handle_exception(self, error: Exception) -> None:
        """An uncaught exception ends the app with one line, as the command line does, never a traceback.

        Textual's own handler prints a traceback with every frame's local variables, and those can hold a
        secret value being patched or a key. Only the exception's type is shown (its text may hold data from
        a server); ``HOMELAB_TUI_DEBUG=1`` shows where, still without any local variable. Textual's exit
        status (1) and its hand-over of the error to a test's ``run_test`` are kept.
        """
        cause = error.error if isinstance(error, WorkerFailed) else error  # a worker's bug: name the bug itself
        if os.environ.get(DEBUG_VARIABLE):
            from rich.traceback import Traceback

            where: Any = Traceback.from_exception(type(cause), cause, cause.__traceback__, show_locals=False)
        else:
            where = Text(crash_line(cause))
        self._return_code = 1
        if self._exception is None:  # run_test re-raises it at the end of a test
            self._exception = error
            self._exception_event.set()
        self.bell()
        self.panic(where)


def make_app(services: Services, *, clock: Callable[[], float] = time.time) -> HomelabApp:
    """The one way to build the dashboard (the CLI and the tests both call it)."""
    return HomelabApp(services, clock=clock)


def _load_fingerprint_key() -> None:
    from homelab_tui.actions.secret_value import fingerprint_problem

    fingerprint_problem()  # loads and caches the key; a problem is shown where fingerprints are (Secrets)
