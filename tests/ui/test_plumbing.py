"""The pieces under the screens: column fitting, coalescing of watch notifications, change detection."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from homelab_tui.ui.messages import ClusterChanged
from homelab_tui.ui.widgets.table import MIN_FLEX, Col, fit_columns
from homelab_tui.ui.workers import Coalescer, state_signature
from tests.ui.demo_state import FIXED, demo_state

COLS = (
    Col("state", "State", 9),
    Col("name", "Name", 12),
    Col("purpose", "Purpose", 15, drop=1),
    Col("replicas", "Replicas", 8, drop=2),
    Col("problem", "Problem", 20, flex=True),
)


def test_wide_tables_show_every_column_and_give_the_rest_to_the_flexible_one() -> None:
    fitted = fit_columns(COLS, 120)
    assert [c.key for c, _ in fitted] == ["state", "name", "purpose", "replicas", "problem"]
    assert sum(w + 2 for _, w in fitted) == 120
    assert dict((c.key, w) for c, w in fitted)["problem"] == 120 - (9 + 12 + 15 + 8) - 5 * 2


def test_narrow_tables_drop_the_optional_columns_highest_first() -> None:
    assert [c.key for c, _ in fit_columns(COLS, 70)] == ["state", "name", "purpose", "problem"]
    assert [c.key for c, _ in fit_columns(COLS, 50)] == ["state", "name", "problem"]


def test_a_too_narrow_table_keeps_the_required_columns_and_a_minimum_flex_width() -> None:
    fitted = dict((c.key, w) for c, w in fit_columns(COLS, 30))
    assert set(fitted) == {"state", "name", "problem"}
    assert fitted["problem"] == MIN_FLEX


class FakeApp:
    """Records what the Coalescer asks of the App."""

    def __init__(self) -> None:
        self.posted: list[object] = []
        self.timers: list[tuple[float, Callable[[], None]]] = []

    def post_message(self, message: object) -> bool:
        self.posted.append(message)
        return True

    def set_timer(self, delay: float, callback: Callable[[], None], name: str = "") -> Any:
        self.timers.append((delay, callback))


def test_coalescer_posts_once_per_burst_and_rate_limits_updates() -> None:
    clock = [100.0]
    applied: list[float] = []
    app = FakeApp()
    coalescer = Coalescer(app, lambda: applied.append(clock[0]), interval=0.25,  # type: ignore[arg-type]
                          monotonic=lambda: clock[0])
    for _ in range(50):
        coalescer.notify()
    assert len(app.posted) == 1 and isinstance(app.posted[0], ClusterChanged)
    coalescer.handle()
    assert applied == [100.0]  # first update at once
    clock[0] = 100.1
    coalescer.notify()
    coalescer.notify()
    assert len(app.posted) == 2
    coalescer.handle()
    coalescer.handle()
    assert applied == [100.0] and len(app.timers) == 1  # the next one waits for the interval
    delay, run = app.timers[0]
    assert abs(delay - 0.15) < 1e-9
    clock[0] = 100.25
    run()
    assert applied == [100.0, 100.25]
    coalescer.notify()
    assert len(app.posted) == 3  # after an update, the next change is posted again


def test_signature_ignores_the_watch_cache_read_time_but_not_changes() -> None:
    state = demo_state()
    reread = dataclasses.replace(state, cluster=dataclasses.replace(state.cluster, fetched_at=FIXED + 5))
    assert state_signature(reread) == state_signature(state)
    cluster = dataclasses.replace(state.cluster.data, revision=state.cluster.data.revision + 1)
    changed = dataclasses.replace(state, cluster=dataclasses.replace(state.cluster, data=cluster))
    assert state_signature(changed) != state_signature(state)
    failing = dataclasses.replace(state, metrics=state.metrics.failed("timeout", now=FIXED))
    assert state_signature(failing) != state_signature(state)
    refreshed = dataclasses.replace(state, llm=state.llm.succeeded(state.llm.data, now=FIXED))
    assert state_signature(refreshed) != state_signature(state)
