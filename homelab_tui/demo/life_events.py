"""Events written by the simulated controllers (kept to a bounded number, as the API server's TTL does)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque

from homelab_tui.demo.store import ClusterStore, rfc3339

MAX_EVENTS = 500


class EventWriter:
    def __init__(self, store: ClusterStore) -> None:
        self.store = store
        self._ids = itertools.count(1)
        self._written: deque[tuple[str, str]] = deque()

    def emit(self, obj: dict, reason: str, message: str, now: dt.datetime, *, warning: bool = False,
             component: str = "kubelet") -> None:
        md = obj["metadata"]
        namespace = md.get("namespace") or "default"
        name = f"{md['name']}.{int(now.timestamp() * 1e9) + next(self._ids):x}"
        host = obj.get("spec", {}).get("nodeName", "") if obj.get("kind") == "Pod" else ""
        when = rfc3339(now)
        self.store.put("events", {
            "apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {"apiVersion": obj.get("apiVersion", "v1"), "kind": obj.get("kind", ""),
                               "name": md["name"], "namespace": namespace, "uid": md.get("uid", ""),
                               "resourceVersion": md.get("resourceVersion", "")},
            "reason": reason, "message": message, "type": "Warning" if warning else "Normal", "count": 1,
            "source": {"component": component, **({"host": host} if host else {})},
            "firstTimestamp": when, "lastTimestamp": when, "eventTime": None,
            "reportingComponent": component, "reportingInstance": host})
        self._written.append((namespace, name))
        while len(self._written) > MAX_EVENTS:
            self.store.delete("events", *self._written.popleft())
