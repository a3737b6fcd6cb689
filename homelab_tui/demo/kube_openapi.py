"""OpenAPI v3 discovery, just enough for ``kubectl apply`` to validate on the server (kubectl ≥ 1.27).

kubectl validates a manifest before it sends it: it reads ``/openapi/v3`` and the group version's document
to learn whether the server takes ``fieldValidation`` on PATCH (then the server validates) or else downloads
schemas to validate itself. A real API server documents every kind's schema; the simulation has none, so
each group version's document lists the operations of its kinds, each PATCH declaring ``fieldValidation``,
and the write path (:func:`field_errors`) checks what it can without a schema: the top-level fields of an
object. ``kubectl apply`` then works without ``--validate=false``, and ``--validate=strict`` (its default)
still rejects a misspelt top-level field such as ``sepc``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from homelab_tui.demo.kinds import KINDS, Kind

#: top-level fields every object may have, and those of kinds without ``spec``
_COMMON = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
_EXTRA: dict[str, frozenset[str]] = {
    "ConfigMap": frozenset({"data", "binaryData", "immutable"}),
    "Secret": frozenset({"data", "stringData", "type", "immutable"}),
    "Event": frozenset({"action", "count", "eventTime", "firstTimestamp", "involvedObject", "lastTimestamp",
                        "message", "reason", "related", "reportingComponent", "reportingInstance", "series",
                        "source", "type"}),
    "ServiceAccount": frozenset({"automountServiceAccountToken", "imagePullSecrets", "secrets"}),
    "Endpoints": frozenset({"subsets"}),
    "StorageClass": frozenset({"provisioner", "parameters", "reclaimPolicy", "allowVolumeExpansion", "mountOptions",
                               "volumeBindingMode", "allowedTopologies"}),
}
_VALIDATION = {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True},
               "description": "Ignore, Warn or Strict: how the server treats unknown fields (the simulation knows "
                              "only the top-level fields of each kind)"}


def _prefix(kind: Kind) -> str:
    return f"api/{kind.version}" if not kind.group else f"apis/{kind.group}/{kind.version}"


def _gvk(kind: Kind) -> dict[str, str]:
    return {"group": kind.group, "version": kind.version, "kind": kind.kind}


def _operation(kind: Kind, action: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {"operationId": f"{action}{kind.kind}", "parameters": params, "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": action, "x-kubernetes-group-version-kind": _gvk(kind)}


def gv_document(path: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of group version ``path`` ("api/v1", "apis/apps/v1"), or None."""
    kinds = [k for k in KINDS if _prefix(k) == path]
    if not kinds:
        return None
    paths: dict[str, Any] = {}
    for k in kinds:
        scope = "/namespaces/{namespace}" if k.namespaced else ""
        base = f"/{path}{scope}/{k.plural}"
        paths[base] = {"get": _operation(k, "list", []), "post": _operation(k, "post", [_VALIDATION])}
        paths[base + "/{name}"] = {"get": _operation(k, "get", []), "put": _operation(k, "put", [_VALIDATION]),
                                   "patch": _operation(k, "patch", [_VALIDATION]),
                                   "delete": _operation(k, "delete", [])}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes (homelab-tui simulation)", "version": "v1.33.3+k3s1"},
            "paths": paths, "components": {"schemas": {}}}


def root_document() -> dict[str, Any]:
    """``/openapi/v3``: each group version's document, addressed with a hash of its content as a real server
    does (clients cache by it)."""
    out: dict[str, Any] = {}
    for prefix in dict.fromkeys(_prefix(k) for k in KINDS):
        doc = json.dumps(gv_document(prefix), sort_keys=True).encode()
        digest = hashlib.sha512(doc).hexdigest()[:128].upper()
        out[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={digest}"}
    return {"paths": out}


def field_errors(kind_name: str, body: Mapping[str, Any]) -> list[str]:
    """Unknown top-level fields of an object of ``kind_name`` (what ``fieldValidation=Strict`` rejects)."""
    allowed = _COMMON | _EXTRA.get(kind_name, frozenset())
    # "$setElementOrder/…" and "$retainKeys" are strategic-merge directives, not fields
    return [f'unknown field "{k}"' for k in body if k not in allowed and not str(k).startswith("$")]
