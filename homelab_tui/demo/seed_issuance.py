"""cert-manager's issuance objects for a Certificate: CertificateRequest → ACME Order → Challenge.

Names follow cert-manager: the request is ``<certificate>-<revision>``, the order ``<request>-<number>``, the
challenge ``<order>-<number>``; each is owned by the one before (owner references with the owner's uid).
A successful issuance leaves a Ready request and a valid order (cert-manager deletes the challenges of a valid
order); a failed one leaves a failed request, an invalid order and the invalid DNS-01 challenge that says why.
"""

from __future__ import annotations

from typing import Literal

REVISION = "cert-manager.io/certificate-revision"
Outcome = Literal["issued", "failed"]


def _owner(obj: dict) -> dict:
    md = obj["metadata"]
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": md["name"], "uid": md.get("uid", ""),
            "controller": True, "blockOwnerDeletion": True}


def _md(name: str, namespace: str, owner: dict, when: str, uid: str | None, **extra: dict) -> dict:
    md: dict = {"name": name, "namespace": namespace, "creationTimestamp": when, "ownerReferences": [_owner(owner)],
                **extra}
    if uid:
        md["uid"] = uid
    return md


def request_name(certificate: str, revision: int) -> str:
    return f"{certificate}-{revision}"


def issuance(cert: dict, revision: int, outcome: Outcome, when: str, order_number: str, failure: str = "", *,
             uids: tuple[str, str, str] | None = None) -> list[dict]:
    """The request, order (and, for a failure, challenge) of ``cert``'s issuance number ``revision``.

    ``failure`` is the ACME error a failed issuance ended with; ``uids`` fixes the objects' uids (seeds),
    else the store gives them."""
    md = cert["metadata"]
    ns, cert_name = md["namespace"], md["name"]
    spec = cert["spec"]
    host = spec["dnsNames"][0]
    issuer = dict(spec["issuerRef"])
    ok = outcome == "issued"
    uid_request, uid_order, uid_challenge = uids or (None, None, None)
    request_md = _md(request_name(cert_name, revision), ns, cert, when, uid_request,
                     annotations={"cert-manager.io/certificate-name": cert_name, REVISION: str(revision),
                                  "cert-manager.io/private-key-secret-name": f"{cert_name}-{revision}-key"})
    order_name = f"{request_md['name']}-{order_number}"
    approved = {"type": "Approved", "status": "True", "reason": "cert-manager.io",
                "message": "Certificate request has been approved by cert-manager.io", "lastTransitionTime": when}
    ready = ({"type": "Ready", "status": "True", "reason": "Issued",
              "message": "Certificate fetched from issuer successfully", "lastTransitionTime": when} if ok else
             {"type": "Ready", "status": "False", "reason": "Failed",
              "message": f"Failed to wait for order resource \"{order_name}\" to become ready: order is in "
                         f"\"invalid\" state: {failure}", "lastTransitionTime": when})
    request = {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest", "metadata": request_md,
               "spec": {"issuerRef": issuer, "usages": list(spec.get("usages") or []), "duration": "2160h0m0s",
                        "username": "system:serviceaccount:cert-manager:cert-manager"},
               "status": {"conditions": [approved, ready], **({"failureTime": when} if not ok else {})}}
    order = {"apiVersion": "acme.cert-manager.io/v1", "kind": "Order",
             "metadata": _md(order_name, ns, request, when, uid_order),
             "spec": {"commonName": host, "dnsNames": [host], "issuerRef": issuer},
             "status": {"state": "valid" if ok else "invalid", "finalizeURL": "",
                        "url": f"https://acme-v02.api.letsencrypt.org/acme/order/demo/{order_number}",
                        **({} if ok else {"reason": failure, "failureTime": when})}}
    if ok:
        return [request, order]
    challenge = {"apiVersion": "acme.cert-manager.io/v1", "kind": "Challenge",
                 "metadata": _md(f"{order_name}-{order_number[-5:]}", ns, order, when, uid_challenge),
                 "spec": {"dnsName": host, "type": "DNS-01", "issuerRef": issuer, "wildcard": False,
                          "solver": {"dns01": {"cloudflare": {"apiTokenSecretRef": {
                              "name": "cloudflare-api-token", "key": "api-token"}}}},
                          "url": f"https://acme-v02.api.letsencrypt.org/acme/chall/demo/{order_number}"},
                 "status": {"state": "invalid", "presented": False, "processing": False, "reason": failure}}
    return [request, order, challenge]
