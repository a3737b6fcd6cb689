"""Ingress & certificates rows and the certificate detail."""

from __future__ import annotations

import copy

from tests.unit.factories import (
    DAY, NOW, certificate, cluster, cluster_issuer, exposed, ingress, ingressroute, middleware, redirect_route, secret,
    ts,
)

from homelab_tui.config import Settings, Thresholds
from homelab_tui.model.certs import cert_findings, cert_rows, cert_verdict, certificate_detail, find_certificate
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import State
from homelab_tui.sources.resources import WATCHED

S = Settings()


def _row(rows, host):
    return next(r for r in rows if r.host == host)


def test_healthy_exposed_service_row():
    rows = cert_rows(cluster(*exposed("n8n")), S, NOW)
    assert len(rows) == 1
    r = rows[0]
    assert (r.host, r.namespace, r.route) == ("n8n.home.jetzinger.com", "apps", "IngressRoute apps/n8n-https")
    assert r.entry_points == ("websecure", "web")
    assert (r.tls_secret, r.secret_exists, r.certificate, r.ready) == ("n8n-tls", True, "apps/n8n-tls", True)
    assert round(r.days_left) == 60 and r.not_after == NOW + 60 * DAY and r.renewal_time == NOW + 30 * DAY
    assert r.issuer == "ClusterIssuer/letsencrypt-prod"
    assert r.state is State.OK and r.reason == "valid for 60 d"


def test_expiry_thresholds_come_from_not_after_and_settings():
    objs = exposed("grafana", "monitoring", not_after=NOW + 9 * DAY) + exposed("loki", "monitoring",
                                                                                not_after=NOW + 2 * DAY)
    rows = cert_rows(cluster(*objs), S, NOW)
    assert [r.host.split(".")[0] for r in rows] == ["loki", "grafana"]  # most urgent first
    assert _row(rows, "grafana.home.jetzinger.com").state is State.WARN
    assert _row(rows, "loki.home.jetzinger.com").state is State.FAIL
    lenient = Settings(thresholds=Thresholds(cert_warn_days=5, cert_fail_days=1))
    assert _row(cert_rows(cluster(*objs), lenient, NOW), "grafana.home.jetzinger.com").state is State.OK


def test_ready_but_expired_fails_and_not_ready_with_far_expiry_fails():
    t = Thresholds()
    assert cert_verdict(certificate("a", not_after=NOW - 3 * DAY), NOW, t) == (State.FAIL, "expired 3 d ago")
    state, reason = cert_verdict(certificate("a", ready="False", reason="Failed", message="acme: 403"), NOW, t)
    assert state is State.FAIL and reason == "not Ready: Failed: acme: 403"
    assert cert_verdict(certificate("a", not_after=None), NOW, t)[0] is State.WARN
    assert cert_verdict(certificate("a", ready=None), NOW, t)[0] is State.FAIL


def test_acme_failure_message_from_issuing_condition():
    cert = certificate("openclaw-tls", dns=("openclaw.home.jetzinger.com",), ready="False", reason="DoesNotExist",
                       message="Issuing certificate as Secret does not exist", not_after=None)
    cert["status"]["conditions"].append({"type": "Issuing", "status": "False", "reason": "Failed",
                                         "message": "acme: authorization error: No TXT record found"})
    objs = [cert, ingressroute("openclaw-https", host="openclaw.home.jetzinger.com", tls_secret="openclaw-tls"),
            redirect_route("openclaw-redirect", host="openclaw.home.jetzinger.com"), middleware()]
    r = cert_rows(cluster(*objs), S, NOW)[0]
    assert r.state is State.FAIL and r.ready is False and r.days_left is None
    assert r.failure_reason == "Failed" and r.failure_message == "acme: authorization error: No TXT record found"
    assert r.reason == "not Ready: Failed: acme: authorization error: No TXT record found"
    assert r.secret_exists is False
    assert any("TLS secret apps/openclaw-tls is missing" == f.reason for f in r.findings)


def test_join_by_dns_name_and_wildcard():
    wild = certificate("wild", "infra", dns=("*.home.jetzinger.com",), secret="wild-tls")
    objs = [wild, ingressroute("n8n-https", tls_secret="other"), redirect_route("n8n-redirect"), middleware()]
    r = cert_rows(cluster(*objs), S, NOW)[0]
    assert r.certificate == "infra/wild"


