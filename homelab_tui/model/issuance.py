"""How a Certificate is being issued: its newest CertificateRequest, that request's ACME Order, the Order's Challenges.

This is the chain ``cmctl status certificate`` walks, and where a stuck Let's Encrypt certificate says why:
"No TXT record found at _acme-challenge…" is on the Challenge, not on the Certificate. Objects are linked by
owner references (cert-manager sets them: Certificate → CertificateRequest → Order → Challenge); a request is also
matched by its ``cert-manager.io/certificate-name`` annotation. The dashboard does not watch these kinds: the
certificate detail reads them once, in a worker, when it opens and on ``e``.

cert-manager deletes the Challenges once their Order is valid, so a healthy certificate shows a request and a
valid order and no challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from homelab_tui.model.health import State, worst
from homelab_tui.model.objects import (annotations_of, as_list, as_map, as_str, condition, meta, name_of,
                                       parse_time, spec_of, status_of)

#: the unwatched kinds the chain is made of (``sources.resources.ON_DEMAND`` keys), in the order
#: :func:`issuance_chain` takes them
ISSUANCE_KINDS = ("certificaterequests", "orders", "challenges")

CERTIFICATE_NAME = "cert-manager.io/certificate-name"
CERTIFICATE_REVISION = "cert-manager.io/certificate-revision"

#: ACME order and challenge states (cert-manager's acme.cert-manager.io/v1 State)
_BAD_STATES = frozenset({"invalid", "errored", "expired"})
_DONE_STATES = frozenset({"valid"})


@dataclass(frozen=True)
class IssuanceStep:
    """One object of the chain, as a row: what it is, its state, and what it says."""

    kind: str  # "CertificateRequest", "Order" or "Challenge"
    name: str
    state: State
    #: the object's own state word: "Ready", "Pending", "Failed", "valid", "pending", "invalid", …
    status: str
    #: facts worth a glance: "revision 3 · approved", "DNS-01 for grafana.home.jetzinger.com · presented"
    facts: str
    #: the reason or message the object gives ("" when it gives none)
    message: str
    created: float | None


@dataclass(frozen=True)
class Issuance:
    """The chain of the Certificate's newest request; ``note`` says what is missing and why."""

    steps: tuple[IssuanceStep, ...]
    #: older CertificateRequests of the same Certificate, not shown
    older_requests: int
    note: str

    @property
    def state(self) -> State:
        return worst(s.state for s in self.steps)


def _owned_by(obj: Any, kind: str, name: str) -> bool:
    return any(as_str(as_map(r).get("kind")) == kind and as_str(as_map(r).get("name")) == name
               for r in as_list(meta(obj).get("ownerReferences")))


def _created(obj: Any) -> float | None:
    return parse_time(meta(obj).get("creationTimestamp"))


def _newest(objects: Iterable[Any]) -> list[Any]:
    """Newest first: by revision where a request has one, then by creation time, then by name."""
    def key(obj: Any) -> tuple[int, float, str]:
        revision = as_str(annotations_of(obj).get(CERTIFICATE_REVISION))
        return (int(revision) if revision.isdigit() else -1, _created(obj) or 0.0, name_of(obj))

    return sorted(objects, key=key, reverse=True)


def _request_step(cr: Any) -> IssuanceStep:
    ready = condition(cr, "Ready")
    denied = condition(cr, "Denied")
    approved = condition(cr, "Approved")
    invalid = condition(cr, "InvalidRequest")
    facts = []
    revision = as_str(annotations_of(cr).get(CERTIFICATE_REVISION))
    if revision:
        facts.append(f"revision {revision}")
    if denied is not None and as_str(denied.get("status")) == "True":
        status, state, message = "Denied", State.FAIL, as_str(denied.get("message"))
    elif invalid is not None and as_str(invalid.get("status")) == "True":
        status, state, message = "Invalid", State.FAIL, as_str(invalid.get("message"))
    elif ready is None:
        status, state, message = "Pending", State.WARN, "not picked up by an issuer yet"
    else:
        reason = as_str(ready.get("reason")) or ("Ready" if as_str(ready.get("status")) == "True" else "NotReady")
        status = "Ready" if as_str(ready.get("status")) == "True" else reason
        state = State.OK if status == "Ready" else State.FAIL if reason == "Failed" else State.WARN
        message = as_str(ready.get("message"))
    if approved is not None and as_str(approved.get("status")) == "True":
        facts.append("approved")
    elif denied is None:
        facts.append("not approved yet")
    return IssuanceStep("CertificateRequest", name_of(cr), state, status, " · ".join(facts), message, _created(cr))


def _acme_state(obj: Any, *, waiting: State) -> tuple[str, State]:
    word = as_str(status_of(obj).get("state")) or "pending"
    if word in _DONE_STATES:
        return word, State.OK
    if word in _BAD_STATES:
        return word, State.FAIL
    return word, waiting


def _order_step(order: Any) -> IssuanceStep:
    status, state = _acme_state(order, waiting=State.WARN)
    names = [as_str(n) for n in as_list(spec_of(order).get("dnsNames")) if as_str(n)]
    facts = ", ".join(names)
    return IssuanceStep("Order", name_of(order), state, status, facts, as_str(status_of(order).get("reason")),
                        _created(order))


def _challenge_step(ch: Any) -> IssuanceStep:
    status, state = _acme_state(ch, waiting=State.WARN)
    spec, st = spec_of(ch), status_of(ch)
    facts = [f"{as_str(spec.get('type')) or 'ACME'} for {as_str(spec.get('dnsName')) or '?'}"]
    facts.append("presented" if st.get("presented") is True else "not presented")
    if st.get("processing") is True:
        facts.append("processing")
    return IssuanceStep("Challenge", name_of(ch), state, status, " · ".join(facts), as_str(st.get("reason")),
                        _created(ch))


def issuance_chain(certificate: str, requests: Sequence[Any] | None, orders: Sequence[Any] | None,
                   challenges: Sequence[Any] | None) -> Issuance:
    """The chain of ``certificate``'s newest CertificateRequest, from the objects of its namespace.

    None for a kind means it could not be listed (the CRD is not installed: a CA or self-signed issuer has
    no ACME kinds)."""
    if requests is None:
        return Issuance((), 0, "CertificateRequests are not served by this cluster.")
    mine = _newest(r for r in requests if _owned_by(r, "Certificate", certificate)
                   or as_str(annotations_of(r).get(CERTIFICATE_NAME)) == certificate)
    if not mine:
        return Issuance((), 0, "No CertificateRequest: cert-manager has not started an issuance, or has "
                               "cleaned the requests up.")
    request = mine[0]
    steps = [_request_step(request)]
    notes = []
    if orders is None:
        notes.append("ACME orders are not served by this cluster (a non-ACME issuer has none).")
    else:
        my_orders = _newest(o for o in orders if _owned_by(o, "CertificateRequest", name_of(request)))
        if my_orders:
            order = my_orders[0]
            steps.append(_order_step(order))
            if challenges is not None:
                steps += [_challenge_step(c) for c in sorted(
                    (c for c in challenges if _owned_by(c, "Order", name_of(order))), key=name_of)]
                if len(steps) == 2 and steps[1].status in _DONE_STATES:
                    notes.append("The order is valid: cert-manager has deleted its challenges.")
    return Issuance(tuple(steps), len(mine) - 1, " ".join(notes))

