"""Defensive readers for plain Kubernetes JSON objects.

Real objects miss optional fields, carry ``null`` where a list is expected and
sometimes hold odd dates; every reader here returns a safe default instead of
raising. Nothing here mutates the object it reads.
"""

from __future__ import annotations

import re
from collections import abc
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from homelab_tui.model.cluster import ClusterState

_EMPTY: Mapping[str, Any] = {}


def as_map(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one."""
    if type(value) is dict:  # the common case, without the slow ABC check
        return value
    return value if isinstance(value, abc.Mapping) else _EMPTY


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list or tuple, else an empty list."""
    return list(value) if isinstance(value, (list, tuple)) else []


def as_int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value:  # not NaN
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    return default


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def meta(obj: Any) -> Mapping[str, Any]:
    return as_map(as_map(obj).get("metadata"))


def name_of(obj: Any) -> str:
    return as_str(meta(obj).get("name"))


def namespace_of(obj: Any) -> str:
    return as_str(meta(obj).get("namespace"))


def labels_of(obj: Any) -> Mapping[str, Any]:
    return as_map(meta(obj).get("labels"))


def annotations_of(obj: Any) -> Mapping[str, Any]:
    return as_map(meta(obj).get("annotations"))


def spec_of(obj: Any) -> Mapping[str, Any]:
    return as_map(as_map(obj).get("spec"))


def status_of(obj: Any) -> Mapping[str, Any]:
    return as_map(as_map(obj).get("status"))


def ref(kind: str, obj: Any) -> str:
    """``"Kind ns/name"`` (or ``"Kind name"`` for cluster-scoped objects)."""
    ns = namespace_of(obj)
    return f"{kind} {ns}/{name_of(obj)}" if ns else f"{kind} {name_of(obj)}"



_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: Any) -> float | None:
    """Epoch seconds of an RFC 3339 timestamp (``2026-01-02T03:04:05Z``); None when absent or odd."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Python 3.11 accepts up to 6 fraction digits; Kubernetes may send 9.
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def age_of(obj: Any, now: float) -> float | None:
    """Seconds since ``metadata.creationTimestamp`` (None when unknown)."""
    created = parse_time(meta(obj).get("creationTimestamp"))
    return None if created is None else max(0.0, now - created)


def conditions_of(obj: Any) -> list[Mapping[str, Any]]:
    return [as_map(c) for c in as_list(status_of(obj).get("conditions")) if isinstance(c, Mapping)]


def condition(obj: Any, ctype: str) -> Mapping[str, Any] | None:
    """The status condition of type ``ctype``, or None."""
    return next((c for c in conditions_of(obj) if c.get("type") == ctype), None)


def find(cluster: ClusterState, key: str, namespace: str | None, name: str) -> Mapping[str, Any] | None:
    """Like :meth:`ClusterState.find`, but safe on objects whose metadata is missing or null."""
    for o in cluster.get(key):
        if name_of(o) == name and (namespace is None or namespace_of(o) == namespace):
            return o
    return None


def in_namespace(cluster: ClusterState, key: str, namespace: str) -> tuple[Mapping[str, Any], ...]:
    """The objects of ``key`` in ``namespace`` (safe on objects whose metadata is missing or null).

    Grouped once per cluster state: summarising every namespace was quadratic (namespaces × pods),
    the largest cost at 10× (docs/benchmarks.md)."""
    return cluster.memo(("by_namespace", key), lambda: _by_namespace(cluster.get(key))).get(namespace, ())


def namespaces_of(cluster: ClusterState, key: str) -> frozenset[str]:
    """The namespaces that hold objects of ``key`` (from the same per-state grouping)."""
    return frozenset(cluster.memo(("by_namespace", key), lambda: _by_namespace(cluster.get(key))))


def _by_namespace(objects: tuple[Mapping[str, Any], ...]) -> dict[str, tuple[Mapping[str, Any], ...]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for o in objects:
        groups.setdefault(namespace_of(o), []).append(o)
    return {ns: tuple(items) for ns, items in groups.items()}


def known(cluster: ClusterState, key: str) -> bool:
    """Whether the cluster's view of resource ``key`` can be trusted to be complete."""
    return (key in cluster.synced or bool(cluster.get(key))) and key not in cluster.absent


def pod_template_spec(obj: Any) -> Mapping[str, Any]:
    """The pod spec of a workload's template (or of a pod)."""
    spec = spec_of(obj)
    template = as_map(spec.get("template"))
    return as_map(template.get("spec")) if template else spec


def containers_of(pod_spec: Mapping[str, Any], *, init: bool = True) -> list[Mapping[str, Any]]:
    keys: Iterable[str] = ("containers", "initContainers") if init else ("containers",)
    return [as_map(c) for k in keys for c in as_list(pod_spec.get(k)) if isinstance(c, Mapping)]


def gpu_request(pod_spec: Mapping[str, Any], resource: str = "nvidia.com/gpu") -> int:
    """GPUs a pod spec asks for (the larger of request and limit per container)."""
    total = 0
    for c in containers_of(pod_spec, init=False):
        res = as_map(c.get("resources"))
        total += max(as_int(as_map(res.get("limits")).get(resource)),
                     as_int(as_map(res.get("requests")).get(resource)))
    return total


def is_helm_managed(obj: Any) -> bool:
    """Whether Helm manages ``obj`` (managed-by label or release annotation)."""
    return as_str(labels_of(obj).get("app.kubernetes.io/managed-by")).lower() == "helm" or bool(
        annotations_of(obj).get("meta.helm.sh/release-name"))