def test_route_without_certificate_and_unused_certificate():
    objs = [ingressroute("n8n-https", tls_secret="n8n-tls"), redirect_route("n8n-redirect"), middleware(),
            secret("n8n-tls", type_="kubernetes.io/tls"),
            certificate("spare-tls", "docs", dns=("spare.home.jetzinger.com",), not_after=NOW + 10 * DAY)]
    rows = cert_rows(cluster(*objs), S, NOW)
    n8n = _row(rows, "n8n.home.jetzinger.com")
    assert n8n.certificate == "" and n8n.state is State.WARN and "no cert-manager Certificate" in n8n.reason
    spare = _row(rows, "spare.home.jetzinger.com")
    assert spare.route == "" and spare.state is State.WARN


def test_standard_ingress_becomes_a_row():
    plain = ingress("nginx-proxy", "dev", "dev.home.jetzinger.com")
    rows = cert_rows(cluster(plain), S, NOW)
    assert rows[0].route == "Ingress dev/nginx-proxy" and rows[0].entry_points == ("ingress",)
    assert rows[0].state is State.FAIL and rows[0].reason == \
        "serves dev.home.jetzinger.com over plain HTTP (no spec.tls)"
    with_tls = copy.deepcopy(plain)
    with_tls["spec"]["tls"] = [{"hosts": ["dev.home.jetzinger.com"], "secretName": "dev-tls"}]
    row = cert_rows(cluster(with_tls, secret("dev-tls", "dev", "kubernetes.io/tls")), S, NOW)[0]
    assert row.state is State.WARN and "plain HTTP" not in " ".join(f.reason for f in row.findings)


def test_a_legacy_traefik_route_is_flagged_as_ignored_by_traefik_v3():
    legacy = [ingressroute("n8n-https", tls_secret="n8n-tls", legacy=True), redirect_route("n8n-redirect"),
              middleware(), certificate("n8n-tls"), secret("n8n-tls", type_="kubernetes.io/tls")]
    row = cert_rows(cluster(*legacy), S, NOW)[0]
    assert row.state is State.WARN and row.reason == \
        "API group traefik.containo.us, which Traefik v3 no longer reads: use traefik.io/v1alpha1"


def test_secrets_unreadable_means_unknown_not_missing():
    objs = exposed("n8n")[:-1]  # no secret object
    never_read = frozenset(s.key for s in WATCHED) - {"secrets", "clusterissuers"}
    r = cert_rows(cluster(*objs, errors={"secrets": "403 Forbidden"}, synced=never_read), S, NOW)[0]
    assert r.secret_exists is None and r.state is State.UNKNOWN
    assert [(f.state, f.subject, f.reason) for f in r.findings if f.state is not State.OK] == [
        (State.UNKNOWN, "kubernetes/secrets", "secrets cannot be read: whether the TLS secrets exist is unknown")]
    # secrets read once and failing since: the last good list is judged as it is
    stale = cert_rows(cluster(*exposed("n8n"), errors={"secrets": "403 Forbidden"}), S, NOW)[0]
    assert stale.secret_exists is True and stale.state is State.OK


def test_findings_are_deduplicated_and_sorted():
    objs = exposed("a", not_after=NOW + DAY) + exposed("b", not_after=NOW + 10 * DAY)
    found = cert_findings(cert_rows(cluster(*objs), S, NOW))
    assert [f.state for f in found] == [State.FAIL, State.WARN]


def test_empty_cluster_and_garbage_objects():
    assert cert_rows(ClusterState(), S, NOW) == ()
    c = ClusterState(objects={"certificates": ({},), "ingressroutes": ({"spec": {"routes": [None, {"match": 3}]}},),
                              "ingresses": ({"spec": {"rules": None}},)})
    cert_rows(c, S, NOW)


def test_certificate_detail_shows_conditions_and_never_secret_values():
    objs = exposed("n8n")
    cert = objs[0]
    cert["status"]["conditions"].append({"type": "Issuing", "status": "False", "reason": "Failed",
                                         "message": "boom", "lastTransitionTime": ts(NOW - 60)})
    cert["status"].update(revision=3, failedIssuanceAttempts=2, lastFailureTime=ts(NOW - 60))
    before = copy.deepcopy(objs)
    c = cluster(*objs)
    d = certificate_detail(c, "apps", "n8n-tls", NOW)
    assert d.dns_names == ("n8n.home.jetzinger.com",) and d.secret_name == "n8n-tls"
    assert [c.type for c in d.conditions] == ["Ready", "Issuing"]
    assert d.conditions[1].last_transition == NOW - 60
    assert (d.revision, d.failed_attempts, d.last_failure_time) == (3, 2, NOW - 60)
    assert d.secret_exists and d.secret_type == "kubernetes.io/tls" and d.secret_keys == ("tls.crt", "tls.key")
    assert "c2VjcmV0LXZhbHVl" not in repr(d)
    assert d.state is State.OK and d.days_left == 60
    assert certificate_detail(c, "apps", "nope", NOW) is None
    assert objs == before


