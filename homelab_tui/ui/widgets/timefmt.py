"""Short texts for moments and durations: ``in 20 d``, ``3 h ago``, ``just now``, ``2027-01-20 08:00 UTC``."""

from __future__ import annotations

from datetime import datetime, timezone

from homelab_tui.model.snapshot import format_age


def day_text(days: float) -> str:
    """``12 d``, ``2.5 d`` under a week, ``expired 3 d ago``."""
    if days < 0:
        return f"expired {-days:.0f} d ago"
    return f"{days:.1f} d" if days < 7 else f"{days:.0f} d"


def when_text(epoch: float | None, now: float) -> str:
    """``in 20 d`` / ``3 h ago`` / ``—``."""
    if epoch is None:
        return "—"
    delta = epoch - now
    if abs(delta) < 1:
        return "now"
    return f"in {format_age(delta)}" if delta > 0 else ago_text(-delta)


def ago_text(seconds: float | None) -> str:
    """``3 min ago``, ``just now``, ``never``."""
    if seconds is None:
        return "never"
    return "just now" if seconds < 1 else f"{format_age(seconds)} ago"


def stamp(epoch: float | None, now: float) -> str:
    """``2027-01-20 08:00 UTC (in 5 d)``."""
    if epoch is None:
        return "—"
    utc = datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{utc} ({when_text(epoch, now)})"
