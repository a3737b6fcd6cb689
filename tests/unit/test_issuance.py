"""The issuance chain of a Certificate: newest request, its order, the order's challenges, by owner reference."""

from __future__ import annotations

import datetime as dt

from homelab_tui.demo.seed_issuance import issuance
from homelab_tui.demo.seed_network import acme_error
from homelab_tui.model.health import State
from homelab_tui.model.issuance import issuance_chain

WHEN = "2026-11-20T10:00:00Z"


def cert(name: str = "grafana-tls", uid: str = "c0") -> dict:
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": name, "namespace": "monitoring", "uid": uid},
            "spec": {"dnsNames": [f"{name.removesuffix('-tls')}.home.jetzinger.com"], "secretName": name,
                     "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer"}}}


def split(objects: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    return ([o for o in objects if o["kind"] == "CertificateRequest"], [o for o in objects if o["kind"] == "Order"],
            [o for o in objects if o["kind"] == "Challenge"])


def test_an_issued_certificate_shows_a_ready_request_and_a_valid_order():
    chain = issuance_chain("grafana-tls", *split(issuance(cert(), 3, "issued", WHEN, "111")))
    assert [(s.kind, s.name, s.status, s.state) for s in chain.steps] == [
        ("CertificateRequest", "grafana-tls-3", "Ready", State.OK),
        ("Order", "grafana-tls-3-111", "valid", State.OK)]
    assert chain.steps[0].facts == "revision 3 · approved"
    assert chain.state == State.OK
    assert "deleted its challenges" in chain.note
    assert chain.steps[0].created == dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc).timestamp()


def test_a_failed_issuance_names_the_challenge_and_why():
    host = "grafana.home.jetzinger.com"
    chain = issuance_chain("grafana-tls", *split(issuance(cert(), 1, "failed", WHEN, "2222233333", acme_error(host))))
    request, order, challenge = chain.steps
    assert (request.status, request.state) == ("Failed", State.FAIL)
    assert (order.status, order.state) == ("invalid", State.FAIL)
    assert (challenge.kind, challenge.status, challenge.state) == ("Challenge", "invalid", State.FAIL)
    assert challenge.facts == f"DNS-01 for {host} · not presented"
    assert challenge.message.endswith(f"No TXT record found at _acme-challenge.{host}")
    assert chain.note == ""


def test_only_the_newest_request_of_this_certificate_is_followed():
    old = issuance(cert(), 2, "failed", "2026-10-01T00:00:00Z", "1", "acme: old failure")
    new = issuance(cert(), 3, "issued", WHEN, "2")
    other = issuance(cert("prometheus-tls", uid="c1"), 9, "failed", WHEN, "3", "acme: not mine")
    requests, orders, challenges = split(old + new + other)
    chain = issuance_chain("grafana-tls", requests, orders, challenges)
    assert [s.name for s in chain.steps] == ["grafana-tls-3", "grafana-tls-3-2"]
    assert chain.older_requests == 1


def test_a_request_matched_by_annotation_alone_and_one_still_pending():
    request = issuance(cert(), 1, "issued", WHEN, "5")[0]
    request["metadata"].pop("ownerReferences")
    request["status"] = {}
    chain = issuance_chain("grafana-tls", [request], [], [])
    assert [(s.status, s.state, s.facts) for s in chain.steps] == [
        ("Pending", State.WARN, "revision 1 · not approved yet")]


def test_a_denied_request_fails():
    request = issuance(cert(), 1, "issued", WHEN, "5")[0]
    request["status"]["conditions"] = [{"type": "Denied", "status": "True", "reason": "policy",
                                        "message": "denied by approver-policy"}]
    step = issuance_chain("grafana-tls", [request], [], []).steps[0]
    assert (step.status, step.state, step.message) == ("Denied", State.FAIL, "denied by approver-policy")


def test_kinds_the_cluster_does_not_serve_are_said():
    assert issuance_chain("grafana-tls", None, None, None).note == \
        "CertificateRequests are not served by this cluster."
    requests, _, _ = split(issuance(cert(), 1, "issued", WHEN, "5"))
    chain = issuance_chain("grafana-tls", requests, None, None)
    assert len(chain.steps) == 1 and "ACME orders are not served" in chain.note
    assert "has not started an issuance" in issuance_chain("grafana-tls", [], [], []).note


def test_a_pending_challenge_that_is_presented_warns():
    objects = issuance(cert(), 1, "failed", WHEN, "7777777777", "x")
    challenge = objects[2]
    challenge["status"] = {"state": "pending", "presented": True, "processing": True,
                           "reason": "Waiting for DNS-01 challenge propagation: DNS record not yet propagated"}
    objects[1]["status"] = {"state": "pending"}
    chain = issuance_chain("grafana-tls", *split(objects))
    assert chain.steps[2].facts.endswith("· presented · processing")
    assert (chain.steps[2].state, chain.steps[1].state) == (State.WARN, State.WARN)
