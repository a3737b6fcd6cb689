"""The ``/`` filter: a one-line input that narrows a table; Escape clears it."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class FilterInput(Input):
    """Hidden until opened; typing filters (the screen listens to ``Input.Changed``)."""

    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter.clear")]

    def __init__(self, *, placeholder: str = "filter…", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id, classes="filter")
        self.display = False

    def open(self) -> None:
        """Show the input and focus it."""
        self.display = True
        self.focus()

    def action_clear_filter(self) -> None:
        """Empty the filter, hide the input and give the focus back to the screen."""
        self.value = ""
        self.display = False
        self.screen.focus_next()
