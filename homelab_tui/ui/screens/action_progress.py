"""The modal that follows one running action: live progress, then the outcome and its follow-ups.

While the action runs: ``c`` cancels it (at its next safe point), Escape hides the modal (the action
goes on; its outcome is notified). When it is done, the outcome is shown — a failure in a red frame —
with the follow-ups numbered (``1`` roll back, ``2`` retry, ``1``…``n`` restart a workload using the
patched secret); the modal dismisses with the chosen :class:`FollowUp`, or None.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from homelab_tui.actions.base import FollowUp
from homelab_tui.ui.action_types import RunState
from homelab_tui.ui.widgets.modal_keys import HELP, QUIT, modal_footer

#: progress lines shown at once
SHOWN_LINES = 12
MAX_OFFERS = 9


def outcome_text(run: RunState) -> Text:
    """The outcome, loud when it failed, plus the audit problem and the numbered follow-ups."""
    outcome = run.outcome
    if outcome is None:
        cancelling = " (cancelling…)" if run.cancel.is_set() else ""
        return Text(f"running…{cancelling}", style="yellow")
    if outcome.ok:
        text = Text(f"✔ {outcome.message}", style="bold green")
    else:
        text = Text(f"✖ {outcome.status.upper()}: {outcome.message}", style="bold red")
    if outcome.audit_error:
        text.append(f"\n⚠ {outcome.audit_error}", style="yellow")
    for i, offer in enumerate(run.offers[:MAX_OFFERS], start=1):
        text.append(f"\n  {i}  ", style="bold")
        text.append(offer.label)
    return text


def keys_text(run: RunState) -> str:
    if run.running:
        return "c = cancel the action · Esc = hide (it goes on)"
    offers = len(run.offers[:MAX_OFFERS])
    choose = f"1–{offers} = do that · " if offers > 1 else ("1 = do that · " if offers else "")
    return f"{choose}Enter / Esc = close"


class ActionProgressScreen(ModalScreen[FollowUp | None]):
    DEFAULT_CSS = """
    ActionProgressScreen { align: center middle; }
    ActionProgressScreen > #progress-box {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ActionProgressScreen > #progress-box.-ok { border: thick $success; }
    ActionProgressScreen > #progress-box.-failed { border: thick $error; }
    ActionProgressScreen #progress-body { height: auto; max-height: 80vh; }
    ActionProgressScreen #progress-outcome { margin-top: 1; }
    ActionProgressScreen #progress-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("c", "cancel_action", "Cancel action", id="progress.cancel"),
        Binding("escape", "close", "Close", id="progress.close"),
        Binding("enter", "close", "Close", show=False, id="progress.enter"),
        *(Binding(str(i), f"follow_up({i})", f"Follow-up {i}", show=False, id=f"progress.follow_up_{i}")
          for i in range(1, MAX_OFFERS + 1)),
        HELP,
        QUIT,
    ]

    def __init__(self, run: RunState) -> None:
        super().__init__(id="action-progress")
        self.run_state = run
        self._composed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="progress-box") as box:
            box.border_title = self.run_state.plan.title
            with VerticalScroll(id="progress-body"):
                yield Static(id="progress-lines")
                yield Static(id="progress-outcome")
            yield Static(id="progress-keys")
        yield modal_footer()

    def on_mount(self) -> None:
        self.sub_title = self.run_state.plan.title  # the title of its ``?`` help
        self._composed = True
        self.show_run()

    def show_run(self) -> None:
        """Draw the run as it is now (called on every progress line and when it ends)."""
        if not (self._composed and self.is_attached):
            return
        run = self.run_state
        lines = run.lines[-SHOWN_LINES:] or ["starting…"]
        self.query_one("#progress-lines", Static).update(Text("\n".join(f"· {line}" for line in lines)))
        self.query_one("#progress-outcome", Static).update(outcome_text(run))
        self.query_one("#progress-keys", Static).update(keys_text(run))
        box = self.query_one("#progress-box")
        box.set_class(run.outcome is not None and run.outcome.ok, "-ok")
        box.set_class(run.outcome is not None and not run.outcome.ok, "-failed")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        run = self.run_state
        if action == "cancel_action":
            return run.running and not run.cancel.is_set()
        if action == "follow_up":
            index = parameters[0] if parameters else 0
            return not run.running and isinstance(index, int) and 1 <= index <= len(run.offers[:MAX_OFFERS])
        return True

    def action_cancel_action(self) -> None:
        self.run_state.cancel.set()
        self.show_run()

    def action_follow_up(self, index: int) -> None:
        offers = self.run_state.offers
        if not self.run_state.running and 1 <= index <= len(offers):
            self.dismiss(offers[index - 1])

    def action_close(self) -> None:
        if self.run_state.running:
            self.notify(f"{self.run_state.plan.title}: still running; its outcome will be shown here.",
                        title="Action")
        self.dismiss(None)
