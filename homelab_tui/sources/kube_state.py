"""The watch cache's per-resource state, whether the API server still answers, and the one-line texts
it derives from failures.

Split from :mod:`homelab_tui.sources.kube`, which runs the informer loops, the liveness probe and the
one-shot read.
"""

from __future__ import annotations

import json
import re
import socket
import threading
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


class Liveness:
    """When the API server last answered anything (a list, a watch accepted, an event or bookmark, the liveness
    probe), and the error while it does not answer at all. Read and written under the cache's lock.

    A watch on a quiet resource carries no bytes for minutes, so silence on the watches proves nothing; an
    unanswered probe does (ADR-002, amendment)."""

    def __init__(self, interval: float, timeout: float) -> None:
        #: seconds between two probes (``GET /version``), and how long one waits for an answer
        self.interval = interval
        self.timeout = timeout
        #: set at stop: wakes the probe (the watches wait on their own stop event)
        self.halt = threading.Event()
        self.heard: float | None = None
        #: "API not answering: …" while the server does not answer; None while it does
        self.silent: str | None = None
        #: when it was last heard from before it fell silent
        self.silent_since: float | None = None

    def answered(self, now: float) -> bool:
        """The server answered at ``now``; True when this ends a silence."""
        self.heard = now
        if self.silent is None:
            return False
        self.silent = self.silent_since = None
        return True

    def lost(self, error: str, started_at: float) -> bool:
        """The server did not answer (``error``); True when this begins a silence, dated from when it was last
        heard from (``started_at`` when it never was), not from when the silence was noticed."""
        if not error.startswith("API "):
            error = f"API unreachable: {error}"
        begins = self.silent is None
        if begins:
            self.silent_since = self.heard if self.heard is not None else started_at
        changed = self.silent != error
        self.silent = error
        return begins or changed


def no_answer_text(exc: KubeError, timeout: float) -> str:
    """A failure's text; a request that got no answer in ``timeout`` seconds is the API not answering."""
    if exc.status == 0 and "timed out" in exc.message:
        return f"API not answering: no answer within {timeout:g} s"
    return error_text(exc)


class Gone(Exception):
    """The watch's resourceVersion is too old: re-list."""


def parse_event(line: bytes) -> tuple[str, dict[str, Any]]:
    """A watch line's (type, object); raises :class:`Gone` for a 410 ERROR event, :class:`KubeError` for
    another ERROR event or a line that is not an event."""
    try:
        event = json.loads(line)
        etype = event["type"]
        obj = event["object"]
    except (ValueError, KeyError, TypeError):
        raise KubeError(200, "BadResponse", "malformed watch event") from None
    if etype == "ERROR":
        code = obj.get("code") if isinstance(obj, dict) else None
        if code == 410:
            raise Gone()
        raise KubeError(int(code or 500), str(obj.get("reason", "Error")), str(obj.get("message", "")))
    return etype, obj


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
        if text.startswith("API "):  # already worded for the whole API ("API not answering: …")
            return text
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
