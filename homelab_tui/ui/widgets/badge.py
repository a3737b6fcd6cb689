"""State badges: colour AND text, so they read the same on a monochrome terminal."""

from __future__ import annotations

from rich.text import Text

from homelab_tui.model.health import State

#: symbol, label and Rich style of each state
_BADGES: dict[State, tuple[str, str]] = {
    State.OK: ("✔ ok", "bold green"),
    State.WARN: ("▲ warn", "bold yellow"),
    State.FAIL: ("✖ fail", "bold red"),
    State.UNKNOWN: ("? unknown", "bold magenta"),
}

#: widest badge, for column sizing
BADGE_WIDTH = max(len(text) for text, _ in _BADGES.values())


def badge(state: State) -> Text:
    """``✖ fail`` in bold red, ``✔ ok`` in green, …"""
    text, style = _BADGES[state]
    return Text(text, style=style, no_wrap=True)


def state_style(state: State) -> str:
    """The Rich style of ``state`` (for colouring a reason next to a badge)."""
    return _BADGES[state][1].removeprefix("bold ")
