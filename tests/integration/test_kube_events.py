"""Events of one object from the simulated API server: filtered by the involved object's kind as well as its name.

A Certificate and its TLS Secret share a name (``openclaw-tls``), and so do a Deployment and its Service: the name
alone mixes their events.
"""

from __future__ import annotations

import pytest

from homelab_tui.config import KubernetesSettings
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.kube_client import KubeTarget
from tests.integration.kube_server import KubeServer


def event(namespace: str, kind: str, name: str, reason: str, message: str) -> dict:
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{name}.{kind.lower()}-{reason.lower()}", "namespace": namespace},
            "involvedObject": {"kind": kind, "name": name, "namespace": namespace},
            "reason": reason, "message": message, "type": "Normal", "count": 1,
            "firstTimestamp": "2026-03-01T11:00:00Z", "lastTimestamp": "2026-03-01T11:00:00Z"}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    with KubeServer(tmp_path_factory.mktemp("events"), life_step=None) as server:
        for e in (event("apps", "Secret", "openclaw-tls", "Updated", "a Secret event with the Certificate's name"),
                  event("ml", "Service", "litellm", "Synced", "a Service event with the Deployment's name"),
                  event("ml", "Deployment", "litellm", "ScalingReplicaSet", "Scaled up replica set litellm-1 to 1")):
            server.call(lambda e=e: server.store.put("events", e))
        yield KubeSource(KubeTarget(str(server.kubeconfig)), KubernetesSettings(timeout=5.0))


def summary(events: list[dict]) -> list[tuple[str, str]]:
    return [(e["involvedObject"]["kind"], e["reason"]) for e in events]


def test_a_certificates_events_leave_out_its_secrets(source):
    events = source.list_events("apps", "openclaw-tls", "Certificate")
    assert sorted(summary(events)) == [("Certificate", "Failed"), ("Certificate", "Issuing")]
    assert any("No TXT record found" in e["message"] for e in events)
    named = source.list_events("apps", "openclaw-tls")
    assert sorted(summary(named)) == [("Certificate", "Failed"), ("Certificate", "Issuing"), ("Secret", "Updated")]


def test_a_deployments_events_leave_out_its_services(source):
    assert summary(source.list_events("ml", "litellm", "Deployment")) == [("Deployment", "ScalingReplicaSet")]
    assert summary(source.list_events("ml", "litellm", "Service")) == [("Service", "Synced")]


def test_a_kind_alone_or_nothing(source):
    everything = source.list_events("apps")
    secrets = source.list_events("apps", involved_kind="Secret")
    assert summary(secrets) == [("Secret", "Updated")] and len(everything) > len(secrets)
    assert all(e["metadata"]["namespace"] == "apps" for e in everything)
