"""The source-status lines at the bottom of every screen: how fresh each source's data is, and why one fails."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import AbstractSet, Sequence

from rich.text import Text
from textual.widgets import Static

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.metrics import LiteLLMData, not_ready
from homelab_tui.model.snapshot import Snapshot, freshness_text
from homelab_tui.model.state import DashboardState


def freshness_line(snap: Snapshot, now: float) -> Text:
    """``✔ kubernetes: updated 3 s ago`` — or, failing, the error and the age of the data still shown; a
    LiteLLM that answers but says it is not ready is a warning, not a tick."""
    text = freshness_text(snap, now)
    if snap.error is not None:
        return Text.assemble(("✖ ", "bold red"), (text, "red"))
    if not snap.has_data:
        return Text.assemble(("… ", "bold"), (text, "dim"))
    why = not_ready(snap.data) if isinstance(snap.data, LiteLLMData) else ""
    if why:
        return Text.assemble(("▲ ", "bold yellow"), (f"{text} · proxy not ready: {why}", "yellow"))
    return Text.assemble(("✔ ", "green"), (text, "dim"))


def scoped(snap: Snapshot[ClusterState], resources: AbstractSet[str] | None) -> Snapshot[ClusterState]:
    """The Kubernetes snapshot as a screen that reads only ``resources`` (ClusterState keys) sees it: the watch
    errors of other resources (a 403 on secrets, for the GPU screen) are not its errors, and of several failing
    resources only its own are named. An error that names no resource (the API refused every request) stays."""
    cluster = snap.data
    if resources is None or snap.error is None or cluster is None or not cluster.errors:
        return snap
    mine = {key: error for key, error in cluster.errors.items() if key in resources}
    if len(mine) == len(cluster.errors):
        return snap
    if not mine:
        return dataclasses.replace(snap, error=None, error_since=None,
                                   fetched_at=snap.attempted_at or snap.fetched_at)
    names = ", ".join(sorted(mine)[:3]) + ("…" if len(mine) > 3 else "")
    return dataclasses.replace(snap, error=f"{names}: {Counter(mine.values()).most_common(1)[0][0]}")


class SourceStatus(Static):
    """One line per source the screen depends on (DashboardState field names, e.g. ``("cluster",)``); of the
    Kubernetes errors only those of ``resources`` (the ClusterState keys the screen reads; None: all)."""

    def __init__(self, fields: Sequence[str], *, resources: AbstractSet[str] | None = None,
                 id: str | None = None) -> None:
        super().__init__("", id=id, classes="source-status")
        self.fields = tuple(fields)
        self.resources = resources
        self._shown: list[Text] = []

    def _snapshot(self, state: DashboardState, field: str) -> Snapshot:
        snap: Snapshot = getattr(state, field)
        return scoped(snap, self.resources) if field == "cluster" else snap

    def show(self, state: DashboardState, now: float) -> None:
        """Redraw only when a line changed, and re-layout the screen only when the lines' shape did.

        Called every second; an unconditional ``update`` re-laid out the whole screen each time
        (the largest part of the idle CPU, see docs/benchmarks.md)."""
        snaps = [self._snapshot(state, f) for f in self.fields]
        lines = [freshness_line(snap, now) for snap in snaps]
        self.set_class(any(snap.error is not None for snap in snaps), "-failing")
        if lines == self._shown:
            return
        width = self.content_region.width
        same_shape = len(lines) == len(self._shown) and all(line.cell_len <= width for line in lines)
        self._shown = lines
        self.update(Text("\n").join(lines), layout=not same_shape)
