"""API discovery: /version, /api, /api/v1, /apis and each group version's APIResourceList.

Answers the legacy (unaggregated) form with ``application/json``. kubectl asks for aggregated
discovery (``application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`` first in its
Accept header) and falls back to the legacy form when the answer's content type is plain JSON,
as it does against any server that does not aggregate.
"""

from __future__ import annotations

from aiohttp import web

from homelab_tui.demo import kube_openapi
from homelab_tui.demo.faults import status_body
from homelab_tui.demo.kinds import KINDS, Kind, group_versions

VERSION = {"major": "1", "minor": "33", "emulationMajor": "1", "emulationMinor": "33", "minCompatibilityMajor": "1",
           "minCompatibilityMinor": "32", "gitVersion": "v1.33.3+k3s1",
           "gitCommit": "236cbf257332b293f444abe6f24d699ff628173e", "gitTreeState": "clean",
           "buildDate": "2025-07-17T23:29:35Z", "goVersion": "go1.24.4", "compiler": "gc", "platform": "linux/amd64"}
SERVER_ADDRESS = [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]


def _resources(kinds: list[Kind]) -> list[dict]:
    out = []
    for k in kinds:
        entry = {"name": k.plural, "singularName": k.singular, "namespaced": k.namespaced, "kind": k.kind,
                 "verbs": list(k.verbs)}
        if k.short_names:
            entry["shortNames"] = list(k.short_names)
        if k.categories:
            entry["categories"] = list(k.categories)
        out.append(entry)
        for sub in k.subresources:
            sub_entry = {"name": f"{k.plural}/{sub}", "singularName": "", "namespaced": k.namespaced,
                         "kind": k.kind, "verbs": ["get", "patch", "update"]}
            if sub == "scale":
                sub_entry.update(kind="Scale", group="autoscaling", version="v1")
            out.append(sub_entry)
    return out


def resource_list(group: str, version: str) -> dict | None:
    kinds = [k for k in KINDS if k.group == group and k.version == version]
    if not kinds:
        return None
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": kinds[0].group_version,
            "resources": _resources(kinds)}


def _group(name: str, versions: list[str]) -> dict:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def add_routes(app: web.Application, count) -> None:
    """Discovery routes; ``count(key)`` records each request for the fault counters."""

    async def version(_: web.Request) -> web.Response:
        count("GET discovery")
        return web.json_response(VERSION)

    async def api(_: web.Request) -> web.Response:
        count("GET discovery")
        return web.json_response({"kind": "APIVersions", "versions": ["v1"],
                                  "serverAddressByClientCIDRs": SERVER_ADDRESS})

    async def apis(_: web.Request) -> web.Response:
        count("GET discovery")
        return web.json_response({"kind": "APIGroupList", "apiVersion": "v1",
                                  "groups": [_group(g, vs) for g, vs in group_versions().items()]})

    async def group(request: web.Request) -> web.Response:
        count("GET discovery")
        versions = group_versions().get(request.match_info["group"])
        if versions is None:
            return _not_found(request.path)
        return web.json_response({"kind": "APIGroup", "apiVersion": "v1", **_group(request.match_info["group"],
                                                                                   versions)})

    async def core_v1(_: web.Request) -> web.Response:
        count("GET discovery")
        return web.json_response(resource_list("", "v1"))

    async def group_version(request: web.Request) -> web.Response:
        count("GET discovery")
        body = resource_list(request.match_info["group"], request.match_info["version"])
        return web.json_response(body) if body else _not_found(request.path)

    async def openapi_root(_: web.Request) -> web.Response:
        count("GET openapi")
        return web.Response(body=kube_openapi.documents()[""], content_type="application/json")

    async def openapi(request: web.Request) -> web.Response:
        count("GET openapi")
        doc = kube_openapi.documents().get(request.match_info["tail"])
        return web.Response(body=doc, content_type="application/json") if doc else _not_found(request.path)

    async def openapi_missing(request: web.Request) -> web.Response:
        count("GET openapi")
        return _not_found(request.path)  # /openapi/v2: kubectl uses it only where v3 is missing

    app.router.add_get("/version", version)
    app.router.add_get("/api", api)
    app.router.add_get("/api/v1", core_v1)
    app.router.add_get("/apis", apis)
    app.router.add_get("/apis/{group}", group)
    app.router.add_get("/apis/{group}/{version}", group_version)
    app.router.add_get("/openapi/v3", openapi_root)
    app.router.add_get("/openapi/v3/{tail:.*}", openapi)
    app.router.add_get("/openapi/{tail:.*}", openapi_missing)


def _not_found(path: str) -> web.Response:
    return web.json_response(status_body(404, f"the server could not find the requested resource ({path})"), status=404)
