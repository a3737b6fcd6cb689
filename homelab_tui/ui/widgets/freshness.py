"""The source-status lines at the bottom of every screen: how fresh each source's data is, and why one fails."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import Static

from homelab_tui.model.snapshot import Snapshot, freshness_text
from homelab_tui.model.state import DashboardState


def freshness_line(snap: Snapshot, now: float) -> Text:
    """``✔ kubernetes: updated 3 s ago`` — or, failing, the error and the age of the data still shown."""
    text = freshness_text(snap, now)
    if snap.error is not None:
        return Text.assemble(("✖ ", "bold red"), (text, "red"))
    if not snap.has_data:
        return Text.assemble(("… ", "bold"), (text, "dim"))
    return Text.assemble(("✔ ", "green"), (text, "dim"))


class SourceStatus(Static):
    """One line per source the screen depends on (DashboardState field names, e.g. ``("cluster",)``)."""

    def __init__(self, fields: Sequence[str], *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="source-status")
        self.fields = tuple(fields)
        self._shown: list[Text] = []

    def show(self, state: DashboardState, now: float) -> None:
        """Redraw only when a line changed, and re-layout the screen only when the lines' shape did.

        Called every second; an unconditional ``update`` re-laid out the whole screen each time
        (the largest part of the idle CPU, see docs/benchmarks.md)."""
        lines = [freshness_line(getattr(state, f), now) for f in self.fields]
        self.set_class(any(getattr(state, f).error is not None for f in self.fields), "-failing")
        if lines == self._shown:
            return
        width = self.content_region.width
        same_shape = len(lines) == len(self._shown) and all(line.cell_len <= width for line in lines)
        self._shown = lines
        self.update(Text("\n").join(lines), layout=not same_shape)
