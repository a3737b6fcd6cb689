"""Exposure of the home-lab's services: cert-manager Certificates with their TLS Secrets and issuance objects,
Traefik IngressRoutes (HTTPS on ``websecure`` + HTTP redirect on ``web``) and ``https-redirect`` Middlewares."""

from __future__ import annotations

import datetime as dt
import uuid

from homelab_tui.demo.seed_apps import App
from homelab_tui.demo.seed_issuance import issuance, request_name
from homelab_tui.demo.seed_util import ACME_FAILURE, DOMAIN, Gen, recommended, tls_data
from homelab_tui.demo.seed_workloads import app_labels

#: days until notAfter per host (default 60)
DAYS_LEFT = {"prometheus": 71, "grafana": 9, "alertmanager": 55, "n8n": 63, "open-webui": 80, "litellm": 44,
             "paperless": 33, "paperless-gpt": 76, "stirling-pdf": 58}
#: the certificate whose ACME issuance fails (DNS-01 TXT record missing)
FAILING_HOST = "openclaw"
#: CONVENTION VIOLATION (rule 5 / issue 3): stirling-pdf has its HTTPS route but no HTTP redirect route
NO_REDIRECT = {"stirling-pdf"}
#: CONVENTION VIOLATION (rule 6): alertmanager's redirect references the middleware in another namespace
FOREIGN_MIDDLEWARE = {"alertmanager": "kube-system"}


def acme_error(host: str) -> str:
    """What Let's Encrypt answers when the DNS-01 TXT record is missing (on the Order and the Challenge)."""
    return (f"acme: authorization error for {host}: 403 urn:ietf:params:acme:error:unauthorized: "
            f"No TXT record found at _acme-challenge.{host}")


def acme_failure_message(cert_name: str, host: str, order: str, revision: int = 1) -> str:
    """The Certificate's Issuing condition after that failure."""
    return (f"The certificate request has failed to complete and will be retried: Failed to wait for order "
            f"resource \"{request_name(cert_name, revision)}-{order}\" to become ready: order is in \"invalid\" "
            f"state: {acme_error(host)}")


def _derived_uids(cert: dict) -> tuple[str, str, str]:
    """Uids for the issuance objects from the Certificate's own (no draw from the seed's random numbers)."""
    base = uuid.UUID(cert["metadata"]["uid"])
    return tuple(str(uuid.uuid5(base, part)) for part in ("request", "order", "challenge"))  # type: ignore[return-value]


def certificate(app: App, gen: Gen) -> tuple[dict, dict | None, list[dict]]:
    """The Certificate, its TLS Secret (None when issuance failed) and its last issuance's objects."""
    host = f"{app.host}.{DOMAIN}"
    name = f"{app.host}-tls"
    labels = recommended(app.app, "certificate", "kubectl")
    spec = {"secretName": name, "dnsNames": [host], "commonName": host,
            "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer", "group": "cert-manager.io"},
            "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
            "usages": ["digital signature", "key encipherment"]}
    md = gen.md(name, app.namespace, labels, days=200)
    md["generation"] = 1
    if app.host == FAILING_HOST:
        order = str(gen.rng.randrange(10**9, 10**10))
        message = acme_failure_message(name, host, order)
        md["annotations"] = {ACME_FAILURE: "dns-01"}
        status = {"conditions": [
            {"type": "Ready", "status": "False", "reason": "DoesNotExist",
             "message": "Issuing certificate as Secret does not exist", "lastTransitionTime": gen.ago(days=6),
             "observedGeneration": 1},
            {"type": "Issuing", "status": "False", "reason": "Failed", "message": message,
             "lastTransitionTime": gen.ago(hours=5), "observedGeneration": 1}],
            "lastFailureTime": gen.ago(hours=5), "failedIssuanceAttempts": 4}
        cert = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": md, "spec": spec,
                "status": status}
        return cert, None, issuance(cert, 1, "failed", status["lastFailureTime"], order, acme_error(host),
                                    uids=_derived_uids(cert))
    days_left = DAYS_LEFT.get(app.host, 60)
    renew_before = dt.timedelta(days=30)
    if days_left < 14:  # renews late on purpose (renewBefore 7 days): expiring soon, but not broken
        spec["renewBefore"] = "168h0m0s"
        renew_before = dt.timedelta(days=7)
    not_after = gen.now + dt.timedelta(days=days_left, hours=gen.rng.randrange(24))
    not_before = not_after - dt.timedelta(days=90)
    revision = 2 + gen.rng.randrange(6)
    status = {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                              "message": "Certificate is up to date and has not expired",
                              "lastTransitionTime": gen.at(not_before - gen.now), "observedGeneration": 1}],
              "notBefore": gen.at(not_before - gen.now), "notAfter": gen.at(not_after - gen.now),
              "renewalTime": gen.at(not_after - renew_before - gen.now), "revision": revision}
    cert = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": md, "spec": spec,
            "status": status}
    order = str(uuid.UUID(md["uid"]).int % 10**10).zfill(10)
    return cert, tls_secret(cert, gen), issuance(cert, revision, "issued", status["notBefore"], order,
                                                 uids=_derived_uids(cert))


