"""What each modal shows and answers of its own: a footer with its keys (the footer of the screen under it
lists keys that do nothing while it is open) and ``?`` for its help."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Footer

#: ``?`` lists the modal's own keys (the App's ``?`` is not active while a modal is open)
HELP = Binding("question_mark", "app.help", "Help", key_display="?", tooltip="List the keys of this window",
               id="modal.help")
#: the same, for a modal whose text inputs take ``?`` as a character: not offered in its footer ...
HELP_UNLISTED = Binding("question_mark", "app.help", "Help", key_display="?", show=False, id="modal.help")
#: ... which offers F1 instead: no input takes it, so it works while one has the focus
HELP_F1 = Binding("f1", "app.help", "Help", key_display="F1", priority=True, tooltip="List the keys of this window",
                  id="modal.help_f1")


#: ``q`` quits from a window that takes no text, as it does from every screen (a running action is stopped at
#: its next safe point and audited first)
QUIT = Binding("q", "app.quit", "Quit", id="modal.quit")


def modal_footer() -> Footer:
    """The modal's own footer; no palette hint (``ctrl+p`` is the App's, off while a modal is open)."""
    return Footer(show_command_palette=False)
