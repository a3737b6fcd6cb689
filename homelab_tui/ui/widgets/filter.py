"""The ``/`` filter: a one-line input that narrows a table; Escape clears it."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class FilterInput(Input):
    """Hidden until opened; typing filters (the screen listens to ``Input.Changed``)."""

    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter.clear")]

    class Cleared(Message):
        """The filter was emptied and hidden (the screen takes the focus back)."""

    def __init__(self, *, placeholder: str = "filter…", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id, classes="filter")
        self.display = False

    def open(self) -> None:
        """Show the input and focus it."""
        self.display = True
        self.focus()

    def action_clear_filter(self) -> None:
        """Empty the filter and hide the input."""
        self.value = ""
        self.display = False
        self.post_message(self.Cleared())
