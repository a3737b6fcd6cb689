"""Traefik match rules, route facts and routing findings."""

from __future__ import annotations

from tests.unit.factories import cluster, ingress, ingressroute, middleware, redirect_route

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import State
from homelab_tui.model.routes import parse_hosts, route_findings, route_info


def test_parse_hosts_variants():
    assert parse_hosts("Host(`n8n.home.jetzinger.com`)") == ("n8n.home.jetzinger.com",)
    assert parse_hosts("Host(`a.x`, `b.x`)") == ("a.x", "b.x")
    assert parse_hosts("Host(`a.x`) || Host(`b.x`) && PathPrefix(`/api`)") == ("a.x", "b.x")
    assert parse_hosts("HostSNI(`db.x`)") == ("db.x",)
    assert parse_hosts("HostSNI(`*`)") == ()
    assert parse_hosts('Host("Quoted.X")') == ("quoted.x",)
    assert parse_hosts("Host(`a.x`) || Host(`a.x`)") == ("a.x",)
    assert parse_hosts("PathPrefix(`/`)") == ()
    assert parse_hosts(None) == ()


def test_route_info_reads_legacy_and_defaults():
    r = route_info(ingressroute("n8n-https", legacy=True))
    assert r.legacy and r.tls and r.tls_secret == "n8n-tls" and r.is_https and not r.on_web
    bare = route_info({"metadata": {"name": "x", "namespace": "apps"}, "spec": None})
    assert bare.hosts == () and bare.entry_points == () and bare.on_web and not bare.tls


def test_redirect_route_recognised():
    r = route_info(redirect_route("n8n-redirect"))
    assert r.is_redirect and r.redirect_refs[0].namespace == "apps" and not r.redirect_refs[0].foreign
    provider = route_info(ingressroute("x", entry_points=("web",), tls_secret=None,
                                       middlewares=[{"name": "apps-https-redirect@kubernetescrd"}]))
    assert provider.is_redirect and provider.redirect_refs[0].namespace == "apps"


def _reasons(c):
    return {(f.subject, f.reason, f.state) for f in route_findings(c)}


def test_well_formed_exposure_has_no_findings():
    c = cluster(ingressroute("n8n-https"), redirect_route("n8n-redirect"), middleware())
    assert route_findings(c) == ()


def test_https_route_without_redirect():
    c = cluster(ingressroute("n8n-https"))
    assert ("IngressRoute apps/n8n-https", "no HTTP→HTTPS redirect route for n8n.home.jetzinger.com",
            State.WARN) in _reasons(c)


def test_redirect_middleware_missing_or_foreign():
    missing = cluster(ingressroute("n8n-https"), redirect_route("n8n-redirect"))
    assert any("is missing" in r for _, r, _ in _reasons(missing))
    foreign = cluster(ingressroute("n8n-https"), redirect_route("n8n-redirect", mw_namespace="kube-system"),
                      middleware(namespace="kube-system"))
    reasons = [r for _, r, _ in _reasons(foreign)]
    assert any("namespace kube-system, not the route's own (apps)" in r for r in reasons)
    assert not any("is missing" in r for r in reasons)


def test_middlewares_unknown_are_not_called_missing():
    c = ClusterState(objects={"ingressroutes": (ingressroute("n8n-https"), redirect_route("n8n-redirect"))})
    assert not any("is missing" in r for _, r, _ in _reasons(c))


def test_websecure_without_tls_and_plain_http_fail():
    c = cluster(ingressroute("a-https", tls_secret=None), ingressroute("b-http", entry_points=("web",),
                                                                       tls_secret=None))
    reasons = _reasons(c)
    assert ("IngressRoute apps/a-https", "on websecure without TLS", State.FAIL) in reasons
    assert ("IngressRoute apps/b-http", "serves plain HTTP on web (no https-redirect middleware)",
            State.FAIL) in reasons


def test_standard_ingress_is_flagged():
    assert ("Ingress dev/legacy", "standard Ingress: the home-lab uses Traefik IngressRoutes",
            State.WARN) in _reasons(cluster(ingress("legacy")))


def test_an_ingress_tls_entry_without_hosts_covers_every_host():
    ing = ingress("legacy")
    ing["spec"]["tls"] = [{"secretName": "legacy-tls"}]
    reasons = [r for _, r, _ in _reasons(cluster(ing))]
    assert reasons == ["standard Ingress: the home-lab uses Traefik IngressRoutes"]


def test_a_tls_route_carrying_the_redirect_middleware_is_not_the_redirect_route():
    both = ingressroute("n8n-https", entry_points=None, middlewares=[{"name": "https-redirect"}])
    assert not route_info(both).is_redirect
    assert ("IngressRoute apps/n8n-https", "no HTTP→HTTPS redirect route for n8n.home.jetzinger.com",
            State.WARN) in _reasons(cluster(both, middleware()))


def test_a_tls_field_that_is_not_a_mapping_is_no_tls():
    odd = ingressroute("n8n-https")
    odd["spec"]["tls"] = "yes"
    assert not route_info(odd).tls
