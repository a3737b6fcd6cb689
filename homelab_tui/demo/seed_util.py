"""Small deterministic helpers shared by the seed modules."""

from __future__ import annotations

import base64
import datetime as dt
import random
import uuid

from homelab_tui.demo.podgen import SAFE
from homelab_tui.demo.store import rfc3339

DOMAIN = "home.jetzinger.com"
#: markers the simulation reads (documented in the report; harmless on a real cluster)
USED_FRACTION = "demo.homelab-tui/used-fraction"
GROWTH_PER_DAY = "demo.homelab-tui/growth-per-day"
CRASHLOOP = "demo.homelab-tui/crashloop"
ACME_FAILURE = "demo.homelab-tui/acme-failure"


class Gen:
    """Deterministic uids, suffixes and times for one seed."""

    def __init__(self, now: dt.datetime, seed: int) -> None:
        self.now = now
        self.rng = random.Random(seed)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def suffix(self, n: int = 5) -> str:
        return "".join(self.rng.choice(SAFE) for _ in range(n))

    def ago(self, days: float = 0, hours: float = 0, minutes: float = 0) -> str:
        return rfc3339(self.now - dt.timedelta(days=days, hours=hours, minutes=minutes))

    def at(self, delta: dt.timedelta) -> str:
        return rfc3339(self.now + delta)

    def md(self, name: str, namespace: str | None = None, labels: dict | None = None, days: float = 30,
           annotations: dict | None = None) -> dict:
        md: dict = {"name": name, "uid": self.uid(), "creationTimestamp": self.ago(days=days)}
        if namespace:
            md["namespace"] = namespace
        if labels:
            md["labels"] = labels
        if annotations:
            md["annotations"] = annotations
        return md


def recommended(app: str, component: str, managed_by: str = "kubectl", instance: str | None = None) -> dict:
    """The five recommended labels of the home-lab's convention."""
    return {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance or f"{app}-{component}",
            "app.kubernetes.io/part-of": "home-lab", "app.kubernetes.io/component": component,
            "app.kubernetes.io/managed-by": managed_by}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def fake_cert_pem(host: str, revision: int) -> str:
    """PEM-shaped text with no real certificate or key material in it."""
    body = b64(f"simulated home-lab certificate for {host}, revision {revision}; not a real certificate")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def tls_data(host: str, revision: int) -> dict:
    return {"tls.crt": b64(fake_cert_pem(host, revision)),
            "tls.key": b64(f"# simulated home-lab: no key material for {host}\n"),
            "ca.crt": ""}
