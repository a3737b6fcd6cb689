"""A masked input for a secret value: it shows dots and never puts its value on a clipboard.

Textual's :class:`~textual.widgets.Input` copies (``ctrl+c``, ``super+c``) and cuts (``ctrl+x``) its
selection, ``ctrl+shift+a`` selecting all of it, onto the app's clipboard — and on a real terminal as OSC 52,
which tmux and session recorders keep. Here both are refused, and mouse selection (the screen's copy) is off.
Pasting into it still works.
"""

from __future__ import annotations

from textual.actions import SkipAction
from textual.widgets import Input


class SecretInput(Input):
    """``Input(password=True)`` whose value can be typed or pasted in, never copied or cut out."""

    ALLOW_SELECT = False

    def __init__(self, *, placeholder: str, id: str) -> None:  # noqa: A002 - Textual's name
        super().__init__(password=True, placeholder=placeholder, compact=True, id=id)

    def action_copy(self) -> None:
        raise SkipAction()

    def action_cut(self) -> None:
        raise SkipAction()
