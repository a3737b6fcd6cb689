"""The audit log: one JSON line per action, appended to ``$XDG_STATE_HOME/homelab-tui/audit.jsonl``.

The file is created with mode 0600 (its parent directories 0700), opened ``O_APPEND`` and written under
an exclusive ``flock``, so concurrent dashboards never interleave lines. A write that fails part-way
(a full disk) is truncated back, and a line torn by a crash is ended before the next one, so one
failure never costs the lines around it.
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


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    while written < len(data):  # a full disk or a file size limit writes part, then fails
        written += os.write(fd, data[written:])


def _truncate_back(fd: int, size: int) -> None:
    """Undo a partly written line (ENOSPC, EFBIG mid-write), so the next append does not join it."""
    try:
        os.ftruncate(fd, size)
    except OSError:
        pass  # the next append still starts on a new line (see append)


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
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                start = os.lseek(fd, 0, os.SEEK_END)
                if start and os.pread(fd, 1, start - 1) != b"\n":
                    data = b"\n" + data  # a line torn by a crash mid-write stays apart (read() skips it)
                try:
                    _write_all(fd, data)
                except OSError:
                    _truncate_back(fd, start)
                    raise
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
