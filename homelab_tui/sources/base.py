"""What every polled source offers (Prometheus, LiteLLM, NVML).

A source is plain Python, no Textual. ``refresh()`` blocks (bounded by the
source's timeouts) and is called from a worker thread; it never raises: a
failure is recorded in the returned snapshot, which keeps the last good data.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Generic, Protocol, TypeVar

from homelab_tui.model.snapshot import Snapshot

T = TypeVar("T")


class SourceError(Exception):
    """A source could not be read. The message is one line and never holds a secret."""


class PolledSource(Protocol[T]):
    name: str
    #: seconds between refreshes
    interval: float

    def refresh(self) -> Snapshot[T]: ...

    def current(self) -> Snapshot[T]: ...

    def close(self) -> None: ...


class SnapshotKeeper(Generic[T]):
    """Holds a source's latest snapshot; thread-safe. Sources compose one."""

    def __init__(self, name: str, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._snap: Snapshot[T] = Snapshot(name)
        self.clock = clock

    def current(self) -> Snapshot[T]:
        with self._lock:
            return self._snap

    def success(self, data: T) -> Snapshot[T]:
        with self._lock:
            self._snap = self._snap.succeeded(data, self.clock())
            return self._snap

    def failure(self, error: str | BaseException) -> Snapshot[T]:
        with self._lock:
            self._snap = self._snap.failed(str(error), self.clock())
            return self._snap

    def forget(self) -> None:
        """Back to "never read": the next failure has no earlier data to keep (``homelab-tui agent``: each
        ``check`` it answers judges only its own read, as a ``check`` of its own would)."""
        with self._lock:
            self._snap = Snapshot(self._snap.source)


class StaticSource(Generic[T]):
    """A source that always answers the same snapshot (tests, screenshots, unconfigured sources)."""

    def __init__(self, snapshot: Snapshot[T], interval: float = 3600.0) -> None:
        self.name = snapshot.source
        self.interval = interval
        self._snap = snapshot

    def refresh(self) -> Snapshot[T]:
        return self._snap

    def current(self) -> Snapshot[T]:
        return self._snap

    def close(self) -> None:
        pass
