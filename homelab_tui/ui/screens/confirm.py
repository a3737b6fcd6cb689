"""The one confirmation modal of every cluster action: ask the inputs, plan, show exactly what changes, y / n.

Phases: ``input`` (the action's inputs: a count, a key, a masked value typed twice, a choice; Enter
reviews) → ``planning`` (the plan is read in a thread worker) → ``confirm`` (the plan's summary;
``y`` applies, ``n`` / Escape cancel). A plan that is refused (read-only, paused, pre-flight) is shown
in red: back to the inputs when there are any, else only Escape is left. A typed secret value is never
drawn — the masked inputs show dots, cannot be copied or cut out, and the modal shows only the new value's
fingerprint.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from homelab_tui.actions.base import Input as ActionInput
from homelab_tui.actions.base import Plan
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.errors import HomelabError
from homelab_tui.model.snapshot import one_line
from homelab_tui.sources.kube_client import KubeError
from homelab_tui.ui.action_types import ActionRequest
from homelab_tui.ui.widgets.modal_keys import HELP_F1, HELP_UNLISTED, modal_footer
from homelab_tui.ui.widgets.secret_input import SecretInput

Planner = Callable[[dict[str, Any]], Plan]
PLAN_GROUP = "action-plan"
#: the id suffix of the second (confirming) masked input
AGAIN = "-again"
#: why a secret's two typed values cannot be used
MISMATCH = "the two values differ: type the same value twice"

KEYS = {
    "input": "Enter = review the plan · Esc = cancel",
    "planning": "reading the cluster… · Esc = cancel",
    "confirm": "y = apply · n / Esc = cancel",
    "noop": "nothing to change · Esc = close",
    "refused": "Esc = close",
}


def plan_text(plan: Plan) -> RenderableType:
    """The plan's summary: title in bold, then each change (•) and warning (⚠, yellow), a long one wrapped
    under its own text rather than under the mark."""
    rows = Table.grid(padding=(0, 1))
    rows.add_column(no_wrap=True)
    rows.add_column(ratio=1)
    for mark, lines, style in (("•", plan.changes, ""), ("⚠", plan.warnings, "yellow")):
        for line in lines:
            rows.add_row(Text(f" {mark}", style=style), Text(line, style=style))
    parts: list[RenderableType] = [Text(plan.title, style="bold"), rows]
    if plan.noop:
        parts.append(Text("Nothing to change.", style="dim"))
    return Group(*parts)


def error_text(exc: BaseException) -> str:
    """One line for a failed plan (a plan only reads: no typed value was sent to be echoed)."""
    known = isinstance(exc, (HomelabError, KubeError)) and str(exc)
    return one_line(str(exc)) if known else f"internal error ({type(exc).__name__})"


class ActionConfirmScreen(ModalScreen[bool]):
    """Dismisses with True once the user confirmed :attr:`plan` (read it then), False otherwise."""

    DEFAULT_CSS = """
    ActionConfirmScreen { align: center middle; }
    ActionConfirmScreen > #action-box {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ActionConfirmScreen #action-body { height: auto; max-height: 80vh; }
    ActionConfirmScreen #action-inputs { height: auto; }
    ActionConfirmScreen .action-label { margin-top: 1; color: $text-muted; }
    ActionConfirmScreen Input { margin-bottom: 1; }
    ActionConfirmScreen OptionList { height: auto; max-height: 8; }
    ActionConfirmScreen #action-plan { margin-top: 1; }
    ActionConfirmScreen #action-keys { color: $text-muted; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Apply", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("enter", "review", "Review", show=False, id="confirm.review"),
        HELP_UNLISTED,
        HELP_F1,
    ]

    def __init__(self, request: ActionRequest, planner: Planner) -> None:
        super().__init__(id="action-confirm")
        self.request = request
        self.planner = planner
        self.asked: tuple[ActionInput, ...] = request.asked()
        self.phase = "input" if self.asked else "planning"
        #: the confirmed plan (set before dismissing with True)
        self.plan: Plan | None = None
        self.values: dict[str, Any] = {}
        self._message: RenderableType = Text("")

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Vertical(id="action-box") as box:
            box.border_title = f"{self.request.label} · {self.request.target_text}"
            with VerticalScroll(id="action-body"):
                if self.request.hints:
                    yield Static(Text("\n".join(self.request.hints), style="dim"), id="action-hints")
                with Vertical(id="action-inputs"):
                    for spec in self.asked:
                        yield from self._compose_input(spec)
                yield Static(id="fingerprint")
                yield Static(id="action-plan")
            yield Static(id="action-keys")
        yield modal_footer()

    def _compose_input(self, spec: ActionInput) -> ComposeResult:
        default = self.request.defaults.get(spec.name, "")
        choices = self.request.choices.get(spec.name, tuple((c, c) for c in spec.choices))
        widget_id = f"in-{spec.name}"
        yield Label(spec.label, classes="action-label")
        if spec.kind == "int":
            yield Input(default, type="integer", compact=True, id=widget_id)
        elif spec.kind == "secret":
            yield SecretInput(placeholder="new value (hidden)", id=widget_id)
            yield SecretInput(placeholder="the same value again", id=widget_id + AGAIN)
        elif spec.kind == "choice":
            options = [Option(label, id=value) for value, label in choices]
            yield OptionList(*options, compact=True, id=widget_id)
        else:
            suggester = SuggestFromList([v for v, _ in choices], case_sensitive=True) if choices else None
            yield Input(default, suggester=suggester, compact=True, id=widget_id)

    def on_mount(self) -> None:
        self.sub_title = f"{self.request.label} · {self.request.target_text}"  # the title of its ``?`` help
        for spec in self.asked:
            if spec.kind == "choice":
                options = self.query_one(f"#in-{spec.name}", OptionList)
                default = self.request.defaults.get(spec.name)
                index = next((i for i in range(options.option_count)
                              if options.get_option_at_index(i).id == default), 0)
                options.highlighted = index
        if self.phase == "planning":
            self._start_planning()
        else:
            self.query_one(f"#in-{self.asked[0].name}").focus()
        self._show()

    # ------------------------------------------------------------------ inputs

    def on_input_changed(self, event: Input.Changed) -> None:
        if any(s.kind == "secret" for s in self.asked) and (event.input.id or "").startswith("in-value"):
            self._show_fingerprint()

    def _secret_pair(self, spec: ActionInput) -> tuple[str, str]:
        first = self.query_one(f"#in-{spec.name}", Input).value
        return first, self.query_one(f"#in-{spec.name}{AGAIN}", Input).value

    def _show_fingerprint(self) -> None:
        spec = next(s for s in self.asked if s.kind == "secret")
        first, again = self._secret_pair(spec)
        line = self.query_one("#fingerprint", Static)
        if not first and not again:
            line.update("")
        elif first != again:
            line.update(Text("the two values differ" if again else "type it again below", style="yellow"))
        else:
            value = SecretValue(first)
            line.update(Text(f"new value: {value.fingerprint} ({value.size} bytes)", style="green"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one it reviews the plan."""
        event.stop()
        fields = [w for w in self.query("Input, OptionList") if not w.disabled]
        index = fields.index(event.input) if event.input in fields else -1
        if 0 <= index < len(fields) - 1:
            fields[index + 1].focus()
            return
        self.action_review()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_review()

    def _collect(self) -> dict[str, Any] | str:
        """The typed values, or why they cannot be used."""
        values: dict[str, Any] = dict(self.request.params)
        for spec in self.asked:
            if spec.kind == "int":
                text = self.query_one(f"#in-{spec.name}", Input).value.strip()
                try:
                    values[spec.name] = int(text)
                except ValueError:
                    return f"{spec.label}: a whole number, please"
            elif spec.kind == "secret":
                first, again = self._secret_pair(spec)
                if first != again:
                    return MISMATCH
                values[spec.name] = SecretValue(first)
            elif spec.kind == "choice":
                options = self.query_one(f"#in-{spec.name}", OptionList)
                if options.highlighted is None:
                    return f"{spec.label}: choose one"
                values[spec.name] = options.get_option_at_index(options.highlighted).id
            else:
                values[spec.name] = self.query_one(f"#in-{spec.name}", Input).value.strip()
        return values

    # ------------------------------------------------------------------ planning

    def action_review(self) -> None:
        if self.phase == "confirm":  # Enter reviewed the inputs; the plan itself is answered with y or n
            self.notify("y applies the plan · n or Esc cancels", title=self.request.label, timeout=4)
            return
        if self.phase != "input":
            return
        values = self._collect()
        if values == MISMATCH:  # said once, where the live "the two values differ" stood
            self.query_one("#fingerprint", Static).update(Text(f"✖ {MISMATCH}", style="bold red"))
            self._message = Text("")
            self._show()
            return
        if isinstance(values, str):
            self._message = Text(f"✖ {values}", style="bold red")
            self._show()
            return
        self.values = values
        self._start_planning()

    def _start_planning(self) -> None:
        self.phase = "planning"
        self.plan = None
        self._message = Text("Reading the cluster to plan the change…", style="dim")
        self._set_inputs_enabled(False)
        self._show()
        values = dict(self.values or self.request.params)
        self.values = values
        self.run_worker(lambda: self.planner(values), name=f"plan {self.request.action}", group=PLAN_GROUP,
                        thread=True, exclusive=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != PLAN_GROUP or self.phase != "planning":
            return
        if event.state == WorkerState.SUCCESS:
            self.plan = event.worker.result
            self.phase = "noop" if self.plan.noop else "confirm"
            self._message = plan_text(self.plan)
            self.query_one("#action-inputs").display = False
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            assert error is not None
            self._message = Text(f"✖ {error_text(error)}", style="bold red")
            self.phase = "input" if self.asked else "refused"
            self._set_inputs_enabled(self.phase == "input")
        else:
            return
        self._show()

    def _set_inputs_enabled(self, enabled: bool) -> None:
        """Inputs are editable in the input phase only; once a plan is shown they are hidden."""
        for widget in self.query("Input, OptionList"):
            widget.disabled = not enabled
        self.query_one("#action-inputs").display = enabled or self.phase == "planning"
        if enabled:
            self.query_one(f"#in-{self.asked[0].name}").focus()
        else:
            self.set_focus(None)

    # ------------------------------------------------------------------ answering

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters and parameters[0] is True:
            return self.phase == "confirm"
        if action == "answer":
            return self.phase != "input"
        if action == "review":  # in the confirm phase it says which keys answer
            return self.phase in ("input", "confirm")
        return True

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        if answer and (self.phase != "confirm" or self.plan is None):
            return
        self.dismiss(answer)

    def _show(self) -> None:
        self.query_one("#action-plan", Static).update(self._message)
        self.query_one("#action-keys", Static).update(KEYS[self.phase])
        self.refresh_bindings()
