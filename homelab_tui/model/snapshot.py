"""Immutable snapshots handed from the sources to the model and the UI.

Every source (Kubernetes, Prometheus, LiteLLM, NVML) produces a :class:`Snapshot`:
its last good data, when that data was fetched, and the last error (one line,
never a secret). A failed refresh keeps the last good data, so a panel can say
"API unreachable since 12:01, showing data from 3 min ago".
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    source: str
    data: T | None = None
    #: wall-clock (epoch seconds) of the last successful fetch
    fetched_at: float | None = None
    #: one-line description of the last failure; None when the last attempt succeeded
    error: str | None = None
    #: when the current run of failures began
    error_since: float | None = None
    #: wall-clock of the last attempt, successful or not
    attempted_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.fetched_at is not None

    @property
    def has_data(self) -> bool:
        return self.fetched_at is not None

    def age(self, now: float | None = None) -> float | None:
        if self.fetched_at is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)

    def succeeded(self, data: T, now: float | None = None) -> "Snapshot[T]":
        now = time.time() if now is None else now
        return dataclasses.replace(self, data=data, fetched_at=now, error=None, error_since=None, attempted_at=now)

    def failed(self, error: str, now: float | None = None) -> "Snapshot[T]":
        now = time.time() if now is None else now
        since = self.error_since if self.error is not None and self.error_since is not None else now
        return dataclasses.replace(self, error=one_line(error), error_since=since, attempted_at=now)


def one_line(text: str, limit: int = 200) -> str:
    """Collapse an error message to a single line of bounded length."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def format_age(seconds: float | None) -> str:
    """'just now', '4 s', '3 min', '2 h', '5 d' — short enough for a status line."""
    if seconds is None:
        return "never"
    if seconds < 1:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def freshness_text(snap: Snapshot, now: float | None = None) -> str:
    """One line saying how fresh a snapshot is and what failed, for panel footers."""
    age = snap.age(now)
    if snap.error is None and age is not None:
        return f"{snap.source}: updated {_ago(age)}"
    if snap.error is None:
        return f"{snap.source}: loading…"
    since = format_age(max(0.0, (time.time() if now is None else now) - (snap.error_since or 0)))
    if age is None:
        return f"{snap.source}: failing for {since}: {snap.error}"
    return f"{snap.source}: failing for {since}: {snap.error} — showing data from {_ago(age)}"


def _ago(seconds: float) -> str:
    text = format_age(seconds)
    return text if text == "just now" else f"{text} ago"


def expired_text(days: float) -> str:
    """``expired 3 d ago``; hours under a day (``expired 5 h ago``, never ``0 d``)."""
    return f"expired {-days * 24:.0f} h ago" if days > -1 else f"expired {-days:.0f} d ago"
