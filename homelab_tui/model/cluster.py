"""The cluster as the watch cache saw it at one moment.

Objects are kept as the plain JSON dicts the API server sends (not the client's
pydantic models): cheaper to parse, and the model layer reads them with
``obj.get(...)``. They are shared read-only: never mutate one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, TypeVar

from homelab_tui.model.memo import VersionMemo, VersionMemos

KubeObject = Mapping[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class ClusterState:
    """What the watch cache knows, at one moment.

    ``objects[key]`` is a tuple of object dicts, sorted by (namespace, name).
    ``errors[key]`` is the last error of that resource's watch (e.g. 403 on secrets);
    ``absent`` holds optional resources the server does not serve (CRD not installed).
    ``synced`` holds the keys whose initial list has completed.
    """

    objects: Mapping[str, tuple[KubeObject, ...]] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    synced: frozenset[str] = frozenset()
    context: str = ""
    server: str = ""
    #: increases with every change the cache applied (cheap change detection for the UI)
    revision: int = 0
    #: facts per object version, shared by the states of one watch cache (see model/memo.py)
    versions: VersionMemos | None = field(default=None, repr=False, compare=False)
    #: results derived from this (immutable) state, computed once: see :meth:`memo`
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per state (e.g. objects grouped by namespace, read by every namespace's summary)."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def recent(self, key: Hashable, now: float, max_age: float, compute: Callable[[], T],
               witness: object = None) -> T:
        """``compute()``, reused for this state while it is younger than ``max_age`` seconds by ``now``
        (and was computed for the same ``witness`` object, e.g. the settings it read)."""
        hit = self._memo.get(("recent", key))
        if hit is not None and hit[1] is witness and 0.0 <= now - hit[0] < max_age:
            return hit[2]
        value = compute()
        self._memo[("recent", key)] = (now, witness, value)
        return value

    def version_memo(self, name: str, compute: Callable[[Any], T]) -> VersionMemo[T]:
        """``compute(obj)`` once per object version: across the states of this state's watch cache, or
        within this state alone when it has none."""
        if self.versions is not None:
            return self.versions.get(name, compute)
        return self.memo(("version_memo", name), lambda: VersionMemo(compute))

    def get(self, key: str) -> tuple[KubeObject, ...]:
        return self.objects.get(key, ())


    def find(self, key: str, namespace: str | None, name: str) -> KubeObject | None:
        for o in self.get(key):
            md = o.get("metadata", {})
            if md.get("name") == name and (namespace is None or md.get("namespace") == namespace):
                return o
        return None

    def ingressroutes(self) -> tuple[KubeObject, ...]:
        """IngressRoutes from traefik.io and the legacy traefik.containo.us group."""
        return self.get("ingressroutes") + self.get("ingressroutes_legacy")

    def middlewares(self) -> tuple[KubeObject, ...]:
        return self.get("middlewares") + self.get("middlewares_legacy")
