"""cert-manager of the simulation: issues a Certificate a step after ``Issuing=True`` (or a new Certificate),
leaving the CertificateRequest, ACME Order (and, when it fails, the Challenge) that a real issuance leaves."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from homelab_tui.demo.kinds import key_for
from homelab_tui.demo.life_events import EventWriter
from homelab_tui.demo.seed_issuance import issuance
from homelab_tui.demo.seed_network import acme_error, acme_failure_message, tls_secret
from homelab_tui.demo.seed_util import ACME_FAILURE
from homelab_tui.demo.store import ClusterStore, rfc3339

DURATION = dt.timedelta(days=90)
DEFAULT_RENEW_BEFORE = dt.timedelta(days=30)
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")


def parse_go_duration(text: str) -> dt.timedelta:
    """'168h0m0s' -> 7 days (the form cert-manager's renewBefore uses)."""
    units = {"h": 3600, "m": 60, "s": 1}
    return dt.timedelta(seconds=sum(float(n) * units[u] for n, u in _GO_DURATION.findall(text)))


def _condition(cert: dict, ctype: str) -> dict | None:
    return next((c for c in cert.get("status", {}).get("conditions", []) if c.get("type") == ctype), None)


class CertManager:
    def __init__(self, store: ClusterStore) -> None:
        self.store = store
        self.events = EventWriter(store)
        #: certificates waiting one step before their issuance completes
        self._pending: set[tuple[str, str]] = set()

    def reconcile(self, ns: str, name: str, now: dt.datetime) -> bool:
        """True when the certificate needs another step."""
        cert = self.store.get("certificates", ns, name)
        key = (ns, name)
        if cert is None:
            self._pending.discard(key)
            return False
        issuing = _condition(cert, "Issuing")
        wants = (issuing is not None and issuing.get("status") == "True") or not cert.get("status", {}).get(
            "conditions")
        if not wants:
            self._pending.discard(key)
            return False
        if key not in self._pending:
            self._pending.add(key)
            return True
        self._pending.discard(key)
        if (cert["metadata"].get("annotations") or {}).get(ACME_FAILURE):
            self._fail(cert, now)
        else:
            self._issue(cert, now)
        return False

    def _fail(self, cert: dict, now: dt.datetime) -> None:
        host = cert["spec"]["dnsNames"][0]
        order = str(int(now.timestamp()))
        revision = (cert.get("status", {}).get("revision") or 0) + 1
        message = acme_failure_message(cert["metadata"]["name"], host, order, revision)
        when = rfc3339(now)
        self._record_issuance(issuance(cert, revision, "failed", when, order, acme_error(host)))
        gen = cert["metadata"].get("generation", 1)

        def fail(c: dict) -> None:
            status = c.setdefault("status", {})
            conditions = [x for x in status.get("conditions", []) if x["type"] not in ("Issuing", "Ready")]
            ready = _condition(c, "Ready") or {"type": "Ready", "status": "False", "reason": "DoesNotExist",
                                               "message": "Issuing certificate as Secret does not exist",
                                               "lastTransitionTime": when}
            ready["observedGeneration"] = gen
            conditions += [ready, {"type": "Issuing", "status": "False", "reason": "Failed", "message": message,
                                   "lastTransitionTime": when, "observedGeneration": gen}]
            status.update(conditions=conditions, lastFailureTime=when,
                          failedIssuanceAttempts=status.get("failedIssuanceAttempts", 0) + 1)

        cert = self.store.mutate("certificates", cert["metadata"]["namespace"], cert["metadata"]["name"], fail)
        self.events.emit(cert, "Failed", message, now, warning=True, component="cert-manager-certificates-issuing")

    def _record_issuance(self, objects: list[dict]) -> None:
        """Store a new request with its order (and challenge); a request of the same name, from an earlier
        attempt at this revision, goes first with what it owns, as Kubernetes' garbage collector would."""
        request = objects[0]
        ns, name = request["metadata"]["namespace"], request["metadata"]["name"]
        if self.store.delete("certificaterequests", ns, name) is not None:
            for order in self._owned("orders", ns, "CertificateRequest", name):
                self.store.delete("orders", ns, order)
                for challenge in self._owned("challenges", ns, "Order", order):
                    self.store.delete("challenges", ns, challenge)
        for obj, uid in zip(objects, (str(uuid.uuid4()) for _ in objects)):
            obj["metadata"]["uid"] = uid
        for owner, obj in zip(objects, objects[1:]):
            obj["metadata"]["ownerReferences"][0]["uid"] = owner["metadata"]["uid"]
        for obj in objects:
            self.store.put(key_for(obj["apiVersion"], obj["kind"]), obj)

    def _owned(self, key: str, namespace: str, kind: str, name: str) -> list[str]:
        objects, _ = self.store.view(key, namespace)
        return [o["metadata"]["name"] for o in objects
                if any(r.get("kind") == kind and r.get("name") == name
                       for r in o["metadata"].get("ownerReferences") or [])]

    def _issue(self, cert: dict, now: dt.datetime) -> None:
        renew_before = (parse_go_duration(cert["spec"]["renewBefore"]) if cert["spec"].get("renewBefore")
                        else DEFAULT_RENEW_BEFORE)
        when = rfc3339(now)
        gen = cert["metadata"].get("generation", 1)

        def issue(c: dict) -> None:
            status = c.setdefault("status", {})
            status.pop("lastFailureTime", None)
            status.pop("failedIssuanceAttempts", None)
            status.update(notBefore=when, notAfter=rfc3339(now + DURATION),
                          renewalTime=rfc3339(now + DURATION - renew_before), revision=status.get("revision", 0) + 1,
                          conditions=[{"type": "Ready", "status": "True", "reason": "Ready",
                                       "message": "Certificate is up to date and has not expired",
                                       "lastTransitionTime": when, "observedGeneration": gen}])

        ns, name = cert["metadata"]["namespace"], cert["metadata"]["name"]
        cert = self.store.mutate("certificates", ns, name, issue)
        self._record_issuance(issuance(cert, cert["status"]["revision"], "issued", when, str(int(now.timestamp()))))
        secret = tls_secret(cert, revision=cert["status"]["revision"])
        existing = self.store.get("secrets", ns, secret["metadata"]["name"])
        if existing is not None:
            existing.update(data=secret["data"], type=secret["type"])
            existing["metadata"].setdefault("annotations", {}).update(secret["metadata"]["annotations"])
            secret = existing
        self.store.put("secrets", secret)
        self.events.emit(cert, "Issuing", "The certificate has been successfully issued", now,
                         component="cert-manager-certificates-issuing")
