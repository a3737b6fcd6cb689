"""Short texts for moments and durations: ``in 20 d``, ``3 h ago``, ``just now``, ``2027-01-20 08:00 UTC``."""

from __future__ import annotations

from datetime import datetime, timezone

from homelab_tui.model.snapshot import expired_text, format_age


def day_text(days: float, warn_days: float) -> str:
    """A certificate's time left, as its finding says it (``model.certs.cert_verdict``): ``9.6 d`` below the
    warn threshold, whole days rounded down at or above it (``59 d``: never more than is left), ``expired 3 d
    ago``. The Expires column, the host detail and the certificate detail all use it: one figure."""
    if days < 0:
        return expired_text(days)
    return f"{days:.1f} d" if days < warn_days else f"{int(days)} d"


def expiry_stamp(epoch: float | None, now: float, warn_days: float) -> str:
    """``2027-01-20 08:00 UTC (in 9.6 d)``: :func:`stamp` with the days of :func:`day_text`."""
    if epoch is None:
        return "—"
    days = (epoch - now) / 86400
    left = day_text(days, warn_days)
    return f"{_utc(epoch)} ({left if days < 0 else 'in ' + left})"


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
    return f"{_utc(epoch)} ({when_text(epoch, now)})"


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
