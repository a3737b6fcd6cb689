"""The simulation's life: controllers that move pods after replica and template changes, and cert-manager.

Every ``step`` seconds each changed workload moves one transition further: new pods go
Pending -> Running (not ready) -> Ready, removed pods get a ``deletionTimestamp`` (Terminating)
and disappear a step later; workload statuses follow. A cordoned node gets the taint the node lifecycle
controller gives it (``node.kubernetes.io/unschedulable:NoSchedule``), and loses it when uncordoned. Certificates asked to issue (condition
``Issuing=True``, as ``cmctl renew`` sets it) are renewed a step later, unless their ACME order
fails in the seed. Only objects that changed are looked at, so a large idle cluster costs nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from typing import Callable

from homelab_tui.demo.life_certs import CertManager
from homelab_tui.demo.life_workloads import Controllers
from homelab_tui.demo.store import ClusterStore

Ref = tuple[str, str, str]  # (key, namespace, name)
WATCHED_KEYS = ("deployments", "statefulsets", "daemonsets", "certificates")
#: the taint Kubernetes puts on a cordoned node
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def _owner_ref(key: str, obj: dict) -> Ref | None:
    md = obj.get("metadata", {})
    ns, name = md.get("namespace", ""), md.get("name", "")
    if key in WATCHED_KEYS:
        return (key, ns, name)
    if key == "nodes":
        return ("nodes", "", name)
    if key in ("pods", "replicasets"):
        owner = next(iter(md.get("ownerReferences") or []), None)
        if owner is None:
            return ("pods", ns, name) if key == "pods" else None
        if owner["kind"] == "ReplicaSet":
            return ("deployments", ns, owner["name"].rsplit("-", 1)[0])
        if owner["kind"] in ("StatefulSet", "DaemonSet", "Deployment"):
            return (owner["kind"].lower() + "s", ns, owner["name"])
    return None


class Life:
    def __init__(self, store: ClusterStore, step: float = 1.0,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self.store = store
        self.step = step
        self.clock = clock
        self._dirty: set[Ref] = set()
        self._lock = threading.Lock()
        self.controllers = Controllers(store)
        self.certs = CertManager(store)

    def _on_change(self, key: str, _event: str, obj: dict) -> None:
        ref = _owner_ref(key, obj)
        if ref is not None:
            with self._lock:
                self._dirty.add(ref)

    def mark(self, ref: Ref) -> None:
        with self._lock:
            self._dirty.add(ref)

    def follow(self) -> Callable[[], None]:
        """Start noticing store changes (``run`` does this); returns the function that stops it."""
        return self.store.subscribe(self._on_change)

    async def run(self) -> None:
        """Run forever on the lab's loop; cancel to stop."""
        unsubscribe = self.follow()
        try:
            while True:
                await asyncio.sleep(self.step)
                self.tick()
        finally:
            unsubscribe()

    def tick(self) -> None:
        """One transition for every object that changed since the last tick."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
        now = self.clock()
        for key, ns, name in sorted(dirty):
            if key == "nodes":
                again = self._taint_cordoned(name)
            elif key == "certificates":
                again = self.certs.reconcile(ns, name, now)
            else:
                again = self.controllers.reconcile(key, ns, name, now)
            if again:
                self.mark((key, ns, name))

    def _taint_cordoned(self, name: str) -> bool:
        """The node lifecycle controller's TaintNodesByCondition for ``spec.unschedulable``; never again."""
        node = self.store.get("nodes", None, name)
        if node is None:
            return False
        cordoned = bool(node.get("spec", {}).get("unschedulable"))
        taints = node.get("spec", {}).get("taints") or []
        has = any(t.get("key") == UNSCHEDULABLE_TAINT["key"] for t in taints)
        if cordoned != has:
            kept = [t for t in taints if t.get("key") != UNSCHEDULABLE_TAINT["key"]]
            new = kept + [dict(UNSCHEDULABLE_TAINT)] if cordoned else kept

            def retaint(obj: dict) -> None:
                spec = dict(obj.get("spec") or {})
                if new:
                    spec["taints"] = new
                else:
                    spec.pop("taints", None)
                obj["spec"] = spec
            self.store.mutate("nodes", None, name, retaint)
        return False
