"""Ingress & TLS: one row per exposed host, and a Certificate's detail.

Expiry is read from ``status.notAfter`` (never inferred from Ready, which can
lag). Certificates are joined to a host through the route's TLS secret
(``spec.secretName``), else through their ``dnsNames`` (wildcards included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homelab_tui.config import Settings, Thresholds
from homelab_tui.model.cluster import ClusterState, KubeObject
from homelab_tui.model.health import Finding, State, worst
from homelab_tui.model.objects import (
    as_int, as_list, as_map, as_str, condition, conditions_of, find, known, name_of, namespace_of, parse_time,
    spec_of, status_of,
)
from homelab_tui.model.routes import (
    RouteInfo, all_routes, ingress_hosts, ingress_tls_secret, route_findings,
)
from homelab_tui.model.snapshot import expired_text

DAY = 86400.0


@dataclass(frozen=True)
class CertRow:
    host: str
    namespace: str
    #: "IngressRoute ns/name", "Ingress ns/name" or "" (a Certificate no route uses)
    route: str
    entry_points: tuple[str, ...]
    tls_secret: str
    #: None when secrets cannot be read
    secret_exists: bool | None
    certificate: str  # "ns/name" or ""
    ready: bool | None
    not_after: float | None
    days_left: float | None
    renewal_time: float | None
    issuer: str  # "ClusterIssuer/letsencrypt-prod"
    failure_reason: str
    failure_message: str
    state: State
    reason: str
    findings: tuple[Finding, ...] = field(default=())


@dataclass(frozen=True)
class ConditionRow:
    type: str
    status: str
    reason: str
    message: str
    last_transition: float | None


@dataclass(frozen=True)
class CertificateDetail:
    """What ``cmctl status certificate`` shows (events come from the source, not the model)."""

    namespace: str
    name: str
    dns_names: tuple[str, ...]
    secret_name: str
    issuer: str
    not_before: float | None
    not_after: float | None
    renewal_time: float | None
    days_left: float | None
    revision: int | None
    failed_attempts: int
    last_failure_time: float | None
    conditions: tuple[ConditionRow, ...]
    secret_exists: bool | None
    #: type and keys of the TLS secret — never its values
    secret_type: str
    secret_keys: tuple[str, ...]
    state: State
    reason: str


def issuer_text(cert: Any) -> str:
    ref = as_map(spec_of(cert).get("issuerRef"))
    name = as_str(ref.get("name"))
    return f"{as_str(ref.get('kind')) or 'Issuer'}/{name}" if name else ""


def _failure(cert: Any) -> tuple[str, str]:
    """(reason, message) of the last failure, as ``cmctl status certificate`` shows it.

    cert-manager puts an ACME failure on ``Issuing`` (status False, reason Failed) while ``Ready``
    only says the secret does not exist, so a failed Issuing wins over Ready=False.
    """
    issuing = condition(cert, "Issuing")
    if issuing and issuing.get("status") == "False" and issuing.get("reason") == "Failed":
        return as_str(issuing.get("reason")), as_str(issuing.get("message"))
    ready = condition(cert, "Ready")
    if ready and ready.get("status") == "False":
        return as_str(ready.get("reason")), as_str(ready.get("message"))
    return "", ""


def cert_verdict(cert: Any, now: float, t: Thresholds) -> tuple[State, str]:
    """State and one-line reason of a Certificate."""
    ready_cond = condition(cert, "Ready")
    not_after = parse_time(status_of(cert).get("notAfter"))
    days = None if not_after is None else (not_after - now) / DAY
    if days is not None and days < 0:
        return State.FAIL, expired_text(days)
    if ready_cond is None or ready_cond.get("status") != "True":
        reason, message = _failure(cert)
        text = "not Ready" + (f": {reason}" if reason else "") + (f": {message}" if message else "")
        return State.FAIL, " ".join(text.split())
    if days is None:
        return State.WARN, "Ready, but no expiry (status.notAfter) reported"
    if days < t.cert_fail_days:
        return State.FAIL, f"expires in {days:.1f} d"
    if days < t.cert_warn_days:
        return State.WARN, f"expires in {days:.1f} d"
    return State.OK, f"valid for {int(days)} d"


def _matches(host: str, dns_name: str) -> bool:
    dns_name = dns_name.lower()
    if dns_name.startswith("*."):
        return host.endswith(dns_name[1:]) and "." not in host[: -len(dns_name) + 1]
    return host == dns_name


def find_certificate(cluster: ClusterState, namespace: str, secret: str, host: str) -> KubeObject | None:
    """The Certificate behind ``host``: by TLS secret in ``namespace``, else by dnsNames (same namespace first)."""
    certs = cluster.get("certificates")
    if secret:
        for c in certs:
            if namespace_of(c) == namespace and as_str(spec_of(c).get("secretName")) == secret:
                return c
    by_name = [c for c in certs if any(_matches(host, as_str(d)) for d in as_list(spec_of(c).get("dnsNames")))]
    by_name.sort(key=lambda c: namespace_of(c) != namespace)
    return by_name[0] if by_name else None


def serves_route(cert: Any, namespace: str, secret: str) -> bool:
    """Whether ``cert`` writes the TLS secret a route in ``namespace`` reads. Traefik (like an Ingress
    controller) reads ``tls.secretName`` in the route's own namespace, so a Certificate elsewhere, or one
    writing another secret, does not serve it. A route without a secretName gets Traefik's default certificate
    (its default TLSStore, e.g. a wildcard Certificate in infra): any Certificate whose dnsNames match."""
    if not secret:
        return True
    return namespace_of(cert) == namespace and as_str(spec_of(cert).get("secretName")) == secret


def cluster_issuer_problem(cluster: ClusterState, name: str) -> str:
    """Why ClusterIssuer ``name`` cannot issue ("does not exist", "is not Ready: …"), or "" when it can or
    the cluster's ClusterIssuers are not known (cert-manager absent, not readable). The caller names it."""
    if not known(cluster, "clusterissuers"):
        return ""
    issuer = find(cluster, "clusterissuers", None, name)
    if issuer is None:
        return "does not exist"
    ready = condition(issuer, "Ready")
    if ready is None or ready.get("status") != "True":
        why = ": ".join(t for t in (as_str(as_map(ready).get("reason")), as_str(as_map(ready).get("message"))) if t)
        return "is not Ready" + (f": {why}" if why else "")
    return ""


