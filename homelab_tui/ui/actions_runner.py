"""The one place the dashboard runs a cluster action: plan → confirm → execute → outcome → follow-ups.

A screen declares an action key with :func:`act_binding` (``act('scale')``) and answers
:meth:`ActionKeys.action_request` with an :class:`ActionRequest` for its selection. Then:

1. :class:`ActionConfirmScreen` asks the inputs and plans in a thread worker (the Kubernetes client and
   the :class:`ActionContext` are built there once, on first use); ``y`` confirms the plan shown.
2. ``execute`` runs in a thread worker; its progress lines are handed to the UI thread without blocking
   the worker, and :class:`ActionProgressScreen` draws them live; ``c`` cancels at a safe point.
3. The outcome is notified (an error notification when it failed) and shown in the progress modal —
   brought back if it was hidden and the action failed or offers follow-ups. A chosen follow-up
   (roll back, retry, restart the workloads using a secret) goes through step 1 again.

Read-only mode is refused twice: the action keys are disabled (``check_action``), and the actions
themselves raise :class:`~homelab_tui.actions.base.ReadOnlyError` before any request is sent.
One action runs at a time; an action key pressed meanwhile shows the running one.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, cast

from textual.app import App
from textual.binding import Binding

from homelab_tui.actions import registry
from homelab_tui.actions.base import ActionContext, ActionError, FollowUp, Outcome, Plan, make_context
from homelab_tui.ui.action_keys import ACT
from homelab_tui.ui.action_types import ActionRequest, RunState
from homelab_tui.ui.screens.action_progress import ActionProgressScreen
from homelab_tui.ui.screens.confirm import ActionConfirmScreen

if TYPE_CHECKING:
    from homelab_tui.ui.app import HomelabApp

ACTION_GROUP = "action-execute"


def act_binding(key: str, action_id: str, description: str, tooltip: str = "") -> Binding:
    """The binding of an action key: ``act('<id>')``, id ``action.<id>`` (footer, ``?`` help, palette)."""
    registry.get(action_id)  # an unknown id fails at import time
    return Binding(key, f"{ACT}('{action_id}')", description, tooltip=tooltip or registry.get(action_id).label,
                   id=f"action.{action_id}")


class ActionRunner:
    """Runs the dashboard's actions; one per App (see :func:`runner_for`)."""

    def __init__(self, app: HomelabApp) -> None:
        self.app = app
        #: seconds between reads while following a change (tests use less)
        self.poll = 1.0
        #: longest wait for a scale, rollout or renewal to settle
        self.wait_timeout = 300.0
        #: None: $XDG_STATE_HOME/homelab-tui/audit.jsonl
        self.audit_path: str | None = None
        self.run: RunState | None = None
        self._ctx: ActionContext | None = None
        self._lock = threading.Lock()
        self._carry: tuple[FollowUp, ...] = ()
        self._screen: ActionProgressScreen | None = None
        app.services.closers.append(self._stop)

    # ------------------------------------------------------------------ blocking parts (thread workers)

    def context(self) -> ActionContext:
        """The action context, built on first use (loads the kubeconfig: blocking)."""
        with self._lock:
            if self._ctx is None:
                services = self.app.services
                load = getattr(services.kube, "api", None)
                if not callable(load):
                    raise ActionError("this dashboard's Kubernetes source cannot change the cluster")
                self._ctx = make_context(load(), services.settings, read_only=services.read_only,
                                         audit_path=self.audit_path, poll=self.poll, wait_timeout=self.wait_timeout)
            return self._ctx

    def plan(self, request: ActionRequest, values: dict[str, Any]) -> Plan:
        """Plan ``request`` with the typed ``values`` (blocking; raises ActionError, ReadOnlyError)."""
        return registry.get(request.action).plan(self.context(), request.target, **values)

    # ------------------------------------------------------------------ the flow (UI thread)

    @property
    def busy(self) -> bool:
        return self.run is not None and self.run.running

    def start(self, request: ActionRequest) -> None:
        """Ask, plan and confirm ``request``; a confirmed plan is executed."""
        if self.busy:
            assert self.run is not None
            self.app.notify(f"{self.run.plan.title} is still running: one action at a time.", title="Action",
                            severity="warning")
            self.show_progress()
            return
        carry, self._carry = self._carry, ()
        screen = ActionConfirmScreen(request, lambda values: self.plan(request, values))
        self.app.push_screen(screen, lambda ok: self._confirmed(screen, bool(ok), carry))

    def _confirmed(self, screen: ActionConfirmScreen, ok: bool, carry: tuple[FollowUp, ...]) -> None:
        if not ok or screen.plan is None:
            self.app.notify(f"{screen.request.label} {screen.request.target_text}: cancelled, nothing changed.",
                            title="Action")
            return
        self.execute(screen.plan, carry)

    def execute(self, plan: Plan, carry: tuple[FollowUp, ...] = ()) -> None:
        """Execute a confirmed plan in a thread worker, showing its progress."""
        run = RunState(plan, carried=carry)
        self.run = run
        self.show_progress()
        handoff = _handoff(asyncio.get_running_loop())
        ctx, action = self._ctx, registry.get(plan.action)
        assert ctx is not None, "a plan is made with the context"

        def work() -> Outcome:
            try:
                outcome = action.execute(ctx, plan, progress=lambda line: handoff(self._progress, run, line),
                                         cancel=run.cancel)
            except ActionError as exc:  # ReadOnlyError: the gate held even here
                outcome = Outcome(False, exc.outcome, str(exc))
            except Exception as exc:  # noqa: BLE001 - a bug must still end the run (its text may hold data)
                outcome = Outcome(False, "failed", f"{plan.title}: internal error ({type(exc).__name__})")
            run.ended = outcome
            run.done.set()
            handoff(self._finished, run, outcome)
            return outcome

        self.app.run_worker(work, name=f"action {plan.action}", group=ACTION_GROUP, thread=True,
                            exit_on_error=False)

    def show_progress(self) -> None:
        """Show the progress modal of the current (or last) run, unless it is on screen already."""
        if self.run is None or (self._screen is not None and self._screen.is_attached):
            return
        self._screen = screen = ActionProgressScreen(self.run)
        self.app.push_screen(screen, self._progress_closed)

    def _progress(self, run: RunState, line: str) -> None:
        run.add(line)
        if self._screen is not None and self._screen.run_state is run:
            self._screen.show_run()

    def _finished(self, run: RunState, outcome: Outcome) -> None:
        run.outcome = outcome
        title = run.plan.title
        if outcome.ok:
            self.app.notify(outcome.message, title=f"✔ {title}", timeout=8)
        else:
            self.app.notify(outcome.message, title=f"✖ {title}: {outcome.status}", severity="error", timeout=30)
        if outcome.audit_error:
            self.app.notify(outcome.audit_error, title="Audit log", severity="warning", timeout=30)
        if self._screen is not None and self._screen.is_attached and self._screen.run_state is run:
            self._screen.show_run()
        elif run is self.run and (not outcome.ok or run.offers):
            self.show_progress()

    def _progress_closed(self, choice: FollowUp | None) -> None:
        self._screen = None
        if choice is None or self.run is None:
            return
        self._carry = tuple(f for f in self.run.offers if f is not choice and f.key == "restart")
        self.start(ActionRequest(choice.action, choice.target, params=dict(choice.params)))

    def _stop(self) -> None:
        """At exit: ask a running action to stop at its next safe point (a GPU switch stays recorded), wait for
        it and say on stderr what it did — the screen is gone by then, and its audit line is being written."""
        run = self.run
        if run is None:
            return
        run.cancel.set()
        if run.done.is_set() or run.outcome is not None:
            return
        _tell(f"waiting for {run.plan.title} to stop at its next safe point (it writes its audit line)…")
        run.done.wait()
        outcome = run.ended
        if outcome is not None:
            mark = "✔" if outcome.ok else f"✖ {outcome.status}:"
            _tell(f"{mark} {run.plan.title}: {outcome.message}")
            if outcome.audit_error:
                _tell(f"warning: {outcome.audit_error}")


def _tell(line: str) -> None:
    """One line on stderr after the dashboard's screen is gone; a terminal that went away is no error."""
    if sys.stderr is None:  # started without one: print(file=None) would write to stdout
        return
    try:
        print(f"homelab-tui: {line}", file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):  # closed, or no stderr at all
        pass


def _handoff(loop: asyncio.AbstractEventLoop) -> Callable[..., None]:
    """Call ``fn(*args)`` on the UI loop from a worker thread without waiting (a closed loop is ignored)."""

    def call(fn: Callable[..., None], *args: Any) -> None:
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the app has exited meanwhile
            pass

    return call


_RUNNERS: weakref.WeakKeyDictionary[App[Any], ActionRunner] = weakref.WeakKeyDictionary()


def runner_for(app: App[Any]) -> ActionRunner:
    """The App's action runner (created on first use)."""
    runner = _RUNNERS.get(app)
    if runner is None:
        runner = _RUNNERS[app] = ActionRunner(cast("HomelabApp", app))
    return runner
