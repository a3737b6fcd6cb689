"""A renderable laid out for the width it gets: a table when there is room, stacked lines when there is not."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult


class ByWidth:
    """``wide`` when rendered at least ``min_width`` cells wide, else ``narrow`` (e.g. one row as two lines)."""

    def __init__(self, wide: RenderableType, narrow: RenderableType, min_width: int) -> None:
        self.wide = wide
        self.narrow = narrow
        self.min_width = min_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.wide if options.max_width >= self.min_width else self.narrow
