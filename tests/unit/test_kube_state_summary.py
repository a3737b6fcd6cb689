"""The one-line summary of the Kubernetes source when resources fail: credentials, network or a few
resources, so the operator looks in the right place."""

from __future__ import annotations

from homelab_tui.sources.kube_state import ResourceCache, summarise
from homelab_tui.sources.resources import WATCHED

FORBIDDEN = "403 Forbidden: nodes is forbidden: User \"dashboard\" cannot list resource"
REFUSED = "connection refused"


def _caches(errors: dict[str, str]) -> list[ResourceCache]:
    """The caches of every watched resource, failing with ``errors`` by key."""
    caches = []
    for spec in WATCHED:
        cache = ResourceCache(spec)
        cache.error = errors.get(spec.key)
        caches.append(cache)
    return caches


def _summary(errors: dict[str, str]) -> str | None:
    caches = _caches(errors)
    return summarise([c for c in caches if c.error], len(caches))


def test_nothing_failing_has_no_summary() -> None:
    assert _summary({}) is None


def test_a_403_on_every_resource_is_the_credentials_not_the_network() -> None:
    assert _summary({s.key: FORBIDDEN for s in WATCHED}) == f"API refused every request: {FORBIDDEN}"


def test_every_resource_refused_is_unreachable() -> None:
    assert _summary({s.key: REFUSED for s in WATCHED}) == f"API unreachable: {REFUSED}"


def test_one_resource_still_answering_is_not_unreachable() -> None:
    failing = {s.key: REFUSED for s in WATCHED if s.key != "nodes"}
    summary = _summary(failing)
    assert summary == f"certificates, clusterissuers, configmaps…: {REFUSED}"
    assert "unreachable" not in summary


def test_other_errors_are_counted() -> None:
    errors = {"secrets": FORBIDDEN, "configmaps": FORBIDDEN, "pods": "500 InternalError: etcd timeout"}
    assert _summary(errors) == f"configmaps, secrets: {FORBIDDEN} (+1 other error)"
    errors["nodes"] = REFUSED
    assert _summary(errors) == f"configmaps, secrets: {FORBIDDEN} (+2 other errors)"
