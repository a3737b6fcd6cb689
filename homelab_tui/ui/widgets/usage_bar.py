"""A usage bar for a table cell or a panel: ``██████░░░░`` coloured by the model's verdict."""

from __future__ import annotations

from rich.text import Text

from homelab_tui.model.health import State
from homelab_tui.ui.widgets.badge import state_style

FULL, EMPTY = "█", "░"


def usage_bar(percent: float | None, state: State, width: int = 10) -> Text:
    """A bar ``width`` cells wide; ``percent=None`` (not reported) draws a dim dotted bar, never an empty 0 %."""
    if percent is None:
        return Text("·" * width, style="dim", no_wrap=True)
    filled = round(min(100.0, max(0.0, percent)) / 100.0 * width)
    return Text.assemble((FULL * filled, state_style(state)), (EMPTY * (width - filled), "dim"), no_wrap=True)
