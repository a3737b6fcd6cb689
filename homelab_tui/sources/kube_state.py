"""The watch cache's per-resource state and the one-line texts it derives from failures.

Split from :mod:`homelab_tui.sources.kube`, which runs the informer loops and the one-shot read.
"""

from __future__ import annotations

import re
import socket
from typing import Any

from homelab_tui.model.cluster import KubeObject
from homelab_tui.sources.kube_client import KubeError
from homelab_tui.sources.resources import ResourceSpec

Key = tuple[str, str]  # (namespace, name)
#: how :func:`error_text` begins the error of a request the server answered ("500 InternalError: …")
_ANSWERED = re.compile(r"[1-5]\d\d ")


def obj_key(obj: KubeObject) -> Key:
    md = obj.get("metadata") or {}
    return (md.get("namespace") or "", md.get("name") or "")


class ResourceCache:
    """Objects of one resource, plus its watch health."""

    def __init__(self, spec: ResourceSpec) -> None:
        self.spec = spec
        self.items: dict[Key, KubeObject] = {}
        self.sorted: tuple[KubeObject, ...] | None = ()
        self.synced = False
        self.absent = False
        self.error: str | None = None
        self.error_since: float | None = None
        self.last_ok: float | None = None

    def view(self) -> tuple[KubeObject, ...]:
        if self.sorted is None:
            self.sorted = tuple(self.items[k] for k in sorted(self.items))
        return self.sorted


def shutdown_socket(resp: Any) -> None:
    """Unblock the thread reading ``resp`` at once: shut the socket down (closing it from another
    thread can wait for the reader, seconds on a TLS connection)."""
    sock = getattr(getattr(resp, "connection", None), "sock", None)
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        else:
            resp.close()
    except Exception:  # noqa: BLE001 - already closed
        pass


def error_text(exc: KubeError) -> str:
    """One resource's error: the message when no answer came (status 0), else the status and reason too;
    an answer that was not JSON reads 'answered with malformed JSON (HTTP 200)'."""
    if exc.reason == "BadResponse":
        return f"answered with {exc.message} (HTTP {exc.status})"
    if exc.status in (401, 403):
        return f"{exc.status} {exc.reason}: {exc.message}"
    return exc.message if exc.status == 0 else str(exc)


def summarise(failing: list[ResourceCache], total: int) -> str | None:
    if not failing:
        return None
    errors: dict[str, list[str]] = {}
    for c in failing:
        errors.setdefault(c.error or "error", []).append(c.spec.key)
    text, keys = max(errors.items(), key=lambda kv: len(kv[1]))
    if len(failing) == total:
        if text[:4] in ("401 ", "403 "):  # the server answered: it is the credentials, not the network
            return f"API refused every request: {text}"
        if text.startswith("answered "):  # it answered, with something that is not the API's JSON
            return f"API {text}"
        if _ANSWERED.match(text):  # it answered, with an error: not "unreachable"
            return f"API answered {text}"
        return f"API unreachable: {text}" if "unreachable" not in text.lower() else text
    names = ", ".join(sorted(keys)[:3]) + ("…" if len(keys) > 3 else "")
    others = len(errors) - 1
    more = f" (+{others} other error{'s' if others > 1 else ''})" if others else ""
    return f"{names}: {text}{more}"
