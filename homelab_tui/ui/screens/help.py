"""The ``?`` help: every key of the current screen and the global ones, from the bindings themselves."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from homelab_tui.ui.keys import described_bindings
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.modal_keys import modal_footer

#: (section title, [(key, description), …])
KeySections = list[tuple[str, list[tuple[str, str]]]]

_TITLES = {"screen": "This screen", "global": "Everywhere", "navigation": "Moving around"}


def describe_keys(screen: Screen[object]) -> KeySections:
    """The keys active on ``screen`` now: the screen's own, the global ones, then moving around.

    A key that is shown but disabled (every action key in read-only mode) says so and why. Of two keys for
    the same thing (``q`` and ``^q`` quit, ``^c`` and ``super+c`` copy) the shorter is listed."""
    sections: dict[str, dict[tuple[str, str], str]] = {title: {} for title in _TITLES.values()}
    services = getattr(screen.app, "services", None)
    why = "read-only mode" if getattr(services, "read_only", False) else "not available here"
    for section, active in described_bindings(screen):
        text = active.binding.description
        description = text[:1].upper() + text[1:] + ("" if active.enabled else f" (off: {why})")
        key = screen.app.get_key_display(active.binding)
        keys = sections[_TITLES[section]]
        same = (active.binding.action, description)
        if same in keys and len(keys[same]) <= len(key):
            continue
        keys.pop(same, None)
        keys[same] = key
    return [(title, [(key, description) for (_, description), key in keys.items()])
            for title, keys in sections.items() if keys]


def keys_table(sections: KeySections) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    for i, (section, keys) in enumerate(sections):
        if i:
            table.add_row("", "")
        table.add_row(Text(section, style="bold underline"), "")
        for key, description in keys:
            table.add_row(Text(key), Text(description))
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys given to it; Escape, ``?`` or ``q`` closes it."""

    CSS_PATH = stylesheet("help.tcss")
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", key_display="?", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, sections: KeySections, *, title: str) -> None:
        super().__init__()
        self.sections = sections
        self.help_title = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"Keys · {self.help_title}"
            box.border_subtitle = "Esc closes"
            yield Static(keys_table(self.sections), id="help-keys")
        yield modal_footer()
