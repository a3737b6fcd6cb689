"""Secrets described without their values: keys, sizes, fingerprints, conventions, and who uses them.

Pure functions over plain Secret / workload JSON (from the watch cache or a fresh GET).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from homelab_tui.actions.secret_value import fingerprint

HELM_MANAGED_BY = "helm"
#: set by cert-manager on the secret of a Certificate (the Certificate's name)
CERT_MANAGER_ANNOTATION = "cert-manager.io/certificate-name"
#: the keys cert-manager writes into that secret
CERT_MANAGER_KEYS = frozenset({"tls.crt", "tls.key", "ca.crt"})
TLS_TYPE = "kubernetes.io/tls"
TLS_PAIR = ("tls.crt", "tls.key")


@dataclass(frozen=True)
class SecretKey:
    key: str
    size: int
    fingerprint: str


@dataclass(frozen=True)
class SecretInfo:
    namespace: str
    name: str
    type: str
    keys: tuple[SecretKey, ...]
    resource_version: str
    warnings: tuple[str, ...]
    #: the cert-manager Certificate (``namespace/name``) that writes this secret, or ''
    certificate: str = ""

    def fingerprints(self) -> dict[str, str]:
        return {k.key: k.fingerprint for k in self.keys}

    def key(self, key: str) -> SecretKey | None:
        return next((k for k in self.keys if k.key == key), None)


def decoded_values(secret: Mapping[str, Any]) -> dict[str, bytes]:
    """Each key's value as bytes (``data`` is base64; ``stringData`` is only set on writes, but wins)."""
    out: dict[str, bytes] = {}
    for key, value in ((secret.get("data") or {}) if isinstance(secret.get("data"), Mapping) else {}).items():
        try:
            out[str(key)] = base64.b64decode(str(value or ""), validate=True)
        except (binascii.Error, ValueError):
            out[str(key)] = str(value or "").encode()
    for key, value in ((secret.get("stringData") or {}) if isinstance(secret.get("stringData"), Mapping)
                       else {}).items():
        out[str(key)] = str(value or "").encode()
    return out


def key_fingerprints(secret: Mapping[str, Any]) -> dict[str, str]:
    return {k: fingerprint(v) for k, v in decoded_values(secret).items()}


def secret_warnings(secret: Mapping[str, Any]) -> tuple[str, ...]:
    """The home-lab's conventions: names are ``{app}-secrets``; Helm-managed secrets belong to Helm."""
    md = secret.get("metadata") or {}
    name = str(md.get("name") or "")
    labels = md.get("labels") or {}
    annotations = md.get("annotations") or {}
    stype = str(secret.get("type") or "Opaque")
    out = []
    if stype.startswith("helm.sh/release"):
        out.append("this is Helm's release record: patching it corrupts the release")
    elif (str(labels.get("app.kubernetes.io/managed-by") or "").lower() == HELM_MANAGED_BY
          or str(labels.get("owner") or "").lower() == HELM_MANAGED_BY
          or any(str(k).startswith(("meta.helm.sh/", "helm.sh/")) for k in annotations)):
        out.append("managed by Helm: the next helm upgrade overwrites this change — "
                   "put it in the release's *-secrets.yaml values instead")
    if stype == "Opaque" and not (name.endswith("-secrets") and len(name) > len("-secrets")):
        out.append(f"name {name!r} breaks the {{app}}-secrets convention")
    return tuple(out)


