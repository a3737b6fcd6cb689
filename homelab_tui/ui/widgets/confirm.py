"""A yes/no confirmation modal: ``y`` confirms, ``n`` or Escape cancels (the dismiss value says which)."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.markup import escape
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from homelab_tui.ui.widgets.modal_keys import HELP, modal_footer


class ConfirmScreen(ModalScreen[bool]):
    """Asks one question; dismisses with True on ``y``, False on ``n`` / Escape."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #confirm-box {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmScreen #confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
        HELP,
    ]

    def __init__(self, title: str, lines: Sequence[str | Text], *, yes: str = "send") -> None:
        super().__init__()
        self.confirm_title = title
        self.lines = tuple(lines)
        self.yes = yes

    def on_mount(self) -> None:
        self.sub_title = self.confirm_title  # the title of its ``?`` help

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box") as box:
            box.border_title = escape(self.confirm_title)
            yield Static(Text("\n").join(Text(l) if isinstance(l, str) else l for l in self.lines),
                         id="confirm-text")
            yield Static(f"y = {self.yes} · n / Esc = cancel", id="confirm-keys")
        yield modal_footer()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
