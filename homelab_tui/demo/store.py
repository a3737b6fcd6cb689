"""A thread-safe in-memory object store: the simulated cluster's etcd.

Every change gets the next resourceVersion (one counter for the whole store, as in
etcd), is kept in a bounded history for watches, and is handed to subscribers.
Objects go in and out as deep copies, so nobody can change stored state by accident.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import uuid
from collections import deque
from typing import Callable, Iterable

from homelab_tui.demo.kinds import key_for

__all__ = ["ClusterStore", "Gone", "WatchEvent", "key_for", "rfc3339"]

#: (resourceVersion, key, type, object)
WatchEvent = tuple[int, str, str, dict]
Callback = Callable[[str, str, dict], None]


class Gone(Exception):
    """The requested resourceVersion is older than the kept history (HTTP 410)."""


def rfc3339(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ident(obj: dict) -> tuple[str, str]:
    md = obj.get("metadata") or {}
    return (md.get("namespace") or "", md.get("name") or "")


class ClusterStore:
    """Objects by key ("pods", "certificates", ...) and (namespace, name)."""

    def __init__(self, objects: Iterable[dict] = (), history: int = 2000,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self._lock = threading.RLock()
        self._objects: dict[str, dict[tuple[str, str], dict]] = {}
        self._rv = 0
        self._history: deque[WatchEvent] = deque(maxlen=max(1, history))
        #: events with a resourceVersion above this one are all in the history
        self._compacted = 0
        self._subscribers: list[Callback] = []
        self._clock = clock
        for obj in objects:
            self.put(key_for(obj["apiVersion"], obj["kind"]), obj)
        with self._lock:
            self._history.clear()
            self._compacted = self._rv

    # ------------------------------------------------------------------ reads

    @property
    def resource_version(self) -> str:
        with self._lock:
            return str(self._rv)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._objects)

    def get(self, key: str, namespace: str | None, name: str) -> dict | None:
        with self._lock:
            obj = self._objects.get(key, {}).get((namespace or "", name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, key: str, namespace: str | None = None) -> tuple[list[dict], str]:
        with self._lock:
            objs = self._objects.get(key, {})
            items = [copy.deepcopy(o) for (ns, _), o in sorted(objs.items())
                     if namespace is None or ns == namespace]
            return items, str(self._rv)

    def view(self, key: str, namespace: str | None = None) -> tuple[list[dict], str]:
        """Like :meth:`list`, without copying: the stored objects themselves, for readers that never
        change them (a list answer being serialised, the simulated Prometheus). Stored objects are
        never changed in place — every write stores a new object — so a view stays consistent."""
        with self._lock:
            objs = self._objects.get(key, {})
            items = [o for (ns, _), o in sorted(objs.items()) if namespace is None or ns == namespace]
            return items, str(self._rv)

    def events_since(self, key: str, resource_version: int) -> tuple[list[WatchEvent], int]:
        """Changes of ``key`` after ``resource_version`` and the store's current version.

        Raises :class:`Gone` when changes after that version have been dropped from the history.
        """
        with self._lock:
            if resource_version < self._compacted:
                raise Gone(f"too old resource version: {resource_version} ({self._compacted})")
            events = [(rv, k, t, copy.deepcopy(o)) for rv, k, t, o in self._history
                      if rv > resource_version and k == key]
            return events, self._rv

    # ------------------------------------------------------------------ writes

    def put(self, key: str, obj: dict) -> dict:
        """Create or replace; keeps uid/creationTimestamp of a replaced object; bumps generation on spec change."""
        with self._lock:
            obj = copy.deepcopy(obj)
            ident = _ident(obj)
            old = self._objects.get(key, {}).get(ident)
            md = obj.setdefault("metadata", {})
            if old is not None:
                omd = old["metadata"]
                md["uid"] = omd["uid"]
                md["creationTimestamp"] = omd["creationTimestamp"]
                if "generation" in omd:
                    md["generation"] = omd["generation"] + (1 if obj.get("spec") != old.get("spec") else 0)
            else:
                md.setdefault("uid", str(uuid.uuid4()))
                md.setdefault("creationTimestamp", rfc3339(self._clock()))
                if "spec" in obj:
                    md.setdefault("generation", 1)
            return self._commit(key, ident, obj, "MODIFIED" if old is not None else "ADDED")

    def mutate(self, key: str, namespace: str | None, name: str, fn: Callable[[dict], None]) -> dict:
        """Apply ``fn`` to a copy of the stored object and store it (KeyError when missing)."""
        with self._lock:
            current = self.get(key, namespace, name)
            if current is None:
                raise KeyError(f"{key} {namespace or ''}/{name} not found")
            fn(current)
            md = current.setdefault("metadata", {})
            md["name"], md["namespace"] = name, namespace
            if namespace is None:
                md.pop("namespace")
            return self.put(key, current)

    def delete(self, key: str, namespace: str | None, name: str) -> dict | None:
        with self._lock:
            ident = (namespace or "", name)
            old = self._objects.get(key, {}).pop(ident, None)
            if old is None:
                return None
            self._rv += 1
            old = {**old, "metadata": {**old["metadata"], "resourceVersion": str(self._rv)}}  # views keep theirs
            self._record(key, "DELETED", old)
            return copy.deepcopy(old)

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(key, type, obj)`` after every change (under the store's lock: keep it short)."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    # ------------------------------------------------------------------ internals

    def _commit(self, key: str, ident: tuple[str, str], obj: dict, event: str) -> dict:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        self._objects.setdefault(key, {})[ident] = obj
        self._record(key, event, obj)
        return copy.deepcopy(obj)

    def _record(self, key: str, event: str, obj: dict) -> None:
        if len(self._history) == self._history.maxlen:
            self._compacted = self._history[0][0]
        snapshot = copy.deepcopy(obj)
        self._history.append((self._rv, key, event, snapshot))
        for callback in list(self._subscribers):
            callback(key, event, copy.deepcopy(snapshot))
