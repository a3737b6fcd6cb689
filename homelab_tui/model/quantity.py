"""Kubernetes resource quantities ("10Gi", "500M", "1.5Ti", "100m", "1e3") and byte formatting."""

from __future__ import annotations

import re
from typing import Any

_SUFFIX = {
    "": 1.0,
    "n": 1e-9, "u": 1e-6, "m": 1e-3,
    "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2.0 ** 10, "Mi": 2.0 ** 20, "Gi": 2.0 ** 30, "Ti": 2.0 ** 40, "Pi": 2.0 ** 50, "Ei": 2.0 ** 60,
}
_QUANTITY = re.compile(
    r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?\s*$")


def parse_quantity(value: Any) -> float | None:
    """The numeric value of a Kubernetes quantity; None when absent or malformed.

    >>> parse_quantity("10Gi")
    10737418240.0
    >>> parse_quantity("100m")
    0.1
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value else None
    if not isinstance(value, str):
        return None
    m = _QUANTITY.match(value)
    if not m:
        return None
    number, exponent, suffix = m.groups()
    if exponent is not None:
        try:
            return float(number) * 10.0 ** int(exponent)
        except OverflowError:
            return None
    return float(number) * _SUFFIX[suffix or ""]


def format_bytes(value: float | None) -> str:
    """``"9.5 GiB"``; ``"—"`` for None."""
    if value is None:
        return "—"
    n = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover - loop always returns
