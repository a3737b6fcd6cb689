"""Traefik IngressRoutes (traefik.io and the legacy traefik.containo.us group) and standard Ingresses.

The home-lab exposes a service with three resources (project-context.md,
"IngressRoute Pattern"): a Certificate, an HTTPS IngressRoute on ``websecure``
and an HTTP→HTTPS redirect IngressRoute on ``web`` that references the
``https-redirect`` middleware in its own namespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import Finding, State
from homelab_tui.model.objects import as_list, as_map, as_str, known, name_of, namespace_of, spec_of

REDIRECT_MIDDLEWARE = "https-redirect"
WEB, WEBSECURE = "web", "websecure"

_HOST_CALL = re.compile(r"\b(Host|HostSNI)\s*\(([^)]*)\)")
_HOST_ARG = re.compile(r"`([^`]*)`|\"([^\"]*)\"")


def parse_hosts(rule: Any) -> tuple[str, ...]:
    """Hosts named in a Traefik match rule: ``Host(`a`)``, ``Host(`a`, `b`)``, ``HostSNI``, ``||``."""
    if not isinstance(rule, str):
        return ()
    hosts: list[str] = []
    for call in _HOST_CALL.finditer(rule):
        for arg in _HOST_ARG.finditer(call.group(2)):
            host = (arg.group(1) if arg.group(1) is not None else arg.group(2) or "").strip().lower()
            if host and host != "*" and host not in hosts:
                hosts.append(host)
    return tuple(hosts)


@dataclass(frozen=True)
class MiddlewareRef:
    name: str
    #: namespace the reference resolves to (the route's own when not given)
    namespace: str
    #: whether the reference named a namespace other than the route's
    foreign: bool


@dataclass(frozen=True)
class RouteInfo:
    namespace: str
    name: str
    legacy: bool
    hosts: tuple[str, ...]
    #: declared entry points; empty = Traefik's default, every entry point (web included)
    entry_points: tuple[str, ...]
    tls: bool
    tls_secret: str
    cert_resolver: str
    middlewares: tuple[MiddlewareRef, ...]

    @property
    def subject(self) -> str:
        return f"IngressRoute {self.namespace}/{self.name}"

    @property
    def on_web(self) -> bool:
        return WEB in self.entry_points or not self.entry_points

    @property
    def on_websecure(self) -> bool:
        return WEBSECURE in self.entry_points

    @property
    def redirect_refs(self) -> tuple[MiddlewareRef, ...]:
        return tuple(m for m in self.middlewares if REDIRECT_MIDDLEWARE in m.name)

    @property
    def is_redirect(self) -> bool:
        """An HTTP route whose job is to redirect to HTTPS."""
        return self.on_web and not self.tls and bool(self.redirect_refs)

    @property
    def is_https(self) -> bool:
        return self.on_websecure or self.tls


def _middleware_ref(raw: Any, route_ns: str) -> MiddlewareRef:
    m = as_map(raw)
    name = as_str(m.get("name"))
    ns = as_str(m.get("namespace"))
    if "@" in name:  # provider syntax: "{ns}-{name}@kubernetescrd"
        base = name.split("@", 1)[0]
        ns_part = base[: -len(REDIRECT_MIDDLEWARE) - 1] if base.endswith("-" + REDIRECT_MIDDLEWARE) else ""
        ns = ns_part or ns
    ns = ns or route_ns
    return MiddlewareRef(name=name, namespace=ns, foreign=ns != route_ns)


def route_info(obj: Any) -> RouteInfo:
    ns = namespace_of(obj)
    spec = spec_of(obj)
    hosts: list[str] = []
    mws: list[MiddlewareRef] = []
    for r in as_list(spec.get("routes")):
        r = as_map(r)
        hosts += [h for h in parse_hosts(r.get("match")) if h not in hosts]
        mws += [_middleware_ref(m, ns) for m in as_list(r.get("middlewares"))]
    tls_raw = spec.get("tls")
    tls = as_map(tls_raw)
    return RouteInfo(
        namespace=ns, name=name_of(obj),
        legacy=as_str(as_map(obj).get("apiVersion")).startswith("traefik.containo.us"),
        hosts=tuple(hosts),
        entry_points=tuple(as_str(e) for e in as_list(spec.get("entryPoints")) if as_str(e)),
        tls=tls_raw is not None and isinstance(tls_raw, dict),
        tls_secret=as_str(tls.get("secretName")), cert_resolver=as_str(tls.get("certResolver")),
        middlewares=tuple(mws))


def all_routes(cluster: ClusterState) -> tuple[RouteInfo, ...]:
    """Every IngressRoute, parsed once per cluster state."""
    return cluster.memo(("routes",), lambda: tuple(route_info(o) for o in cluster.ingressroutes()))


def ingress_hosts(obj: Any) -> tuple[str, ...]:
    hosts = [as_str(as_map(r).get("host")).lower() for r in as_list(spec_of(obj).get("rules"))]
    return tuple(dict.fromkeys(h for h in hosts if h))


def _ingress_tls_entry(obj: Any, host: str) -> Mapping[str, Any] | None:
    """The spec.tls entry that covers ``host`` (one without hosts covers every host), or None."""
    for t in as_list(spec_of(obj).get("tls")):
        t = as_map(t)
        if host in [as_str(h).lower() for h in as_list(t.get("hosts"))] or not as_list(t.get("hosts")):
            return t
    return None


def ingress_tls_secret(obj: Any, host: str) -> str:
    return as_str(as_map(_ingress_tls_entry(obj, host)).get("secretName"))


#: Traefik's annotation that puts every router of an Ingress on TLS, spec.tls or not
TRAEFIK_ROUTER_TLS = "traefik.ingress.kubernetes.io/router.tls"


def ingress_plain_hosts(obj: Any) -> tuple[str, ...]:
    """The hosts of an Ingress that Traefik serves over plain HTTP: no spec.tls entry covers them (and the
    router.tls annotation does not put the whole Ingress on TLS)."""
    if as_str(as_map(as_map(as_map(obj).get("metadata")).get("annotations")).get(TRAEFIK_ROUTER_TLS)).lower() \
            == "true":
        return ()
    return tuple(h for h in ingress_hosts(obj) if _ingress_tls_entry(obj, h) is None)


def middleware_exists(cluster: ClusterState, namespace: str, name: str) -> bool | None:
    """True/False when the cluster's middlewares are known, None when they are not."""
    if not (known(cluster, "middlewares") or known(cluster, "middlewares_legacy")):
        return None
    base = name.split("@", 1)[0]
    if "@" in name and base.startswith(namespace + "-"):
        base = base[len(namespace) + 1:]
    return any(namespace_of(m) == namespace and name_of(m) == base for m in cluster.middlewares())


