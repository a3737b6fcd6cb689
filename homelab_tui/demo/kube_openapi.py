"""OpenAPI v3 discovery and the API server's field validation (``fieldValidation`` Strict, Warn or Ignore).

kubectl (≥ 1.27) reads ``/openapi/v3`` and the group version's document before it writes: when a PATCH
declares the ``fieldValidation`` parameter it lets the server validate (``--validate=strict``, its default,
sends ``fieldValidation=Strict``); ``kubectl explain`` reads the kind's schema from the same document. Each
group version's document holds its kinds' operations and schemas (:mod:`homelab_tui.demo.kube_schemas`),
with each schema's ``x-kubernetes-group-version-kind``, and is addressed with a hash of its content as a real
server does (clients cache by it). Documents are serialised once per process.

Field validation walks a written object along its kind's schema, as the API server's strict decoder does:
Strict refuses unknown fields (400 ``strict decoding error: unknown field "spec.foo"``), Warn (the default
when a request names none) and Ignore drop them, Warn answering one ``Warning`` header each.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from homelab_tui.demo.kinds import KINDS, Kind
from homelab_tui.demo.kube_schemas import Schema, schemas
from homelab_tui.demo.kube_validate import resolve
from homelab_tui.demo.kube_write import BUILTIN_GROUPS

_VALIDATION = {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True},
               "description": "fieldValidation instructs the server on how to handle objects in the request "
                              "(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, "
                              "Warn (the default) and Strict."}
_DRY_RUN = {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True},
            "description": "When present, indicates that modifications should not be persisted. The only valid "
                           "value is All."}
_MEDIA = ("application/json", "application/yaml")
_CR_PATCH_MEDIA = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
#: kubectl's client-side apply sends a strategic merge patch where the PATCH operation accepts one (built-in
#: kinds), else a JSON merge patch (CustomResources)
_BUILTIN_PATCH_MEDIA = _CR_PATCH_MEDIA + ("application/strategic-merge-patch+json",)
_REF = "#/components/schemas/"


def _prefix(kind: Kind) -> str:
    return f"api/{kind.version}" if not kind.group else f"apis/{kind.group}/{kind.version}"


def _operation(kind: Kind, action: str, params: list[dict[str, Any]], media: tuple[str, ...] = ()) -> dict[str, Any]:
    ref = {"schema": {"$ref": _REF + schemas()[1][kind.key]}}
    op: dict[str, Any] = {"operationId": f"{action}{kind.kind}", "parameters": params,
                          "responses": {"200": {"description": "OK", "content": {"application/json": ref}}},
                          "x-kubernetes-action": action,
                          "x-kubernetes-group-version-kind": {"group": kind.group, "version": kind.version,
                                                              "kind": kind.kind}}
    if media:
        op["requestBody"] = {"content": {m: ref for m in media}, "required": True}
    return op


def _closure(names: list[str], components: dict[str, Schema]) -> dict[str, Schema]:
    """The named schemas and every schema they refer to."""
    out: dict[str, Schema] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out[name] = components[name]
        stack: list[Any] = [out[name]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith(_REF):
                    todo.append(ref[len(_REF):])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return dict(sorted(out.items()))


def gv_document(path: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of group version ``path`` ("api/v1", "apis/apps/v1"), or None."""
    kinds = [k for k in KINDS if _prefix(k) == path]
    if not kinds:
        return None
    components, roots = schemas()
    write = [_VALIDATION, _DRY_RUN]
    builtin = {k.key for k in kinds if k.group in BUILTIN_GROUPS}
    paths: dict[str, Any] = {}
    for k in kinds:
        scope = "/namespaces/{namespace}" if k.namespaced else ""
        base = f"/{path}{scope}/{k.plural}"
        paths[base] = {"get": _operation(k, "list", []), "post": _operation(k, "post", write, _MEDIA)}
        paths[base + "/{name}"] = {"get": _operation(k, "get", []), "put": _operation(k, "put", write, _MEDIA),
                                   "patch": _operation(k, "patch", write, _BUILTIN_PATCH_MEDIA if k.key
                                                       in builtin else _CR_PATCH_MEDIA),
                                   "delete": _operation(k, "delete", [_DRY_RUN])}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.33.3+k3s1"}, "paths": paths,
            "components": {"schemas": _closure([roots[k.key] for k in kinds], components)}}


@functools.cache
def documents() -> dict[str, bytes]:
    """Every served document, serialised: "" is ``/openapi/v3``, the others are keyed by group version path."""
    out: dict[str, bytes] = {}
    index: dict[str, Any] = {}
    for prefix in dict.fromkeys(_prefix(k) for k in KINDS):
        out[prefix] = json.dumps(gv_document(prefix), separators=(",", ":")).encode()
        digest = hashlib.sha512(out[prefix]).hexdigest()[:128].upper()
        index[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={digest}"}
    out[""] = json.dumps({"paths": index}).encode()
    return out


def _walk(schema: Schema, value: Any, path: str, unknown: list[str], prune: bool,
          components: dict[str, Schema]) -> None:
    schema = resolve(schema, components)[0]
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _walk(schema["items"], item, f"{path}[{i}]", unknown, prune, components)
    if not isinstance(value, dict):
        return
    props = schema.get("properties")
    if props is None:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                _walk(extra, item, f"{path}[{key}]", unknown, prune, components)
        return
    open_ = schema.get("x-kubernetes-preserve-unknown-fields")
    for key in list(value):
        field = f"{path}.{key}" if path else str(key)
        if key in props:
            _walk(props[key], value[key], field, unknown, prune, components)
        elif not open_ and not str(key).startswith("$"):  # "$patch", "$setElementOrder/…": patch directives
            unknown.append(field)
            if prune:
                del value[key]


def unknown_fields(kind: Kind, body: Any, prune: bool) -> list[str]:
    """The fields of ``body`` (an object of ``kind`` or a merge patch of one) that its schema lacks, as the
    API server names them ("spec.template.spec.containers[0].foo"); ``prune`` drops them from ``body``."""
    components, roots = schemas()
    unknown: list[str] = []
    _walk(components[roots[kind.key]], body, "", unknown, prune, components)
    return unknown
