"""The simulated Kubernetes API server (aiohttp): discovery, list/get/watch, create, replace, patch, delete.

Requests need ``Authorization: Bearer <token>``. Errors are ``Status`` objects with the code and
reason a real API server gives. Every request is counted in the server's :class:`ServerFaults`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

import yaml
from aiohttp import web

from homelab_tui.demo import kube_discovery, kube_openapi, kube_write
from homelab_tui.demo.controllers import schedule
from homelab_tui.demo.faults import ServerFaults, fault_middleware, status_body
from homelab_tui.demo.kinds import KINDS, Kind, kind_for_path
from homelab_tui.demo.kube_patch import JSON_PATCH, MERGE_PATCH, PATCH_TYPES, STRATEGIC_MERGE_PATCH
from homelab_tui.demo.kube_selectors import compile_selectors
from homelab_tui.demo.kube_tables import as_table, wants_table
from homelab_tui.demo.kube_watch import Watchers, watch
from homelab_tui.demo.kube_write import ApiError, finish, not_found
from homelab_tui.demo.podgen import PENDING, set_pod_state
from homelab_tui.demo.store import ClusterStore, rfc3339

APPLY_PATCH = "application/apply-patch+yaml"

PROTECTED_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}
#: kinds whose DELETE answers the deleted object; the others answer a Status (as the real registries do)
RETURNS_OBJECT = {"pods", "namespaces"} | {k.key for k in KINDS if k.group not in kube_write.BUILTIN_GROUPS}


def _error(exc: ApiError) -> web.Response:
    return web.json_response(status_body(exc.code, exc.message, exc.reason, exc.details), status=exc.code)


def _parse(path: str) -> tuple[Kind, str | None, str | None, str] | None:
    """(kind, namespace, name, subresource) of a resource path, or None."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces" and kind_for_path(group, version, rest[2]) is not None:
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return None
    kind = kind_for_path(group, version, rest[0])
    if kind is None or (namespace and not kind.namespaced):
        return None
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else ""
    if sub and sub not in kind.subresources:
        return None
    return kind, namespace, name, sub


async def _json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.read() or b"null")
    except ValueError as exc:
        raise ApiError(400, f"error decoding the request body: {exc}", "BadRequest") from exc


def _checked_fields(request: web.Request, kind: Kind, body: Any) -> list[str]:
    """The API server's field validation of a written object (``fieldValidation``, Warn when absent): Strict
    refuses unknown fields, Warn and Ignore drop them from ``body``; returns the fields to warn about."""
    mode = request.query.get("fieldValidation", "Warn")
    if mode not in ("Ignore", "Warn", "Strict"):
        raise ApiError(400, f'fieldValidation: Unsupported value: "{mode}": supported values: "Ignore", "Strict", '
                            '"Warn"', "BadRequest")
    if not isinstance(body, dict):
        return []
    unknown = kube_openapi.unknown_fields(kind, body, prune=mode != "Strict")
    if unknown and mode == "Strict":
        raise ApiError(400, f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: '
                            "strict decoding error: " + ", ".join(f'unknown field "{u}"' for u in unknown),
                       "BadRequest")
    return unknown if mode == "Warn" else []


def _dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for value in values:
        if value != "All":
            raise ApiError(400, f'dryRun: Unsupported value: "{value}": supported values: "All"', "BadRequest")
    return bool(values)


def _answer_json(data: Any, status: int = 200, unknown: list[str] | tuple[str, ...] = ()) -> web.Response:
    """``data`` as JSON, with a ``Warning`` header per unknown field as the API server gives them."""
    response = web.json_response(data, status=status)
    for field in unknown:
        response.headers.add("Warning", "299 - " + json.dumps(f'unknown field "{field}"'))
    return response


def _applied_object(kind: Kind, raw: bytes) -> dict:
    """The body of a server-side apply (``application/apply-patch+yaml``): one object of ``kind``."""
    try:
        body = yaml.safe_load(raw or b"")
    except yaml.YAMLError as exc:
        raise ApiError(400, f"error decoding YAML: {str(exc).splitlines()[0]}", "BadRequest") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a YAML or JSON object", "BadRequest")
    if body.get("apiVersion") != kind.api_version:
        raise ApiError(400, f"the API version in the data ({body.get('apiVersion')}) does not match the expected "
                            f"API version ({kind.api_version})", "BadRequest")
    if body.get("kind") != kind.kind:
        raise ApiError(400, f"the kind in the data ({body.get('kind')}) does not match the expected kind "
                            f"({kind.kind})", "BadRequest")
    return body


