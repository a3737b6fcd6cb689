"""A DataTable whose columns fit the terminal: 80 columns over SSH up to a wide monitor.

Screens declare their columns once (:class:`Col`) and hand over rows keyed by a
stable id; the table keeps the cursor on the same row across updates, skips the
redraw when nothing changed, and on resize drops optional columns and gives the
spare width to the flexible ones (a reason, a problem) instead of scrolling sideways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

#: Cell values: plain strings are shown verbatim (never parsed as markup).
Cell = RenderableType
Row = tuple[str, Mapping[str, Cell]]

#: the narrowest a flexible column is squeezed to before it is cut
MIN_FLEX = 8


@dataclass(frozen=True)
class Col:
    """One column: its key in the row mappings, its label and how it sizes."""

    key: str
    label: str
    #: width in cells (for a flexible column: the width it prefers at least)
    width: int
    #: takes the spare width of the table
    flex: bool = False
    #: 0 = always shown; otherwise dropped when space is short, highest first
    drop: int = 0
    #: when dropped, its text stays as a prefix of this column's (``apps/n8n-data`` in the PVC column)
    prefix_of: str = ""


def fit_columns(cols: Sequence[Col], width: int, padding: int = 1) -> list[tuple[Col, int]]:
    """The columns shown in ``width`` cells and the width of each (content width, without padding)."""
    shown = list(cols)

    def needed() -> int:
        return sum(c.width + 2 * padding for c in shown)

    while needed() > width and any(c.drop for c in shown):
        shown.remove(max((c for c in shown if c.drop), key=lambda c: c.drop))
    spare = width - needed()
    flex = [c for c in shown if c.flex]
    widths = {c.key: c.width for c in shown}
    if flex:
        share, rest = divmod(spare, len(flex))
        for i, c in enumerate(flex):
            widths[c.key] = max(MIN_FLEX, c.width + share + (1 if i < rest else 0))
    return [(c, widths[c.key]) for c in shown]


def as_cell(value: Cell) -> Cell:
    """Strings become one-line Text cut with an ellipsis (and are never read as markup)."""
    if isinstance(value, str):
        return Text(value, no_wrap=True, overflow="ellipsis")
    if isinstance(value, Text):
        value = value.copy()
        value.no_wrap = True
        value.overflow = "ellipsis"
    return value


def with_prefixes(cols: Sequence[Col], shown: Sequence[str], cells: Mapping[str, Cell]) -> Mapping[str, Cell]:
    """``cells`` as shown when only ``shown`` columns fit: a dropped column's text prefixes its ``prefix_of``."""
    out = dict(cells)
    for col in cols:
        prefix, value = cells.get(col.key), cells.get(col.prefix_of)
        if (col.prefix_of and col.key not in shown and col.prefix_of in shown and isinstance(prefix, Text)
                and prefix.plain and isinstance(value, Text)):
            out[col.prefix_of] = as_cell(Text.assemble(prefix, "/", value))
    return out


class DashboardTable(DataTable, inherit_bindings=False):
    """A row-cursor DataTable with declared, width-fitting columns and keyed rows.

    It leaves Enter to its screen, which binds it to what Enter means there
    ("Open area", "Open namespace"), so the footer and the help say so.
    """

    BINDINGS = [b for b in DataTable.BINDINGS if not (isinstance(b, Binding) and b.key == "enter")]

    def __init__(self, columns: Sequence[Col], *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self._cols = tuple(columns)
        self._layout: list[tuple[Col, int]] = []
        self._rows: list[Row] = []

    # ------------------------------------------------------------------ public

    @property
    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor (None when the table is empty)."""
        if not self._rows or not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row][0]

    @property
    def row_keys(self) -> list[str]:
        return [key for key, _ in self._rows]

    @property
    def shown_columns(self) -> list[str]:
        """Keys of the columns that fit the current width."""
        return [c.key for c, _ in self._layout]

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows``; cells that did not change are not redrawn, the cursor stays on its row."""
        rows = [(key, {k: as_cell(v) for k, v in cells.items()}) for key, cells in rows]
        if rows == self._rows:
            return
        if [k for k, _ in rows] == self.row_keys and self.columns:
            old = dict(self._rows)
            self._rows = rows
            for key, cells in rows:
                new_view, old_view = self._view(cells), self._view(old[key])
                for col, _ in self._layout:
                    value = new_view.get(col.key, "")
                    if value != old_view.get(col.key, ""):
                        self.update_cell(key, col.key, value)
            return
        keep = self.highlighted_key
        self._rows = rows
        self._rebuild(keep=keep)

    def set_cell(self, row_key: str, col_key: str, value: Cell) -> None:
        """Change one cell (e.g. an age that ticks); ignored when the row or column is not shown."""
        value = as_cell(value)
        for i, (key, cells) in enumerate(self._rows):
            if key == row_key:
                if cells.get(col_key) == value:
                    return
                self._rows[i] = (key, {**cells, col_key: value})
                if col_key in self.shown_columns:
                    self._repaint_cell(row_key, col_key, self._view(self._rows[i][1])[col_key])
                return

    def _repaint_cell(self, row_key: str, col_key: str, value: Cell) -> None:
        """``update_cell`` repaints the whole table; an age ticking every second needs only its cell.

        Setting the value and bumping the render caches' generation is what ``update_cell`` does
        (Textual 8.2); the refresh is then limited to the cell's region, so the compositor renders
        that one line instead of every row (0.8 % of a core on the Overview, docs/benchmarks.md)."""
        row, column = RowKey(row_key), ColumnKey(col_key)
        data = getattr(self, "_data", None)
        if not isinstance(data, dict) or row not in data or not hasattr(self, "_update_count"):
            self.update_cell(row_key, col_key, value)  # a Textual without those internals: the public way
            return
        data[row][column] = value
        self._update_count += 1
        self.refresh_coordinate(self.get_cell_coordinate(row_key, col_key))

    def select_key(self, key: str) -> None:
        """Move the cursor to the row with ``key`` (if present)."""
        if key in self.row_keys:
            self.move_cursor(row=self.row_keys.index(key))

    # ------------------------------------------------------------------ internals

    def _on_resize(self, event: events.Resize) -> None:
        super()._on_resize(event)
        if self._fit() != self._layout:
            self._rebuild(keep=self.highlighted_key)

    def _view(self, cells: Mapping[str, Cell]) -> Mapping[str, Cell]:
        return with_prefixes(self._cols, self.shown_columns, cells)

    def _fit(self) -> list[tuple[Col, int]]:
        width = self.size.width - self.styles.scrollbar_size_vertical
        return fit_columns(self._cols, width, self.cell_padding)

    def _rebuild(self, keep: str | None) -> None:
        self._layout = self._fit()
        self.clear(columns=True)
        for col, width in self._layout:
            self.add_column(Text(col.label, no_wrap=True, overflow="ellipsis"), width=width, key=col.key)
        for key, cells in self._rows:
            view = self._view(cells)
            self.add_row(*(view.get(col.key, "") for col, _ in self._layout), key=key)
        if keep is not None and keep in self.row_keys:
            self.move_cursor(row=self.row_keys.index(keep))