def _issuer_finding(cluster: ClusterState, cert: Any) -> Finding | None:
    """A WARN when the certificate's ClusterIssuer cannot issue: it stays valid, but will not be renewed."""
    ref = as_map(spec_of(cert).get("issuerRef"))
    name = as_str(ref.get("name"))
    if as_str(ref.get("kind")) != "ClusterIssuer" or not name:
        return None
    problem = cluster.memo(("cluster_issuer", name), lambda: cluster_issuer_problem(cluster, name))
    return Finding(State.WARN, f"ClusterIssuer {name}", problem + ": renewals will fail") \
        if problem else None


#: the finding of a host whose TLS secret cannot be checked (one per cluster, whatever the host)
SECRETS_UNREAD = "secrets cannot be read: whether the TLS secrets exist is unknown"


def _secret_exists(cluster: ClusterState, namespace: str, name: str) -> bool | None:
    """Whether the secret exists; None when secrets have never been read (last good data is used)."""
    if not name or not known(cluster, "secrets"):
        return None
    names = cluster.memo(("names", "secrets"), lambda: frozenset(
        (namespace_of(o), name_of(o)) for o in cluster.get("secrets")))
    return (namespace, name) in names


@dataclass
class _HostAcc:
    host: str
    namespace: str = ""
    route: str = ""
    tls_secret: str = ""
    entry_points: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tls_expected: bool = False