def test_certificate_in_another_namespace_does_not_serve_the_route():
    # Traefik reads tls.secretName in the route's own namespace: a Certificate (and its secret) in docs
    # leaves the apps route on Traefik's default certificate
    objs = [o for o in exposed("foo", "apps") if o["kind"] not in ("Certificate", "Secret")]
    objs += [certificate("foo-tls", "docs", dns=("foo.home.jetzinger.com",)),
             secret("foo-tls", "docs", "kubernetes.io/tls", ("tls.crt", "tls.key"))]
    r = _row(cert_rows(cluster(*objs), S, NOW), "foo.home.jetzinger.com")
    assert r.certificate == "docs/foo-tls" and r.secret_exists is False
    assert r.state is State.FAIL and r.reason == "TLS secret apps/foo-tls is missing"
    assert "Certificate docs/foo-tls writes secret docs/foo-tls, not the apps/foo-tls this route reads" in [
        f.reason for f in r.findings]
    # the same objects in the route's namespace are fine
    ok = _row(cert_rows(cluster(*exposed("foo", "apps")), S, NOW), "foo.home.jetzinger.com")
    assert ok.state is State.OK and not any("writes secret" in f.reason for f in ok.findings)


def test_a_missing_or_unready_cluster_issuer_warns_on_every_certificate_it_renews():
    ok = cert_rows(cluster(*exposed("n8n"), cluster_issuer()), S, NOW)[0]
    assert ok.state is State.OK
    gone = cert_rows(cluster(*exposed("n8n"), *exposed("loki", "monitoring"),
                             synced=frozenset(s.key for s in WATCHED)), S, NOW)
    assert all(r.state is State.WARN for r in gone)
    assert cert_findings(gone)[0].subject == "ClusterIssuer letsencrypt-prod"
    assert [f.reason for f in cert_findings(gone)] == ["does not exist: renewals will fail"]  # once, not per host
    broken = cluster(*exposed("n8n"), cluster_issuer(ready="False", reason="ErrRegisterACMEAccount",
                                                     message="Failed to register ACME account: 403"))
    assert cert_findings(cert_rows(broken, S, NOW))[0].reason == \
        "is not Ready: ErrRegisterACMEAccount: Failed to register ACME account: 403: renewals will fail"


def test_a_wildcard_covers_one_label_only():
    wild = certificate("wild", "apps", dns=("*.home.jetzinger.com",), secret="wild-tls")
    deep = "a.b.home.jetzinger.com"
    c = cluster(wild, ingressroute("ab-https", host=deep, tls_secret="ab-tls"),
                redirect_route("ab-redirect", host=deep), middleware(), secret("ab-tls", type_="kubernetes.io/tls"))
    assert find_certificate(c, "apps", "", "b.home.jetzinger.com") is not None
    assert find_certificate(c, "apps", "", deep) is None
    r = _row(cert_rows(c, S, NOW), deep)
    assert r.certificate == "" and r.state is State.WARN
    assert r.reason == "no cert-manager Certificate for this host (expiry unknown)"


def test_expiry_boundaries_fall_in_the_milder_band():
    t = Thresholds()  # warn below 14 d, fail below 3 d
    assert cert_verdict(certificate("a", not_after=NOW + 3 * DAY), NOW, t) == (State.WARN, "expires in 3.0 d")
    assert cert_verdict(certificate("a", not_after=NOW + 14 * DAY), NOW, t) == (State.OK, "valid for 14 d")


def test_expired_less_than_a_day_ago_reads_expired():
    assert cert_verdict(certificate("a", not_after=NOW - 3600), NOW, Thresholds()) == (State.FAIL, "expired 1 h ago")


def test_an_issuing_condition_that_is_not_a_failure_leaves_readys_reason():
    cert = certificate("a", ready="False", reason="DoesNotExist", message="Secret does not exist", not_after=None)
    cert["status"]["conditions"].append({"type": "Issuing", "status": "False", "reason": "Pending",
                                         "message": "waiting for the order"})
    assert cert_verdict(cert, NOW, Thresholds()) == (State.FAIL, "not Ready: DoesNotExist: Secret does not exist")
