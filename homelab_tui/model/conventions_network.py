"""Convention checks about exposure and storage: Ingress (4), the three resources (5), redirect middleware (6),
host names (7), issuer (8), default StorageClass (10), plain HTTP (17), public IPs (18), Traefik's API group (20)."""

from __future__ import annotations

import ipaddress
import re
from typing import Iterator

from homelab_tui.config import Settings
from homelab_tui.model.certs import cluster_issuer_problem, find_certificate, serves_route
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.convention_types import Violation, violation
from homelab_tui.model.health import State
from homelab_tui.model.objects import as_list, as_map, as_str, known, spec_of, status_of
from homelab_tui.model.routes import all_routes, ingress_hosts, ingress_plain_hosts, middleware_exists, route_info
from homelab_tui.model.storage import NFS_CLASS, storage_classes


def check_no_ingress(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for ing in cluster.get("ingresses"):
        hosts = ", ".join(ingress_hosts(ing)) or "no host"
        yield violation("no-ingress", "Ingress", ing, f"standard networking.k8s.io Ingress ({hosts})")


def check_three_resources(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    routes = all_routes(cluster)
    certs_known = known(cluster, "certificates") or "certificates" in cluster.absent
    hosts: dict[str, list] = {}
    for r in routes:
        for h in r.hosts:
            hosts.setdefault(h, []).append(r)
    for host, rs in sorted(hosts.items()):
        https = [r for r in rs if r.on_websecure and r.tls]
        redirect = [r for r in rs if r.is_redirect]
        missing = []
        if not https:
            missing.append("an HTTPS IngressRoute on websecure with TLS")
        if not redirect:
            missing.append("an HTTP redirect IngressRoute on web")
        anchor = (https or rs)[0]
        secret = https[0].tls_secret if https else ""
        cert = find_certificate(cluster, anchor.namespace, secret, host) if certs_known else None
        if certs_known and (cert is None or not serves_route(cert, anchor.namespace, secret)):
            missing.append(f"a Certificate in {anchor.namespace}" + (f" writing secret {secret}" if secret else ""))
        if missing:
            yield Violation("three-resources", anchor.subject, f"{host} lacks " + ", ".join(missing))


def check_redirect_middleware(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for r in all_routes(cluster):
        if not r.is_redirect:
            continue
        for ref in r.redirect_refs:
            if ref.foreign:
                yield Violation("redirect-middleware", r.subject,
                                f"https-redirect referenced in namespace {ref.namespace}, not {r.namespace}")
            elif middleware_exists(cluster, r.namespace, ref.name) is False:
                yield Violation("redirect-middleware", r.subject,
                                f"middleware https-redirect does not exist in namespace {r.namespace}")


def host_pattern(domain: str) -> re.Pattern[str]:
    return re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?\." + re.escape(domain.lower()) + "$")


def check_hosts(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    pattern = host_pattern(settings.domain)
    want = f"{{service}}.{settings.domain}"
    for obj in cluster.ingressroutes():
        for h in route_info(obj).hosts:
            if not pattern.match(h):
                yield violation("host-names", "IngressRoute", obj, f"host {h} does not follow {want}")
    for ing in cluster.get("ingresses"):
        for h in ingress_hosts(ing):
            if not pattern.match(h):
                yield violation("host-names", "Ingress", ing, f"host {h} does not follow {want}")
    wildcard = f"*.{settings.domain.lower()}"  # one certificate for every {service} host
    for cert in cluster.get("certificates"):
        for d in as_list(spec_of(cert).get("dnsNames")):
            if isinstance(d, str) and not pattern.match(d.lower()) and d.lower() != wildcard:
                yield violation("host-names", "Certificate", cert, f"dnsName {d} does not follow {want}")


def check_issuer(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    problem = cluster_issuer_problem(cluster, settings.cluster_issuer)
    if problem:
        yield Violation("cluster-issuer", f"ClusterIssuer {settings.cluster_issuer}",
                        problem + ": no Certificate can be issued or renewed", State.FAIL)
    for cert in cluster.get("certificates"):
        ref = as_map(spec_of(cert).get("issuerRef"))
        kind = as_str(ref.get("kind")) or "Issuer"
        name = as_str(ref.get("name"))
        if kind != "ClusterIssuer" or name != settings.cluster_issuer:
            yield violation("cluster-issuer", "Certificate", cert,
                            f"issued by {kind} {name or '?'}, not ClusterIssuer {settings.cluster_issuer}")


def check_default_storage_class(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    classes = storage_classes(cluster)
    if not classes:
        return
    nfs = next((c for c in classes if c.name == NFS_CLASS), None)
    if nfs is None:
        yield Violation("default-storageclass", f"StorageClass {NFS_CLASS}", "StorageClass nfs-client is missing")
    elif not nfs.is_default:
        yield Violation("default-storageclass", f"StorageClass {NFS_CLASS}", "nfs-client is not the default")
    for c in classes:
        if c.is_default and c.name != NFS_CLASS:
            yield Violation("default-storageclass", f"StorageClass {c.name}",
                            f"{c.name} is marked default; nfs-client should be the only default")


def check_plain_http(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for obj in cluster.ingressroutes():
        r = route_info(obj)
        if r.on_web and not r.tls and not r.redirect_refs:
            where = "web" if r.entry_points else "every entry point (no entryPoints set)"
            yield violation("no-plain-http", "IngressRoute", obj, f"serves without TLS on {where}", State.FAIL)
        elif r.on_websecure and not r.tls:
            yield violation("no-plain-http", "IngressRoute", obj, "on websecure without tls", State.FAIL)
    for ing in cluster.get("ingresses"):
        for h in ingress_plain_hosts(ing):
            yield violation("no-plain-http", "Ingress", ing, f"serves {h} without TLS (no spec.tls for it)",
                            State.FAIL)


def _public(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip.strip()).is_global
    except ValueError:
        return False


def check_public_ip(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for svc in cluster.get("services"):
        spec = spec_of(svc)
        if spec.get("type") != "LoadBalancer" and not as_list(spec.get("externalIPs")):
            continue
        ips = [as_str(as_map(i).get("ip")) for i in as_list(as_map(status_of(svc).get("loadBalancer")).get("ingress"))]
        ips += [as_str(spec.get("loadBalancerIP"))] + [as_str(i) for i in as_list(spec.get("externalIPs"))]
        public = sorted({ip for ip in ips if ip and _public(ip)})
        if public:
            yield violation("no-public-ip", "Service", svc, f"exposes public IP {', '.join(public)}", State.FAIL)


def check_traefik_group(cluster: ClusterState, settings: Settings) -> Iterator[Violation]:
    for kind, key in (("IngressRoute", "ingressroutes_legacy"), ("Middleware", "middlewares_legacy")):
        for obj in cluster.get(key):
            yield violation("traefik-api-group", kind, obj, "traefik.containo.us/v1alpha1, which Traefik v3 no "
                                                            "longer reads: it routes nothing")