def _accumulate(cluster: ClusterState, routes: tuple[RouteInfo, ...]) -> dict[str, _HostAcc]:
    accs: dict[str, _HostAcc] = {}
    findings = route_findings(cluster)
    # HTTPS routes first, so a host's row names its HTTPS route and namespace
    for r in sorted(routes, key=lambda r: not r.is_https):
        eps = list(r.entry_points) or ["(all)"]
        for h in r.hosts:
            acc = accs.setdefault(h, _HostAcc(h, r.namespace, r.subject))
            acc.entry_points += [e for e in eps if e not in acc.entry_points]
            if r.tls and not acc.tls_secret:
                acc.tls_secret = r.tls_secret
            acc.tls_expected = acc.tls_expected or r.tls
            acc.findings += [f for f in findings if f.subject == r.subject and f not in acc.findings]
    for ing in cluster.get("ingresses"):
        subject = f"Ingress {namespace_of(ing)}/{name_of(ing)}"
        for h in ingress_hosts(ing):
            acc = accs.setdefault(h, _HostAcc(h, namespace_of(ing), subject))
            acc.entry_points += [e for e in ("ingress",) if e not in acc.entry_points]
            acc.tls_secret = acc.tls_secret or ingress_tls_secret(ing, h)
            acc.tls_expected = acc.tls_expected or bool(acc.tls_secret)
            acc.findings += [f for f in findings if f.subject == subject and f not in acc.findings]
    return accs


def _plan(cluster: ClusterState) -> tuple[tuple[_HostAcc, KubeObject | None], ...]:
    """Each exposed host with its Certificate, then Certificates no route uses: none of it depends on the
    clock, so it is worked out once per cluster state (a Prometheus refresh re-renders with the same state)."""
    plan: list[tuple[_HostAcc, KubeObject | None]] = []
    used: set[tuple[str, str]] = set()
    for acc in _accumulate(cluster, all_routes(cluster)).values():
        cert = find_certificate(cluster, acc.namespace, acc.tls_secret, acc.host) if acc.tls_expected else None
        if cert is not None:
            used.add((namespace_of(cert), name_of(cert)))
        plan.append((acc, cert))
    for cert in cluster.get("certificates"):
        if (namespace_of(cert), name_of(cert)) in used:
            continue
        for h in as_list(spec_of(cert).get("dnsNames"))[:1] or [""]:
            plan.append((_HostAcc(as_str(h).lower(), namespace_of(cert), "", as_str(spec_of(cert).get("secretName"))),
                         cert))
    return tuple(plan)


def cert_rows(cluster: ClusterState, settings: Settings, now: float) -> tuple[CertRow, ...]:
    """One row per exposed host (plus hosts of Certificates no route uses), most urgent first."""
    t = settings.thresholds
    plan = cluster.memo(("cert_plan",), lambda: _plan(cluster))
    rows = [_row(cluster, acc, cert, now, t) for acc, cert in plan]
    rows.sort(key=lambda r: (-r.state.rank, r.days_left if r.days_left is not None else float("inf"), r.host))
    return tuple(rows)


