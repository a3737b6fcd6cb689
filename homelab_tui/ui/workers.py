"""Getting data onto the UI thread without ever blocking it.

* :class:`Poller` — a timer per polled source (Prometheus, LiteLLM, GPU) starts an
  exclusive thread worker that calls the source's blocking ``refresh()``; a poll is
  skipped while the previous one still runs, so polls never overlap. The result is
  posted back as :class:`~homelab_tui.ui.messages.SourceRefreshed`.
* :class:`Coalescer` — the watch cache calls back from its threads on every burst of
  changes; this turns those calls into at most one UI update per interval.
* :func:`state_signature` — what decides whether screens must redraw.
* :func:`failure_text` — the one line a failed worker becomes in a notification.
"""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Any, Callable, Hashable, Mapping

from textual.app import App
from textual.worker import Worker, WorkerState

from homelab_tui.model.snapshot import Snapshot, one_line
from homelab_tui.model.state import DashboardState
from homelab_tui.sources.base import PolledSource
from homelab_tui.ui.messages import ClusterChanged, SourceRefreshed

#: seconds between two UI updates caused by watch events (at most 4 re-renders per second)
MIN_UPDATE_INTERVAL = 0.25

_ACTIVE = (WorkerState.PENDING, WorkerState.RUNNING)


def poll_group(name: str) -> str:
    """The worker group of one polled source."""
    return f"poll:{name}"


class Poller:
    """Refreshes polled sources on their own intervals, in exclusive thread workers."""

    def __init__(self, app: App[Any], sources: Mapping[str, PolledSource[Any]]) -> None:
        self._app = app
        self._sources = dict(sources)

    def start(self) -> None:
        """Poll every source now, then every ``source.interval`` seconds."""
        for name, source in self._sources.items():
            self._app.set_interval(source.interval, partial(self.poll, name), name=f"poll {name}")
            self.poll(name)

    def poll(self, name: str) -> Worker[Any] | None:
        """Start a refresh of ``name`` unless one is still running; returns the worker started."""
        group = poll_group(name)
        if any(w.group == group and w.state in _ACTIVE for w in self._app.workers):
            return None
        source = self._sources[name]
        app = self._app

        def refresh() -> Snapshot[Any]:
            snapshot = source.refresh()
            app.post_message(SourceRefreshed(name, snapshot))
            return snapshot

        return app.run_worker(refresh, name=f"refresh {name}", group=group, thread=True, exclusive=True,
                              exit_on_error=False)


class Coalescer:
    """Turns change callbacks from any thread into calls of ``apply`` on the UI thread, rate-limited."""

    def __init__(self, app: App[Any], apply: Callable[[], None], interval: float = MIN_UPDATE_INTERVAL,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._app = app
        self._apply = apply
        self._interval = interval
        self._monotonic = monotonic
        self._pending = threading.Event()
        self._scheduled = False
        self._last = float("-inf")

    def notify(self) -> None:
        """Called from any thread: something changed. Posts at most one message until it is handled."""
        if not self._pending.is_set():
            self._pending.set()
            self._app.post_message(ClusterChanged())

    def handle(self) -> None:
        """On the UI thread, for a :class:`ClusterChanged`: apply now, or once the interval has passed."""
        if self._scheduled:
            return
        delay = self._last + self._interval - self._monotonic()
        if delay > 0:
            self._scheduled = True
            self._app.set_timer(delay, self._run, name="coalesced cluster update")
        else:
            self._run()

    def _run(self) -> None:
        self._scheduled = False
        self._pending.clear()  # cleared before reading, so a change during apply posts again
        self._last = self._monotonic()
        self._apply()


def _snapshot_signature(snap: Snapshot[Any]) -> Hashable:
    return (snap.fetched_at, snap.error, snap.error_since, snap.data is not None)


def state_signature(state: DashboardState) -> Hashable:
    """Changes exactly when what the screens render (apart from ages) may have changed.

    The watch cache stamps its snapshot with the time it is read, so for the cluster
    the cache revision stands in for the fetch time.
    """
    cluster = state.cluster
    revision = cluster.data.revision if cluster.data is not None else None
    return (
        (revision, cluster.error, cluster.error_since, cluster.data is not None),
        _snapshot_signature(state.metrics),
        _snapshot_signature(state.llm),
        _snapshot_signature(state.gpu),
    )


def failure_text(worker: Worker[Any]) -> str:
    """One line for a notification: which work failed and why (never a traceback)."""
    error = worker.error
    reason = one_line(str(error)) if error is not None and str(error) else type(error).__name__
    return f"{worker.name or worker.group}: {reason}"