#: Traefik v3 (K3s ships it) no longer serves the v2 API group: such objects route nothing
LEGACY_GROUP = "API group traefik.containo.us, which Traefik v3 no longer reads: use traefik.io/v1alpha1"


def route_findings(cluster: ClusterState) -> tuple[Finding, ...]:
    """Routing problems: missing redirect, broken redirect middleware, websecure without TLS, plain HTTP, Ingress."""
    return cluster.memo(("route_findings",), lambda: _route_findings(cluster))


def _route_findings(cluster: ClusterState) -> tuple[Finding, ...]:
    routes = all_routes(cluster)
    redirected = {h for r in routes if r.is_redirect for h in r.hosts}
    out: list[Finding] = []
    for r in routes:
        if r.on_websecure and not r.tls:
            out.append(Finding(State.FAIL, r.subject, "on websecure without TLS"))
        if r.is_https and r.tls:
            missing = [h for h in r.hosts if h not in redirected]
            if missing:
                out.append(Finding(State.WARN, r.subject, f"no HTTP→HTTPS redirect route for {', '.join(missing)}"))
        if r.on_web and not r.tls:
            out += _redirect_findings(cluster, r)
        if r.legacy:
            out.append(Finding(State.WARN, r.subject, LEGACY_GROUP))
    for ing in cluster.get("ingresses"):
        subject = f"Ingress {namespace_of(ing)}/{name_of(ing)}"
        out.append(Finding(State.WARN, subject, "standard Ingress: the home-lab uses Traefik IngressRoutes"))
        plain = ingress_plain_hosts(ing)
        if plain:
            out.append(Finding(State.FAIL, subject, f"serves {', '.join(plain)} over plain HTTP (no spec.tls)"))
    return tuple(out)


def _redirect_findings(cluster: ClusterState, r: RouteInfo) -> list[Finding]:
    refs = r.redirect_refs
    if not refs:
        return [Finding(State.FAIL, r.subject, "serves plain HTTP on web (no https-redirect middleware)")]
    out: list[Finding] = []
    for ref in refs:
        if ref.foreign:
            out.append(Finding(State.WARN, r.subject,
                               f"https-redirect middleware referenced in namespace {ref.namespace}, "
                               f"not the route's own ({r.namespace})"))
        if middleware_exists(cluster, ref.namespace, ref.name) is False:
            out.append(Finding(State.WARN, r.subject,
                               f"middleware {ref.namespace}/{ref.name.split('@', 1)[0]} is missing"))
    return out