class KubeApi:
    def __init__(self, store: ClusterStore, faults: ServerFaults, token: str) -> None:
        self.store, self.faults, self.token = store, faults, token
        self.watchers = Watchers()

    @web.middleware
    async def auth(self, request: web.Request, handler):
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(status_body(401, "Unauthorized"), status=401)
        return await handler(request)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        parsed = _parse(request.path)
        if parsed is None:
            self.faults.count(f"{request.method} unknown")
            return web.json_response(status_body(404, "the server could not find the requested resource"),
                                     status=404)
        kind, namespace, name, sub = parsed
        try:
            return await self._dispatch(request, kind, namespace, name, sub)
        except ApiError as exc:
            return _error(exc)

    async def _dispatch(self, request: web.Request, kind: Kind, namespace: str | None, name: str | None,
                        sub: str) -> web.StreamResponse:
        method = request.method
        if method == "GET" and name is None:
            if request.query.get("watch") in ("1", "true"):
                self.faults.count("GET watch")
                matches = compile_selectors(request.query.get("labelSelector", ""),
                                            request.query.get("fieldSelector", ""))
                return await watch(request, self.store, kind, namespace, matches, self.faults, self.watchers)
            self.faults.count("GET list")
            return self._list(request, kind, namespace)
        self.faults.count(method if method != "GET" else "GET get")
        if method == "GET":
            obj = self._get(kind, namespace, name)
            if sub == "scale":
                return web.json_response(kube_write.scale_of(obj))
            return self._answer(request, kind, obj)
        if method in ("POST", "PUT") and not request.headers.get("Content-Type", "application/json").startswith(
                "application/json"):
            raise ApiError(415, "the body of the request was in an unknown format - accepted media types include: "
                                "application/json, application/yaml", "UnsupportedMediaType")
        dry = _dry_run(request)
        if method == "POST" and name is None:
            body = await _json_body(request)
            unknown = _checked_fields(request, kind, body)
            return _answer_json(self._create(kind, namespace, body, dry), 201, unknown)
        if name is None or method not in ("PUT", "PATCH", "DELETE"):
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        if method == "DELETE":
            options = await _json_body(request)  # DeleteOptions: kubectl sends dryRun here, not in the query
            dry = dry or (isinstance(options, dict) and "All" in (options.get("dryRun") or []))
            return self._delete(request, kind, namespace, name, dry)
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
        if method == "PATCH" and content_type not in PATCH_TYPES + (APPLY_PATCH,):
            raise kube_write.unsupported_patch(content_type, kind)
        if content_type == APPLY_PATCH:
            return await self._server_side_apply(request, kind, namespace, name, sub, dry)
        body = await _json_body(request)
        unknown = _checked_fields(request, kind, body) if sub != "scale" and content_type != JSON_PATCH else []
        if sub == "scale":
            return web.json_response(kube_write.write_scale(
                self.store, kind, namespace, name, content_type if method == "PATCH" else None, body, dry))
        if method == "PUT":
            return _answer_json(kube_write.replace(self.store, kind, namespace, name, body, sub, dry), 200, unknown)
        return _answer_json(kube_write.patch(self.store, kind, namespace, name, content_type, body, sub, dry), 200,
                            unknown)

    async def _server_side_apply(self, request: web.Request, kind: Kind, namespace: str | None, name: str,
                                 sub: str, dry: bool) -> web.Response:
        """Server-side apply, as far as one manager goes: create the object, or merge the applied configuration
        into it (strategic merge for built-in kinds, merge patch for CustomResources). Field ownership
        (managedFields, conflicts between managers) is not simulated."""
        if not request.query.get("fieldManager"):
            raise ApiError(400, "PATCH " + request.path + ": fieldManager is required for apply requests",
                           "BadRequest")
        body = _applied_object(kind, await request.read())
        unknown = _checked_fields(request, kind, body)
        if (body.get("metadata") or {}).get("name", name) != name:
            raise ApiError(400, "the name of the object does not match the name on the URL", "BadRequest")
        if not sub and self.store.get(kind.key, namespace, name) is None:
            body.setdefault("metadata", {})["name"] = name
            return _answer_json(self._create(kind, namespace, body, dry), 201, unknown)
        merge = STRATEGIC_MERGE_PATCH if kind.group in kube_write.BUILTIN_GROUPS else MERGE_PATCH
        return _answer_json(kube_write.patch(self.store, kind, namespace, name, merge, body, sub, dry), 200, unknown)

    def _get(self, kind: Kind, namespace: str | None, name: str) -> dict:
        obj = self.store.get(kind.key, namespace, name)
        if obj is None:
            raise not_found(kind, name)
        return obj

    def _answer(self, request: web.Request, kind: Kind, obj: dict) -> web.Response:
        if wants_table(request.headers.get("Accept", "")):
            return web.json_response(as_table(kind.key, [obj], obj["metadata"]["resourceVersion"]))
        return web.json_response(obj)

    def _list(self, request: web.Request, kind: Kind, namespace: str | None) -> web.Response:
        items, rv = self.store.view(kind.key, namespace)  # serialised, never changed: no copies
        matches = compile_selectors(request.query.get("labelSelector", ""), request.query.get("fieldSelector", ""))
        items = [o for o in items if matches(o)]
        if wants_table(request.headers.get("Accept", "")):
            return web.json_response(as_table(kind.key, items, rv))
        if kind.group in kube_write.BUILTIN_GROUPS:  # built-in lists omit their items' kind (CRs keep it)
            items = [{k: v for k, v in obj.items() if k not in ("apiVersion", "kind")} for obj in items]
        return web.json_response({"kind": f"{kind.kind}List", "apiVersion": kind.api_version,
                                  "metadata": {"resourceVersion": rv}, "items": items})

    def _create(self, kind: Kind, namespace: str | None, body: Any, dry: bool = False) -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object", "BadRequest")
        md = body.setdefault("metadata", {})
        if kind.namespaced:
            namespace = namespace or md.get("namespace") or "default"
            if md.get("namespace", namespace) != namespace:
                raise ApiError(400, "the namespace of the provided object does not match the namespace sent on "
                                    "the request", "BadRequest")
            md["namespace"] = namespace
            ns = self.store.get("namespaces", None, namespace)
            if ns is None:
                raise ApiError(404, f'namespaces "{namespace}" not found', "NotFound",
                               {"name": namespace, "kind": "namespaces"})
            if ns.get("status", {}).get("phase") == "Terminating":
                raise ApiError(403, f'{kind.plural} "{md.get("name", "")}" is forbidden: unable to create new '
                                    f"content in namespace {namespace} because it is being terminated", "Forbidden")
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + kube_write.safe_suffix()
        for key in ("uid", "resourceVersion", "creationTimestamp", "generation", "deletionTimestamp"):
            md.pop(key, None)
        if self.store.get(kind.key, namespace, md.get("name", "")) is not None:
            raise ApiError(409, f'{kube_write.resource_name(kind)} "{md["name"]}" already exists', "AlreadyExists",
                           {"name": md["name"], "group": kind.group, "kind": kind.plural})
        obj = finish(kind, None, body)
        if kind.key == "pods":
            obj["spec"].setdefault("nodeName", schedule({"spec": obj["spec"]}, md["name"]))
            obj["status"] = {}
            set_pod_state(obj, PENDING, dt.datetime.now(dt.timezone.utc))
        elif kind.key == "namespaces":
            obj["status"] = {"phase": "Active"}
        elif "status" in kind.subresources and kind.key != "certificates":
            obj.pop("status", None)
        if dry:  # what the store would answer, not stored
            obj["metadata"].update(uid=str(uuid.uuid4()), creationTimestamp=rfc3339(dt.datetime.now(dt.timezone.utc)))
            if "spec" in obj:
                obj["metadata"]["generation"] = 1
            return obj
        return self.store.put(kind.key, obj)

    def _delete(self, request: web.Request, kind: Kind, namespace: str | None, name: str,
                dry: bool) -> web.Response:
        obj = self._get(kind, namespace, name)
        if kind.key == "namespaces" and name in PROTECTED_NAMESPACES:
            raise ApiError(403, f'namespaces "{name}" is forbidden: this namespace may not be deleted', "Forbidden",
                           {"name": name, "kind": "namespaces"})
        grace = request.query.get("gracePeriodSeconds")
        if dry:
            deleted = obj
        elif kind.key == "pods" and grace != "0":
            def terminate(pod: dict) -> None:
                pod["metadata"].setdefault("deletionTimestamp", rfc3339(dt.datetime.now(dt.timezone.utc)))
                pod["metadata"].setdefault("deletionGracePeriodSeconds", 30)
            return web.json_response(self.store.mutate(kind.key, namespace, name, terminate))
        else:
            deleted = self.store.delete(kind.key, namespace, name) or obj
        if kind.key in RETURNS_OBJECT:
            return web.json_response(deleted)
        return web.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                  "details": {"name": name, "group": kind.group, "kind": kind.plural,
                                              "uid": deleted["metadata"]["uid"]}})


def create_app(store: ClusterStore, faults: ServerFaults, token: str) -> web.Application:
    api = KubeApi(store, faults, token)
    app = web.Application(middlewares=[fault_middleware(faults), api.auth], client_max_size=16 * 1024 * 1024)
    kube_discovery.add_routes(app, faults.count)
    app.router.add_route("*", "/{tail:.*}", api.handle)
    unsubscribe: list = []

    async def on_startup(_: web.Application) -> None:
        api.watchers.loop = asyncio.get_running_loop()
        unsubscribe.append(store.subscribe(api.watchers.notify))

    async def on_cleanup(_: web.Application) -> None:
        for fn in unsubscribe:
            fn()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
