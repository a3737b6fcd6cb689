"""The audit log: one JSON line per action, appended to ``$XDG_STATE_HOME/homelab-tui/audit.jsonl``.

The file is created with mode 0600 (its parent directories 0700), opened ``O_APPEND`` and written with
one ``write`` call under an exclusive ``flock``, so concurrent dashboards never interleave lines.
Only plain JSON values can be written: a :class:`~homelab_tui.actions.secret_value.SecretValue` (or any
other object) makes ``append`` raise ``TypeError`` before anything is written.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Any, Mapping

from homelab_tui.config import default_audit_path

#: the keys every line has, in this order
FIELDS = ("time", "user", "context", "action", "target", "outcome", "message", "details")


def _refuse(value: Any) -> Any:
    raise TypeError(f"audit: {type(value).__name__} is not a plain JSON value and is never written")


class AuditLog:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else default_audit_path()

    def append(self, entry: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Write one line (``time`` is added, RFC 3339 UTC) and return what was written."""
        line = {"time": dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat(timespec="seconds")
                .replace("+00:00", "Z")}
        line.update({k: entry.get(k, {} if k == "details" else "") for k in FIELDS if k != "time"})
        line.update({k: v for k, v in entry.items() if k not in line})
        data = (json.dumps(line, default=_refuse, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                written = os.write(fd, data)
                while written < len(data):  # regular files write everything; be exact anyway
                    written += os.write(fd, data[written:])
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        return line

    def read(self) -> list[dict[str, Any]]:
        """Every line, oldest first (for tests and an audit view); malformed lines are skipped."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for raw in text.splitlines():
            try:
                value = json.loads(raw)
            except ValueError:
                continue
            if isinstance(value, dict):
                out.append(value)
        return out