def _row(cluster: ClusterState, acc: _HostAcc, cert: KubeObject | None, now: float, t: Thresholds) -> CertRow:
    findings = list(acc.findings)
    # a route reads its TLS secret in its own namespace; a Certificate no route uses writes it in its own
    secret_ns = namespace_of(cert) if cert is not None and not acc.route else acc.namespace
    secret_name = acc.tls_secret or (as_str(spec_of(cert).get("secretName")) if cert is not None else "")
    exists = _secret_exists(cluster, secret_ns, secret_name)
    subject = acc.route or f"Certificate {secret_ns}/{name_of(cert)}"
    not_after = renewal = days = None
    ready: bool | None = None
    reason = message = ""
    if cert is not None:
        state, text = cert_verdict(cert, now, t)
        findings.insert(0, Finding(state, f"Certificate {namespace_of(cert)}/{name_of(cert)}", text))
        st = status_of(cert)
        not_after = parse_time(st.get("notAfter"))
        renewal = parse_time(st.get("renewalTime"))
        days = None if not_after is None else (not_after - now) / DAY
        cond = condition(cert, "Ready")
        ready = None if cond is None else cond.get("status") == "True"
        reason, message = _failure(cert)
        issuer_problem = _issuer_finding(cluster, cert)
        if issuer_problem is not None:
            findings.append(issuer_problem)
        if acc.route and not serves_route(cert, acc.namespace, acc.tls_secret):
            writes = f"{namespace_of(cert)}/{as_str(spec_of(cert).get('secretName')) or '?'}"
            findings.append(Finding(State.WARN, subject, f"Certificate {namespace_of(cert)}/{name_of(cert)} writes "
                                    f"secret {writes}, not the {secret_ns}/{secret_name or '?'} this route reads"))
    elif acc.tls_expected and known(cluster, "certificates"):
        findings.append(Finding(State.WARN, subject, "no cert-manager Certificate for this host (expiry unknown)"))
    if acc.tls_expected and secret_name and exists is False:
        findings.append(Finding(State.FAIL, subject, f"TLS secret {secret_ns}/{secret_name} is missing"))
    elif acc.tls_expected and secret_name and exists is None and "secrets" in cluster.errors:
        findings.append(Finding(State.UNKNOWN, "kubernetes/secrets", SECRETS_UNREAD))
    top = max(findings, key=lambda f: f.state.rank, default=None)
    return CertRow(
        host=acc.host, namespace=acc.namespace, route=acc.route, entry_points=tuple(acc.entry_points),
        tls_secret=secret_name, secret_exists=exists,
        certificate=f"{namespace_of(cert)}/{name_of(cert)}" if cert is not None else "",
        ready=ready, not_after=not_after, days_left=days, renewal_time=renewal,
        issuer=issuer_text(cert) if cert is not None else "", failure_reason=reason, failure_message=message,
        state=worst(f.state for f in findings), reason=top.reason if top else "", findings=tuple(findings))


def cert_findings(rows: tuple[CertRow, ...]) -> tuple[Finding, ...]:
    """Every problem behind the rows, each once."""
    seen: list[Finding] = []
    for r in rows:
        seen += [f for f in r.findings if f.state != State.OK and f not in seen]
    return tuple(sorted(seen, key=lambda f: -f.state.rank))


def certificate_detail(cluster: ClusterState, namespace: str, name: str, now: float,
                       settings: Settings | None = None) -> CertificateDetail | None:
    cert = find(cluster, "certificates", namespace, name)
    if cert is None:
        return None
    st = status_of(cert)
    spec = spec_of(cert)
    secret_name = as_str(spec.get("secretName"))
    secret = find(cluster, "secrets", namespace, secret_name) if secret_name else None
    state, reason = cert_verdict(cert, now, (settings or Settings()).thresholds)
    not_after = parse_time(st.get("notAfter"))
    revision = st.get("revision")
    return CertificateDetail(
        namespace=namespace, name=name,
        dns_names=tuple(as_str(d) for d in as_list(spec.get("dnsNames")) if as_str(d)),
        secret_name=secret_name, issuer=issuer_text(cert),
        not_before=parse_time(st.get("notBefore")), not_after=not_after,
        renewal_time=parse_time(st.get("renewalTime")),
        days_left=None if not_after is None else (not_after - now) / DAY,
        revision=as_int(revision) if revision is not None else None,
        failed_attempts=as_int(st.get("failedIssuanceAttempts")),
        last_failure_time=parse_time(st.get("lastFailureTime")),
        conditions=tuple(ConditionRow(as_str(c.get("type")), as_str(c.get("status")), as_str(c.get("reason")),
                                      as_str(c.get("message")), parse_time(c.get("lastTransitionTime")))
                         for c in conditions_of(cert)),
        secret_exists=_secret_exists(cluster, namespace, secret_name),
        secret_type=as_str(as_map(secret).get("type")) if secret is not None else "",
        secret_keys=tuple(sorted(str(k) for k in as_map(as_map(secret).get("data")))) if secret is not None else (),
        state=state, reason=reason)