def tls_secret(cert: dict, gen: Gen | None = None, revision: int = 1) -> dict:
    host = cert["spec"]["dnsNames"][0]
    md = {"name": cert["spec"]["secretName"], "namespace": cert["metadata"]["namespace"],
          "labels": {**cert["metadata"].get("labels", {}), "controller.cert-manager.io/fao": "true"},
          "annotations": {"cert-manager.io/certificate-name": cert["metadata"]["name"],
                          "cert-manager.io/issuer-name": "letsencrypt-prod",
                          "cert-manager.io/issuer-kind": "ClusterIssuer", "cert-manager.io/issuer-group": "cert-manager.io",
                          "cert-manager.io/common-name": host, "cert-manager.io/alt-names": host,
                          "cert-manager.io/ip-sans": "", "cert-manager.io/uri-sans": ""}}
    if gen is not None:
        md.update(uid=gen.uid(), creationTimestamp=cert["status"]["notBefore"])
        revision = cert["status"].get("revision", 1)
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": md,
            "data": tls_data(host, revision)}


def routes(app: App, service_name: str, gen: Gen) -> list[dict]:
    host = f"{app.host}.{DOMAIN}"
    labels = app_labels(app)
    match = f"Host(`{host}`)"
    https = {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute",
             "metadata": gen.md(f"{app.host}-https", app.namespace, {**labels}, days=200),
             "spec": {"entryPoints": ["websecure"], "routes": [
                 {"match": match, "kind": "Rule", "services": [{"name": service_name, "port": app.port}]}],
                 "tls": {"secretName": f"{app.host}-tls"}}}
    out = [https]
    if app.host not in NO_REDIRECT:
        mw_ns = FOREIGN_MIDDLEWARE.get(app.host, app.namespace)
        out.append({"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute",
                    "metadata": gen.md(f"{app.host}-http-redirect", app.namespace, {**labels}, days=200),
                    "spec": {"entryPoints": ["web"], "routes": [
                        {"match": match, "kind": "Rule", "middlewares": [{"name": "https-redirect", "namespace": mw_ns}],
                         "services": [{"name": service_name, "port": app.port}]}]}})
    return out


def https_redirect(namespace: str, gen: Gen) -> dict:
    return {"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware",
            "metadata": gen.md("https-redirect", namespace, recommended("traefik", "middleware", "kubectl",
                                                                        instance="traefik-https-redirect"), days=200),
            "spec": {"redirectScheme": {"scheme": "https", "permanent": True}}}


def exposure(apps: tuple[App, ...] | list[App], gen: Gen) -> list[dict]:
    """Certificates, TLS secrets, IngressRoutes and one https-redirect Middleware per namespace that needs it."""
    out: list[dict] = []
    namespaces: list[str] = []
    for app in apps:
        if not app.host:
            continue
        cert, secret, chain = certificate(app, gen)
        out.append(cert)
        if secret is not None:
            out.append(secret)
        out += chain
        out += routes(app, app.name, gen)
        if app.namespace not in namespaces:
            namespaces.append(app.namespace)
    out += [https_redirect(ns, gen) for ns in namespaces]
    return out