def tls_patch_checks(secret: Mapping[str, Any], key: str) -> tuple[str, tuple[str, ...]]:
    """(why patching ``key`` is refused, or '', and the warnings) for a TLS or cert-manager secret.

    cert-manager owns ``tls.crt``, ``tls.key`` and ``ca.crt`` of the secret it names in
    ``cert-manager.io/certificate-name``: a value typed by hand breaks the key pair (HTTPS fails) and is
    replaced at the next issuance, so it is refused and the renewal (``R``) named instead. Other keys of
    such a secret, and the pair of a hand-made ``kubernetes.io/tls`` secret, only warn. These are not
    :func:`secret_warnings`: a TLS secret is fine in the secrets list; only patching it is a risk.
    """
    md = secret.get("metadata") or {}
    where = f"{md.get('namespace') or ''}/{md.get('name') or ''}"
    certificate = str((md.get("annotations") or {}).get(CERT_MANAGER_ANNOTATION) or "")
    if certificate:
        owner = f"managed by cert-manager (Certificate {md.get('namespace') or ''}/{certificate})"
        if key in CERT_MANAGER_KEYS:
            return (f"Secret {where} is {owner}: a {key} typed by hand no longer matches the rest of the "
                    "certificate, so HTTPS breaks until cert-manager replaces it — renew the certificate with R "
                    "(screen 3) instead"), ()
        return "", (f"{owner}: it keeps {key}, but to change the certificate or its key renew it with R "
                    "(screen 3) instead",)
    if str(secret.get("type") or "") == TLS_TYPE and key in TLS_PAIR:
        other = TLS_PAIR[1 - TLS_PAIR.index(key)]
        return "", (f"TLS secret: tls.crt and tls.key must be a matching pair — {key} alone no longer matches "
                    f"{other} (HTTPS fails) until {other} is patched too",)
    return "", ()


def describe_secret(secret: Mapping[str, Any]) -> SecretInfo:
    md = secret.get("metadata") or {}
    values = decoded_values(secret)
    keys = tuple(SecretKey(k, len(v), fingerprint(v)) for k, v in sorted(values.items()))
    certificate = str((md.get("annotations") or {}).get(CERT_MANAGER_ANNOTATION) or "")
    return SecretInfo(namespace=str(md.get("namespace") or ""), name=str(md.get("name") or ""),
                      type=str(secret.get("type") or "Opaque"), keys=keys,
                      resource_version=str(md.get("resourceVersion") or ""), warnings=secret_warnings(secret),
                      certificate=f"{md.get('namespace') or ''}/{certificate}" if certificate else "")


def describe_secrets(secrets: Iterable[Mapping[str, Any]], namespace: str | None = None) -> list[SecretInfo]:
    """Every secret (of one namespace), sorted by namespace and name — for the secrets list."""
    infos = [describe_secret(s) for s in secrets
             if namespace is None or (s.get("metadata") or {}).get("namespace") == namespace]
    return sorted(infos, key=lambda i: (i.namespace, i.name))


# --------------------------------------------------------------------------- who uses a secret


def _pod_spec(workload: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}


def secret_refs(workload: Mapping[str, Any], secret_name: str) -> list[str]:
    """How a workload's pod template uses ``secret_name``: 'env FOO (key K)', 'envFrom', 'volume V'."""
    spec = _pod_spec(workload)
    refs: list[str] = []
    for c in list(spec.get("containers") or []) + list(spec.get("initContainers") or []):
        for env in c.get("env") or []:
            ref = ((env or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
            if ref.get("name") == secret_name:
                refs.append(f"env {env.get('name')} (key {ref.get('key')})")
        for src in c.get("envFrom") or []:
            if ((src or {}).get("secretRef") or {}).get("name") == secret_name:
                refs.append(f"envFrom in container {c.get('name')}")
    for vol in spec.get("volumes") or []:
        vol = vol or {}
        if (vol.get("secret") or {}).get("secretName") == secret_name:
            refs.append(f"volume {vol.get('name')}")
        for source in (vol.get("projected") or {}).get("sources") or []:
            if ((source or {}).get("secret") or {}).get("name") == secret_name:
                refs.append(f"projected volume {vol.get('name')}")
    return refs


def secret_users(workloads: Iterable[tuple[str, Mapping[str, Any]]], namespace: str,
                 secret_name: str) -> list[tuple[str, str, list[str]]]:
    """(kind, name, refs) of the workloads in ``namespace`` whose pods use the secret."""
    out = []
    for kind, wl in workloads:
        md = wl.get("metadata") or {}
        if md.get("namespace") != namespace:
            continue
        refs = secret_refs(wl, secret_name)
        if refs:
            out.append((kind, str(md.get("name") or ""), refs))
    return sorted(out)
