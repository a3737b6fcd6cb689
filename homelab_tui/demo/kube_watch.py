"""Watch streams: chunked newline-delimited JSON events from the store's history."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Callable

from aiohttp import web

from homelab_tui.demo.faults import ServerFaults, status_body
from homelab_tui.demo.kinds import Kind
from homelab_tui.demo.kube_tables import as_table, wants_table
from homelab_tui.demo.store import ClusterStore, Gone

#: seconds between BOOKMARK events when the client allows them
BOOKMARK_INTERVAL = 2.0
#: how often an idle watch checks for a dropped-watches fault or a closed client
POLL = 0.25
DEFAULT_TIMEOUT = 1800


class Watchers:
    """Wakes every open watch when the store changes (from any thread)."""

    def __init__(self) -> None:
        self.events: set[asyncio.Event] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def notify(self, *_: object) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        for event in self.events:
            event.set()


def _line(event_type: str, obj: dict, table_key: str = "") -> bytes:
    if table_key and event_type != "BOOKMARK" and obj.get("kind") != "Status":
        obj = as_table(table_key, [obj], obj["metadata"].get("resourceVersion", ""))
    return (json.dumps({"type": event_type, "object": obj}, separators=(",", ":")) + "\n").encode()


def _bookmark(kind: Kind, resource_version: int, initial_events_end: bool = False) -> dict:
    md: dict = {"resourceVersion": str(resource_version)}
    if initial_events_end:
        md["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {"kind": kind.kind, "apiVersion": kind.api_version, "metadata": md}


def gone_event(message: str) -> bytes:
    return _line("ERROR", status_body(410, message, reason="Expired"))


async def watch(request: web.Request, store: ClusterStore, kind: Kind, namespace: str | None,
                matches: Callable[[dict], bool], faults: ServerFaults, watchers: Watchers) -> web.StreamResponse:
    if faults.watch_status:
        code = faults.watch_status
        return web.json_response(status_body(code, f"injected fault: {code}"), status=code)
    q = request.query
    timeout = int(q.get("timeoutSeconds") or DEFAULT_TIMEOUT)
    bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
    table = kind.key if wants_table(request.headers.get("Accept", "")) else ""
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json",
                                                   "Cache-Control": "no-cache, private"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    if faults.watch_close:
        await resp.write_eof()
        return resp
    if faults.watch_gone:
        await resp.write(gone_event("injected fault: too old resource version"))
        return resp
    epoch = faults.drop_watches_epoch
    wake = asyncio.Event()
    watchers.events.add(wake)
    try:
        rv = q.get("resourceVersion", "")
        initial_events = q.get("sendInitialEvents") == "true"
        if rv in ("", "0") or initial_events:
            items, current = store.list(kind.key, namespace)
            for obj in items:
                if matches(obj):
                    await resp.write(_line("ADDED", obj, table))
            last = int(current)
            if initial_events:  # the WatchList protocol of client-go (kubectl 1.37 uses it)
                await resp.write(_line("BOOKMARK", _bookmark(kind, last, initial_events_end=True)))
        else:
            last = int(rv) if rv.isdigit() else 0
        deadline = time.monotonic() + timeout
        next_bookmark = time.monotonic() + BOOKMARK_INTERVAL
        while time.monotonic() < deadline and faults.drop_watches_epoch == epoch:
            if request.transport is None or request.transport.is_closing():
                break
            wake.clear()
            try:
                events, current = store.events_since(kind.key, last)
            except Gone as exc:
                await resp.write(gone_event(str(exc)))
                break
            for ev_rv, _, ev_type, obj in events:
                if (namespace is None or obj["metadata"].get("namespace") == namespace) and matches(obj):
                    await resp.write(_line(ev_type, obj, table))
            last = max(last, current)
            if bookmarks and time.monotonic() >= next_bookmark:
                await resp.write(_line("BOOKMARK", _bookmark(kind, last)))
                next_bookmark = time.monotonic() + BOOKMARK_INTERVAL
            wait = min(POLL, max(0.0, deadline - time.monotonic()))
            try:
                await asyncio.wait_for(wake.wait(), wait)
            except asyncio.TimeoutError:
                pass
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        watchers.events.discard(wake)
    try:
        await resp.write_eof()
    except (ConnectionResetError, ConnectionError, RuntimeError):
        pass
    return resp
