"""Which of a screen's active keys are its own, global, or plain moving around.

The ``?`` help and the command palette both read the bindings through this, so a
key declared once shows up in the footer, the help and the palette alike.
"""

from __future__ import annotations

from typing import Iterator, Literal

from textual.app import App
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen

Section = Literal["screen", "global", "navigation"]

#: what every Textual screen binds (focus, copy): moving around, not the screen's own
_TEXTUAL_SCREEN_ACTIONS = frozenset(b.action for b in Screen.BINDINGS if isinstance(b, Binding))


def section_of(active: ActiveBinding) -> Section:
    if isinstance(active.node, App):
        return "global"
    if isinstance(active.node, Screen) and active.binding.action not in _TEXTUAL_SCREEN_ACTIONS:
        return "screen"
    return "navigation"


def described_bindings(screen: Screen[object]) -> Iterator[tuple[Section, ActiveBinding]]:
    """Every active binding of ``screen`` that has a description, with its section."""
    for active in screen.active_bindings.values():
        if active.binding.description:
            yield section_of(active), active
