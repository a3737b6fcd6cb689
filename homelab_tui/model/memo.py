"""Facts derived from one version of one Kubernetes object, computed once across cluster states.

A cluster state is rebuilt on every watch event, but almost all of its objects are the
same versions as before. What the model reads from an object that does not depend on the
clock (a pod's status text, restarts, readiness, timestamps) is therefore kept per object
*version*: the key is ``(metadata.uid, metadata.resourceVersion)``, which the API server
changes on every write of the object, the same identity an informer relies on. Objects
without both (hand-written fixtures, odd servers) are simply not cached.

That key identifies a version within one cluster only (the simulated home-lab even gives every
lab the same uids), so the caches belong to the watch cache that read the objects: it hands its
:class:`VersionMemos` to every :class:`~homelab_tui.model.cluster.ClusterState` it builds. A
state built any other way gets its own, used by that state alone.

The cache holds no object, only the small facts, and is bounded: two generations, the
older dropped when the newer is full; facts still in use move to the newer generation
when read. At 10× (3,000 pods) this is what lets a re-render judge every pod in a few
milliseconds instead of re-reading every pod's JSON (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")

#: entries per generation; the cache keeps at most twice this many
GENERATION_SIZE = 16384


def version_key(obj: Any) -> tuple[str, str] | None:
    """``(uid, resourceVersion)`` of an object, or None when it lacks either."""
    md = obj.get("metadata") if type(obj) is dict else None
    if type(md) is not dict:
        return None
    uid, rv = md.get("uid"), md.get("resourceVersion")
    if type(uid) is not str or type(rv) is not str or not uid or not rv:
        return None
    return (uid, rv)


class VersionMemo(Generic[T]):
    """``compute(obj)`` once per object version (see the module doc)."""

    def __init__(self, compute: Callable[[Any], T], generation_size: int = GENERATION_SIZE) -> None:
        self._compute = compute
        self._size = generation_size
        self._new: dict[Hashable, T] = {}
        self._old: dict[Hashable, T] = {}
        self.hits = 0
        self.misses = 0

    def __call__(self, obj: Any) -> T:
        key = version_key(obj)
        if key is None:
            return self._compute(obj)
        try:
            value = self._new[key]
            self.hits += 1
            return value
        except KeyError:
            pass
        old = self._old.pop(key, _MISSING)
        if old is not _MISSING:
            self.hits += 1
            value = old  # type: ignore[assignment]
        else:
            self.misses += 1
            value = self._compute(obj)
        if len(self._new) >= self._size:
            self._old, self._new = self._new, {}
        self._new[key] = value
        return value

    def __len__(self) -> int:
        return len(self._new) + len(self._old)

    def clear(self) -> None:
        self._new, self._old = {}, {}


_MISSING = object()


class VersionMemos:
    """The :class:`VersionMemo` of each kind of fact, for the states of one cluster."""

    def __init__(self) -> None:
        self._memos: dict[str, VersionMemo[Any]] = {}

    def get(self, name: str, compute: Callable[[Any], T]) -> VersionMemo[T]:
        memo = self._memos.get(name)
        if memo is None:
            memo = self._memos.setdefault(name, VersionMemo(compute))
        return memo
