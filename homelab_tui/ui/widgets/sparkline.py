"""A one-line sparkline on a fixed scale (0–100 %, 0–VRAM total), newest value on the right.

Textual's own ``Sparkline`` scales between the smallest and largest value it is
given, so a flat VRAM line at 9.5 GiB of 12 would look like wild swings; this
one draws every value against the scale it is told, so the height means the same
from one refresh to the next.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

BLOCKS = "▁▂▃▄▅▆▇█"


def buckets(values: Sequence[float], width: int) -> list[float]:
    """``values`` squeezed to at most ``width`` points, each the largest of its slice (peaks stay visible)."""
    n = len(values)
    if width <= 0 or n == 0:
        return []
    if n <= width:
        return list(values)
    return [max(values[i * n // width:(i + 1) * n // width]) for i in range(width)]


def spark_text(values: Sequence[float], width: int, top: float, style: str = "") -> Text:
    """Block characters for ``values`` on the scale 0..``top``, right-aligned in ``width`` cells."""
    points = buckets(values, width)
    if not points:
        return Text("no history yet".ljust(width)[:width], style="dim")
    top = top if top > 0 else max(points) or 1.0
    chars = "".join(BLOCKS[min(len(BLOCKS) - 1, max(0, int(v / top * len(BLOCKS) - 1e-9)))] for v in points)
    return Text.assemble((" " * (width - len(chars)), ""), (chars, style), no_wrap=True)


class ScaledSparkline(Widget):
    """Draws :attr:`data` against the fixed scale :attr:`top`."""

    DEFAULT_CSS = """
    ScaledSparkline { height: 1; width: 1fr; }
    """

    data: reactive[tuple[float, ...]] = reactive(tuple)
    top: reactive[float] = reactive(100.0)

    def __init__(self, *, style: str = "", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.spark_style = style

    def show(self, data: Sequence[float], top: float) -> None:
        self.top = top
        self.data = tuple(data)

    def render(self) -> Text:
        return spark_text(self.data, self.size.width, self.top, self.spark_style)
