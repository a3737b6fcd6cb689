"""The ``/`` filter: a one-line "Filter: …" bar that narrows a table; Escape clears it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


class FilterBar(Horizontal):
    """Hidden until opened. Posts :class:`Changed` on every keystroke, :class:`Done` on Enter or Escape."""

    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter.clear")]

    class Changed(Message):
        """The filter text changed."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    class Done(Message):
        """Enter kept the filter, or Escape cleared it: the screen takes the focus back."""

    def __init__(self, *, placeholder: str = "type to filter", id: str | None = None) -> None:
        super().__init__(id=id, classes="filter-bar")
        self._placeholder = placeholder
        self.display = False

    def compose(self) -> ComposeResult:
        yield Label("Filter:", classes="filter-label")
        yield Input(placeholder=self._placeholder, classes="filter-input")

    @property
    def value(self) -> str:
        return self.query_one(Input).value

    def open(self) -> None:
        """Show the bar and focus its input."""
        self.display = True
        self.query_one(Input).focus()

    def action_clear_filter(self) -> None:
        """Empty the filter and hide the bar."""
        self.query_one(Input).value = ""
        self.display = False
        self.post_message(self.Done())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.display = False
        self.post_message(self.Done())
