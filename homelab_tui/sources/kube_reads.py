"""Reads the watch cache does not keep: a namespace's or an object's events, and the objects of kinds
listed on demand (:data:`homelab_tui.sources.resources.ON_DEMAND`). Each is one request, or one per kind,
with the client's timeout.

Split from :mod:`homelab_tui.sources.kube`, whose :class:`KubeSource` offers them as methods.
"""

from __future__ import annotations

from typing import Any, Sequence

from homelab_tui.sources.kube_client import KubeApi, KubeError
from homelab_tui.sources.resources import ON_DEMAND


def read_events(api: KubeApi, namespace: str, involved_name: str | None,
                involved_kind: str | None) -> list[dict[str, Any]]:
    """Events of a namespace, or of one object, oldest first (the API server filters by kind and name)."""
    fields = [f"involvedObject.{key}={value}" for key, value in (("kind", involved_kind), ("name", involved_name))
              if value]
    query: list[tuple[str, Any]] = [("fieldSelector", ",".join(fields))] if fields else []
    data = api.get(f"/api/v1/namespaces/{namespace}/events", query=query)
    items = list((data or {}).get("items") or [])
    items.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime")
               or (e.get("metadata") or {}).get("creationTimestamp") or "")
    return items


def read_on_demand(api: KubeApi, keys: Sequence[str], namespace: str) -> dict[str, list[dict[str, Any]] | None]:
    """Objects of each kind of ``keys`` in ``namespace``; None for a kind the server does not serve (404)."""
    out: dict[str, list[dict[str, Any]] | None] = {}
    for key in keys:
        try:
            data = api.get(ON_DEMAND[key].path(namespace))
        except KubeError as exc:
            if exc.status != 404:
                raise
            out[key] = None
            continue
        out[key] = list((data or {}).get("items") or [])
    return out
